"""Systolic: leaves kept in the order their GEMMs read, or as declared, by modelled cycles.

On the systolic preset the memory planner keeps each resident leaf in the
matrix order its steps read it in (``passes.alloc.leaf_orders``): the load
that brings it into the buffer reshapes it (walking DRAM in DRAM order) and
the GEMMs read it in place instead of after a SHAPE pass.  That is not
always faster: a leaf read in place keeps its words busy until the GEMM is
done, so a later load into the same words waits for it, where a SHAPE
would have copied it out early; and a leaf several steps read in
different orders still needs SHAPE passes for the others, from a layout
those may find more conflicted.  (Over the examples: ttm_embedding
536,174 -> 452,068 cycles, ttm_linear 842,667 -> 911,909.)  So
:func:`choose_leaf_layouts` lowers the plan both ways and keeps the
cheaper program by the model.
"""

from __future__ import annotations


from tncc.passes.framework import PassContext, Pipeline
from tncc.passes.lowered import Cost, Lowered, Placed, TileMemo
from tncc.passes.lowering_passes import CodeGen, PlanMemory, Tile, TuneLayouts
from tncc.passes.options import LoweringOptions
from tncc.plan import Plan


def choose_leaf_layouts(plan: Plan, ctx: PassContext, best: Lowered, cost: Cost,
                        memo: TileMemo, opts: LoweringOptions) -> Lowered:
    """``best`` (lowered with leaves in matrix order), or the same lowering
    with every leaf in declared order when the model finds that cheaper
    (module doc).  Only where some leaf's layout differs."""
    mem = best.memory
    placed: Placed = Pipeline((PlanMemory(mem.share, mem.wide, leaf_matrices=False),)).run(plan, ctx)
    if all(p.layout == q.layout for p, q in zip(mem.placements, placed.memory.placements)):
        return best
    other: Lowered = Pipeline((Tile(memo), TuneLayouts(), CodeGen.for_options(opts))).run(placed, ctx)
    return other if cost(other) < cost(best) else best
