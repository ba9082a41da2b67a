; tncc assembly
.arch "systolic" fingerprint=0x1fe904a1
.statement 0 "a2[i, k] = a[i, j] * a[j, k]  # examples/matrix_chain.tn:20"
.symbol a role=input dtype=fp32 shape=[33,33] dram=0x0 strides=[33,1]
.symbol a2 role=output dtype=fp32 shape=[33,33] dram=0x441 strides=[33,1]
.dma 0 dtype=fp32 dims=[(1089,1,1)]
.gemm 0 dtype=fp32 m=33 n=33 k=33 a=0x0 lda=33 b=0x0 ldb=33 c=0x441 ldc=33 accumulate=0
    LOAD dram=0x0 buf=0x0 desc=0 src=0           ; a2[i, k] = a[i, j] * a[j, k]  # examples/matrix_chain.tn:20
    SIGNAL unit=DMA sem=2 src=0
    WAIT unit=ARRAY sem=2 src=0
    GEMM gemm=0 src=0
    SIGNAL unit=ARRAY sem=8 src=0
    WAIT unit=DMA sem=8 src=0
    STORE buf=0x441 dram=0x441 desc=0 src=0
    HALT
