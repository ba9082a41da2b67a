; tncc assembly
.arch "fetta" fingerprint=0x9fee8c7f
.statement 0 "a2[i, k] = a[i, j] * a[j, k]  # examples/matrix_chain.tn:20"
.symbol a role=input dtype=fp32 shape=[33,33] dram=0x0 strides=[33,1]
.symbol a2 role=output dtype=fp32 shape=[33,33] dram=0x441 strides=[33,1]
.dma 0 dtype=fp32 dims=[(1089,1,1)]
.dma 1 dtype=fp32 dims=[(33,34,33),(33,1,1)]
.switch 0 ports=64 benes1=aaaaaaaaaaaa55aaaaa5aa559a5a5a5a6e666666aaaaaaaaa8aaaaaac0cccccc00f0f0f0000000ff00000000 copy=0000000000000000 benes2=0000000000000f000003030c10212112164141140200000002000000222222220a0a0a0aaa00aa00aaaa0000
.switch 1 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.red 0 groups=[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]
.red 1 groups=[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]
.tile 0 dtype=fp32 dataflow=outer tb=1 tm=33 tn=7 tkk=1 a=0x0:[(33,33)]:[(33,1)] b=0x0:[(7,1)]:[(33,33)] c=0x521:[(33,34),(7,1)] accumulate=0 loops=[(4,0,7,7,0)]
.tile 1 dtype=fp32 dataflow=outer tb=1 tm=33 tn=5 tkk=1 a=0x0:[(33,33)]:[(33,1)] b=0x1c:[(5,1)]:[(33,33)] c=0x53d:[(33,34),(5,1)] accumulate=0 loops=[]
    LOAD dram=0x0 buf=0x0 desc=0 src=0           ; a2[i, k] = a[i, j] * a[j, k]  # examples/matrix_chain.tn:20
    DIST net=A cfg=0 src=0
    DIST net=B cfg=1 src=0
    RED cfg=0 src=0
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    SIGNAL unit=DIST sem=6 src=0
    WAIT unit=ARRAY sem=6 src=0
    SIGNAL unit=RED sem=14 src=0
    WAIT unit=ARRAY sem=14 src=0
    CTILE tile=0 src=0
    SIGNAL unit=ARRAY sem=11 src=0
    WAIT unit=RED sem=11 src=0
    RED cfg=1 src=0
    SIGNAL unit=RED sem=14 src=0
    WAIT unit=ARRAY sem=14 src=0
    CTILE tile=1 src=0
    SIGNAL unit=ARRAY sem=8 src=0
    WAIT unit=DMA sem=8 src=0
    STORE buf=0x521 dram=0x441 desc=1 src=0
    HALT
