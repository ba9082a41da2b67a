; tncc assembly
.arch "systolic" fingerprint=0x1fe904a1
.statement 0 "h[b, o1, o2, o3] = x[b, i1, i2, i3] * g1[i1, r1] * g2[r1, i2, r2] * g3[r2, i3, r3] * g4[r3, o1, r4] * g5[r4, o2, r5] * g6[r5, o3]  # examples/int8_forward.tn:25"
.statement 1 "logits[b, c] = h[b, o1, o2, o3] * w[o1, o2, o3, c]  # examples/int8_forward.tn:26"
.symbol x role=input dtype=int8 shape=[4,4,8,8] dram=0x0 strides=[256,64,8,1]
.symbol g1 role=param dtype=int8 shape=[4,8] dram=0x400 strides=[8,1]
.symbol g2 role=param dtype=int8 shape=[8,8,8] dram=0x420 strides=[64,8,1]
.symbol g3 role=param dtype=int8 shape=[8,8,8] dram=0x620 strides=[64,8,1]
.symbol g4 role=param dtype=int8 shape=[8,8,8] dram=0x820 strides=[64,8,1]
.symbol g5 role=param dtype=int8 shape=[8,8,8] dram=0xa20 strides=[64,8,1]
.symbol g6 role=param dtype=int8 shape=[8,4] dram=0xc20 strides=[4,1]
.symbol w role=param dtype=int8 shape=[8,8,4,10] dram=0xc40 strides=[320,40,10,1]
.symbol logits role=output dtype=int32 shape=[4,10] dram=0x1640 strides=[10,1]
.dma 0 dtype=int8 dims=[(32,1,1)]
.dma 1 dtype=int8 dims=[(512,1,1)]
.dma 2 dtype=int8 dims=[(1024,1,1)]
.dma 3 dtype=int8 dims=[(4,256,264),(32,8,1),(8,1,33)]
.dma 4 dtype=int32 dims=[(4,64,65),(8,1,8),(8,8,1)]
.dma 5 dtype=int8 dims=[(8,1,9),(8,64,1),(8,8,72)]
.dma 6 dtype=int32 dims=[(8,1,5),(4,8,1)]
.dma 7 dtype=int32 dims=[(8,32,36),(4,1,9),(8,4,1)]
.dma 8 dtype=int8 dims=[(2560,1,1)]
.dma 9 dtype=int32 dims=[(4,32,257),(8,128,32),(32,1,1)]
.dma 10 dtype=int32 dims=[(40,1,1)]
.gemm 0 dtype=int32 m=4 n=64 k=8 a=0x400 lda=8 b=0x420 ldb=64 c=0x620 ldc=64 accumulate=0
.gemm 1 dtype=int32 m=32 n=8 k=32 a=0x3f0d0 lda=33 b=0x620 ldb=8 c=0x720 ldc=8 accumulate=0
.gemm 2 dtype=int32 m=4 n=8 k=64 a=0x3f0d0 lda=65 b=0x400 ldb=8 c=0x200 ldc=8 accumulate=0
.gemm 3 dtype=int32 m=64 n=4 k=8 a=0x3f0d0 lda=9 b=0x3f310 ldb=5 c=0x440 ldc=4 accumulate=0
.gemm 4 dtype=int32 m=64 n=4 k=8 a=0x220 lda=8 b=0x420 ldb=4 c=0x0 ldc=4 accumulate=0
.gemm 5 dtype=int32 m=32 n=32 k=8 a=0x3f0d0 lda=9 b=0x0 ldb=32 c=0xf40 ldc=32 accumulate=0
.gemm 6 dtype=int32 m=4 n=10 k=256 a=0x3f0d0 lda=257 b=0x540 ldb=10 c=0x0 ldc=10 accumulate=0
    LOAD dram=0x400 buf=0x400 desc=0 src=0       ; h[b, o1, o2, o3] = x[b, i1, i2, i3] * g1[i1, r1] * g2[r1,...
    LOAD dram=0x420 buf=0x420 desc=1 src=0
    SIGNAL unit=DMA sem=2 src=0
    LOAD dram=0x0 buf=0x0 desc=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    GEMM gemm=0 src=0
    SHAPE sbuf=0x0 dbuf=0x3f0d0 desc=3 src=0
    SIGNAL unit=DMA sem=2 src=0
    SIGNAL unit=ARRAY sem=8 src=0
    WAIT unit=DMA sem=8 src=0
    LOAD dram=0x620 buf=0x400 desc=1 src=0
    WAIT unit=ARRAY sem=2 src=0
    GEMM gemm=1 src=0
    SIGNAL unit=ARRAY sem=8 src=0
    WAIT unit=DMA sem=8 src=0
    SHAPE sbuf=0x720 dbuf=0x3f0d0 desc=4 src=0
    SIGNAL unit=DMA sem=2 src=0
    LOAD dram=0x820 buf=0x0 desc=1 src=0
    WAIT unit=ARRAY sem=2 src=0
    GEMM gemm=2 src=0
    SIGNAL unit=ARRAY sem=8 src=0
    WAIT unit=DMA sem=8 src=0
    SHAPE sbuf=0x0 dbuf=0x3f0d0 desc=5 src=0
    SHAPE sbuf=0x200 dbuf=0x3f310 desc=6 src=0
    SIGNAL unit=DMA sem=2 src=0
    LOAD dram=0xa20 buf=0x220 desc=1 src=0
    LOAD dram=0xc20 buf=0x420 desc=0 src=0
    WAIT unit=ARRAY sem=2 src=0
    GEMM gemm=3 src=0
    SIGNAL unit=ARRAY sem=8 src=0
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    GEMM gemm=4 src=0
    WAIT unit=DMA sem=8 src=0
    SHAPE sbuf=0x440 dbuf=0x3f0d0 desc=7 src=0
    SIGNAL unit=DMA sem=2 src=0
    LOAD dram=0xc40 buf=0x540 desc=8 src=1       ; logits[b, c] = h[b, o1, o2, o3] * w[o1, o2, o3, c]  # exa...
    WAIT unit=ARRAY sem=2 src=0                  ; h[b, o1, o2, o3] = x[b, i1, i2, i3] * g1[i1, r1] * g2[r1,...
    GEMM gemm=5 src=0
    SIGNAL unit=ARRAY sem=8 src=1                ; logits[b, c] = h[b, o1, o2, o3] * w[o1, o2, o3, c]  # exa...
    WAIT unit=DMA sem=8 src=1
    SHAPE sbuf=0xf40 dbuf=0x3f0d0 desc=9 src=1
    SIGNAL unit=DMA sem=2 src=1
    WAIT unit=ARRAY sem=2 src=1
    GEMM gemm=6 src=1
    SIGNAL unit=ARRAY sem=8 src=1
    WAIT unit=DMA sem=8 src=1
    STORE buf=0x0 dram=0x1640 desc=10 src=1
    HALT
