"""Co-scheduling: a DMA-bound step runs block by block with a compute-bound one.

Where one step waits on the DMA and another, a few steps later, on the
array, running them together overlaps one's traffic with the other's tiles
(``docs/lowering.md``, "Overlap").  :func:`co_schedule` picks such pairs
where that is safe and the memory allocated again for the moved step's
lifetimes moves no more traffic; the code generator
(:class:`~tncc.passes.codegen.CodeGenerator`, ``pairs``) then interleaves
their blocks, each in its own half of the staging area.  The tuner keeps
the result when the modelled cycles say so.
"""

from __future__ import annotations


from tncc.isa import model
from tncc.isa.model import StepWork
from tncc.isa.arch import Arch
from tncc.passes.alloc import CPSAT, GREEDY, plan_memory
from tncc.passes.backend import backend_for
from tncc.passes.lowered import TileMemo, ones_words, scratch_words, tile_plan_step
from tncc.passes.memory_ir import Kind, MemoryPlan
from tncc.passes.work import step_work
from tncc.passes.tiled_ir import TiledProgram, TiledStep
from tncc.plan import Plan

CO_WINDOW = 6  # steps ahead searched for a partner
CO_TRIALS = 6  # allocations redone while choosing pairs
CO_MARGIN = 1.1  # a step is DMA-bound (compute-bound) when that side is this much the larger


def co_schedule(plan: Plan, tiled: TiledProgram, mem: MemoryPlan, arch: Arch,
                memo: TileMemo | None = None, tuned: MemoryPlan | None = None,
                ) -> tuple[TiledProgram, dict[int, int], MemoryPlan] | None:
    """Pairs of steps to run block by block together (fetta): a DMA-bound
    step s and a compute-bound step t (either first, t within
    ``CO_WINDOW`` steps after s), t moved up to run with s.  t may not read
    anything the steps still running between them produce, and the memory
    is allocated again with t's values live from s on (so moving t cannot
    overwrite or read anything the allocation did not expect); a pair whose
    allocation streams more (but outputs nothing reads) is dropped.  Both
    steps are re-tiled for half of
    the staging area each.  With ``tuned`` (``mem`` after layout tuning),
    the tensors resident there reserve just their tuned layouts in the
    allocations redone (``plan_memory(fixed=)``): the room for any tuning
    would otherwise overflow the buffer where a tuned layout fits.  Returns
    the re-tiled program, the pairs and the memory plan, or None."""
    if not backend_for(arch).co_schedules or not mem.stage_words:
        return None
    steps = tiled.steps
    places = {p.value: p for p in mem.placements}
    nbytes = {v.name: v.dtype.nbytes for v in mem.values}

    def work(ts: TiledStep, budget: int) -> StepWork:
        """The step's transfers given ``budget`` words of staging (the slot
        rule of ``staging.step_slots``, on compact boxes) and its tiles."""
        ops = [op.value for op in ts.step.operands] + [ts.step.result]
        staged = tuple(not places[v].resident for v in ops)
        return step_work(ts, staged, budget, tuple(nbytes[v] for v in ops[:-1]), nbytes[ops[-1]])

    def dma(ts: TiledStep, budget: int) -> float:
        return model.dma_cycles(arch, work(ts, budget))

    def compute(ts: TiledStep) -> float:
        return model.compute_cycles(arch, work(ts, 0))

    # A paired step is tiled for half of the staging area: smaller blocks
    # can re-read an operand the whole area streamed once.
    halved = [tile_plan_step(plan, arch, mem, k, mem.stage_words // 2, memo) for k in range(len(steps))]
    cost = {ts.number: (dma(ts, mem.stage_words), compute(ts)) for ts in steps}
    paired = {ts.number: dma(ts, mem.stage_words // 2) for ts in halved}
    read = {op.value for ts in steps for op in ts.step.operands}
    fixed = {p.value: p.buffer_copy()[1] for p in tuned.placements if p.resident} if tuned is not None else None

    # A streamed set chosen on the cost model stays chosen: the allocation
    # redone starts from it (the greedy rule's evictions are redone as such).
    chosen = mem.residency != GREEDY

    def place(early: dict[str, int]) -> MemoryPlan:
        return plan_memory(plan, arch, ones_words(plan, arch), scratch_words(plan, arch), mem.share, mem.wide,
                           early, fixed, residency=CPSAT if chosen else GREEDY,
                           stream=frozenset(mem.streamed) if chosen else frozenset())

    def same_traffic(m: MemoryPlan) -> bool:
        """Nothing more streams but outputs no step reads (stored once
        either way), and the staging area is the same."""
        more = set(m.streamed) - set(mem.streamed)
        return m.stage_words == mem.stage_words and all(
            m.value(v).kind is Kind.OUTPUT and v not in read for v in more)

    cands = []
    for s in range(len(steps)):
        for t in range(s + 1, min(len(steps), s + 1 + CO_WINDOW)):
            (ds, cs), (dt, ct) = cost[s], cost[t]
            if not (ds > CO_MARGIN * cs and ct > CO_MARGIN * dt or cs > CO_MARGIN * ds and dt > CO_MARGIN * ct):
                continue
            gain = max(ds, cs) + max(dt, ct) - max(paired[s] + paired[t], cs + ct)
            if gain > 0:
                cands.append((-gain, s, t))
    # Pairs by the overlap they promise (the DMA-bound step's excess traffic
    # that the compute-bound one's spare DMA time can absorb), largest first.
    # t moves up to s past the steps between them that still run there (not
    # themselves moved before s): none may produce what t reads.  Each pair
    # is kept if the allocation redone with t's values live from s on moves
    # no more traffic (at most CO_TRIALS tries).
    pairs: dict[int, int] = {}
    at: dict[int, int] = {}  # moved step -> the position it runs at
    early: dict[str, int] = {}
    trials = CO_TRIALS
    for _, s, t in sorted(cands):
        if s in pairs or s in at or t in pairs or t in at:
            continue
        between = [k for k in range(s, t) if at.get(k, k) >= s]
        made = {steps[k].step.result for k in between}
        if any(op.value in made for op in steps[t].step.operands):
            continue
        grown = dict(early)
        for v in {op.value for op in steps[t].step.operands} | {steps[t].step.result}:
            grown[v] = min(grown.get(v, s), s)
        if trials <= 0:
            break
        trials -= 1
        if same_traffic(place(grown)):
            pairs[s] = t
            at[t] = s
            early = grown
    if not pairs:
        return None
    moved = place(early)
    if not same_traffic(moved):
        return None
    mem = moved
    half = mem.stage_words // 2
    new = [tile_plan_step(plan, arch, mem, k, mem.stage_words, memo) for k in range(len(steps))]
    for s, t in pairs.items():
        for k in (s, t):
            new[k] = tile_plan_step(plan, arch, mem, k, half, memo)
    return TiledProgram(tuple(new), tiled.arch_name), pairs, mem
