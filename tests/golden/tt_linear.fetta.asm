; tncc assembly
.arch "fetta" fingerprint=0x9fee8c7f
.statement 0 "y[t, o1, o2, o3] = x[t, i1, i2, i3] * g1[i1, r1] * g2[r1, i2, r2] * g3[r2, i3, r3] * g4[r3, o1, r4] * g5[r4, o2, r5] * g6[r5, o3]  # examples/tt_linear.tn:22"
.statement 1 "d_x[t, i1, i2, i3] = d_y[t, o1, o2, o3] * g1[i1, r1] * g2[r1, i2, r2] * g3[r2, i3, r3] * g4[r3, o1, r4] * g5[r4, o2, r5] * g6[r5, o3]  # examples/tt_linear.tn:26"
.statement 2 "d_g1[i1, r1] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g2[r1, i2, r2] * g3[r2, i3, r3] * g4[r3, o1, r4] * g5[r4, o2, r5] * g6[r5, o3]  # examples/tt_linear.tn:26"
.statement 3 "d_g2[r1, i2, r2] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g1[i1, r1] * g3[r2, i3, r3] * g4[r3, o1, r4] * g5[r4, o2, r5] * g6[r5, o3]  # examples/tt_linear.tn:26"
.statement 4 "d_g3[r2, i3, r3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g1[i1, r1] * g2[r1, i2, r2] * g4[r3, o1, r4] * g5[r4, o2, r5] * g6[r5, o3]  # examples/tt_linear.tn:26"
.statement 5 "d_g4[r3, o1, r4] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g1[i1, r1] * g2[r1, i2, r2] * g3[r2, i3, r3] * g5[r4, o2, r5] * g6[r5, o3]  # examples/tt_linear.tn:26"
.statement 6 "d_g5[r4, o2, r5] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g1[i1, r1] * g2[r1, i2, r2] * g3[r2, i3, r3] * g4[r3, o1, r4] * g6[r5, o3]  # examples/tt_linear.tn:26"
.statement 7 "d_g6[r5, o3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g1[i1, r1] * g2[r1, i2, r2] * g3[r2, i3, r3] * g4[r3, o1, r4] * g5[r4, o2, r5]  # examples/tt_linear.tn:26"
.symbol x role=input dtype=fp32 shape=[16,4,4,4] dram=0x0 strides=[64,16,4,1]
.symbol g1 role=param dtype=fp32 shape=[4,8] dram=0x400 strides=[8,1]
.symbol g2 role=param dtype=fp32 shape=[8,4,8] dram=0x420 strides=[32,8,1]
.symbol g3 role=param dtype=fp32 shape=[8,4,8] dram=0x520 strides=[32,8,1]
.symbol g4 role=param dtype=fp32 shape=[8,4,8] dram=0x620 strides=[32,8,1]
.symbol g5 role=param dtype=fp32 shape=[8,4,8] dram=0x720 strides=[32,8,1]
.symbol g6 role=param dtype=fp32 shape=[8,4] dram=0x820 strides=[4,1]
.symbol d_y role=grad_input dtype=fp32 shape=[16,4,4,4] dram=0x840 strides=[64,16,4,1]
.symbol y role=output dtype=fp32 shape=[16,4,4,4] dram=0xc40 strides=[64,16,4,1]
.symbol d_x role=output dtype=fp32 shape=[16,4,4,4] dram=0x1040 strides=[64,16,4,1]
.symbol d_g1 role=output dtype=fp32 shape=[4,8] dram=0x1440 strides=[8,1]
.symbol d_g2 role=output dtype=fp32 shape=[8,4,8] dram=0x1460 strides=[32,8,1]
.symbol d_g3 role=output dtype=fp32 shape=[8,4,8] dram=0x1560 strides=[32,8,1]
.symbol d_g4 role=output dtype=fp32 shape=[8,4,8] dram=0x1660 strides=[32,8,1]
.symbol d_g5 role=output dtype=fp32 shape=[8,4,8] dram=0x1760 strides=[32,8,1]
.symbol d_g6 role=output dtype=fp32 shape=[8,4] dram=0x1860 strides=[4,1]
.dma 0 dtype=fp32 dims=[(32,1,1)]
.dma 1 dtype=fp32 dims=[(32,8,10),(8,1,1)]
.dma 2 dtype=fp32 dims=[(64,16,20),(16,1,1)]
.dma 3 dtype=fp32 dims=[(32,8,12),(8,1,1)]
.dma 4 dtype=fp32 dims=[(32,8,9),(8,1,1)]
.dma 5 dtype=fp32 dims=[(256,1,1)]
.dma 6 dtype=fp32 dims=[(16,64,68),(64,1,1)]
.dma 7 dtype=fp32 dims=[(64,21,16),(4,5,4),(4,1,1)]
.dma 8 dtype=fp32 dims=[(8,40,32),(4,9,8),(8,1,1)]
.dma 9 dtype=fp32 dims=[(1024,1,1)]
.switch 0 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 1 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=f0f0f0f0f0f0f0f05a5a5a5a0000ffff00ff00ff3c3cc3c30000000000000000f0f0f0f0f0f0f0f0f0f0f0f0
.switch 2 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=cccccccccccccccc0000ffff00ff00ff0000000000000000000000000000000000000000cccccccccccccccc
.switch 3 ports=64 benes1=00000000000000000a0a0a0a12121212444444440000000000000000222222220c0c0c0c0000000000000000 copy=0000000000000000 benes2=cc0000000c000c00000003030011001100000000000000000000000000000000000000000c000c00cc000000
.switch 4 ports=64 benes1=00000000000000003636363626262626c8c8c8c8888888888888888844444444303030300000000000000000 copy=0000000000000000 benes2=f0f00000f000f0000a0a050512212112441144110000000000000000222222220c0c0c0ccc00cc00cccc0000
.switch 5 ports=64 benes1=aaaaaaaaaaaa5555aa55aa555a5a5a5a66666666aaaaaaaaaaaaaaaaccccccccf0f0f0f000ff00ff0000ffff copy=0000000000000000 benes2=000000000000000000000f0f0033300350141004000000000000000000000000000000000000000000000000
.switch 6 ports=64 benes1=00000000000000005a5a5a5a5a5a5a5a66666666aaaaaaaaaaaaaaaaccccccccf0f0f0f00000000000000000 copy=0000000000000000 benes2=00ff0000aa00aa000a050a0512122121444411110000000000000000222222220c0c0c0cf000f000f0f00000
.switch 7 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=f0f0f0f03c3c3c3cb4b4b4b40000ffffcc3333ccd2e178b40000000000000000f0f0f0f0f0f0f0f0f0f0f0f0
.switch 8 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=cccc0000cc00cc000c0c030312211221141414140000000000000000222222220a0a0a0af000f000f0f00000
.switch 9 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=00ff00ff00ff00ffcccc3333cc33cc33f0f00f0fcc33cc3300000000cccccccccccccccccccccccccccccccc
.switch 10 ports=64 benes1=00000000000000004444444484848484d4d4d4d44444444400000000c6c6c6c66c6c6c6c0000000000000000 copy=0000000000000000 benes2=cc0000000c000c00000003030011001100000000000000000000000000000000000000000c000c00cc000000
.switch 11 ports=64 benes1=00000000000000005a5a5a5a5a5a5a5a66666666aaaaaaaaaaaaaaaaccccccccf0f0f0f00000000000000000 copy=0000000000000000 benes2=00000000000000000c0c0c0c12121212141414140000000000000000222222220a0a0a0a0000000000000000
.switch 12 ports=64 benes1=0000000000000000aaaaaaaa5a5a5a5a66666666aaaaaaaaaaaaaaaaccccccccf0f0f0f00000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000050505050000000000000000000000000000000000000000000000000
.switch 13 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=000000000000000000000000f0f0f0f00c0c0c0c626262620000000000000000000000000000000000000000
.switch 14 ports=64 benes1=00000000000000004242424290909090c4c4c4c44040404000000000e2e2e2e2747474740000000000000000 copy=0000000000000000 benes2=3c0000000a000a00020201011001011000000000000000000000000000000000000000000c000c00cc000000
.switch 15 ports=64 benes1=0000000000000000aaaaaaaa5a5a5a5a66666666aaaaaaaaaaaaaaaaccccccccf0f0f0f00000000000000000 copy=0000000000000000 benes2=0000000000000000000000003030303004040404000000000000000000000000000000000000000000000000
.switch 16 ports=64 benes1=0000000000000000000000006666666666666666aaaaaaaaaaaaaaaacccccccc000000000000000000000000 copy=0000000000000000 benes2=00ff0000cc00cc000c0c030300330033505005050000000000000000000000000c0c0c0ccc00cc00cccc0000
.switch 17 ports=64 benes1=00000000000000000a0a0a0a12121212444444440000000000000000222222220c0c0c0c0000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 18 ports=64 benes1=44444444444488884488112284218421d4d4d4d44444444400000000c6c6c6c66cd86cd8b06d60db00dbb66d copy=0000000000000000 benes2=0000000000000000000003030011100100000000000000000000000000000000000000000000000000000000
.switch 19 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000cccccccc0000000000000000000000000000000000000000
.switch 20 ports=64 benes1=000000000000000000000000aaaaaaaa66666666aaaaaaaaaaaaaaaacccccccc000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000044444444000000000000000000000000000000000000000000000000
.switch 21 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=f0f00000f000f0000a0a050512212112441144110000000000000000222222220c0c0c0ccc00cc00cccc0000
.switch 22 ports=64 benes1=000000000000000000000000aaaaaaaa66666666aaaaaaaaaaaaaaaacccccccc000000000000000000000000 copy=0000000000000000 benes2=f0f000003c003c000a0a050522112211144141140000000000000000000000000c0c0c0ccc00cc00cccc0000
.switch 23 ports=64 benes1=44444444444488884488112284218421d4d4d4d44444444400000000c6c6c6c66cd86cd8b06d60db00dbb66d copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 24 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=f0f0f0f0f0f0f0f0f0f0f0f00000ffff00ff00fff0f0f0f00000000000000000f0f0f0f0f0f0f0f0f0f0f0f0
.switch 25 ports=64 benes1=00000000aaaaaaaaaa55aa555a5a5a5a66666666aaaaaaaaaaaaaaaaccccccccf0f0f0f000ff00ff00000000 copy=0000000000000000 benes2=b4b40000960096000a0a050530300303144141140000000000000000222222220202020220001000cccc0000
.red 0 groups=[8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8]
.red 1 groups=[4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4]
.red 2 groups=[16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16]
.tile 0 dtype=fp32 dataflow=inner tb=1 tm=4 tn=8 tkk=8 a=0x0:[(32,1)]:[] b=0x20:[(8,1),(8,40)]:[] c=0x15e:[(4,48),(8,1)] accumulate=0 loops=[(4,0,10,8,0)]
.tile 1 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x3608:[(4,80),(4,1),(4,4)]:[(4,20)] b=0x15e:[(4,1),(4,8)]:[(4,48)] c=0x20e:[(16,10),(4,1)] accumulate=0 loops=[(4,320,0,160,0),(2,0,4,4,0)]
.tile 2 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x48c:[(8,1),(4,12)]:[(8,48)] b=0x20e:[(32,10)]:[(8,1)] c=0x608:[(8,24),(8,1)] accumulate=0 loops=[(2,0,320,8,0)]
.tile 3 dtype=fp32 dataflow=inner tb=1 tm=4 tn=8 tkk=8 a=0x6c0:[(4,1),(8,36)]:[] b=0x608:[(8,1),(8,24)]:[] c=0x7df:[(4,16),(8,1)] accumulate=0 loops=[(4,9,0,132,0),(2,4,0,64,0),(2,0,8,8,0)]
.tile 4 dtype=fp32 dataflow=inner tb=1 tm=8 tn=4 tkk=8 a=0x9eb:[(64,1)]:[] b=0xaeb:[(4,1),(8,4)]:[] c=0xb0b:[(32,1)] accumulate=0 loops=[(4,64,0,32,0)]
.tile 5 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x7df:[(16,1),(4,16)]:[(2,64)] b=0xb0b:[(4,1),(4,16)]:[(2,64)] c=0x3000:[(16,84),(4,1)] accumulate=0 loops=[(4,132,0,21,0),(4,0,4,5,0)]
.tile 6 dtype=fp32 dataflow=inner tb=1 tm=4 tn=4 tkk=16 a=0xb8b:[(64,1)]:[] b=0xb0b:[(64,1)]:[] c=0xfc7:[(4,10),(4,1)] accumulate=0 loops=[(16,68,0,40,0),(2,0,64,4,0)]
.tile 7 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x6c0:[(8,36),(4,1)]:[(4,9),(2,4)] b=0xfc7:[(8,40),(4,1)]:[(4,10),(2,4)] c=0x1245:[(8,24),(8,1)] accumulate=0 loops=[(2,0,320,8,0)]
.tile 8 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x48c:[(16,12),(4,1)]:[(2,4)] b=0x1245:[(4,1),(4,24)]:[(2,96)] c=0x12fd:[(16,20),(4,1)] accumulate=0 loops=[(2,192,0,320,0),(4,0,4,4,0)]
.tile 9 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x1245:[(8,24),(4,1)]:[(4,4)] b=0x20e:[(8,1),(4,40)]:[(4,160)] c=0x3800:[(8,1),(8,40)] accumulate=0 loops=[(4,0,10,9,0)]
.tile 10 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x12fd:[(16,1),(4,80)]:[(2,320)] b=0x15e:[(4,8),(4,1)]:[(2,4)] c=0x3584:[(16,84),(4,5)] accumulate=0 loops=[(4,20,0,1,0),(4,0,48,21,0)]
.tile 11 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x3000:[(64,1)]:[(16,64)] b=0x12fd:[(16,20)]:[(16,1)] c=0x48c:[(16,12),(4,1)] accumulate=0 loops=[(2,0,320,4,0)]
.tile 12 dtype=fp32 dataflow=inner tb=1 tm=8 tn=4 tkk=8 a=0x20:[(8,40),(8,1)]:[(4,10)] b=0x48c:[(4,48),(8,1)]:[(4,12)] c=0x3fc0:[(8,1),(4,8)] accumulate=0 loops=[]
.tile 13 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x0:[(8,1),(4,8)]:[] b=0x48c:[(8,1),(4,48)]:[] c=0x3000:[(8,40),(8,1)] accumulate=0 loops=[(4,0,12,9,0)]
.tile 14 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0xb8b:[(16,1),(4,16)]:[(16,68)] b=0x7df:[(4,16),(4,132)]:[(16,1)] c=0x20:[(16,12),(4,1)] accumulate=0 loops=[(2,0,64,4,0)]
.tile 15 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0xfc7:[(8,1),(4,40)]:[(4,160)] b=0x608:[(8,24),(4,1)]:[(4,4)] c=0x3000:[(8,1),(8,40)] accumulate=0 loops=[(4,10,0,9,0)]
.tile 16 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0xaeb:[(32,1)]:[] b=0x20:[(8,1),(4,12)]:[] c=0x3d8a:[(8,1),(8,40)] accumulate=0 loops=[(4,0,48,9,0)]
.tile 17 dtype=fp32 dataflow=inner tb=1 tm=8 tn=4 tkk=8 a=0x9eb:[(8,1),(8,8)]:[(4,64)] b=0x20:[(4,12),(2,1),(4,48)]:[(4,2)] c=0x3000:[(32,1)] accumulate=0 loops=[]
    LOAD dram=0x400 buf=0x0 desc=0 src=0         ; y[t, o1, o2, o3] = x[t, i1, i2, i3] * g1[i1, r1] * g2[r1,...
    LOAD dram=0x420 buf=0x20 desc=1 src=0
    SIGNAL unit=DMA sem=2 src=0
    LOAD dram=0x0 buf=0x3608 desc=2 src=0
    DIST net=A cfg=0 src=0
    DIST net=B cfg=1 src=0
    RED cfg=0 src=0
    WAIT unit=ARRAY sem=2 src=0
    SIGNAL unit=DIST sem=6 src=0
    WAIT unit=ARRAY sem=6 src=0
    SIGNAL unit=RED sem=14 src=0
    WAIT unit=ARRAY sem=14 src=0
    CTILE tile=0 src=0
    SIGNAL unit=ARRAY sem=9 src=0
    WAIT unit=DIST sem=9 src=0
    DIST net=A cfg=2 src=0
    DIST net=B cfg=3 src=0
    SIGNAL unit=ARRAY sem=11 src=0
    WAIT unit=RED sem=11 src=0
    RED cfg=1 src=0
    SIGNAL unit=ARRAY sem=10 src=0
    WAIT unit=ARRAY sem=10 src=0
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    SIGNAL unit=DIST sem=6 src=0
    WAIT unit=ARRAY sem=6 src=0
    SIGNAL unit=RED sem=14 src=0
    WAIT unit=ARRAY sem=14 src=0
    CTILE tile=1 src=0
    LOAD dram=0x520 buf=0x48c desc=3 src=0
    SIGNAL unit=ARRAY sem=9 src=0
    WAIT unit=DIST sem=9 src=0
    DIST net=A cfg=4 src=0
    DIST net=B cfg=5 src=0
    SIGNAL unit=ARRAY sem=10 src=0
    WAIT unit=ARRAY sem=10 src=0
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    SIGNAL unit=DIST sem=6 src=0
    WAIT unit=ARRAY sem=6 src=0
    CTILE tile=2 src=0
    LOAD dram=0x620 buf=0x6c0 desc=4 src=0
    SIGNAL unit=ARRAY sem=9 src=0
    WAIT unit=DIST sem=9 src=0
    DIST net=A cfg=6 src=0
    DIST net=B cfg=7 src=0
    SIGNAL unit=ARRAY sem=11 src=0
    WAIT unit=RED sem=11 src=0
    RED cfg=0 src=0
    SIGNAL unit=ARRAY sem=10 src=0
    WAIT unit=ARRAY sem=10 src=0
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    SIGNAL unit=DIST sem=6 src=0
    WAIT unit=ARRAY sem=6 src=0
    SIGNAL unit=RED sem=14 src=0
    WAIT unit=ARRAY sem=14 src=0
    CTILE tile=3 src=0
    LOAD dram=0x720 buf=0x9eb desc=5 src=0
    LOAD dram=0x820 buf=0xaeb desc=0 src=0
    SIGNAL unit=ARRAY sem=9 src=0
    WAIT unit=DIST sem=9 src=0
    DIST net=A cfg=0 src=0
    DIST net=B cfg=8 src=0
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    SIGNAL unit=DIST sem=6 src=0
    WAIT unit=ARRAY sem=6 src=0
    CTILE tile=4 src=0
    SIGNAL unit=ARRAY sem=9 src=0
    WAIT unit=DIST sem=9 src=0
    DIST net=A cfg=9 src=0
    DIST net=B cfg=10 src=0
    SIGNAL unit=ARRAY sem=11 src=0
    WAIT unit=RED sem=11 src=0
    RED cfg=1 src=0
    SIGNAL unit=ARRAY sem=10 src=0
    WAIT unit=ARRAY sem=10 src=0
    SIGNAL unit=DIST sem=6 src=0
    WAIT unit=ARRAY sem=6 src=0
    SIGNAL unit=RED sem=14 src=0
    WAIT unit=ARRAY sem=14 src=0
    CTILE tile=5 src=0
    SIGNAL unit=ARRAY sem=8 src=0
    LOAD dram=0x840 buf=0xb8b desc=6 src=1       ; d_x[t, i1, i2, i3] = d_y[t, o1, o2, o3] * g1[i1, r1] * g2...
    SIGNAL unit=ARRAY sem=9 src=1
    WAIT unit=DIST sem=9 src=1
    DIST net=A cfg=0 src=1
    DIST net=B cfg=0 src=1
    SIGNAL unit=ARRAY sem=11 src=1
    WAIT unit=RED sem=11 src=1
    RED cfg=2 src=1
    SIGNAL unit=DMA sem=2 src=1
    WAIT unit=ARRAY sem=2 src=1
    SIGNAL unit=DIST sem=6 src=1
    WAIT unit=ARRAY sem=6 src=1
    SIGNAL unit=RED sem=14 src=1
    WAIT unit=ARRAY sem=14 src=1
    CTILE tile=6 src=1
    SIGNAL unit=ARRAY sem=9 src=1
    WAIT unit=DIST sem=9 src=1
    DIST net=A cfg=11 src=1
    DIST net=B cfg=12 src=1
    SIGNAL unit=ARRAY sem=11 src=1
    WAIT unit=RED sem=11 src=1
    RED cfg=1 src=1
    SIGNAL unit=ARRAY sem=10 src=1
    WAIT unit=ARRAY sem=10 src=1
    SIGNAL unit=DIST sem=6 src=1
    WAIT unit=ARRAY sem=6 src=1
    SIGNAL unit=RED sem=14 src=1
    WAIT unit=ARRAY sem=14 src=1
    CTILE tile=7 src=1
    SIGNAL unit=ARRAY sem=9 src=1
    WAIT unit=DIST sem=9 src=1
    DIST net=A cfg=13 src=1
    DIST net=B cfg=14 src=1
    SIGNAL unit=ARRAY sem=10 src=1
    WAIT unit=ARRAY sem=10 src=1
    SIGNAL unit=DIST sem=6 src=1
    WAIT unit=ARRAY sem=6 src=1
    CTILE tile=8 src=1
    SIGNAL unit=ARRAY sem=9 src=4                ; d_g3[r2, i3, r3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DIST sem=9 src=4
    DIST net=A cfg=15 src=4
    DIST net=B cfg=16 src=4
    SIGNAL unit=DIST sem=6 src=4
    WAIT unit=ARRAY sem=6 src=4
    CTILE tile=9 src=4
    SIGNAL unit=ARRAY sem=9 src=1                ; d_x[t, i1, i2, i3] = d_y[t, o1, o2, o3] * g1[i1, r1] * g2...
    WAIT unit=DIST sem=9 src=1
    DIST net=A cfg=9 src=1
    DIST net=B cfg=17 src=1
    WAIT unit=DMA sem=8 src=0                    ; y[t, o1, o2, o3] = x[t, i1, i2, i3] * g1[i1, r1] * g2[r1,...
    STORE buf=0x3000 dram=0xc40 desc=7 src=0
    SIGNAL unit=ARRAY sem=8 src=4                ; d_g3[r2, i3, r3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DMA sem=8 src=4
    STORE buf=0x3800 dram=0x1560 desc=8 src=4
    SIGNAL unit=DMA sem=2 src=1                  ; d_x[t, i1, i2, i3] = d_y[t, o1, o2, o3] * g1[i1, r1] * g2...
    WAIT unit=ARRAY sem=2 src=1
    SIGNAL unit=DIST sem=6 src=1
    WAIT unit=ARRAY sem=6 src=1
    CTILE tile=10 src=1
    LOAD dram=0x0 buf=0x3000 desc=9 src=2        ; d_g1[i1, r1] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g2...
    SIGNAL unit=DMA sem=2 src=2
    SIGNAL unit=ARRAY sem=8 src=1                ; d_x[t, i1, i2, i3] = d_y[t, o1, o2, o3] * g1[i1, r1] * g2...
    WAIT unit=DMA sem=8 src=1
    STORE buf=0x3584 dram=0x1040 desc=7 src=1
    SIGNAL unit=ARRAY sem=9 src=2                ; d_g1[i1, r1] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g2...
    WAIT unit=DIST sem=9 src=2
    DIST net=A cfg=0 src=2
    DIST net=B cfg=18 src=2
    WAIT unit=ARRAY sem=2 src=2
    SIGNAL unit=DIST sem=6 src=2
    WAIT unit=ARRAY sem=6 src=2
    CTILE tile=11 src=2
    SIGNAL unit=ARRAY sem=9 src=2
    WAIT unit=DIST sem=9 src=2
    DIST net=A cfg=19 src=2
    DIST net=B cfg=20 src=2
    SIGNAL unit=ARRAY sem=11 src=2
    WAIT unit=RED sem=11 src=2
    RED cfg=0 src=2
    SIGNAL unit=ARRAY sem=10 src=2
    WAIT unit=ARRAY sem=10 src=2
    SIGNAL unit=DIST sem=6 src=2
    WAIT unit=ARRAY sem=6 src=2
    SIGNAL unit=RED sem=14 src=2
    WAIT unit=ARRAY sem=14 src=2
    CTILE tile=12 src=2
    SIGNAL unit=ARRAY sem=8 src=2
    SIGNAL unit=ARRAY sem=9 src=3                ; d_g2[r1, i2, r2] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DIST sem=9 src=3
    DIST net=A cfg=21 src=3
    DIST net=B cfg=22 src=3
    SIGNAL unit=ARRAY sem=11 src=3
    WAIT unit=RED sem=11 src=3
    RED cfg=1 src=3
    SIGNAL unit=DIST sem=6 src=3
    WAIT unit=ARRAY sem=6 src=3
    SIGNAL unit=RED sem=14 src=3
    WAIT unit=ARRAY sem=14 src=3
    CTILE tile=13 src=3
    SIGNAL unit=ARRAY sem=8 src=3
    SIGNAL unit=ARRAY sem=9 src=6                ; d_g5[r4, o2, r5] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DIST sem=9 src=6
    DIST net=A cfg=9 src=6
    DIST net=B cfg=23 src=6
    SIGNAL unit=DIST sem=6 src=6
    WAIT unit=ARRAY sem=6 src=6
    CTILE tile=14 src=6
    SIGNAL unit=ARRAY sem=9 src=5                ; d_g4[r3, o1, r4] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DIST sem=9 src=5
    DIST net=A cfg=16 src=5
    DIST net=B cfg=15 src=5
    WAIT unit=DMA sem=8 src=2                    ; d_g1[i1, r1] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g2...
    STORE buf=0x3fc0 dram=0x1440 desc=0 src=2
    WAIT unit=DMA sem=8 src=3                    ; d_g2[r1, i2, r2] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    STORE buf=0x3000 dram=0x1460 desc=8 src=3
    SIGNAL unit=DMA sem=2 src=5                  ; d_g4[r3, o1, r4] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=ARRAY sem=2 src=5
    SIGNAL unit=DIST sem=6 src=5
    WAIT unit=ARRAY sem=6 src=5
    CTILE tile=15 src=5
    SIGNAL unit=ARRAY sem=8 src=5
    SIGNAL unit=ARRAY sem=9 src=6                ; d_g5[r4, o2, r5] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DIST sem=9 src=6
    DIST net=A cfg=0 src=6
    DIST net=B cfg=4 src=6
    SIGNAL unit=DIST sem=6 src=6
    WAIT unit=ARRAY sem=6 src=6
    CTILE tile=16 src=6
    SIGNAL unit=ARRAY sem=9 src=7                ; d_g6[r5, o3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g1...
    WAIT unit=DIST sem=9 src=7
    DIST net=A cfg=24 src=7
    DIST net=B cfg=25 src=7
    SIGNAL unit=ARRAY sem=11 src=7
    WAIT unit=RED sem=11 src=7
    RED cfg=0 src=7
    WAIT unit=DMA sem=8 src=5                    ; d_g4[r3, o1, r4] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    STORE buf=0x3000 dram=0x1660 desc=8 src=5
    SIGNAL unit=DMA sem=2 src=7                  ; d_g6[r5, o3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g1...
    SIGNAL unit=ARRAY sem=8 src=6                ; d_g5[r4, o2, r5] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DMA sem=8 src=6
    STORE buf=0x3d8a dram=0x1760 desc=8 src=6
    WAIT unit=ARRAY sem=2 src=7                  ; d_g6[r5, o3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g1...
    SIGNAL unit=DIST sem=6 src=7
    WAIT unit=ARRAY sem=6 src=7
    SIGNAL unit=RED sem=14 src=7
    WAIT unit=ARRAY sem=14 src=7
    CTILE tile=17 src=7
    SIGNAL unit=ARRAY sem=8 src=7
    WAIT unit=DMA sem=8 src=7
    STORE buf=0x3000 dram=0x1860 desc=0 src=7
    HALT
