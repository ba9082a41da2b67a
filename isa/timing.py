"""Cost functions of the machine: cycles and energy of every kind of work.

One source of truth for the emulator (which charges these per instruction)
and for the compiler's cost model (``tncc.isa.model``, which composes them
into the cost of a step, a plan and a program).  Every function is pure: a function of the
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
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from tncc.errors import TnccError
from tncc.isa.arch import Arch
from tncc.isa.table import TimingClass

if TYPE_CHECKING:
    import numpy as np


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
    import numpy as np  # start-up: planning without a machine never loads numpy

    off = np.unique(np.asarray(offsets, dtype=np.int64).ravel())
    if off.size == 0:
        return 1
    return int(np.bincount(off % banks, minlength=banks).max())


def drain_passes(offsets: np.ndarray, ports: int, banks: int) -> int:
    """Conflict passes of a tile's drain: the worst chunk of ``ports``
    consecutive drained words (``offsets``, in drain order)."""
    return max((conflict_passes(offsets[s:s + ports], banks) for s in range(0, offsets.size, ports)), default=1)


def banked_access_cycles(addresses: Any, banks: int) -> int:
    """Cycles to read (or write) ``addresses`` in order, ``banks`` words per
    cycle: each consecutive chunk of ``banks`` accesses takes as many cycles
    as the most accesses that fall in one bank."""
    import numpy as np  # start-up: planning without a machine never loads numpy

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


def affine_offsets(dims: Sequence[tuple[int, int]]) -> np.ndarray:
    """Offsets of a row-major ``(extent, stride)`` enumeration (flat int64)."""
    import numpy as np  # start-up: planning without a machine never loads numpy

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
    reads = ops["sbuf"] + affine_offsets([(e, f) for e, f, _ in d.dims])
    writes = ops["dbuf"] + affine_offsets([(e, t) for e, _, t in d.dims])
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


def tile_events(arch: Arch, points: int, beats: int, ports: int, words: int, tkk: int,
                accumulates: bool) -> tuple[int, int, int]:
    """MACs, buffer words and network hops of ``points`` runs of one fetta
    tile: ``beats`` beats over ``ports`` operand ports (A's and B's), each run
    draining ``words`` words of ``tkk`` products each; ``accumulates``: the
    drain reads the words it adds to (an accumulating or reducing tile)."""
    operand = points * beats * ports
    drained = points * words
    buffer = operand + (2 * drained if accumulates else drained)
    return points * beats * words * tkk, buffer, network_hops(arch, operand, drained)


def gemm_events(arch: Arch, m: int, n: int, k: int, accumulate: bool) -> tuple[int, int]:
    """MACs and buffer words of one systolic GEMM ``[m, k] x [k, n]``: A is
    read once per column pass of the array, B once per row pass, C written
    (and read too where it accumulates)."""
    rows, cols = arch.array.rows, arch.array.cols
    buffer = m * k * -(-n // cols) + k * n * -(-m // rows) + m * n * (2 if accumulate else 1)
    return m * n * k, buffer


def total_lanes(arch: Arch) -> int:
    """MAC lanes of the fetta array."""
    return arch.array.ce_rows * arch.array.ce_cols * arch.array.lanes
