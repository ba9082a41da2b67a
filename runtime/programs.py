"""Hand-built programs: blocked GEMMs for both presets.

They exercise the whole ISA the way a code generator does (DMA descriptors,
routed switch words, tile descriptors with loop nests, double buffering with
semaphores) without the compiler, and serve the emulator's tests and
benchmark.  :func:`route_for` is the routing rule of docs/machine.md: port
``p`` must take slot ``port_offset(p) mod banks``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tncc.errors import TnccError
from tncc.ir import DType
from tncc.isa.arch import Arch
from tncc.isa.networks import route_multicast
from tncc.isa.program import (DmaDesc, Drain, GemmDesc, Instruction, Program, Stream, SwitchConfig, Symbol,
                              SymbolRole, TileDesc)
from tncc.isa.table import Dataflow, Opcode, Unit
from tncc.isa.timing import affine_offsets


def route_for(stream: Stream, ports: int, banks: int) -> SwitchConfig:
    """The switch word delivering every port of ``stream`` its own word."""
    own = affine_offsets(stream.port_dims) % banks
    src = [-1] * ports
    src[: own.size] = [int(v) for v in own]
    return route_multicast(src, ports)


def out_dtype(dtype: DType) -> DType:
    return dtype.stored


@dataclass
class _Code:
    ins: list[Instruction]

    def add(self, op: Opcode, src: int = 0, **fields: int) -> None:
        self.ins.append(Instruction.make(op, src=src, **fields))


def _symbols(m: int, n: int, k: int, dtype: DType) -> tuple[Symbol, Symbol, Symbol]:
    a = Symbol("A", SymbolRole.INPUT, dtype, (m, k), 0, (k, 1))
    b = Symbol("B", SymbolRole.PARAM, dtype, (k, n), m * k, (n, 1))
    c = Symbol("C", SymbolRole.OUTPUT, out_dtype(dtype), (m, n), m * k + k * n, (n, 1))
    return a, b, c


def fetta_gemm(arch: Arch, m: int, n: int, k: int, dtype: DType = DType.FP32, *, tm: int = 16, tn: int = 16,
               mb: int | None = None, nb: int | None = None, kb: int | None = None,
               c_buffers: int = 2) -> Program:
    """``C = A @ B`` (``A[m,k]``, ``B[k,n]`` row-major in DRAM) on the fetta
    array in the outer dataflow: ``mb x nb`` C blocks stay in the buffer
    while ``kb``-long slices of A and B stream through two buffers each; one
    CTILE per slice runs ``(mb/tm) x (nb/tn)`` tiles of ``kb`` beats.
    ``c_buffers`` (1 or 2) C blocks alternate so the store of one overlaps
    the next.  Every block size must divide its dimension."""
    mb, nb, kb = mb or min(m, 256), nb or min(n, 128), kb or min(k, 128)
    for dim, blk, t in ((m, mb, tm), (n, nb, tn), (k, kb, 1)):
        if dim % blk or blk % t:
            raise TnccError(f"block {blk} must divide {dim} and be a multiple of the tile {t}")
    banks, ports = arch.buffer.banks, arch.dist.ports
    lda = kb + (1 - kb) % banks  # == 1 mod banks: A ports i*lda fall in distinct banks
    ldc = nb + (tn - nb) % banks  # == tn mod banks: drained rows of one chunk use distinct banks
    a_words, b_words, c_words = mb * lda, kb * nb, mb * ldc
    a_slot = [0, a_words]
    b_slot = [2 * a_words, 2 * a_words + b_words]
    if c_buffers not in (1, 2):
        raise TnccError(f"c_buffers must be 1 or 2, got {c_buffers}")
    c_slot = [2 * a_words + 2 * b_words + i * c_words for i in range(c_buffers)]
    if c_slot[-1] + c_words > arch.buffer_words:
        raise TnccError(f"blocks need {c_slot[-1] + c_words} buffer words, the buffer has {arch.buffer_words}")
    sa, sb, sc = _symbols(m, n, k, dtype)
    dmas = (
        DmaDesc(((mb, k, lda), (kb, 1, 1)), dtype),
        DmaDesc(((kb, n, nb), (nb, 1, 1)), dtype),
        DmaDesc(((mb, ldc, n), (nb, 1, 1)), out_dtype(dtype)),
    )
    tiles: list[TileDesc] = []
    tile_index: dict[tuple[int, int, int, bool], int] = {}

    def tile(ai: int, bi: int, ci: int, acc: bool) -> int:
        key = (ai, bi, ci, acc)
        if key not in tile_index:
            tile_index[key] = len(tiles)
            tiles.append(TileDesc(
                dtype, Dataflow.OUTER, 1, tm, tn, 1,
                Stream(a_slot[ai], ((tm, lda),), ((kb, 1),)),
                Stream(b_slot[bi], ((tn, 1),), ((kb, nb),)),
                Drain(c_slot[ci], ((tm, ldc), (tn, 1))), acc,
                ((mb // tm, tm * lda, 0, tm * ldc, False), (nb // tn, 0, tn, tn, False))))
        return tile_index[key]

    tile(0, 0, 0, False)
    switches = (route_for(tiles[0].a, ports, banks), route_for(tiles[0].b, ports, banks))
    code = _Code([])
    code.add(Opcode.DIST, net=0, cfg=0)
    code.add(Opcode.DIST, net=1, cfg=1)
    LOADED, FREE, C_READY, C_STORED = 0, 1, 2, 3
    step = 0
    for block, (i0, j0) in enumerate((i, j) for i in range(0, m, mb) for j in range(0, n, nb)):
        ci = block % c_buffers
        for kc, k0 in enumerate(range(0, k, kb)):
            slot = step % 2
            if step >= 2:
                code.add(Opcode.WAIT, unit=Unit.DMA, sem=FREE)
            code.add(Opcode.LOAD, dram=sa.dram + i0 * k + k0, buf=a_slot[slot], desc=0)
            code.add(Opcode.LOAD, dram=sb.dram + k0 * n + j0, buf=b_slot[slot], desc=1)
            code.add(Opcode.SIGNAL, unit=Unit.DMA, sem=LOADED)
            code.add(Opcode.WAIT, unit=Unit.ARRAY, sem=LOADED)
            if kc == 0 and block >= c_buffers:
                code.add(Opcode.WAIT, unit=Unit.ARRAY, sem=C_STORED)
            code.add(Opcode.CTILE, tile=tile(slot, slot, ci, kc > 0))
            code.add(Opcode.SIGNAL, unit=Unit.ARRAY, sem=FREE)
            step += 1
        code.add(Opcode.SIGNAL, unit=Unit.ARRAY, sem=C_READY)
        code.add(Opcode.WAIT, unit=Unit.DMA, sem=C_READY)
        code.add(Opcode.STORE, buf=c_slot[ci], dram=sc.dram + i0 * n + j0, desc=2)
        code.add(Opcode.SIGNAL, unit=Unit.DMA, sem=C_STORED)
    code.add(Opcode.HALT)
    return Program(arch.name, arch.fingerprint(), tuple(code.ins), dmas=dmas, switches=switches,
                   tiles=tuple(tiles), symbols=(sa, sb, sc), statements=("C[m, n] = A[m, k] * B[k, n]",))


def systolic_gemm(arch: Arch, m: int, n: int, k: int, dtype: DType = DType.FP32) -> Program:
    """``C = A @ B`` as one LOAD/LOAD/GEMM/STORE sequence on the systolic
    preset (operands must fit the buffer together)."""
    if m * k + k * n + m * n > arch.buffer_words:
        raise TnccError(f"GEMM {m}x{n}x{k} does not fit the buffer in one piece")
    sa, sb, sc = _symbols(m, n, k, dtype)
    a0, b0, c0 = 0, m * k, m * k + k * n
    dmas = (DmaDesc(((m * k, 1, 1),), dtype), DmaDesc(((k * n, 1, 1),), dtype),
            DmaDesc(((m * n, 1, 1),), out_dtype(dtype)))
    code = _Code([])
    code.add(Opcode.LOAD, dram=sa.dram, buf=a0, desc=0)
    code.add(Opcode.LOAD, dram=sb.dram, buf=b0, desc=1)
    code.add(Opcode.SIGNAL, unit=Unit.DMA, sem=0)
    code.add(Opcode.WAIT, unit=Unit.ARRAY, sem=0)
    code.add(Opcode.GEMM, gemm=0)
    code.add(Opcode.SIGNAL, unit=Unit.ARRAY, sem=1)
    code.add(Opcode.WAIT, unit=Unit.DMA, sem=1)
    code.add(Opcode.STORE, buf=c0, dram=sc.dram, desc=2)
    code.add(Opcode.HALT)
    gemm = GemmDesc(dtype, m, n, k, a0, k, b0, n, c0, n, False)
    return Program(arch.name, arch.fingerprint(), tuple(code.ins), dmas=dmas, gemms=(gemm,),
                   symbols=(sa, sb, sc), statements=("C[m, n] = A[m, k] * B[k, n]",))


def gemm_inputs(m: int, n: int, k: int, dtype: DType, seed: int = 0) -> dict[str, np.ndarray]:
    """Random ``A`` and ``B`` of the GEMM programs' symbols."""
    rng = np.random.default_rng(seed)
    if dtype.is_int:
        return {"A": rng.integers(-128, 128, (m, k)), "B": rng.integers(-128, 128, (k, n))}
    return {"A": rng.standard_normal((m, k)).astype(np.float32), "B": rng.standard_normal((k, n)).astype(np.float32)}


__all__ = ["fetta_gemm", "systolic_gemm", "gemm_inputs", "route_for"]
