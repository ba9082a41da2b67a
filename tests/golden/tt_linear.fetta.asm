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
.dma 2 dtype=fp32 dims=[(32,8,9),(8,1,1)]
.dma 3 dtype=fp32 dims=[(64,16,21),(4,4,5),(4,1,1)]
.dma 4 dtype=fp32 dims=[(256,1,1)]
.dma 5 dtype=fp32 dims=[(32,8,12),(8,1,1)]
.dma 6 dtype=fp32 dims=[(64,21,16),(4,5,4),(4,1,1)]
.dma 7 dtype=fp32 dims=[(32,10,8),(8,1,1)]
.dma 8 dtype=fp32 dims=[(8,48,32),(32,1,1)]
.dma 9 dtype=fp32 dims=[(8,56,32),(4,12,8),(8,1,1)]
.switch 0 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 1 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=f0f0f0f0f0f0f0f05a5a5a5a0000ffff00ff00ff3c3cc3c30000000000000000f0f0f0f0f0f0f0f0f0f0f0f0
.switch 2 ports=64 benes1=0000030000010100100f0f1030030330100101101001011000000000000000001e00001e020002000a000000 copy=5500000000000000 benes2=0a00fcff9a99999932333233963969c69696696966669999aa0aaa0a2a2a2a2a30c030c0f0f0f0f0f0f0f0f0
.switch 3 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=00000000000000000000000000000000f0f0f0f06c6c6c6c0000000000000000000000000000000000000000
.switch 4 ports=64 benes1=08000855208020100021a10280200009d4d4d4dc4444445400000000c6c6c68e4cdcccb810d360af003ff0b7 copy=0000000000000000 benes2=040000000c000300000103010001011100000000000000000000000000000000000000000000080042000000
.switch 5 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=cccc0000cc00cc000c0c030312211221141414140000000000000000222222220a0a0a0af000f000f0f00000
.switch 6 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=000000000000000000000000f0f0f0f00c0c0c0c626262620000000000000000000000000000000000000000
.switch 7 ports=64 benes1=00000000000000004444444484848484d4d4d4d44444444400000000c6c6c6c66c6c6c6c0000000000000000 copy=0000000000000000 benes2=cc0000000c000c00000003030011001100000000000000000000000000000000000000000c000c00cc000000
.switch 8 ports=64 benes1=00000000000000004444444484848484d4d4d4d44444444400000000c6c6c6c66c6c6c6c0000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 9 ports=64 benes1=1c38000060180618044000420280009044c444c4404040400000000062e262e2387030748010101000810000 copy=0000000000000000 benes2=3c0000000a000a00020201011001011000000000000000000000000000000000000000000c000c00cc000000
.switch 10 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=cccccccccccccccccccccccc9c9c9c9cf0f00f0f6c939c6300000000000000000000000000ff00ff00ff00ff
.switch 11 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=cccccccc666666666633663336939993660f66f096c696c90a00aa002a402a80c03030c000ff00ff00ff00ff
.switch 12 ports=64 benes1=00000000000000005a5a5a5a5a5a5a5a66666666aaaaaaaaaaaaaaaaccccccccf0f0f0f00000000000000000 copy=0000000000000000 benes2=00000000000000000c0c0c0c12121212141414140000000000000000222222220a0a0a0a0000000000000000
.switch 13 ports=64 benes1=000000000000000000000000aaaaaaaa66666666aaaaaaaaaaaaaaaacccccccc000000000000000000000000 copy=0000000000000000 benes2=00000000000000000a0a0a0a22222222141414140000000000000000000000000c0c0c0c0000000000000000
.switch 14 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000cccccccc0000000000000000000000000000000000000000
.switch 15 ports=64 benes1=0000c61852a55a8c322aa22ba27a225a68646864a8a8a8a8a8a8a8a8c4ccc4cc70f0f0f000ff00b700009524 copy=0000000000000000 benes2=468200009e0020000607020b1010230244015011000000000000000022020002040a0c002c00960008180000
.switch 16 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=f0f00000f000f0000a0a050512212112441144110000000000000000222222220c0c0c0ccc00cc00cccc0000
.switch 17 ports=64 benes1=9c730e009c03ce011c0e0c066064607480c8c0c8808880888088808840444044101010100003000300000f00 copy=0000000000000000 benes2=cccc0000cc00cc0000000f0f003300330000000000000000000000000000000000000000cc00cc00cccc0000
.switch 18 ports=64 benes1=000000000000000000000000aaaaaaaa66666666aaaaaaaaaaaaaaaacccccccc000000000000000000000000 copy=0000000000000000 benes2=f0f000003c003c000a0a050522112211144141140000000000000000000000000c0c0c0ccc00cc00cccc0000
.switch 19 ports=64 benes1=00000000000000003636363626262626c8c8c8c8888888888888888844444444303030300000000000000000 copy=0000000000000000 benes2=f0f00000f000f0000a0a050512212112441144110000000000000000222222220c0c0c0ccc00cc00cccc0000
.switch 20 ports=64 benes1=0000000000000000020202023a3a3a3a60606060a8a8a8a8a8a8a8a8ccccccccb0b0b0b00000000000000000 copy=0000000000000000 benes2=0000000000000000020202023232323244444444000000000000000000000000080808080000000000000000
.switch 21 ports=64 benes1=0000000000000000000000006666666688888888888888888888888844444444000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 22 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=f0f0f0f0f0f0f0f0f0f0f0f00000ffff00ff00fff0f0f0f00000000000000000f0f0f0f0f0f0f0f0f0f0f0f0
.switch 23 ports=64 benes1=0000000000000000000000006666666688888888888888888888888844444444000000000000000000000000 copy=0000000000000000 benes2=cccc0000cc00cc000c0c030312211221141414140000000000000000222222220a0a0a0af000f000f0f00000
.red 0 groups=[8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8]
.red 1 groups=[4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4]
.red 2 groups=[16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16]
.tile 0 dtype=fp32 dataflow=inner tb=1 tm=4 tn=8 tkk=8 a=0x0:[(32,1)]:[] b=0x35:[(8,1),(8,40)]:[] c=0x23f:[(4,48),(8,1)] accumulate=0 loops=[(4,0,10,8,0)]
.tile 1 dtype=fp32 dataflow=inner tb=1 tm=8 tn=4 tkk=8 a=0x385:[(8,1),(8,36)]:[] b=0x23f:[(32,1)]:[] c=0x58f:[(8,23),(4,1)] accumulate=0 loops=[(4,9,0,184,0),(4,0,48,5,0)]
.tile 2 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0xbf6:[(16,84),(4,1)]:[(4,21),(4,5)] b=0x58f:[(4,23),(4,184)]:[(4,5),(4,1)] c=0x1911:[(16,12),(4,1)] accumulate=0 loops=[(2,0,92,4,0)]
.tile 3 dtype=fp32 dataflow=inner tb=1 tm=8 tn=4 tkk=8 a=0x19fa:[(64,1)]:[] b=0x1c04:[(4,1),(8,4)]:[] c=0x1c55:[(32,1)] accumulate=0 loops=[(4,64,0,32,0)]
.tile 4 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x1ddf:[(16,12),(4,1)]:[(2,4)] b=0x1c55:[(4,1),(4,16)]:[(2,64)] c=0x1fe9:[(16,20),(4,1)] accumulate=0 loops=[(2,192,0,320,0),(4,0,4,5,0)]
.tile 5 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x1911:[(16,12),(4,1)]:[(2,4)] b=0x1fe9:[(4,1),(4,80)]:[(2,320)] c=0x266c:[(16,84),(4,1)] accumulate=0 loops=[(4,0,20,21,0),(4,0,5,5,0)]
.tile 6 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x266c:[(16,84),(4,1)]:[(4,21),(4,5)] b=0x1fe9:[(4,80),(4,1)]:[(16,5)] c=0x3387:[(16,12),(4,1)] accumulate=0 loops=[(2,0,320,4,0)]
.tile 7 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x3387:[(16,12),(4,1)]:[(2,4)] b=0x58f:[(4,1),(4,23)]:[(2,92)] c=0x3470:[(16,84),(4,5)] accumulate=0 loops=[(4,0,184,1,0),(4,0,5,21,0)]
.tile 8 dtype=fp32 dataflow=inner tb=1 tm=4 tn=4 tkk=16 a=0xbf6:[(4,1),(16,84)]:[] b=0x3387:[(4,1),(16,12)]:[] c=0x58f:[(4,12),(4,1)] accumulate=0 loops=[(4,21,0,196,0),(4,5,0,48,0),(2,0,4,4,0)]
.tile 9 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x385:[(8,36),(4,1)]:[(4,9),(2,4)] b=0x58f:[(2,196),(4,48),(4,1)]:[(4,12),(2,4)] c=0x9c6:[(8,20),(2,5),(4,1)] accumulate=0 loops=[(2,0,392,10,0)]
.tile 10 dtype=fp32 dataflow=inner tb=1 tm=8 tn=4 tkk=8 a=0x35:[(8,40),(8,1)]:[(4,10)] b=0x9c6:[(4,5),(8,20)]:[(4,1)] c=0x385:[(8,1),(4,8)] accumulate=0 loops=[]
.tile 11 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x0:[(8,1),(4,8)]:[] b=0x9c6:[(2,20),(4,1),(4,5)]:[] c=0x35:[(8,40),(2,1),(4,10)] accumulate=0 loops=[(4,0,40,2,0)]
.tile 12 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x58f:[(8,1),(4,48)]:[(4,196)] b=0x23f:[(8,1),(4,8)]:[(4,48)] c=0x9c6:[(8,1),(8,48)] accumulate=0 loops=[(4,12,0,8,0)]
.tile 13 dtype=fp32 dataflow=inner tb=1 tm=4 tn=4 tkk=16 a=0x266c:[(4,1),(16,84)]:[] b=0x1911:[(4,1),(16,12)]:[] c=0x0:[(4,12),(4,1)] accumulate=0 loops=[(4,21,0,193,0),(4,5,0,48,0),(2,0,4,4,0)]
.tile 14 dtype=fp32 dataflow=inner tb=1 tm=4 tn=4 tkk=16 a=0x0:[(4,1),(16,12)]:[] b=0x1c55:[(64,1)]:[] c=0x437:[(4,56),(4,1)] accumulate=0 loops=[(4,193,0,12,0),(2,4,0,224,0),(2,0,64,4,0)]
.tile 15 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x1ddf:[(8,1),(4,12)]:[(8,48)] b=0x0:[(8,12),(4,193)]:[(8,1)] c=0x437:[(8,24),(8,1)] accumulate=0 loops=[(2,0,96,8,0)]
.tile 16 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x1c04:[(32,1)]:[] b=0x437:[(2,24),(16,1)]:[] c=0x0:[(8,1),(8,8)] accumulate=0 loops=[(4,0,48,64,0)]
.tile 17 dtype=fp32 dataflow=inner tb=1 tm=8 tn=4 tkk=8 a=0x19fa:[(8,1),(8,8)]:[(4,64)] b=0x437:[(4,1),(2,24),(4,4)]:[(4,48)] c=0x0:[(32,1)] accumulate=0 loops=[]
    LOAD dram=0x400 buf=0x0 desc=0 src=0         ; y[t, o1, o2, o3] = x[t, i1, i2, i3] * g1[i1, r1] * g2[r1,...
    LOAD dram=0x420 buf=0x35 desc=1 src=0
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
    LOAD dram=0x520 buf=0x385 desc=2 src=0
    SIGNAL unit=ARRAY sem=9 src=0
    WAIT unit=DIST sem=9 src=0
    DIST net=A cfg=2 src=0
    DIST net=B cfg=0 src=0
    SIGNAL unit=ARRAY sem=10 src=0
    WAIT unit=ARRAY sem=10 src=0
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    SIGNAL unit=DIST sem=6 src=0
    WAIT unit=ARRAY sem=6 src=0
    CTILE tile=1 src=0
    LOAD dram=0x0 buf=0xbf6 desc=3 src=0
    SIGNAL unit=ARRAY sem=9 src=0
    WAIT unit=DIST sem=9 src=0
    DIST net=A cfg=3 src=0
    DIST net=B cfg=4 src=0
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
    CTILE tile=2 src=0
    LOAD dram=0x720 buf=0x19fa desc=4 src=0
    LOAD dram=0x820 buf=0x1c04 desc=0 src=0
    SIGNAL unit=ARRAY sem=9 src=0
    WAIT unit=DIST sem=9 src=0
    DIST net=A cfg=0 src=0
    DIST net=B cfg=5 src=0
    SIGNAL unit=ARRAY sem=11 src=0
    WAIT unit=RED sem=11 src=0
    RED cfg=0 src=0
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    SIGNAL unit=DIST sem=6 src=0
    WAIT unit=ARRAY sem=6 src=0
    SIGNAL unit=RED sem=14 src=0
    WAIT unit=ARRAY sem=14 src=0
    CTILE tile=3 src=0
    LOAD dram=0x620 buf=0x1ddf desc=5 src=0
    SIGNAL unit=ARRAY sem=9 src=0
    WAIT unit=DIST sem=9 src=0
    DIST net=A cfg=6 src=0
    DIST net=B cfg=7 src=0
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
    CTILE tile=4 src=0
    SIGNAL unit=ARRAY sem=10 src=0
    WAIT unit=ARRAY sem=10 src=0
    CTILE tile=5 src=0
    SIGNAL unit=ARRAY sem=8 src=0
    WAIT unit=DMA sem=8 src=0
    STORE buf=0x266c dram=0xc40 desc=6 src=0
    LOAD dram=0x840 buf=0x266c desc=3 src=1      ; d_x[t, i1, i2, i3] = d_y[t, o1, o2, o3] * g1[i1, r1] * g2...
    SIGNAL unit=ARRAY sem=9 src=1
    WAIT unit=DIST sem=9 src=1
    DIST net=A cfg=3 src=1
    DIST net=B cfg=8 src=1
    SIGNAL unit=ARRAY sem=10 src=1
    WAIT unit=ARRAY sem=10 src=1
    SIGNAL unit=DMA sem=2 src=1
    WAIT unit=ARRAY sem=2 src=1
    SIGNAL unit=DIST sem=6 src=1
    WAIT unit=ARRAY sem=6 src=1
    CTILE tile=6 src=1
    SIGNAL unit=ARRAY sem=9 src=1
    WAIT unit=DIST sem=9 src=1
    DIST net=A cfg=6 src=1
    DIST net=B cfg=9 src=1
    SIGNAL unit=ARRAY sem=10 src=1
    WAIT unit=ARRAY sem=10 src=1
    SIGNAL unit=DIST sem=6 src=1
    WAIT unit=ARRAY sem=6 src=1
    CTILE tile=7 src=1
    SIGNAL unit=ARRAY sem=8 src=1
    SIGNAL unit=ARRAY sem=9 src=2                ; d_g1[i1, r1] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g2...
    WAIT unit=DIST sem=9 src=2
    DIST net=A cfg=10 src=2
    DIST net=B cfg=11 src=2
    SIGNAL unit=ARRAY sem=11 src=2
    WAIT unit=RED sem=11 src=2
    RED cfg=2 src=2
    SIGNAL unit=DIST sem=6 src=2
    WAIT unit=ARRAY sem=6 src=2
    SIGNAL unit=RED sem=14 src=2
    WAIT unit=ARRAY sem=14 src=2
    CTILE tile=8 src=2
    SIGNAL unit=ARRAY sem=9 src=2
    WAIT unit=DIST sem=9 src=2
    DIST net=A cfg=12 src=2
    DIST net=B cfg=13 src=2
    SIGNAL unit=ARRAY sem=11 src=2
    WAIT unit=RED sem=11 src=2
    RED cfg=1 src=2
    SIGNAL unit=ARRAY sem=10 src=2
    WAIT unit=ARRAY sem=10 src=2
    SIGNAL unit=DIST sem=6 src=2
    WAIT unit=ARRAY sem=6 src=2
    SIGNAL unit=RED sem=14 src=2
    WAIT unit=ARRAY sem=14 src=2
    CTILE tile=9 src=2
    SIGNAL unit=ARRAY sem=9 src=2
    WAIT unit=DIST sem=9 src=2
    DIST net=A cfg=14 src=2
    DIST net=B cfg=15 src=2
    SIGNAL unit=ARRAY sem=11 src=2
    WAIT unit=RED sem=11 src=2
    RED cfg=0 src=2
    SIGNAL unit=ARRAY sem=10 src=2
    WAIT unit=ARRAY sem=10 src=2
    SIGNAL unit=DIST sem=6 src=2
    WAIT unit=ARRAY sem=6 src=2
    SIGNAL unit=RED sem=14 src=2
    WAIT unit=ARRAY sem=14 src=2
    CTILE tile=10 src=2
    SIGNAL unit=ARRAY sem=8 src=2
    SIGNAL unit=ARRAY sem=9 src=3                ; d_g2[r1, i2, r2] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DIST sem=9 src=3
    DIST net=A cfg=16 src=3
    DIST net=B cfg=17 src=3
    SIGNAL unit=ARRAY sem=11 src=3
    WAIT unit=RED sem=11 src=3
    RED cfg=1 src=3
    SIGNAL unit=DIST sem=6 src=3
    WAIT unit=ARRAY sem=6 src=3
    SIGNAL unit=RED sem=14 src=3
    WAIT unit=ARRAY sem=14 src=3
    CTILE tile=11 src=3
    SIGNAL unit=ARRAY sem=8 src=3
    SIGNAL unit=ARRAY sem=9 src=4                ; d_g3[r2, i3, r3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DIST sem=9 src=4
    DIST net=A cfg=18 src=4
    DIST net=B cfg=16 src=4
    SIGNAL unit=DIST sem=6 src=4
    WAIT unit=ARRAY sem=6 src=4
    CTILE tile=12 src=4
    SIGNAL unit=ARRAY sem=9 src=5                ; d_g4[r3, o1, r4] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DIST sem=9 src=5
    DIST net=A cfg=10 src=5
    DIST net=B cfg=11 src=5
    SIGNAL unit=ARRAY sem=11 src=5
    WAIT unit=RED sem=11 src=5
    RED cfg=2 src=5
    WAIT unit=DMA sem=8 src=1                    ; d_x[t, i1, i2, i3] = d_y[t, o1, o2, o3] * g1[i1, r1] * g2...
    STORE buf=0x3470 dram=0x1040 desc=6 src=1
    WAIT unit=DMA sem=8 src=2                    ; d_g1[i1, r1] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g2...
    STORE buf=0x385 dram=0x1440 desc=0 src=2
    WAIT unit=DMA sem=8 src=3                    ; d_g2[r1, i2, r2] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    STORE buf=0x35 dram=0x1460 desc=7 src=3
    SIGNAL unit=DMA sem=2 src=5                  ; d_g4[r3, o1, r4] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    SIGNAL unit=ARRAY sem=8 src=4                ; d_g3[r2, i3, r3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DMA sem=8 src=4
    STORE buf=0x9c6 dram=0x1560 desc=8 src=4
    WAIT unit=ARRAY sem=2 src=5                  ; d_g4[r3, o1, r4] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    SIGNAL unit=DIST sem=6 src=5
    WAIT unit=ARRAY sem=6 src=5
    SIGNAL unit=RED sem=14 src=5
    WAIT unit=ARRAY sem=14 src=5
    CTILE tile=13 src=5
    SIGNAL unit=ARRAY sem=9 src=5
    WAIT unit=DIST sem=9 src=5
    DIST net=A cfg=11 src=5
    DIST net=B cfg=0 src=5
    SIGNAL unit=ARRAY sem=10 src=5
    WAIT unit=ARRAY sem=10 src=5
    SIGNAL unit=DIST sem=6 src=5
    WAIT unit=ARRAY sem=6 src=5
    CTILE tile=14 src=5
    SIGNAL unit=ARRAY sem=9 src=6                ; d_g5[r4, o2, r5] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DIST sem=9 src=6
    DIST net=A cfg=19 src=6
    DIST net=B cfg=20 src=6
    SIGNAL unit=ARRAY sem=11 src=6
    WAIT unit=RED sem=11 src=6
    RED cfg=1 src=6
    SIGNAL unit=ARRAY sem=8 src=5                ; d_g4[r3, o1, r4] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DMA sem=8 src=5
    STORE buf=0x437 dram=0x1660 desc=9 src=5
    SIGNAL unit=DMA sem=2 src=6                  ; d_g5[r4, o2, r5] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=ARRAY sem=2 src=6
    SIGNAL unit=DIST sem=6 src=6
    WAIT unit=ARRAY sem=6 src=6
    SIGNAL unit=RED sem=14 src=6
    WAIT unit=ARRAY sem=14 src=6
    CTILE tile=15 src=6
    SIGNAL unit=ARRAY sem=9 src=6
    WAIT unit=DIST sem=9 src=6
    DIST net=A cfg=0 src=6
    DIST net=B cfg=21 src=6
    SIGNAL unit=ARRAY sem=10 src=6
    WAIT unit=ARRAY sem=10 src=6
    SIGNAL unit=DIST sem=6 src=6
    WAIT unit=ARRAY sem=6 src=6
    CTILE tile=16 src=6
    SIGNAL unit=ARRAY sem=9 src=7                ; d_g6[r5, o3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g1...
    WAIT unit=DIST sem=9 src=7
    DIST net=A cfg=22 src=7
    DIST net=B cfg=23 src=7
    SIGNAL unit=ARRAY sem=11 src=7
    WAIT unit=RED sem=11 src=7
    RED cfg=0 src=7
    SIGNAL unit=ARRAY sem=8 src=6                ; d_g5[r4, o2, r5] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DMA sem=8 src=6
    STORE buf=0x0 dram=0x1760 desc=4 src=6
    SIGNAL unit=DMA sem=2 src=7                  ; d_g6[r5, o3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g1...
    WAIT unit=ARRAY sem=2 src=7
    SIGNAL unit=DIST sem=6 src=7
    WAIT unit=ARRAY sem=6 src=7
    SIGNAL unit=RED sem=14 src=7
    WAIT unit=ARRAY sem=14 src=7
    CTILE tile=17 src=7
    SIGNAL unit=ARRAY sem=8 src=7
    WAIT unit=DMA sem=8 src=7
    STORE buf=0x0 dram=0x1860 desc=0 src=7
    HALT
