"""What a plan's memory plan streams and spills, costed before lowering.

The per-step model (:mod:`.hardware`) tiles each step as if it ran alone:
its tensors stay in the buffer when they fit beside nothing else.  At a
small buffer the program does not run that way: the memory planner keeps
what fits over the *whole plan's* lifetimes, and every tensor it leaves in
DRAM is moved block by block through the staging area, an intermediate
written once and read by every step that reads it (a spill), a leaf read by
every step that reads it, each streamed operand reloaded whenever an index
it has changes in the step's block loop.  Those transfers dominate a tight
buffer's program (a TT training step at 64 KiB: two to three times the
per-step sum), and they depend on the order: which intermediates exist, how
large they are and how long they live.

:func:`streaming_estimate` costs a plan as the lowering would place it,
without lowering it: the memory planner's own placement
(``passes.alloc.plan_memory``, the greedy rule, addresses included: it is
first-fit over the values' lifetimes, cheap beside tiling and code
generation) decides which values stream and how many words the staging
area has, for each staging share the tuner tries, in its order and by
its rule (a half, then three quarters, seven eighths, fifteen sixteenths
while a larger one pays, else a quarter, a sixth, an eighth while a
smaller one pays: one function, ``passes.tuner.walk_stage_shares``, walks
them for both), the cheapest kept, and then the streamed set the residency choice
(``passes.residency``, CP-SAT on the DMA cost model) makes at that share,
if that is cheaper, as the tuner tries it; every step is then costed on the tiler's closed form
(``passes.work.blocked_work``, the block extents and transfer counts
``passes.tile`` would produce under that budget) and the machine's one
model (``isa.model.step_cost``, ``max(compute, dma)`` per step), with each
resident leaf loaded once, at its first use, and each resident output
stored once.

**What it ignores, and how it is bounded.**  It does not tune bank
layouts, co-schedule steps, try the wide bank paddings or the leaf layouts the
tuner may keep, nor model what the program overlaps
between neighbouring steps and the exposed first load and last store; each
of those only makes the program cheaper than the placement costed here, or
moves cycles between steps.  So on a plan whose placement the tuner keeps
the figure is the per-step sum of the program's own tiling, within the
per-step model's bounds (``hardware.BOUNDS``) of the compiled cycles; its
use is to *rank* candidate plans (``planner._final_choice``), and the
final choice still compiles the plans it ranks first and keeps the fastest
as compiled, so an error of the estimate can only cost a missed gain, never
a slower plan than the MAC-optimal one (which is always compiled).  Its
cost is that of a few placements (one residency solve, memoised on the
instance and bounded by ``passes.residency.TIME_LIMIT`` deterministic
units) and one closed-form tiling per step and placement, memoised per
step shape and budget (no lowering, no code generation).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from tncc.errors import TnccError
from tncc.isa import model
from tncc.isa.arch import Arch
from tncc.passes.order.hardware import COST_CACHE, _step, gemm_layout
from tncc.passes.alloc import CPSAT, plan_memory
from tncc.passes.memory_ir import Kind, MemoryPlan
from tncc.passes.options import Share
from tncc.passes.tuner import walk_stage_shares
from tncc.passes.tile import Budget, step_budget
from tncc.passes.work import blocked_work
from tncc.plan import Plan


@dataclass(frozen=True, slots=True)
class StreamingEstimate:
    """Modelled cycles of a plan as its memory plan places it: ``cycles`` in
    all (the steps' ``max(compute, dma)``), of which ``streamed`` names the
    values the placement leaves in DRAM and ``share`` the staging share
    (``1/share`` of the buffer) it was costed with."""

    cycles: int
    streamed: frozenset[str]
    share: Share


def streaming_estimate(plan: Plan, arch: Arch) -> StreamingEstimate | None:
    """The cycles of ``plan`` on ``arch`` with the residency its memory plan
    decides (module doc); ``None`` when no staging share places and tiles
    it (a step the buffer cannot hold: the lowering would fail as well)."""
    # start-up: the back end's constants are needed only when a plan is costed on a machine
    from tncc.passes.lowered import ones_words, scratch_words

    ones, scratch = ones_words(plan, arch), scratch_words(plan, arch)

    def estimate(share: Share) -> tuple[StreamingEstimate, MemoryPlan] | None:
        try:
            mem = plan_memory(plan, arch, ones, scratch, share)
            return StreamingEstimate(_placed_cycles(plan, arch, mem), frozenset(mem.streamed), share), mem
        except TnccError:
            return None

    # the staging shares the tuner tries, in its order
    walked = walk_stage_shares(arch, estimate, lambda t: t[0].cycles,
                               lambda t: (t[1].value(v).words for v in t[1].streamed))
    best = walked[0][0] if walked is not None else None
    if best is not None and best.streamed:
        # the streamed set CP-SAT chooses on the DMA cost model (``passes.residency``), at
        # the staging share the greedy rule did best with, as the tuner tries it
        try:
            mem = plan_memory(plan, arch, ones, scratch, best.share, residency=CPSAT)
            cycles = _placed_cycles(plan, arch, mem)
        except TnccError:
            return best
        if cycles < best.cycles:
            best = StreamingEstimate(cycles, frozenset(mem.streamed), best.share)
    return best


def _placed_cycles(plan: Plan, arch: Arch, mem: MemoryPlan) -> int:
    """The per-step sum of ``plan`` under the placement ``mem``."""
    net = plan.network
    sizes = net.sizes()
    places = {p.value: p for p in mem.placements}
    kinds = {v.name: v for v in mem.values}
    loaded: set[str] = set()
    systolic = arch.kind != "fetta"
    total = 0
    for k, step in enumerate(plan.steps):
        in_bytes = []
        loads = []
        for op in step.operands:
            v = kinds[op.value]
            in_bytes.append(v.dtype.nbytes)
            if v.kind is Kind.LEAF and places[op.value].resident and op.value not in loaded:
                # a resident leaf is loaded once, before its first use
                loaded.add(op.value)
                loads.append(math.prod(v.shape) * v.dtype.nbytes)
        out = kinds[step.result]
        store = math.prod(out.shape) * out.dtype.nbytes if out.kind is Kind.OUTPUT and places[step.result].resident else 0
        words = 0
        if systolic and len(step.operands) == 2:
            # the systolic GEMM's SHAPE passes, as the per-step model charges them
            words, _ = gemm_layout(step.operands[0].indices, step.operands[1].indices, step.indices, step.indices,
                                   sizes)
        budget = step_budget(step, places, mem.stage_words, systolic)
        ops = tuple(op.indices for op in step.operands)
        total += _step_cycles(arch, tuple(sorted((i, sizes[i]) for i in set().union(*ops, step.indices))),
                              ops, step.indices, budget, tuple(in_bytes), out.dtype.nbytes, tuple(loads), store, words)
    return total


@functools.lru_cache(maxsize=COST_CACHE)
def _step_cycles(arch: Arch, sizes: tuple[tuple[str, int], ...], ops: tuple[tuple[str, ...], ...],
                 result: tuple[str, ...], budget: Budget, in_bytes: tuple[int, ...], acc: int,
                 loads: tuple[int, ...], store: int, words: int) -> int:
    """One step's ``max(compute, dma)`` under ``budget`` (memoised: the
    candidates of one choice share most of their steps and placements)."""
    step = _step(ops[0], ops[1] if len(ops) > 1 else None, result)
    _, work = blocked_work(step, dict(sizes), arch, budget, in_bytes, acc, loads, store, words)
    return model.step_cost(arch, work).cycles
