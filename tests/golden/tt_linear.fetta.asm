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
.dma 3 dtype=fp32 dims=[(16,64,81),(16,4,5),(4,1,1)]
.dma 4 dtype=fp32 dims=[(256,1,1)]
.dma 5 dtype=fp32 dims=[(64,21,16),(4,5,4),(4,1,1)]
.dma 6 dtype=fp32 dims=[(64,16,18),(16,1,1)]
.dma 7 dtype=fp32 dims=[(32,10,8),(8,1,1)]
.dma 8 dtype=fp32 dims=[(32,12,8),(8,1,1)]
.switch 0 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 1 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=f0f0f0f0f0f0f0f05a5a5a5a0000ffff00ff00ff3c3cc3c30000000000000000f0f0f0f0f0f0f0f0f0f0f0f0
.switch 2 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=000000000000000000000000f0f0f0f00c0c0c0c626262620000000000000000000000000000000000000000
.switch 3 ports=64 benes1=0000000000000000121212121414141444444444444444440000000066666666242424240000000000000000 copy=0000000000000000 benes2=f00000000a000a00020101021010010100000000000000000000000000000000020202020c000c00cc000000
.switch 4 ports=64 benes1=f0e10300f0017c00001c181e00604060008080c0008080800080808000404040001010100001000100000300 copy=0000000000000000 benes2=f0f00000f000f0000a0a050512212112441144110000000000000000222222220c0c0c0ccc00cc00cccc0000
.switch 5 ports=64 benes1=001f003e0077700700f0c0fcaa6a2a4a66666666aaaaaaaaaaaaaaaacccccccc00c080e00050001400001020 copy=0000000000000000 benes2=00000000000000000a0a0a0a12121212444444440000000000000000222222220c0c0c0c0000000000000000
.switch 6 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=cccc0000cc00cc000c0c030312211221141414140000000000000000222222220a0a0a0af000f000f0f00000
.switch 7 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=00ff00ff00ff00ffcccc3333cc33cc33f0f00f0fcc33cc3300000000cccccccccccccccccccccccccccccccc
.switch 8 ports=64 benes1=00000000000000000a0a0a0a12121212444444440000000000000000222222220c0c0c0c0000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 9 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=f0f0f0f03c3c3c3cb4b4b4b40000ffffcc3333ccd2e178b40000000000000000f0f0f0f0f0f0f0f0f0f0f0f0
.switch 10 ports=64 benes1=9c730e009c03ce011c0e0c066064607480c8c0c8808880888088808840444044101010100003000300000f00 copy=0000000000000000 benes2=cccc0000cc00cc000c0c030312211221141414140000000000000000222222220a0a0a0af000f000f0f00000
.switch 11 ports=64 benes1=9c730e009c03ce011c0e0c066064607480c8c0c8808880888088808840444044101010100003000300000f00 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 12 ports=64 benes1=aaaaaaaaaaaa5555aa55aa555a5a5a5a66666666aaaaaaaaaaaaaaaaccccccccf0f0f0f000ff00ff0000ffff copy=0000000000000000 benes2=0000000000000000000000000000333300554411000000000000000000000000000000000000000000000000
.switch 13 ports=64 benes1=f0e10300f0017c00001c181e00604060008080c0008080800080808000404040001010100001000100000300 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 14 ports=64 benes1=0000000000000000aaaaaaaa5a5a5a5a66666666aaaaaaaaaaaaaaaaccccccccf0f0f0f00000000000000000 copy=0000000000000000 benes2=0000000000000000000000003030303004040404000000000000000000000000000000000000000000000000
.switch 15 ports=64 benes1=1c07380e6037760380f8e0fe2a4a6a5a66666666aaaaaaaaaaaaaaaacccccccc80e0c0f00054001500001122 copy=0000000000000000 benes2=f0f00000f000f0000a0a050512212112441144110000000000000000222222220c0c0c0ccc00cc00cccc0000
.switch 16 ports=64 benes1=00000000000000005a5a5a5a5a5a5a5a66666666aaaaaaaaaaaaaaaaccccccccf0f0f0f00000000000000000 copy=0000000000000000 benes2=00000000000000000c0c0c0c12121212141414140000000000000000222222220a0a0a0a0000000000000000
.switch 17 ports=64 benes1=3030303022227777aa55aa555a5a5a5a66666666aaaaaaaaaaaaaaaaccccccccf0f0f0f000ff00ff00005555 copy=0000000000000000 benes2=1e1e0000b400d2000c0309061221211214411441000000000000000002022020020202024a00ca0000c00000
.switch 18 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000cccccccc0000000000000000000000000000000000000000
.switch 19 ports=64 benes1=0000c61852a55a8c322aa22ba27a225a68646864a8a8a8a8a8a8a8a8c4ccc4cc70f0f0f000ff00b700009524 copy=0000000000000000 benes2=468200009e0020000607020b1010230244015011000000000000000022020002040a0c002c00960008180000
.switch 20 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=f0f00000f000f0000a0a050512212112441144110000000000000000222222220c0c0c0ccc00cc00cccc0000
.switch 21 ports=64 benes1=9c730e009c03ce011c0e0c066064607480c8c0c8808880888088808840444044101010100003000300000f00 copy=0000000000000000 benes2=cccc0000cc00cc0000000f0f003300330000000000000000000000000000000000000000cc00cc00cccc0000
.switch 22 ports=64 benes1=949494944444111100555500000f00f000000000000000000000000000000000000000aa6666eeeeeaeaeaea copy=1500150015001500 benes2=2225252588887777aa00fffff0ff000f000c003c000800280000000000000000aa0000aa8888444424242424
.switch 23 ports=64 benes1=0000000000000000000000005050505044444444404040400000000062626262141414140000000000000000 copy=0000000000000000 benes2=cc0000000c000c00000003030011001100000000000000000000000000000000000000000c000c00cc000000
.switch 24 ports=64 benes1=000000000000000000000000aaaaaaaa000000008888888888888888cccccccc000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000000002222222244444444000000000000000000000000000000000000000000000000
.switch 25 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=f0f0f0f0f0f0f0f0f0f0f0f00000ffff00ff00fff0f0f0f00000000000000000f0f0f0f0f0f0f0f0f0f0f0f0
.switch 26 ports=64 benes1=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 copy=0000000000000000 benes2=000000000000000000000000f0f0f0f00c0c0c0c929292920000000000000000000000000000000000000000
.switch 27 ports=64 benes1=00000000000000004444444484848484d4d4d4d44444444400000000c6c6c6c66c6c6c6c0000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 28 ports=64 benes1=e0030e381c63000030a6a6a68222222228686868a8a8a8a8a8a8a8a884c4c4c460f0f0f00049000000008220 copy=0000000000000000 benes2=ccf000003a003a000a0a050532012310144141140000000000000000000000000c0c0c0ccc00cc00cccc0000
.switch 29 ports=64 benes1=0000000000000000000000006666666688888888888888888888888844444444000000000000000000000000 copy=0000000000000000 benes2=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
.switch 30 ports=64 benes1=0000000000000000000000006666666688888888888888888888888844444444000000000000000000000000 copy=0000000000000000 benes2=cccc0000cc00cc000c0c030312211221141414140000000000000000222222220a0a0a0af000f000f0f00000
.red 0 groups=[8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8]
.red 1 groups=[4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4]
.tile 0 dtype=fp32 dataflow=inner tb=1 tm=4 tn=8 tkk=8 a=0x0:[(32,1)]:[] b=0x35:[(8,1),(8,40)]:[] c=0x23f:[(4,48),(8,1)] accumulate=0 loops=[(4,0,10,12,0)]
.tile 1 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x23f:[(16,12),(4,1)]:[(2,4)] b=0x33d:[(4,1),(4,36)]:[(2,144)] c=0x547:[(16,36),(4,1)] accumulate=0 loops=[(4,0,9,9,0),(2,0,4,4,0)]
.tile 2 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x547:[(8,1),(4,9)]:[(16,36)] b=0x97e:[(8,81),(4,1)]:[(16,5)] c=0x1699:[(8,24),(8,1)] accumulate=0 loops=[(2,0,648,8,0)]
.tile 3 dtype=fp32 dataflow=inner tb=1 tm=8 tn=4 tkk=8 a=0x1782:[(64,1)]:[] b=0x198c:[(4,1),(8,4)]:[] c=0x19dd:[(32,1)] accumulate=0 loops=[(4,64,0,32,0)]
.tile 4 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x19dd:[(16,1),(4,16)]:[(2,64)] b=0x1b67:[(4,8),(4,1)]:[(2,4)] c=0x1d71:[(16,44),(4,1)] accumulate=0 loops=[(8,0,32,5,0)]
.tile 5 dtype=fp32 dataflow=inner tb=1 tm=8 tn=4 tkk=8 a=0x1699:[(8,1),(8,24)]:[] b=0x1d71:[(4,1),(8,5)]:[] c=0x2368:[(32,21)] accumulate=0 loops=[(2,8,0,672,0),(4,0,176,5,0),(4,0,44,1,0)]
.tile 6 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x1d71:[(8,5),(4,1)]:[(16,44)] b=0x2368:[(32,18)]:[(16,1)] c=0x3083:[(8,24),(8,1)] accumulate=0 loops=[(2,0,576,8,0)]
.tile 7 dtype=fp32 dataflow=inner tb=1 tm=8 tn=4 tkk=8 a=0x3083:[(8,1),(8,24)]:[] b=0x547:[(4,9),(8,1)]:[] c=0x316c:[(8,84),(4,1)] accumulate=0 loops=[(2,8,0,672,0),(4,0,144,21,0),(4,0,36,5,0)]
.tile 8 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x3083:[(8,24),(4,1)]:[(4,4)] b=0x97e:[(2,5),(4,1),(4,81)]:[(4,324)] c=0x316c:[(8,80),(2,5),(4,1)] accumulate=0 loops=[(4,0,20,20,0),(2,0,10,10,0)]
.tile 9 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x33d:[(8,36),(4,1)]:[(4,9),(2,4)] b=0x316c:[(8,5),(4,80)]:[(4,1),(2,320)] c=0x547:[(8,20),(2,5),(4,1)] accumulate=0 loops=[(2,0,40,10,0)]
.tile 10 dtype=fp32 dataflow=inner tb=1 tm=8 tn=4 tkk=8 a=0x35:[(8,40),(8,1)]:[(4,10)] b=0x547:[(4,5),(8,20)]:[(4,1)] c=0x33d:[(8,1),(4,8)] accumulate=0 loops=[]
.tile 11 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x0:[(8,1),(4,8)]:[] b=0x547:[(2,20),(4,1),(4,5)]:[] c=0x35:[(8,40),(2,1),(4,10)] accumulate=0 loops=[(4,0,40,2,0)]
.tile 12 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x316c:[(4,80),(4,1),(4,5)]:[(4,20)] b=0x23f:[(4,1),(4,12)]:[(4,48)] c=0x0:[(4,1),(4,12),(4,48)] accumulate=0 loops=[(2,320,0,4,0),(2,0,4,192,0)]
.tile 13 dtype=fp32 dataflow=inner tb=1 tm=4 tn=8 tkk=8 a=0x1699:[(4,24),(8,1)]:[(2,8)] b=0x2368:[(8,1),(8,72)]:[(2,576)] c=0x0:[(4,176),(2,11),(4,1)] accumulate=0 loops=[(2,96,0,704,0),(4,0,18,44,0),(2,0,8,22,0)]
.tile 14 dtype=fp32 dataflow=inner tb=1 tm=16 tn=4 tkk=4 a=0x0:[(16,44),(4,1)]:[(4,11)] b=0x19dd:[(4,16),(4,1)]:[(4,4)] c=0x683:[(16,12),(4,1)] accumulate=0 loops=[(2,704,0,192,0),(2,0,64,4,0)]
.tile 15 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x1b67:[(8,1),(4,8)]:[(8,32)] b=0x0:[(2,11),(4,1),(4,44)]:[(8,176)] c=0x683:[(8,24),(8,1)] accumulate=0 loops=[(2,0,22,8,0)]
.tile 16 dtype=fp32 dataflow=inner tb=1 tm=8 tn=8 tkk=4 a=0x198c:[(32,1)]:[] b=0x683:[(2,24),(16,1)]:[] c=0x0:[(8,1),(8,8)] accumulate=0 loops=[(4,0,48,64,0)]
.tile 17 dtype=fp32 dataflow=inner tb=1 tm=8 tn=4 tkk=8 a=0x1782:[(8,1),(8,8)]:[(4,64)] b=0x683:[(4,1),(2,24),(4,4)]:[(4,48)] c=0x0:[(32,1)] accumulate=0 loops=[]
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
    LOAD dram=0x520 buf=0x33d desc=2 src=0
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
    LOAD dram=0x0 buf=0x97e desc=3 src=0
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
    LOAD dram=0x720 buf=0x1782 desc=4 src=0
    LOAD dram=0x820 buf=0x198c desc=0 src=0
    SIGNAL unit=ARRAY sem=9 src=0
    WAIT unit=DIST sem=9 src=0
    DIST net=A cfg=0 src=0
    DIST net=B cfg=6 src=0
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
    LOAD dram=0x620 buf=0x1b67 desc=4 src=0
    SIGNAL unit=ARRAY sem=9 src=0
    WAIT unit=DIST sem=9 src=0
    DIST net=A cfg=7 src=0
    DIST net=B cfg=8 src=0
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
    SIGNAL unit=ARRAY sem=9 src=0
    WAIT unit=DIST sem=9 src=0
    DIST net=A cfg=9 src=0
    DIST net=B cfg=10 src=0
    SIGNAL unit=ARRAY sem=11 src=0
    WAIT unit=RED sem=11 src=0
    RED cfg=0 src=0
    SIGNAL unit=ARRAY sem=10 src=0
    WAIT unit=ARRAY sem=10 src=0
    SIGNAL unit=DIST sem=6 src=0
    WAIT unit=ARRAY sem=6 src=0
    SIGNAL unit=RED sem=14 src=0
    WAIT unit=ARRAY sem=14 src=0
    CTILE tile=5 src=0
    SIGNAL unit=ARRAY sem=8 src=0
    WAIT unit=DMA sem=8 src=0
    STORE buf=0x2368 dram=0xc40 desc=5 src=0
    LOAD dram=0x840 buf=0x2368 desc=6 src=1      ; d_x[t, i1, i2, i3] = d_y[t, o1, o2, o3] * g1[i1, r1] * g2...
    SIGNAL unit=ARRAY sem=9 src=1
    WAIT unit=DIST sem=9 src=1
    DIST net=A cfg=11 src=1
    DIST net=B cfg=12 src=1
    SIGNAL unit=ARRAY sem=11 src=1
    WAIT unit=RED sem=11 src=1
    RED cfg=1 src=1
    SIGNAL unit=ARRAY sem=10 src=1
    WAIT unit=ARRAY sem=10 src=1
    SIGNAL unit=DMA sem=2 src=1
    WAIT unit=ARRAY sem=2 src=1
    SIGNAL unit=DIST sem=6 src=1
    WAIT unit=ARRAY sem=6 src=1
    SIGNAL unit=RED sem=14 src=1
    WAIT unit=ARRAY sem=14 src=1
    CTILE tile=6 src=1
    SIGNAL unit=ARRAY sem=9 src=1
    WAIT unit=DIST sem=9 src=1
    DIST net=A cfg=9 src=1
    DIST net=B cfg=13 src=1
    SIGNAL unit=ARRAY sem=11 src=1
    WAIT unit=RED sem=11 src=1
    RED cfg=0 src=1
    SIGNAL unit=ARRAY sem=10 src=1
    WAIT unit=ARRAY sem=10 src=1
    SIGNAL unit=DIST sem=6 src=1
    WAIT unit=ARRAY sem=6 src=1
    SIGNAL unit=RED sem=14 src=1
    WAIT unit=ARRAY sem=14 src=1
    CTILE tile=7 src=1
    SIGNAL unit=ARRAY sem=9 src=2                ; d_g1[i1, r1] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g2...
    WAIT unit=DIST sem=9 src=2
    DIST net=A cfg=14 src=2
    DIST net=B cfg=15 src=2
    SIGNAL unit=ARRAY sem=11 src=2
    WAIT unit=RED sem=11 src=2
    RED cfg=1 src=2
    SIGNAL unit=ARRAY sem=8 src=1                ; d_x[t, i1, i2, i3] = d_y[t, o1, o2, o3] * g1[i1, r1] * g2...
    WAIT unit=DMA sem=8 src=1
    STORE buf=0x316c dram=0x1040 desc=5 src=1
    SIGNAL unit=DMA sem=2 src=2                  ; d_g1[i1, r1] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g2...
    WAIT unit=ARRAY sem=2 src=2
    SIGNAL unit=DIST sem=6 src=2
    WAIT unit=ARRAY sem=6 src=2
    SIGNAL unit=RED sem=14 src=2
    WAIT unit=ARRAY sem=14 src=2
    CTILE tile=8 src=2
    SIGNAL unit=ARRAY sem=9 src=2
    WAIT unit=DIST sem=9 src=2
    DIST net=A cfg=16 src=2
    DIST net=B cfg=17 src=2
    SIGNAL unit=ARRAY sem=10 src=2
    WAIT unit=ARRAY sem=10 src=2
    SIGNAL unit=DIST sem=6 src=2
    WAIT unit=ARRAY sem=6 src=2
    CTILE tile=9 src=2
    SIGNAL unit=ARRAY sem=9 src=2
    WAIT unit=DIST sem=9 src=2
    DIST net=A cfg=18 src=2
    DIST net=B cfg=19 src=2
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
    DIST net=A cfg=20 src=3
    DIST net=B cfg=21 src=3
    SIGNAL unit=ARRAY sem=11 src=3
    WAIT unit=RED sem=11 src=3
    RED cfg=1 src=3
    SIGNAL unit=DIST sem=6 src=3
    WAIT unit=ARRAY sem=6 src=3
    SIGNAL unit=RED sem=14 src=3
    WAIT unit=ARRAY sem=14 src=3
    CTILE tile=11 src=3
    SIGNAL unit=ARRAY sem=9 src=4                ; d_g3[r2, i3, r3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DIST sem=9 src=4
    DIST net=A cfg=22 src=4
    DIST net=B cfg=23 src=4
    WAIT unit=DMA sem=8 src=2                    ; d_g1[i1, r1] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g2...
    STORE buf=0x33d dram=0x1440 desc=0 src=2
    SIGNAL unit=ARRAY sem=8 src=3                ; d_g2[r1, i2, r2] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DMA sem=8 src=3
    STORE buf=0x35 dram=0x1460 desc=7 src=3
    SIGNAL unit=DMA sem=2 src=4                  ; d_g3[r2, i3, r3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=ARRAY sem=2 src=4
    SIGNAL unit=DIST sem=6 src=4
    WAIT unit=ARRAY sem=6 src=4
    CTILE tile=12 src=4
    SIGNAL unit=ARRAY sem=9 src=5                ; d_g4[r3, o1, r4] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DIST sem=9 src=5
    DIST net=A cfg=24 src=5
    DIST net=B cfg=25 src=5
    SIGNAL unit=ARRAY sem=11 src=5
    WAIT unit=RED sem=11 src=5
    RED cfg=0 src=5
    SIGNAL unit=ARRAY sem=8 src=4                ; d_g3[r2, i3, r3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DMA sem=8 src=4
    STORE buf=0x0 dram=0x1560 desc=8 src=4
    SIGNAL unit=DMA sem=2 src=5                  ; d_g4[r3, o1, r4] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=ARRAY sem=2 src=5
    SIGNAL unit=DIST sem=6 src=5
    WAIT unit=ARRAY sem=6 src=5
    SIGNAL unit=RED sem=14 src=5
    WAIT unit=ARRAY sem=14 src=5
    CTILE tile=13 src=5
    SIGNAL unit=ARRAY sem=9 src=5
    WAIT unit=DIST sem=9 src=5
    DIST net=A cfg=26 src=5
    DIST net=B cfg=27 src=5
    SIGNAL unit=ARRAY sem=11 src=5
    WAIT unit=RED sem=11 src=5
    RED cfg=1 src=5
    SIGNAL unit=ARRAY sem=10 src=5
    WAIT unit=ARRAY sem=10 src=5
    SIGNAL unit=DIST sem=6 src=5
    WAIT unit=ARRAY sem=6 src=5
    SIGNAL unit=RED sem=14 src=5
    WAIT unit=ARRAY sem=14 src=5
    CTILE tile=14 src=5
    SIGNAL unit=ARRAY sem=9 src=6                ; d_g5[r4, o2, r5] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DIST sem=9 src=6
    DIST net=A cfg=20 src=6
    DIST net=B cfg=28 src=6
    SIGNAL unit=ARRAY sem=8 src=5                ; d_g4[r3, o1, r4] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=DMA sem=8 src=5
    STORE buf=0x683 dram=0x1660 desc=8 src=5
    SIGNAL unit=DMA sem=2 src=6                  ; d_g5[r4, o2, r5] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    WAIT unit=ARRAY sem=2 src=6
    SIGNAL unit=DIST sem=6 src=6
    WAIT unit=ARRAY sem=6 src=6
    CTILE tile=15 src=6
    SIGNAL unit=ARRAY sem=9 src=6
    WAIT unit=DIST sem=9 src=6
    DIST net=A cfg=0 src=6
    DIST net=B cfg=29 src=6
    SIGNAL unit=ARRAY sem=10 src=6
    WAIT unit=ARRAY sem=10 src=6
    SIGNAL unit=DIST sem=6 src=6
    WAIT unit=ARRAY sem=6 src=6
    CTILE tile=16 src=6
    SIGNAL unit=ARRAY sem=9 src=7                ; d_g6[r5, o3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g1...
    WAIT unit=DIST sem=9 src=7
    DIST net=A cfg=25 src=7
    DIST net=B cfg=30 src=7
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
