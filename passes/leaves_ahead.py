"""Systolic: resident leaves loaded during the step before their first use, by modelled cycles.

The systolic back end cannot load a later step's blocks ahead (its DMA
queue also runs the SHAPE passes, in program order), so a leaf that stays
in the buffer is loaded whole at the start of the first step that reads it,
in the DMA queue behind the previous step's result reshapes and stores,
which wait for that step's GEMMs: the array then idles while the load runs.
(The TT attention layer at r=8 with 64 tokens ran 63,171 cycles with a
512 KiB buffer, where its operands stream block by block under the GEMMs,
and 68,077 with 1 MiB, where they are resident.)

:func:`choose_leaves_ahead` plans memory again with each resident leaf live
from the step before its first use (``plan_memory``'s ``early``), and
generates code that loads it during that step, after the step's operands
are in place and before anything that waits for the array
(``CodeGenerator.issue_ahead``): the load runs under the GEMMs.  The longer
lifetimes can cost room (a value that stayed may now stream), so the model
decides: the cheaper program is kept.
"""

from __future__ import annotations


from tncc.passes.alloc import CPSAT, GREEDY
from tncc.passes.framework import PassContext, Pipeline
from tncc.passes.lowered import Cost, Lowered, Placed, TileMemo
from tncc.passes.lowering_passes import CodeGen, PlanMemory, Tile, TuneLayouts
from tncc.passes.memory_ir import Kind, MemoryPlan
from tncc.passes.options import LoweringOptions
from tncc.plan import Plan


def early_leaves(mem: MemoryPlan) -> tuple[tuple[str, int], ...]:
    """``(leaf, step)``: each resident leaf first read after step 0, live
    from the step before (steps numbered in the order they run: no
    co-scheduled pairs)."""
    return tuple((v.name, v.first - 1) for v, p in zip(mem.values, mem.placements)
                 if v.kind is Kind.LEAF and p.resident and v.first > 0)


def choose_leaves_ahead(plan: Plan, ctx: PassContext, best: Lowered, cost: Cost,
                        memo: TileMemo, opts: LoweringOptions) -> Lowered:
    """``best``, or the lowering with its resident leaves loaded a step
    ahead (module doc) when the model finds that cheaper (or when
    ``opts.leaves_ahead`` forces it).  The memory plan is redone with the
    staging share, wide paddings, leaf orders and residency rule ``best``
    was planned with."""
    mem = best.memory
    early = early_leaves(mem)
    if not early or best.pairs:
        return best
    rule = GREEDY if mem.residency == GREEDY else CPSAT  # the rule that chose what streams
    for matrices in (True, False):  # the leaf orders best was planned with
        same: Placed = Pipeline((PlanMemory(mem.share, mem.wide, leaf_matrices=matrices, residency=rule),)).run(plan, ctx)
        if same.memory.placements == mem.placements:
            break
    else:
        return best
    ahead: Lowered = Pipeline((PlanMemory(mem.share, mem.wide, leaf_matrices=matrices, early=early, residency=rule), Tile(memo),
                               TuneLayouts(), CodeGen.for_options(opts, leaves_ahead=True))).run(plan, ctx)
    if opts.leaves_ahead:
        return ahead
    return ahead if cost(ahead) < cost(best) else best
