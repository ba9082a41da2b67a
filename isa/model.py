"""The machine's cost model: one place where cycles and energy are composed.

Every decision the compiler takes on the machine asks this module: the
order search's hardware stage (the cost of a step in a dataflow), the tiler
(a tile shape's cycles, a blocking's DRAM cycles), co-scheduling (a step's
DMA and compute sides) and the choice between lowerings (a program's
makespan).  It is built only from the ISA table's timing classes
(:data:`tncc.isa.timing.COST_BY_CLASS`, the functions the emulator charges)
and the architecture file; nothing here knows about plans or passes.

Two levels, with what each promises:

* :func:`program_cycles` costs a *program*: every instruction through its
  timing class, tiles with the bank-conflict passes of their descriptors,
  the units overlapping through the program's own SIGNAL/WAIT pairs in the
  emulator's scheduler (:class:`tncc.isa.sched.Scheduler`).  Nothing the
  timing depends on needs the data, so on programs the emulator accepts the
  makespan is the emulator's, exactly (a test holds them equal), and so are
  the per-statement figures (:class:`ProgramCost`).
* :class:`StepWork` / :func:`step_cost` cost one contraction step from what
  its tiling decided (the tile runs, the GEMMs, the SHAPE words and the DRAM
  transfers), before any code exists: the work of each unit with the
  program-level overlap replaced by ``max(compute, dma)`` (the lowering
  loads a step's operands under the previous step's compute).  It is what
  the order search adds up; how close the sum comes to the program is
  stated (and tested) where it is used, in ``tncc.passes.estimate``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence

from tncc.isa import timing
from tncc.isa.arch import Arch
from tncc.isa.program import Program, TileDesc
from tncc.isa.sched import Scheduler
from tncc.isa.table import NO_SRC, TABLE, Issue, Opcode

_SYNC = frozenset({Opcode.SIGNAL, Opcode.WAIT, Opcode.NOP})  # no work of a statement's own

_FIELDS = {op: tuple((f.name, f.ref.value if f.ref is not None else None) for f in s.fields)
           for op, s in TABLE.items()}


# -- a program: exact ---------------------------------------------------------------------


def tile_passes(desc: TileDesc, arch: Arch) -> tuple[int, int, int]:
    """Conflict passes of a tile's A and B beats and of its drain."""
    return _passes(desc.a.port_dims, desc.b.port_dims, desc.c.dims, arch.buffer.banks, arch.red.ports)


@lru_cache(maxsize=8192)
def _passes(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...], c: tuple[tuple[int, int], ...],
            banks: int, rports: int) -> tuple[int, int, int]:
    return (timing.conflict_passes(timing.affine_offsets(a), banks),
            timing.conflict_passes(timing.affine_offsets(b), banks),
            timing.drain_passes(timing.affine_offsets(c), rports, banks))


@dataclass(frozen=True, slots=True)
class ProgramCost:
    """The modelled run of a program: its makespan and, per source statement
    (index into ``Program.statements``), the cycle at which its last
    instruction that does work (not SIGNAL, WAIT or NOP) ends."""

    cycles: int
    statement_ends: tuple[tuple[int, int], ...]

    def statement_cycles(self) -> dict[int, int]:
        """Each statement's share of the makespan: statements in the order
        their last instructions end, each charged the cycles from the end of
        the one before to its own (so the shares add up to the makespan when
        the last instruction belongs to a statement)."""
        return frontier_shares(dict(self.statement_ends))


def frontier_shares(ends: dict[int, int]) -> dict[int, int]:
    """Shares of a makespan from each statement's last end (see
    :meth:`ProgramCost.statement_cycles`); the emulator's records give the
    same figures through the same function."""
    out: dict[int, int] = {}
    prev = 0
    for src, end in sorted(ends.items(), key=lambda kv: (kv[1], kv[0])):
        out[src] = end - prev
        prev = end
    return out


def program_cost(program: Program, arch: Arch) -> ProgramCost:
    """The run the emulator would time for ``program`` on ``arch`` (module doc).
    Programs are immutable, so the last few costed are remembered by
    identity: the lowering's choice and the order search's estimate of the
    program it kept cost it once."""
    return _remembered(_RECENT, program, arch, _program_cost)


_RECENT: deque[tuple[Program, Arch, Any]] = deque(maxlen=4)  # the last programs costed, newest first


def _remembered(recent: deque[tuple[Program, Arch, Any]], program: Program, arch: Arch,
                compute: Callable[[Program, Arch], Any]) -> Any:
    """``compute(program, arch)``, or what it gave for the same program object
    and arch among the last few in ``recent`` (newest first)."""
    for prog, a, value in recent:
        if prog is program and (a is arch or a == arch):
            return value
    value = compute(program, arch)
    recent.appendleft((program, arch, value))
    return value

# Per opcode: its timing class's cost function, its field names with the
# config table each indexes, and the unit it issues on (a field position for
# ``Issue.FIELD`` opcodes, as a negative -1 - position; None for control).
_COST_FNS = {op: timing.COST_BY_CLASS[s.timing_class] for op, s in TABLE.items()}
_UNIT_AT: dict[Opcode, int | None] = {
    op: (-1 - s.field_index("unit") if s.issue is Issue.FIELD else
         (None if s.fixed_unit is None else int(s.fixed_unit))) for op, s in TABLE.items()}


def _program_cost(program: Program, arch: Arch) -> ProgramCost:
    """:func:`program_cost` in one pass: each distinct (opcode, fields) is
    costed once; the scheduler charges every instruction."""
    sched = Scheduler(trace=False)
    passes: dict[int, tuple[int, int, int]] = {}
    # Per opcode: fields (and, for CTILE, whether the networks were
    # reconfigured since the last tile) -> (unit, cost).
    costs: dict[Opcode, dict[Any, tuple[int | None, timing.Cost]]] = {op: {} for op in TABLE}
    ends: dict[int, int] = {}
    refill = True
    halt, wait, signal, ctile, dist, red = Opcode.HALT, Opcode.WAIT, Opcode.SIGNAL, Opcode.CTILE, Opcode.DIST, Opcode.RED
    no_args: dict[str, Any] = {}
    simple, charge = sched.simple, sched.charge
    for ins in program.instructions:
        op = ins.opcode
        fields = ins.fields
        if op is halt:
            break
        if op is wait:
            sched.wait(fields[0], fields[1], "", "", no_args)
        elif op is dist or op is red:
            refill = True
        key: Any = (fields, refill) if op is ctile else fields
        hit = costs[op].get(key)
        if hit is None:
            ops = {name: (getattr(program, ref)[v] if ref is not None else v)
                   for (name, ref), v in zip(_FIELDS[op], fields)}
            if op is ctile:
                d = program.tiles[ins.tile]
                p = passes.get(ins.tile)
                if p is None:
                    p = passes[ins.tile] = tile_passes(d, arch)
                points = 1
                for row in d.loops:
                    points *= row[0]
                ops.update(passes=p, points=points, refill=refill)
            at = _UNIT_AT[op]
            unit = fields[-1 - at] if at is not None and at < 0 else at
            hit = costs[op][key] = (unit, _COST_FNS[op](arch, ops))
        if op is ctile:
            refill = False
        unit, cost = hit
        if unit is None or cost.pipelined:
            _, end = charge(unit, cost, "", no_args)
        else:
            _, end = simple(unit, cost.front, "", no_args)
        if op is signal:
            sched.signal(fields[0], fields[1])
        elif op not in _SYNC and ins.src != NO_SRC and end > ends.get(ins.src, -1):
            ends[ins.src] = end
    return ProgramCost(sched.makespan(), tuple(sorted(ends.items())))


def program_cycles(program: Program, arch: Arch) -> int:
    """The makespan the emulator would report for ``program`` on ``arch``."""
    return program_cost(program, arch).cycles


@dataclass(frozen=True, slots=True)
class ProgramEvents:
    """The events a run of a program counts (those the energy table
    prices): MACs, DRAM bytes, buffer words, network hops and
    reconfigurations.  Each is a function of the instruction and its
    descriptors alone, so on programs the emulator accepts they are the
    emulator's counts, exactly (a test holds them equal)."""

    macs: int = 0
    dram_bytes: int = 0
    buffer_words: int = 0
    hops: int = 0
    reconfigs: int = 0

    def energy_pj(self, arch: Arch) -> float:
        """The run's energy (pJ) from the arch file's per-event table."""
        return float(sum(timing.energy_pj(arch, macs=self.macs, dram_bytes=self.dram_bytes,
                                          buffer_words=self.buffer_words, hops=self.hops,
                                          reconfigs=self.reconfigs).values()))


def program_events(program: Program, arch: Arch) -> ProgramEvents:
    """What a run of ``program`` on ``arch`` counts (:class:`ProgramEvents`),
    with the emulator's formulas (``timing.tile_events``,
    ``timing.gemm_events``; a transfer counts its bytes and its buffer words,
    a SHAPE pass reads and writes each word).  Like :func:`program_cost`,
    the last few are remembered by identity."""
    events: ProgramEvents = _remembered(_RECENT_EVENTS, program, arch, _program_events)
    return events


_RECENT_EVENTS: deque[tuple[Program, Arch, Any]] = deque(maxlen=4)


def _program_events(program: Program, arch: Arch) -> ProgramEvents:
    counts = [0, 0, 0, 0, 0]  # macs, dram bytes, buffer words, hops, reconfigs
    per_desc: dict[tuple[Opcode, int], tuple[int, ...]] = {}
    for ins in program.instructions:
        op = ins.opcode
        if op is Opcode.HALT:
            break
        if op is Opcode.DIST or op is Opcode.RED:
            counts[4] += 1
            continue
        if op not in _COUNTED:
            continue
        key = (op, ins.fields[_COUNTED[op]])
        hit = per_desc.get(key)
        if hit is None:
            hit = per_desc[key] = _events(program, arch, op, key[1])
        for i, v in enumerate(hit):
            counts[i] += v
    return ProgramEvents(*counts)


# Per counted opcode, the field position of the descriptor its events follow from.
_COUNTED = {Opcode.LOAD: 2, Opcode.STORE: 2, Opcode.SHAPE: 2, Opcode.CTILE: 0, Opcode.GEMM: 0}


def _events(program: Program, arch: Arch, op: Opcode, index: int) -> tuple[int, int, int, int]:
    """``(macs, dram bytes, buffer words, hops)`` of one instruction of ``op``
    with descriptor ``index``."""
    if op is Opcode.CTILE:
        d = program.tiles[index]
        points = 1
        for row in d.loops:
            points *= row[0]
        macs, words, hops = timing.tile_events(arch, points, d.a.beats, d.a.ports + d.b.ports,
                                               d.tb * d.tm * d.tn, d.tkk,
                                               d.accumulate or any(r[4] for r in d.loops))
        return macs, 0, words, hops
    if op is Opcode.GEMM:
        g = program.gemms[index]
        macs, words = timing.gemm_events(arch, g.m, g.n, g.k, g.accumulate)
        return macs, 0, words, 0
    dma = program.dmas[index]
    n = dma.elements
    if op is Opcode.SHAPE:
        return 0, 0, 2 * n, 0
    return 0, n * dma.dtype.nbytes, n, 0


# -- a step, before code exists ------------------------------------------------------------


def shape_fill(arch: Arch) -> int:
    """Cycles a new tile shape pays once: the pipeline fill plus
    reconfiguring both distribution networks and the reduction network."""
    return timing.tile_fill(arch) + 2 * arch.dist.reconfig_cycles + arch.red.reconfig_cycles


def tile_run_cycles(arch: Arch, beats: int, drained: int, count: int, passes: tuple[int, int, int] = (1, 1, 1),
                    fill: int | None = None) -> int:
    """Cycles of ``count`` runs of one fetta tile shape of ``beats`` beats
    draining ``drained`` words, with conflict passes ``passes`` (A, B, drain)
    and ``fill`` cycles up front (default :func:`shape_fill`)."""
    if count <= 0:
        return 0
    pa, pb, pc = passes
    t = timing.tile_timing(arch, beats, pa, pb, drained, pc)
    return timing.tile_sequence_cycles(t, count, shape_fill(arch) if fill is None else fill)


def transfers_cycles(arch: Arch, transfers: int, nbytes: float) -> float:
    """DMA-unit cycles of ``transfers`` transfers moving ``nbytes`` bytes in
    all (each pays the DRAM latency; the DMA unit runs them one at a time)."""
    return transfers * arch.dram.latency + nbytes / arch.dram.bytes_per_cycle


@dataclass(frozen=True, slots=True)
class TileRun:
    """``count`` runs of one fetta tile shape (see :func:`tile_run_cycles`)."""

    beats: int
    drained: int
    count: int
    operand_words: int  # words the A and B streams deliver per run
    passes: tuple[int, int, int] = (1, 1, 1)


@dataclass(frozen=True, slots=True)
class StepWork:
    """What one step does on the machine, as its tiling decided: fetta tile
    runs, systolic GEMMs ``(m, n, k, count)``, SHAPE words (systolic), and the DRAM
    transfers it loads and stores, as ``(bytes, count)`` pairs."""

    macs: int
    runs: tuple[TileRun, ...] = ()
    gemms: tuple[tuple[int, int, int, int], ...] = ()
    shape_words: int = 0
    loads: tuple[tuple[int, int], ...] = ()
    stores: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class StepCost:
    """Modelled cycles of one step: its array side, its DMA side, and the
    step as the lowering runs it (:func:`step_cost`); energy in pJ."""

    compute: int
    dma: int
    cycles: int
    energy_pj: float


def compute_cycles(arch: Arch, work: StepWork) -> int:
    """Array-side cycles of ``work``: tile runs one after the other (each
    shape pays its fill), GEMMs by SCALE-Sim's formula, SHAPE passes one
    read and one write per word at the buffer's bandwidth."""
    total = sum(tile_run_cycles(arch, r.beats, r.drained, r.count, r.passes) for r in work.runs)
    total += sum(c * timing.gemm_cycles(arch, m, n, k) for m, n, k, c in work.gemms)
    if work.shape_words:
        total += timing.shape_cycles(arch, work.shape_words)
    return total


def dma_cycles(arch: Arch, work: StepWork) -> int:
    """DMA-unit cycles of ``work``'s transfers."""
    return sum(c * timing.dma_cycles(arch, b) for b, c in (*work.loads, *work.stores))


def step_cost(arch: Arch, work: StepWork) -> StepCost:
    """The step's cycles, ``max(compute, dma)``: the lowering loads a step's
    operands ahead, under the previous step's compute, and stores its result
    under the next one's, so within a sequence of steps each unit's work
    hides the other's.  Energy from the arch file's per-event table."""
    comp, dma = compute_cycles(arch, work), dma_cycles(arch, work)
    operand_words = sum(r.operand_words * r.count for r in work.runs)
    drained = sum(r.drained * r.count for r in work.runs)
    moved = sum(b * c for b, c in (*work.loads, *work.stores))
    word_bytes = arch.buffer.word_bytes
    buf_words = operand_words + drained + 2 * work.shape_words + moved // word_bytes
    buf_words += sum(c * (m * k + k * n + m * n) for m, n, k, c in work.gemms)
    reconfigs = len(work.runs) * 3
    energy = timing.energy_pj(arch, macs=work.macs, buffer_words=buf_words, dram_bytes=moved,
                              hops=timing.network_hops(arch, operand_words, drained), reconfigs=reconfigs)
    return StepCost(comp, dma, max(comp, dma), float(sum(energy.values())))


def sequence_cycles(arch: Arch, costs: Sequence[StepCost], first_load: int, last_store: int) -> int:
    """Cycles of steps run in order: each step as :func:`step_cost` says, plus
    what nothing hides, the DRAM latency and bytes of the first load and of
    the last store."""
    return sum(c.cycles for c in costs) + first_load + last_store
