; tncc assembly
.arch "systolic" fingerprint=0x1fe904a1
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
.dma 1 dtype=fp32 dims=[(256,1,1)]
.dma 2 dtype=fp32 dims=[(1024,1,1)]
.dma 3 dtype=fp32 dims=[(16,1,9),(8,16,1)]
.dma 4 dtype=fp32 dims=[(32,1,9),(8,32,1)]
.dma 5 dtype=fp32 dims=[(16,8,1),(8,1,17)]
.dma 6 dtype=fp32 dims=[(16,1,64),(64,16,1)]
.dma 7 dtype=fp32 dims=[(8,64,17),(16,4,1),(4,1,136)]
.dma 8 dtype=fp32 dims=[(8,16,5),(4,4,1),(4,1,40)]
.dma 9 dtype=fp32 dims=[(4,1,8),(8,4,1)]
.dma 10 dtype=fp32 dims=[(8,16,20),(4,1,5),(4,4,1)]
.dma 11 dtype=fp32 dims=[(8,1,32),(4,8,8),(8,32,1)]
.dma 12 dtype=fp32 dims=[(8,64,68),(4,1,17),(16,4,1)]
.dma 13 dtype=fp32 dims=[(8,1,65),(64,8,1)]
.dma 14 dtype=fp32 dims=[(4,1,9),(8,4,1)]
.dma 15 dtype=fp32 dims=[(32,4,1),(4,1,33)]
.dma 16 dtype=fp32 dims=[(8,1,4),(4,8,1)]
.gemm 0 dtype=fp32 m=4 n=32 k=8 a=0x0 lda=8 b=0x20 ldb=32 c=0x220 ldc=32 accumulate=0
.gemm 1 dtype=fp32 m=16 n=32 k=8 a=0x220 lda=8 b=0x120 ldb=32 c=0x6a0 ldc=32 accumulate=0
.gemm 2 dtype=fp32 m=16 n=8 k=64 a=0x2a0 lda=64 b=0x6a0 ldb=8 c=0x9a0 ldc=8 accumulate=0
.gemm 3 dtype=fp32 m=16 n=32 k=8 a=0x9a0 lda=8 b=0x8a0 ldb=32 c=0xb40 ldc=32 accumulate=0
.gemm 4 dtype=fp32 m=32 n=4 k=8 a=0xa20 lda=8 b=0xb20 ldb=4 c=0xd40 ldc=4 accumulate=0
.gemm 5 dtype=fp32 m=64 n=16 k=8 a=0xb40 lda=8 b=0xd40 ldb=16 c=0x11c0 ldc=16 accumulate=0
.gemm 6 dtype=fp32 m=64 n=8 k=16 a=0xdc0 lda=16 b=0x3fd30 ldb=9 c=0x11c0 ldc=8 accumulate=0
.gemm 7 dtype=fp32 m=16 n=8 k=32 a=0x11c0 lda=32 b=0x3fb00 ldb=9 c=0xd40 ldc=8 accumulate=0
.gemm 8 dtype=fp32 m=64 n=16 k=8 a=0x6a0 lda=8 b=0x3fb30 ldb=17 c=0x13c0 ldc=16 accumulate=0
.gemm 9 dtype=fp32 m=8 n=64 k=16 a=0x3f8f0 lda=17 b=0x2a0 ldb=64 c=0x6a0 ldc=64 accumulate=0
.gemm 10 dtype=fp32 m=8 n=16 k=32 a=0x120 lda=32 b=0x3f9f8 ldb=17 c=0x2a0 ldc=16 accumulate=0
.gemm 11 dtype=fp32 m=8 n=4 k=32 a=0x20 lda=32 b=0x3f9f8 ldb=5 c=0x120 ldc=4 accumulate=0
.gemm 12 dtype=fp32 m=32 n=8 k=4 a=0x3f8f0 lda=5 b=0x0 ldb=8 c=0x20 ldc=8 accumulate=0
.gemm 13 dtype=fp32 m=32 n=8 k=16 a=0x3f8f0 lda=17 b=0x220 ldb=8 c=0x0 ldc=8 accumulate=0
.gemm 14 dtype=fp32 m=8 n=32 k=16 a=0x3f8f0 lda=17 b=0x11c0 ldb=32 c=0x0 ldc=32 accumulate=0
.gemm 15 dtype=fp32 m=8 n=16 k=64 a=0x3f8f0 lda=65 b=0xdc0 ldb=16 c=0x0 ldc=16 accumulate=0
.gemm 16 dtype=fp32 m=32 n=8 k=4 a=0x0 lda=4 b=0x3f990 ldb=9 c=0x80 ldc=8 accumulate=0
.gemm 17 dtype=fp32 m=4 n=8 k=32 a=0x3f8f0 lda=33 b=0xa20 ldb=8 c=0x80 ldc=8 accumulate=0
    LOAD dram=0x400 buf=0x0 desc=0 src=0         ; y[t, o1, o2, o3] = x[t, i1, i2, i3] * g1[i1, r1] * g2[r1,...
    LOAD dram=0x420 buf=0x20 desc=1 src=0
    SIGNAL unit=DMA sem=2 src=0
    LOAD dram=0x520 buf=0x120 desc=1 src=0
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    GEMM gemm=0 src=0
    LOAD dram=0x0 buf=0x2a0 desc=2 src=0
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    GEMM gemm=1 src=0
    LOAD dram=0x620 buf=0x8a0 desc=1 src=0
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    GEMM gemm=2 src=0
    LOAD dram=0x720 buf=0xa20 desc=1 src=0
    LOAD dram=0x820 buf=0xb20 desc=0 src=0
    WAIT unit=ARRAY sem=2 src=0
    GEMM gemm=3 src=0
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    GEMM gemm=4 src=0
    LOAD dram=0x840 buf=0xdc0 desc=2 src=1       ; d_x[t, i1, i2, i3] = d_y[t, o1, o2, o3] * g1[i1, r1] * g2...
    GEMM gemm=5 src=0                            ; y[t, o1, o2, o3] = x[t, i1, i2, i3] * g1[i1, r1] * g2[r1,...
    SIGNAL unit=ARRAY sem=8 src=0
    WAIT unit=DMA sem=8 src=0
    STORE buf=0x11c0 dram=0xc40 desc=2 src=0
    SHAPE sbuf=0xd40 dbuf=0x3fd30 desc=3 src=1   ; d_x[t, i1, i2, i3] = d_y[t, o1, o2, o3] * g1[i1, r1] * g2...
    SIGNAL unit=DMA sem=2 src=1
    WAIT unit=ARRAY sem=2 src=1
    GEMM gemm=6 src=1
    SHAPE sbuf=0x8a0 dbuf=0x3fb00 desc=4 src=1
    SIGNAL unit=DMA sem=2 src=1
    WAIT unit=ARRAY sem=2 src=1
    GEMM gemm=7 src=1
    SIGNAL unit=ARRAY sem=8 src=1
    WAIT unit=DMA sem=8 src=1
    SHAPE sbuf=0xd40 dbuf=0x3fb30 desc=5 src=1
    SIGNAL unit=DMA sem=2 src=1
    WAIT unit=ARRAY sem=2 src=1
    GEMM gemm=8 src=1
    SIGNAL unit=ARRAY sem=8 src=1
    WAIT unit=DMA sem=8 src=1
    STORE buf=0x13c0 dram=0x1040 desc=6 src=1
    SHAPE sbuf=0xd40 dbuf=0x3f8f0 desc=5 src=2   ; d_g1[i1, r1] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g2...
    SIGNAL unit=DMA sem=2 src=2
    WAIT unit=ARRAY sem=2 src=2
    GEMM gemm=9 src=2
    SIGNAL unit=ARRAY sem=8 src=2
    WAIT unit=DMA sem=8 src=2
    SHAPE sbuf=0x6a0 dbuf=0x3f9f8 desc=7 src=2
    SIGNAL unit=DMA sem=2 src=2
    WAIT unit=ARRAY sem=2 src=2
    GEMM gemm=10 src=2
    SIGNAL unit=ARRAY sem=8 src=2
    WAIT unit=DMA sem=8 src=2
    SHAPE sbuf=0x2a0 dbuf=0x3f9f8 desc=8 src=2
    SIGNAL unit=DMA sem=2 src=2
    WAIT unit=ARRAY sem=2 src=2
    GEMM gemm=11 src=2
    SIGNAL unit=ARRAY sem=8 src=2
    WAIT unit=DMA sem=8 src=2
    STORE buf=0x120 dram=0x1440 desc=9 src=2
    SHAPE sbuf=0x2a0 dbuf=0x3f8f0 desc=10 src=3  ; d_g2[r1, i2, r2] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    SIGNAL unit=DMA sem=2 src=3
    WAIT unit=ARRAY sem=2 src=3
    GEMM gemm=12 src=3
    SIGNAL unit=ARRAY sem=8 src=3
    WAIT unit=DMA sem=8 src=3
    STORE buf=0x20 dram=0x1460 desc=11 src=3
    SHAPE sbuf=0x6a0 dbuf=0x3f8f0 desc=12 src=4  ; d_g3[r2, i3, r3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    SIGNAL unit=DMA sem=2 src=4
    WAIT unit=ARRAY sem=2 src=4
    GEMM gemm=13 src=4
    SIGNAL unit=ARRAY sem=8 src=4
    WAIT unit=DMA sem=8 src=4
    STORE buf=0x0 dram=0x1560 desc=11 src=4
    SHAPE sbuf=0x9a0 dbuf=0x3f8f0 desc=5 src=5   ; d_g4[r3, o1, r4] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    SIGNAL unit=DMA sem=2 src=5
    WAIT unit=ARRAY sem=2 src=5
    GEMM gemm=14 src=5
    SIGNAL unit=ARRAY sem=8 src=5
    WAIT unit=DMA sem=8 src=5
    STORE buf=0x0 dram=0x1660 desc=1 src=5
    SHAPE sbuf=0xb40 dbuf=0x3f8f0 desc=13 src=6  ; d_g5[r4, o2, r5] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] ...
    SIGNAL unit=DMA sem=2 src=6
    WAIT unit=ARRAY sem=2 src=6
    GEMM gemm=15 src=6
    SIGNAL unit=ARRAY sem=8 src=6
    WAIT unit=DMA sem=8 src=6
    SHAPE sbuf=0xb20 dbuf=0x3f990 desc=14 src=6
    SIGNAL unit=DMA sem=2 src=6
    WAIT unit=ARRAY sem=2 src=6
    GEMM gemm=16 src=6
    SIGNAL unit=ARRAY sem=8 src=6
    WAIT unit=DMA sem=8 src=6
    STORE buf=0x80 dram=0x1760 desc=1 src=6
    SHAPE sbuf=0x0 dbuf=0x3f8f0 desc=15 src=7    ; d_g6[r5, o3] = d_y[t, o1, o2, o3] * x[t, i1, i2, i3] * g1...
    SIGNAL unit=DMA sem=2 src=7
    WAIT unit=ARRAY sem=2 src=7
    GEMM gemm=17 src=7
    SIGNAL unit=ARRAY sem=8 src=7
    WAIT unit=DMA sem=8 src=7
    STORE buf=0x80 dram=0x1860 desc=16 src=7
    HALT
