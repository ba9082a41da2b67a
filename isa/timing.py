"""Cost functions of the machine: cycles and energy of every kind of work.

One source of truth for the emulator (which charges these per instruction)
and for the compiler's planner (which calls :func:`estimate_contraction`
before any code exists).  Every function is pure: a function of the
architecture (``tncc.isa.arch.Arch``) and of shapes, never of data.

The formulas are the ones fixed in ``docs/machine.md``:

* DMA transfer: ``latency + ceil(bytes / bytes_per_cycle)``;
* SHAPE pass (systolic preset): one buffer read plus one buffer write per
  word at ``banks`` words per cycle, times the worst bank-conflict factor;
* fetta tile: ``read = T * max(pA, pB)``, ``mac = T``, ``drain =
  ceil(W / red.ports) * pC``; a tile sequence overlaps reading/multiplying
  of one tile with the drain of the previous one (double-buffered
  accumulators), and pays the network/array/reduction pipeline fill once per
  configuration change;
* systolic GEMM: SCALE-Sim's closed form (``os``: ``folds * (T + R + C - 2)
  - 1``, ``ws``/``is``: ``folds * (T + 2R + C - 2) - 1``).

The cost of an *instruction* is decided by its opcode's timing class in the
ISA table (``tncc.isa.table``): :data:`COST_BY_CLASS` maps every
:class:`~tncc.isa.table.TimingClass` to one cost function of uniform
signature ``(arch, operands) -> Cost``, and the emulator charges the
resulting :class:`Cost` to the unit the table names.  Adding an opcode is a
table row (plus its semantics); its cost follows from its class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping

import numpy as np

from tncc.errors import TnccError
from tncc.ir import DType
from tncc.isa.arch import Arch
from tncc.isa.table import TimingClass
from tncc.plan import Dataflow


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def _log2(n: int) -> int:
    return max(0, int(n).bit_length() - 1)


# -- memories ------------------------------------------------------------------


def dma_cycles(arch: Arch, nbytes: int) -> int:
    """Cycles of one DRAM <-> buffer transfer of ``nbytes`` bytes."""
    return arch.dram.latency + _ceil(max(0, nbytes), arch.dram.bytes_per_cycle)


def buffer_words_per_cycle(arch: Arch) -> int:
    """Peak buffer bandwidth: every bank serves one word per cycle."""
    return arch.buffer.banks


def buffer_words(arch: Arch) -> int:
    """Capacity of the global buffer in words (one word holds any element)."""
    return arch.buffer.bytes // arch.buffer.word_bytes


def shape_cycles(arch: Arch, words: int, read_passes: float = 1.0, write_passes: float = 1.0) -> int:
    """Cycles of a buffer -> buffer permuting copy of ``words`` words.

    One read and one write per word at ``banks`` words per cycle; the pass
    factors (>= 1) are the bank-conflict slow-downs of the read and the write
    address patterns (1 for conflict-free unit-stride runs)."""
    per = buffer_words_per_cycle(arch)
    return _ceil(words, per) * max(1, math.ceil(read_passes)) + _ceil(words, per) * max(1, math.ceil(write_passes))


# -- fetta tile ----------------------------------------------------------------


def dist_stages(arch: Arch) -> int:
    """Switch stages a word crosses in one Benes-copy-Benes network."""
    return 2 * (2 * _log2(arch.dist.ports) - 1) + 1


def red_levels(arch: Arch) -> int:
    """Adder levels of the butterfly reduction network."""
    return _log2(arch.red.ports)


def tile_fill(arch: Arch) -> int:
    """Pipeline fill paid once per configuration change."""
    return dist_stages(arch) + arch.array.pipeline + red_levels(arch)


@dataclass(frozen=True, slots=True)
class TileTiming:
    """Busy cycles of one execution of a fetta tile on each unit it engages."""

    read: int  # DIST: T * max(pA, pB)
    mac: int  # ARRAY: T
    drain: int  # RED: ceil(W / red.ports) * pC

    @property
    def front(self) -> int:
        """Reading and multiplying overlap beat by beat."""
        return max(self.read, self.mac)


def tile_timing(arch: Arch, beats: int, pa: int, pb: int, drain_words: int, pc: int) -> TileTiming:
    """Cycles of one tile of ``beats`` beats with operand conflict passes
    ``pa``/``pb`` and ``drain_words`` accumulators drained with ``pc`` passes."""
    return TileTiming(
        read=beats * max(pa, pb, 1),
        mac=beats,
        drain=_ceil(drain_words, arch.red.ports) * max(pc, 1),
    )


def tile_sequence_cycles(t: TileTiming, count: int, fill: int) -> int:
    """Span of ``count`` back-to-back executions of one tile: a two-stage
    pipeline (read+multiply, drain) with double-buffered accumulators."""
    if count <= 0:
        return 0
    return fill + t.front + t.drain + (count - 1) * max(t.front, t.drain)


def conflict_passes(offsets: Any, banks: int) -> int:
    """Passes a set of word offsets needs through ``banks`` single-ported
    banks: the largest number of distinct addresses falling in one bank."""
    off = np.unique(np.asarray(offsets, dtype=np.int64).ravel())
    if off.size == 0:
        return 1
    return int(np.bincount(off % banks, minlength=banks).max())


def banked_access_cycles(addresses: Any, banks: int) -> int:
    """Cycles to read (or write) ``addresses`` in order, ``banks`` words per
    cycle: each consecutive chunk of ``banks`` accesses takes as many cycles
    as the most accesses that fall in one bank."""
    a = np.asarray(addresses, dtype=np.int64).ravel()
    if a.size == 0:
        return 0
    chunk = np.arange(a.size, dtype=np.int64) // banks
    counts = np.bincount(chunk * banks + a % banks, minlength=(int(chunk[-1]) + 1) * banks)
    return int(counts.reshape(-1, banks).max(axis=1).sum())


# -- systolic GEMM ---------------------------------------------------------------


def gemm_cycles(arch: Arch, m: int, n: int, k: int, dataflow: str | None = None) -> int:
    """SCALE-Sim 3.0.0 "Total Cycles" of ``C[m,n] = A[m,k] B[k,n]`` on the
    ``rows x cols`` systolic array (source: SCALE-Sim's compute-array model;
    reproduced against its measured output in the project's reference data)."""
    df = dataflow or arch.array.dataflow
    r, c = arch.array.rows, arch.array.cols
    if df == "os":
        sr, sc, t = m, n, k
    elif df == "ws":
        sr, sc, t = k, n, m
    elif df == "is":
        sr, sc, t = k, m, n
    else:
        raise TnccError(f"unknown systolic dataflow {df!r} (expected os, ws or is)", where="arch key array.dataflow")
    folds = _ceil(sr, r) * _ceil(sc, c)
    if df == "os":
        return folds * (t + r + c - 2) - 1
    return folds * (t + 2 * r + c - 2) - 1


# -- instruction costs by timing class ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cost:
    """What one instruction costs in cycles.

    A plain instruction occupies the unit the ISA table issues it on for
    ``front`` cycles.  A pipelined one (``pipelined``: a CTILE's tile
    sequence) runs ``count`` steps after ``fill`` cycles of pipeline fill,
    each a ``front`` phase (operand read and multiply on DIST and ARRAY)
    then a ``drain`` phase (RED), the next front overlapping the drain; its
    busy cycles per unit are ``busy`` (in :class:`Unit` order)."""

    front: int = 0
    drain: int = 0
    count: int = 1
    fill: int = 0
    pipelined: bool = False
    busy: tuple[int, int, int, int] | None = None

    @property
    def span(self) -> int:
        """Cycles from the start of the instruction to its end."""
        if not self.pipelined:
            return self.front
        return tile_sequence_cycles(TileTiming(self.front, self.front, self.drain), self.count, self.fill)

    def busy_by_unit(self, unit: int | None) -> tuple[int, int, int, int]:
        """Busy cycles per unit (:class:`Unit` order) when issued on ``unit``
        (None: the control sequencer, which has no unit time)."""
        if self.busy is not None:
            return self.busy
        out = [0, 0, 0, 0]
        if unit is not None:
            out[unit] = self.front
        return (out[0], out[1], out[2], out[3])


#: An instruction's resolved operands: its fields by name, ``ref`` fields
#: replaced by the config records they index, plus the machine state its
#: class's cost depends on (see each cost function).
Operands = Mapping[str, Any]
CostFn = Callable[[Arch, Operands], Cost]

NO_COST = Cost()


def _affine_offsets(dims: list[tuple[int, int]]) -> np.ndarray:
    """Offsets of a row-major ``(extent, stride)`` enumeration (flat int64)."""
    off = np.zeros(1, dtype=np.int64)
    for extent, stride in dims:
        off = (off[:, None] + np.arange(extent, dtype=np.int64)[None, :] * stride).ravel()
    return off


def _cost_control(arch: Arch, ops: Operands) -> Cost:
    """None: the control sequencer has no unit time."""
    return NO_COST


def _cost_sync(arch: Arch, ops: Operands) -> Cost:
    """None of its own: `SIGNAL` records when its unit's earlier work ends, `WAIT` holds its unit until
    the matching signal."""
    return NO_COST


def _cost_dma(arch: Arch, ops: Operands) -> Cost:
    """`dram.latency + ceil(bytes / dram.bytes_per_cycle)`, bytes = the descriptor's elements times the
    element size."""
    d = ops["desc"]
    return Cost(dma_cycles(arch, d.elements * d.dtype.nbytes))


def _cost_shape(arch: Arch, ops: Operands) -> Cost:
    """`banked(reads) + banked(writes)`: per consecutive chunk of `buffer.banks` words, as many cycles as
    the most words of the chunk in one bank (reads from `sbuf`, writes to `dbuf`, by the descriptor)."""
    d, banks = ops["desc"], arch.buffer.banks
    reads = ops["sbuf"] + _affine_offsets([(e, f) for e, f, _ in d.dims])
    writes = ops["dbuf"] + _affine_offsets([(e, t) for e, _, t in d.dims])
    return Cost(banked_access_cycles(reads, banks) + banked_access_cycles(writes, banks))


def _cost_reconfig_dist(arch: Arch, ops: Operands) -> Cost:
    """`dist.reconfig_cycles`."""
    return Cost(arch.dist.reconfig_cycles)


def _cost_reconfig_red(arch: Arch, ops: Operands) -> Cost:
    """`red.reconfig_cycles`."""
    return Cost(arch.red.reconfig_cycles)


def _cost_tile(arch: Arch, ops: Operands) -> Cost:
    """`fill + front + drain + (n - 1) * max(front, drain)` over the `n` loop points, with
    `front = max(read, mac)`, `read = T * max(pA, pB)`, `mac = T`, `drain = ceil(W / red.ports) * pC`;
    `fill = dist stages + array.pipeline + red levels` after a DIST or RED, else 0; DIST and ARRAY are
    busy `n * read` and `n * mac` cycles, RED `n * drain`, and RED's drains overlap the next CTILE."""
    d, n = ops["tile"], ops["points"]
    pa, pb, pc = ops["passes"]
    t = tile_timing(arch, d.beats, pa, pb, d.tb * d.tm * d.tn, pc)
    return Cost(t.front, t.drain, n, tile_fill(arch) if ops["refill"] else 0, True,
                (0, n * t.read, n * t.mac, n * t.drain))


def _cost_gemm(arch: Arch, ops: Operands) -> Cost:
    """SCALE-Sim's `folds * (T + R + C - 2) - 1` (os) or `folds * (T + 2R + C - 2) - 1` (ws, is) for
    the descriptor's `M`, `N`, `K` and the array's dataflow."""
    g = ops["gemm"]
    return Cost(gemm_cycles(arch, g.m, g.n, g.k))


#: The cost function of every timing class of the ISA table.
COST_BY_CLASS: dict[TimingClass, CostFn] = {
    TimingClass.CONTROL: _cost_control,
    TimingClass.DMA: _cost_dma,
    TimingClass.SHAPE: _cost_shape,
    TimingClass.RECONFIG_DIST: _cost_reconfig_dist,
    TimingClass.RECONFIG_RED: _cost_reconfig_red,
    TimingClass.TILE: _cost_tile,
    TimingClass.GEMM: _cost_gemm,
    TimingClass.SYNC: _cost_sync,
}
assert set(COST_BY_CLASS) == set(TimingClass)


def cost_formula(cls: TimingClass) -> str:
    """The formula of ``cls``'s cost function (its docstring, one line)."""
    return " ".join((COST_BY_CLASS[cls].__doc__ or "").split())


# -- energy ------------------------------------------------------------------------


def energy_pj(
    arch: Arch,
    *,
    macs: int = 0,
    buffer_words: int = 0,
    dram_bytes: int = 0,
    hops: int = 0,
    reconfigs: int = 0,
) -> dict[str, float]:
    """Energy per component (pJ) of the given event counts, from the arch
    file's per-event table.  Keys: ``mac``, ``buffer``, ``dram``, ``network``,
    ``reconfig``."""
    e = arch.energy
    return {
        "mac": macs * e.mac_pj,
        "buffer": buffer_words * e.buffer_word_pj,
        "dram": dram_bytes * e.dram_byte_pj,
        "network": hops * e.hop_pj,
        "reconfig": reconfigs * e.reconfig_pj,
    }


def network_hops(arch: Arch, operand_words: int, drained_words: int) -> int:
    """Switch traversals: every operand word crosses one distribution network,
    every drained word the reduction network's levels."""
    return operand_words * dist_stages(arch) + drained_words * max(1, red_levels(arch))


# -- planning: tile choice and whole-contraction estimate -------------------------


@dataclass(frozen=True, slots=True)
class Tile:
    """Spatial tile of a contraction on the fetta array: ``tb`` batch,
    ``tm`` left-free, ``tn`` right-free and ``tkk`` contracted elements per
    beat (``docs/machine.md``, "The CE array").  For the systolic GEMM the
    fields are ``(1, rows, cols, 1)``."""

    tb: int
    tm: int
    tn: int
    tkk: int

    @property
    def lanes(self) -> int:
        return self.tb * self.tm * self.tn * self.tkk


@dataclass(frozen=True, slots=True)
class Estimate:
    """Modelled cost of one pairwise contraction (see :func:`estimate_contraction`)."""

    cycles: int
    energy_pj: float
    macs: int
    dram_bytes: int
    buffer_words: int  # peak buffer footprint of the blocked schedule, in words


def total_lanes(arch: Arch) -> int:
    """MAC lanes of the fetta array."""
    return arch.array.ce_rows * arch.array.ce_cols * arch.array.lanes


@lru_cache(maxsize=4096)
def _candidates(d: int, cap: int) -> tuple[int, ...]:
    """Tile extents worth trying for a dimension of size ``d`` under ``cap``,
    largest first: for each tile count ``c`` only the smallest extent giving
    it, ``ceil(d / c)`` (any larger one costs lanes and ports for nothing),
    so searching these is as good as searching every extent."""
    cap = max(1, min(d, cap))
    return tuple(t for t in range(cap, 0, -1) if _ceil(d, _ceil(d, t)) == t)


def _largest(cands: tuple[int, ...], limit: int) -> int:
    for v in cands:  # sorted descending
        if v <= limit:
            return v
    return 1


def _tile_score(arch: Arch, b: int, m: int, n: int, k: int, t: Tile) -> tuple[int, int]:
    count = _ceil(b, t.tb) * _ceil(m, t.tm) * _ceil(n, t.tn)
    beats = _ceil(k, t.tkk)
    drain = _ceil(t.tb * t.tm * t.tn, arch.red.ports)
    return (count * max(beats, drain), count)


def choose_tile(arch: Arch, b: int, m: int, n: int, k: int, dataflow: str) -> Tile:
    """The spatial tile a code generator should use for a contraction of
    batch ``b``, left-free ``m``, right-free ``n`` and contracted ``k``
    (products of index sizes) in ``dataflow``.

    Constraints (``docs/machine.md``): ``TB*TM*TKK`` and ``TB*TN*TKK`` at most
    ``dist.ports``; ``TB*TM*TN*TKK`` at most the lane count; outer has
    ``TB = TKK = 1``, batch has ``TKK = 1``, inner needs ``TB*TM*TN <=
    red.ports``.  Among legal tiles it minimises the pipelined cycle count
    ``tiles * max(beats, drain)``, then the number of tiles.  ``gemm``
    returns the systolic array's shape."""
    b, m, n, k = (max(1, int(x)) for x in (b, m, n, k))
    if dataflow == Dataflow.GEMM:
        return Tile(1, arch.array.rows, arch.array.cols, 1)
    if arch.kind != "fetta":
        raise TnccError(f"dataflow {dataflow!r} needs a fetta architecture, not {arch.kind!r}")
    return _choose_fetta_tile(arch, b, m, n, k, dataflow)


def _choose_fetta_tile(arch: Arch, b: int, m: int, n: int, k: int, dataflow: str) -> Tile:
    key = (arch.dist.ports, arch.red.ports, total_lanes(arch), b, m, n, k, dataflow)
    hit = _TILE_CACHE.get(key)
    if hit is not None:
        return hit
    p, lanes, rp = arch.dist.ports, total_lanes(arch), arch.red.ports
    best: Tile | None = None
    best_score: tuple[int, int] | None = None

    def consider(t: Tile) -> None:
        nonlocal best, best_score
        s = _tile_score(arch, b, m, n, k, t)
        if best_score is None or s < best_score:
            best, best_score = t, s

    cm, cn, ck = _candidates(m, p), _candidates(n, p), _candidates(k, p)
    if dataflow == Dataflow.OUTER:
        for tm in cm:
            for tn in cn:
                if tm * tn <= lanes:
                    consider(Tile(1, tm, tn, 1))
    elif dataflow == Dataflow.BATCH:
        for tb in _candidates(b, p):
            for tm in _candidates(m, p // tb):
                for tn in _candidates(n, p // tb):
                    if tb * tm * tn <= lanes:
                        consider(Tile(tb, tm, tn, 1))
    elif dataflow == Dataflow.INNER:
        for tb in _candidates(b, rp):
            for tm in _candidates(m, rp // tb):
                for tn in _candidates(n, rp // (tb * tm)):
                    limit = min(p // (tb * tm), p // (tb * tn), lanes // (tb * tm * tn))
                    if limit >= 1:  # the largest contracted extent: fewer beats, same drain
                        consider(Tile(tb, tm, tn, _largest(ck, limit)))
    else:
        raise TnccError(f"unknown dataflow {dataflow!r} (expected one of {', '.join(Dataflow.ALL)})")
    assert best is not None
    _TILE_CACHE[key] = best
    return best


_TILE_CACHE: dict[tuple, Tile] = {}


def _store_dtype(dtype: DType) -> DType:
    """Type a contraction result is stored in: int32 for integer operands."""
    return DType.INT32 if dtype.is_int else dtype


@dataclass(frozen=True, slots=True)
class _Blocking:
    """Buffer-level blocks (multiples of the tile).  Loop order: for every
    (batch, left, right) block, stream the contracted range in ``kb`` chunks
    through two A and two B buffers while the C block stays resident."""

    bb: int
    mb: int
    nb: int
    kb: int
    resident: bool = False  # the whole problem at once: nothing streams, no second buffers

    def words(self) -> int:
        streamed = 1 if self.resident else 2
        return self.bb * self.mb * self.nb + streamed * self.bb * (self.mb * self.kb + self.kb * self.nb)


def _multiples(d: int, unit: int, keep: int = 6) -> list[int]:
    """``unit * 2^i`` below ``d`` and ``d`` itself; the ``keep`` largest."""
    vals, v = {d}, max(1, unit)
    while v < d:
        vals.add(v)
        v *= 2
    return sorted(vals)[-keep:]


def _cost(arch: Arch, b: int, m: int, n: int, k: int, dataflow: str, dtype: DType, t: Tile,
          blk: _Blocking, shape_words: int) -> Estimate:
    in_bytes, out_bytes = dtype.nbytes, _store_dtype(dtype).nbytes
    macs = b * m * n * k
    nb_b, nb_m, nb_n, nb_k = _ceil(b, blk.bb), _ceil(m, blk.mb), _ceil(n, blk.nb), _ceil(k, blk.kb)
    blocks = nb_b * nb_m * nb_n
    # DMA: per block and k chunk one A and one B load; per block one store.
    loads = 2 * blocks * nb_k
    load_bytes = b * (m * k * nb_n + k * n * nb_m) * in_bytes
    store_bytes = b * m * n * out_bytes
    dram_bytes = load_bytes + store_bytes
    dma_total = (loads * arch.dram.latency + _ceil(load_bytes, arch.dram.bytes_per_cycle)
                 + blocks * arch.dram.latency + _ceil(store_bytes, arch.dram.bytes_per_cycle))
    first_load = dma_cycles(arch, blk.bb * (blk.mb * blk.kb + blk.kb * blk.nb) * in_bytes)
    last_store = dma_cycles(arch, blk.bb * blk.mb * blk.nb * out_bytes)
    if dataflow == Dataflow.GEMM:
        compute = b * nb_m * nb_n * nb_k * gemm_cycles(arch, blk.mb, blk.nb, blk.kb) + shape_cycles(arch, shape_words)
        rows, cols = arch.array.rows, arch.array.cols
        buf_words = b * (m * k * _ceil(n, cols) + k * n * _ceil(m, rows) + m * n * nb_k) + 2 * shape_words
        hops = reconfigs = 0
    else:
        count = blocks * nb_k * _ceil(blk.bb, t.tb) * _ceil(blk.mb, t.tm) * _ceil(blk.nb, t.tn)
        tt = tile_timing(arch, _ceil(blk.kb, t.tkk), 1, 1, t.tb * t.tm * t.tn, 1)
        reconfig = 2 * arch.dist.reconfig_cycles + arch.red.reconfig_cycles
        compute = reconfig + tile_sequence_cycles(tt, count, tile_fill(arch))
        operand_words = count * tt.mac * t.tb * t.tkk * (t.tm + t.tn)
        drained = count * t.tb * t.tm * t.tn
        buf_words = operand_words + 2 * drained  # accumulating drains read and write
        hops = network_hops(arch, operand_words, drained)
        reconfigs = 3
    buf_words += load_bytes // in_bytes + store_bytes // out_bytes  # the DMA side of the buffer
    cycles = first_load + max(compute, dma_total - first_load - last_store) + last_store
    energy = energy_pj(arch, macs=macs, buffer_words=buf_words, dram_bytes=dram_bytes, hops=hops, reconfigs=reconfigs)
    return Estimate(int(cycles), float(sum(energy.values())), macs, int(dram_bytes), int(blk.words()))


def estimate_contraction(
    arch: Arch,
    b: int,
    m: int,
    n: int,
    k: int,
    dataflow: str,
    dtype: DType,
    *,
    shape_words: int = 0,
) -> Estimate:
    """Modelled cost of one pairwise contraction ``C[b,m,n] = sum_k A[b,m,k]
    B[b,n,k]`` (b, m, n, k: products of the batch, left-free, right-free and
    contracted index sizes) with operands in DRAM before and the result in
    DRAM after.

    Uses the same per-tile functions the emulator charges: the tile from
    :func:`choose_tile`; buffer blocks (the whole problem when it fits,
    else multiples of the tile fitting the buffer with double-buffered
    operands) chosen for the fewest modelled cycles, then the least energy
    among blockings within 1% of that; one DMA transfer per operand block; the tile pipeline; one
    reconfiguration of both distribution networks and the reduction network;
    DMA and compute overlapped except for the first load and the last store.
    ``shape_words`` (systolic only) adds explicit SHAPE passes over that many
    words, which a conventional accelerator needs whenever an operand is not
    already a row-major matrix.  Raises TnccError if not even one tile's
    blocks fit the buffer."""
    b, m, n, k = (max(1, int(x)) for x in (b, m, n, k))
    key = (arch, b, m, n, k, dataflow, dtype, shape_words)
    hit = _EST_CACHE.get(key)
    if hit is not None:
        return hit
    t = choose_tile(arch, b, m, n, k, dataflow)
    cap = buffer_words(arch)
    best: Estimate | None = None
    if b * (m * k + k * n + m * n) <= cap:  # everything resident: one load per operand
        best = _cost(arch, b, m, n, k, dataflow, dtype, t, _Blocking(b, m, n, k, True), shape_words)
    else:
        # Chunks of the contracted range long enough that the drain hides
        # behind the beats (a code generator streams no shorter ones; a
        # buffer too small for that is reported as not fitting); for each
        # block of the free dimensions the longest chunk that fits (fewest
        # transfers).
        kmin = min(k, t.tkk * 64)
        kbs = _multiples(k, t.tkk, 64)
        found: list[Estimate] = []
        for bb in _multiples(b, t.tb, 64):
            for mb in sorted({*_multiples(m, t.tm), min(m, t.tm)}):
                for nb in sorted({*_multiples(n, t.tn), min(n, t.tn)}):
                    room = cap - bb * mb * nb
                    if room <= 0:
                        continue
                    fit = [kb for kb in kbs if 2 * bb * kb * (mb + nb) <= room and (kb >= kmin or kb == k)]
                    if not fit:
                        continue
                    kb = max(fit)
                    found.append(_cost(arch, b, m, n, k, dataflow, dtype, t, _Blocking(bb, mb, nb, kb), shape_words))
        if found:
            # Fewest cycles, but not at any price in traffic: among blockings
            # within 1% of the fastest (they differ by the first load and the
            # last store), the least energy.
            fastest = min(e.cycles for e in found)
            best = min((e for e in found if e.cycles <= fastest * 1.01), key=lambda e: (e.energy_pj, e.cycles))
    if best is None:
        raise TnccError(
            f"contraction (b={b}, m={m}, n={n}, k={k}) cannot be blocked into the {cap}-word buffer"
        )
    _EST_CACHE[key] = best
    return best


_EST_CACHE: dict[tuple, Estimate] = {}


def best_dataflow(arch: Arch, b: int, m: int, n: int, k: int, dtype: DType) -> tuple[str, Estimate]:
    """The dataflow of ``arch`` with the fewest modelled cycles (ties: less
    energy) and its estimate.  On a systolic arch the only one is ``gemm``."""
    if arch.kind != "fetta":
        return Dataflow.GEMM, estimate_contraction(arch, b, m, n, k, Dataflow.GEMM, dtype)
    flows = [Dataflow.OUTER, Dataflow.INNER] + ([Dataflow.BATCH] if b > 1 else [])
    scored = [(f, estimate_contraction(arch, b, m, n, k, f, dtype)) for f in flows]
    return min(scored, key=lambda fe: (fe[1].cycles, fe[1].energy_pj))
