; tncc assembly
.arch "fetta" fingerprint=0x9fee8c7f
.statement 0 "left[p1, p2, p3, p4, e] = leaf[p1, p2, a] * leaf[p3, p4, b] * mid1[a, b, e]  # examples/tree.tn:21"
.statement 1 "right[p5, p6, p7, p8, f] = leaf[p5, p6, c] * leaf[p7, p8, d] * mid2[c, d, f]  # examples/tree.tn:22"
.statement 2 "psi[p1, p2, p3, p4, p5, p6, p7, p8] = left[p1, p2, p3, p4, e] * right[p5, p6, p7, p8, f] * top[e, f]  # examples/tree.tn:23"
.statement 3 "d_top[e, f] = d_psi[p1, p2, p3, p4, p5, p6, p7, p8] * leaf[p1, p2, a] * leaf[p3, p4, b] * mid1[a, b, e] * leaf[p5, p6, c] * leaf[p7, p8, d] * mid2[c, d, f]  # examples/tree.tn:27"
.statement 4 "d_mid1[a, b, e] = d_psi[p1, p2, p3, p4, p5, p6, p7, p8] * leaf[p1, p2, a] * leaf[p3, p4, b] * leaf[p5, p6, c] * leaf[p7, p8, d] * mid2[c, d, f] * top[e, f]  # examples/tree.tn:27"
.statement 5 "d_mid2[c, d, f] = d_psi[p1, p2, p3, p4, p5, p6, p7, p8] * leaf[p1, p2, a] * leaf[p3, p4, b] * mid1[a, b, e] * leaf[p5, p6, c] * leaf[p7, p8, d] * top[e, f]  # examples/tree.tn:27"
.symbol leaf role=param dtype=fp32 shape=[2,2,3] dram=0x0 strides=[6,3,1]
.symbol mid1 role=param dtype=fp32 shape=[3,3,5] dram=0xc strides=[15,5,1]
.symbol mid2 role=param dtype=fp32 shape=[3,3,5] dram=0x39 strides=[15,5,1]
.symbol top role=param dtype=fp32 shape=[5,5] dram=0x66 strides=[5,1]
.symbol d_psi role=grad_input dtype=fp32 shape=[2,2,2,2,2,2,2,2] dram=0x7f strides=[128,64,32,16,8,4,2,1]
.symbol psi role=output dtype=fp32 shape=[2,2,2,2,2,2,2,2] dram=0x17f strides=[128,64,32,16,8,4,2,1]
.symbol d_top role=output dtype=fp32 shape=[5,5] dram=0x27f strides=[5,1]
.symbol d_mid1 role=output dtype=fp32 shape=[3,3,5] dram=0x298 strides=[15,5,1]
.symbol d_mid2 role=output dtype=fp32 shape=[3,3,5] dram=0x2c5 strides=[15,5,1]
.dma 0 dtype=fp32 dims=[(12,1,1)]
.dma 1 dtype=fp32 dims=[(45,1,1)]
.dma 2 dtype=fp32 dims=[(25,1,1)]
.dma 3 dtype=fp32 dims=[(128,3,2),(2,1,1)]
.dma 4 dtype=fp32 dims=[(128,2,3),(2,1,1)]
.switch 0 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 1 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=00000000da022d021c39170e2441162400000008000000080000000800000004082202088c00080700000000
.switch 2 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=00000000da002d000c09070e2001122000000000000000000000000000000000080202088c00080000000000
.switch 3 ports=64 benes1=c00ff801f801c01d18061c666464642480c8c0e880888088808880880000000020202060000c001c00002001 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 4 ports=64 benes1=00000000444444444488448884218421d4d4d4d44444444400000000c6c6c6c66cd86cd8b06db06d00000000 copy=0000000000000000 benes2=aa0000000a000a000202010210011010000000000000000000000000000000000200020000000000f0000000
.switch 5 ports=64 benes1=c00ff801f801c01d18061c666464642480c8c0e880888088808880880000000020202060000c001c00002001 copy=0000000000000000 benes2=000000000000000000001f1f52313201163436144220221002202200402220221412161a3c00f000f0f00000
.switch 6 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=0000000002000100000100000000000000000000000000000000000000000000000000000200000002000000
.switch 7 ports=64 benes1=00000000c0e1c0e1dc06dc06e4ace4ace26ae26a808880888088808800000000a0e0a0e000fc00fc00000000 copy=0000000000000000 benes2=00000000a803e102160f0902760646608c6cc8c68828888288288882440444401200041c5a026a014a290500
.switch 8 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=000000000000070000030001001000010000000000000000000000000000000000020000040006000c000000
.switch 9 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=0000000000000000de9c397bc4ab2a99b84806a88800022088000220c4280288848c1810c6188c31cc30c30c
.switch 10 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=000000000000000038301d1f0271360576341e1462200a1022200a00202224222a2a120a0000000000000000
.switch 11 ports=64 benes1=36600300860182000012001b0050005044444444004000400000000022622262001400141001100100030300 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 12 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000007070221221114404400000000000000000002202200000000000000000000000000
.red 0 groups=[3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3]
.red 1 groups=[3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3]
.red 2 groups=[5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5]
.red 3 groups=[5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5]
.red 4 groups=[8,8,8,8,8,8,8,8,8,8]
.red 5 groups=[2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2]
.red 6 groups=[4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4]
.red 7 groups=[9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9]
.red 8 groups=[5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5]
.tile 0 dtype=fp32 dataflow=inner tb=1 tm=4 tn=15 tkk=3 a=0x0:[(12,1)]:[] b=0x28:[(3,15),(5,1),(3,5)]:[] c=0x9b:[(60,1)] accumulate=0 loops=[]
.tile 1 dtype=fp32 dataflow=inner tb=1 tm=4 tn=10 tkk=3 a=0x0:[(12,1)]:[] b=0x9b:[(2,15),(5,1),(3,5)]:[] c=0x140:[(4,26),(10,1)] accumulate=0 loops=[(2,0,30,13,0)]
.tile 2 dtype=fp32 dataflow=inner tb=1 tm=4 tn=10 tkk=3 a=0x0:[(12,1)]:[] b=0x9b:[(2,15),(5,1),(3,5)]:[] c=0x246:[(4,26),(10,1)] accumulate=0 loops=[(2,0,30,13,0)]
.tile 3 dtype=fp32 dataflow=inner tb=1 tm=8 tn=5 tkk=5 a=0x246:[(4,13),(10,1)]:[] b=0x9b:[(25,1)]:[] c=0x34c:[(40,1)] accumulate=0 loops=[(2,52,0,40,0)]
.tile 4 dtype=fp32 dataflow=inner tb=1 tm=8 tn=2 tkk=5 a=0x140:[(4,13),(10,1)]:[] b=0x34c:[(10,1)]:[] c=0x452:[(8,24),(2,1)] accumulate=0 loops=[(2,52,0,192,0),(2,0,40,12,0),(2,0,20,6,0),(2,0,10,3,0)]
.tile 5 dtype=fp32 dataflow=inner tb=1 tm=2 tn=5 tkk=8 a=0x34c:[(2,1),(8,24)]:[(2,192)] b=0x140:[(5,1),(4,13),(2,5)]:[(2,52)] c=0xb0d:[(10,1)] accumulate=0 loops=[(2,12,0,52,0),(2,6,0,26,0),(2,3,0,13,0)]
.tile 6 dtype=fp32 dataflow=inner tb=1 tm=3 tn=20 tkk=2 a=0x0:[(3,1),(2,3)]:[(2,6)] b=0xb0d:[(4,26),(5,1),(2,5)]:[(2,13)] c=0xd0:[(60,1)] accumulate=0 loops=[]
.tile 7 dtype=fp32 dataflow=inner tb=1 tm=3 tn=15 tkk=4 a=0x0:[(3,1),(4,3)]:[] b=0xd0:[(3,20),(5,1),(4,5)]:[] c=0x18a:[(45,1)] accumulate=0 loops=[]
.tile 8 dtype=fp32 dataflow=inner tb=1 tm=5 tn=5 tkk=9 a=0x28:[(5,1),(9,5)]:[] b=0x18a:[(5,1),(9,5)]:[] c=0xd0:[(5,1),(5,5)] accumulate=0 loops=[]
.tile 9 dtype=fp32 dataflow=inner tb=1 tm=2 tn=5 tkk=8 a=0x34c:[(2,24),(4,3),(2,1)]:[(2,12)] b=0x246:[(5,1),(4,13),(2,5)]:[(2,52)] c=0xb0d:[(10,1)] accumulate=0 loops=[(2,192,0,52,0),(2,96,0,26,0),(2,48,0,13,0)]
.tile 10 dtype=fp32 dataflow=inner tb=1 tm=3 tn=15 tkk=4 a=0x0:[(3,1),(4,3)]:[] b=0xd0:[(3,20),(5,1),(4,5)]:[] c=0x28:[(45,1)] accumulate=0 loops=[]
.tile 11 dtype=fp32 dataflow=inner tb=1 tm=5 tn=9 tkk=5 a=0x9b:[(25,1)]:[] b=0x28:[(45,1)]:[] c=0xd0:[(5,1),(9,5)] accumulate=0 loops=[]
.tile 12 dtype=fp32 dataflow=inner tb=1 tm=5 tn=9 tkk=5 a=0x9b:[(5,1),(5,5)]:[] b=0x18a:[(45,1)]:[] c=0x0:[(5,1),(9,5)] accumulate=0 loops=[]
    LOAD dram=0x0 buf=0x0 desc=0 src=0           ; left[p1, p2, p3, p4, e] = leaf[p1, p2, a] * leaf[p3, p4, ...
    LOAD dram=0xc buf=0x28 desc=1 src=0
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
    SIGNAL unit=ARRAY sem=8 src=1                ; right[p5, p6, p7, p8, f] = leaf[p5, p6, c] * leaf[p7, p8,...
    SIGNAL unit=ARRAY sem=9 src=0                ; left[p1, p2, p3, p4, e] = leaf[p1, p2, a] * leaf[p3, p4, ...
    WAIT unit=DIST sem=9 src=0
    DIST net=B cfg=2 src=0
    SIGNAL unit=ARRAY sem=11 src=0
    WAIT unit=RED sem=11 src=0
    RED cfg=1 src=0
    SIGNAL unit=ARRAY sem=10 src=0
    WAIT unit=ARRAY sem=10 src=0
    SIGNAL unit=DIST sem=6 src=0
    WAIT unit=ARRAY sem=6 src=0
    SIGNAL unit=RED sem=14 src=0
    WAIT unit=ARRAY sem=14 src=0
    CTILE tile=1 src=0
    WAIT unit=DMA sem=8 src=1                    ; right[p5, p6, p7, p8, f] = leaf[p5, p6, c] * leaf[p7, p8,...
    LOAD dram=0x39 buf=0x28 desc=1 src=1
    SIGNAL unit=ARRAY sem=9 src=1
    WAIT unit=DIST sem=9 src=1
    DIST net=B cfg=1 src=1
    SIGNAL unit=ARRAY sem=11 src=1
    WAIT unit=RED sem=11 src=1
    RED cfg=0 src=1
    SIGNAL unit=DMA sem=2 src=1
    WAIT unit=ARRAY sem=2 src=1
    SIGNAL unit=DIST sem=6 src=1
    WAIT unit=ARRAY sem=6 src=1
    SIGNAL unit=RED sem=14 src=1
    WAIT unit=ARRAY sem=14 src=1
    CTILE tile=0 src=1
    SIGNAL unit=ARRAY sem=9 src=1
    WAIT unit=DIST sem=9 src=1
    DIST net=B cfg=2 src=1
    SIGNAL unit=ARRAY sem=11 src=1
    WAIT unit=RED sem=11 src=1
    RED cfg=1 src=1
    SIGNAL unit=ARRAY sem=10 src=1
    WAIT unit=ARRAY sem=10 src=1
    SIGNAL unit=DIST sem=6 src=1
    WAIT unit=ARRAY sem=6 src=1
    SIGNAL unit=RED sem=14 src=1
    WAIT unit=ARRAY sem=14 src=1
    CTILE tile=2 src=1
    SIGNAL unit=ARRAY sem=8 src=2                ; psi[p1, p2, p3, p4, p5, p6, p7, p8] = left[p1, p2, p3, p4...
    WAIT unit=DMA sem=8 src=2
    LOAD dram=0x66 buf=0x9b desc=2 src=2
    SIGNAL unit=ARRAY sem=9 src=2
    WAIT unit=DIST sem=9 src=2
    DIST net=A cfg=3 src=2
    DIST net=B cfg=0 src=2
    SIGNAL unit=ARRAY sem=11 src=2
    WAIT unit=RED sem=11 src=2
    RED cfg=2 src=2
    SIGNAL unit=ARRAY sem=10 src=2
    WAIT unit=ARRAY sem=10 src=2
    SIGNAL unit=DMA sem=2 src=2
    WAIT unit=ARRAY sem=2 src=2
    SIGNAL unit=DIST sem=6 src=2
    WAIT unit=ARRAY sem=6 src=2
    SIGNAL unit=RED sem=14 src=2
    WAIT unit=ARRAY sem=14 src=2
    CTILE tile=3 src=2
    SIGNAL unit=ARRAY sem=11 src=2
    WAIT unit=RED sem=11 src=2
    RED cfg=3 src=2
    SIGNAL unit=ARRAY sem=10 src=2
    WAIT unit=ARRAY sem=10 src=2
    SIGNAL unit=RED sem=14 src=2
    WAIT unit=ARRAY sem=14 src=2
    CTILE tile=4 src=2
    SIGNAL unit=ARRAY sem=8 src=2
    WAIT unit=DMA sem=8 src=2
    STORE buf=0x452 dram=0x17f desc=3 src=2
    LOAD dram=0x7f buf=0x34c desc=4 src=3        ; d_top[e, f] = d_psi[p1, p2, p3, p4, p5, p6, p7, p8] * lea...
    SIGNAL unit=ARRAY sem=9 src=3
    WAIT unit=DIST sem=9 src=3
    DIST net=A cfg=4 src=3
    DIST net=B cfg=5 src=3
    SIGNAL unit=ARRAY sem=11 src=3
    WAIT unit=RED sem=11 src=3
    RED cfg=4 src=3
    SIGNAL unit=ARRAY sem=10 src=3
    WAIT unit=ARRAY sem=10 src=3
    SIGNAL unit=DMA sem=2 src=3
    WAIT unit=ARRAY sem=2 src=3
    SIGNAL unit=DIST sem=6 src=3
    WAIT unit=ARRAY sem=6 src=3
    SIGNAL unit=RED sem=14 src=3
    WAIT unit=ARRAY sem=14 src=3
    CTILE tile=5 src=3
    SIGNAL unit=ARRAY sem=9 src=3
    WAIT unit=DIST sem=9 src=3
    DIST net=A cfg=6 src=3
    DIST net=B cfg=7 src=3
    SIGNAL unit=ARRAY sem=11 src=3
    WAIT unit=RED sem=11 src=3
    RED cfg=5 src=3
    SIGNAL unit=ARRAY sem=10 src=3
    WAIT unit=ARRAY sem=10 src=3
    SIGNAL unit=DIST sem=6 src=3
    WAIT unit=ARRAY sem=6 src=3
    SIGNAL unit=RED sem=14 src=3
    WAIT unit=ARRAY sem=14 src=3
    CTILE tile=6 src=3
    SIGNAL unit=ARRAY sem=9 src=3
    WAIT unit=DIST sem=9 src=3
    DIST net=A cfg=8 src=3
    DIST net=B cfg=9 src=3
    SIGNAL unit=ARRAY sem=11 src=3
    WAIT unit=RED sem=11 src=3
    RED cfg=6 src=3
    SIGNAL unit=ARRAY sem=10 src=3
    WAIT unit=ARRAY sem=10 src=3
    SIGNAL unit=DIST sem=6 src=3
    WAIT unit=ARRAY sem=6 src=3
    SIGNAL unit=RED sem=14 src=3
    WAIT unit=ARRAY sem=14 src=3
    CTILE tile=7 src=3
    SIGNAL unit=ARRAY sem=9 src=3
    WAIT unit=DIST sem=9 src=3
    DIST net=A cfg=10 src=3
    DIST net=B cfg=10 src=3
    SIGNAL unit=ARRAY sem=11 src=3
    WAIT unit=RED sem=11 src=3
    RED cfg=7 src=3
    SIGNAL unit=ARRAY sem=10 src=3
    WAIT unit=ARRAY sem=10 src=3
    SIGNAL unit=DIST sem=6 src=3
    WAIT unit=ARRAY sem=6 src=3
    SIGNAL unit=RED sem=14 src=3
    WAIT unit=ARRAY sem=14 src=3
    CTILE tile=8 src=3
    SIGNAL unit=ARRAY sem=8 src=3
    SIGNAL unit=ARRAY sem=9 src=4                ; d_mid1[a, b, e] = d_psi[p1, p2, p3, p4, p5, p6, p7, p8] *...
    WAIT unit=DIST sem=9 src=4
    DIST net=A cfg=11 src=4
    DIST net=B cfg=5 src=4
    SIGNAL unit=ARRAY sem=11 src=4
    WAIT unit=RED sem=11 src=4
    RED cfg=4 src=4
    SIGNAL unit=DIST sem=6 src=4
    WAIT unit=ARRAY sem=6 src=4
    SIGNAL unit=RED sem=14 src=4
    WAIT unit=ARRAY sem=14 src=4
    CTILE tile=9 src=4
    SIGNAL unit=ARRAY sem=9 src=4
    WAIT unit=DIST sem=9 src=4
    DIST net=A cfg=6 src=4
    DIST net=B cfg=7 src=4
    SIGNAL unit=ARRAY sem=11 src=4
    WAIT unit=RED sem=11 src=4
    RED cfg=5 src=4
    WAIT unit=DMA sem=8 src=3                    ; d_top[e, f] = d_psi[p1, p2, p3, p4, p5, p6, p7, p8] * lea...
    STORE buf=0xd0 dram=0x27f desc=2 src=3
    SIGNAL unit=ARRAY sem=10 src=4               ; d_mid1[a, b, e] = d_psi[p1, p2, p3, p4, p5, p6, p7, p8] *...
    WAIT unit=ARRAY sem=10 src=4
    SIGNAL unit=DMA sem=2 src=4
    WAIT unit=ARRAY sem=2 src=4
    SIGNAL unit=DIST sem=6 src=4
    WAIT unit=ARRAY sem=6 src=4
    SIGNAL unit=RED sem=14 src=4
    WAIT unit=ARRAY sem=14 src=4
    CTILE tile=6 src=4
    SIGNAL unit=ARRAY sem=9 src=4
    WAIT unit=DIST sem=9 src=4
    DIST net=A cfg=8 src=4
    DIST net=B cfg=9 src=4
    SIGNAL unit=ARRAY sem=11 src=4
    WAIT unit=RED sem=11 src=4
    RED cfg=6 src=4
    SIGNAL unit=ARRAY sem=10 src=4
    WAIT unit=ARRAY sem=10 src=4
    SIGNAL unit=DIST sem=6 src=4
    WAIT unit=ARRAY sem=6 src=4
    SIGNAL unit=RED sem=14 src=4
    WAIT unit=ARRAY sem=14 src=4
    CTILE tile=10 src=4
    SIGNAL unit=ARRAY sem=9 src=4
    WAIT unit=DIST sem=9 src=4
    DIST net=A cfg=0 src=4
    DIST net=B cfg=0 src=4
    SIGNAL unit=ARRAY sem=11 src=4
    WAIT unit=RED sem=11 src=4
    RED cfg=8 src=4
    SIGNAL unit=ARRAY sem=10 src=4
    WAIT unit=ARRAY sem=10 src=4
    SIGNAL unit=DIST sem=6 src=4
    WAIT unit=ARRAY sem=6 src=4
    SIGNAL unit=RED sem=14 src=4
    WAIT unit=ARRAY sem=14 src=4
    CTILE tile=11 src=4
    SIGNAL unit=ARRAY sem=8 src=4
    SIGNAL unit=ARRAY sem=9 src=5                ; d_mid2[c, d, f] = d_psi[p1, p2, p3, p4, p5, p6, p7, p8] *...
    WAIT unit=DIST sem=9 src=5
    DIST net=A cfg=12 src=5
    SIGNAL unit=DIST sem=6 src=5
    WAIT unit=ARRAY sem=6 src=5
    CTILE tile=12 src=5
    WAIT unit=DMA sem=8 src=4                    ; d_mid1[a, b, e] = d_psi[p1, p2, p3, p4, p5, p6, p7, p8] *...
    STORE buf=0xd0 dram=0x298 desc=1 src=4
    SIGNAL unit=ARRAY sem=8 src=5                ; d_mid2[c, d, f] = d_psi[p1, p2, p3, p4, p5, p6, p7, p8] *...
    WAIT unit=DMA sem=8 src=5
    STORE buf=0x0 dram=0x2c5 desc=1 src=5
    HALT
