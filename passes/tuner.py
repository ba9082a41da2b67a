"""The lowering's option search: lower a plan each way a choice allows, keep the cheapest.

Where a choice trades one cost against another (the staging share, wide
bank paddings, the lookahead, co-scheduled pairs), :func:`lower_plan`
lowers the options and keeps the program with the fewest modelled cycles
(:func:`tncc.passes.estimate.estimate_cycles`);
:class:`~tncc.passes.options.LoweringOptions` forces any of them.  Each
option is one run of the same steps (:mod:`tncc.passes.lowered`): plan
memory, tile, tune layouts, generate code.
"""

from __future__ import annotations

from typing import Callable

from tncc.isa.arch import Arch
from tncc.isa.program import Program
from tncc.passes.alloc import STAGE_SHARE, plan_memory
from tncc.passes.backend import backend_for
from tncc.passes.banks import wide_candidates
from tncc.passes.coschedule import co_schedule
from tncc.passes.estimate import estimate_cycles
from tncc.passes.leaf_layouts import choose_leaf_layouts
from tncc.passes.lowered import (Lowered, TileMemo, finish, generate, ones_words, scratch_words, tile_plan)
from tncc.passes.memory_ir import MemoryPlan
from tncc.passes.options import DEFAULT as DEFAULT_OPTIONS, LoweringOptions
from tncc.plan import Plan

OPTION_LIMIT = 20_000  # instructions: larger programs skip the lookahead and co-scheduling options (seconds each)
MAX_STAGE_SHARE = 8  # the smallest staging area tried is 1/8 of the buffer
WIDE_TRIALS = 4  # tensors tried one by one for the wide paddings when all of them together cost a spill


def lower_plan(plan: Plan, arch: Arch, options: LoweringOptions | None = None) -> Lowered:
    """Memory planning, tiling, shaping and code generation for ``plan`` on
    ``arch`` (``tncc.isa.arch.Arch``).

    Where a choice trades one cost against another, each option is lowered
    and the program with fewer modelled cycles (``passes.estimate``) kept:
    when some tensor streams from DRAM, the share of the buffer given to
    staging (fewer spills against fewer reloads; a half, then on fetta a
    quarter, a sixth, an eighth while each is cheaper than the last); on
    fetta the wide bank paddings of small tensors when their larger
    reservation changes what spills, the lookahead, and co-scheduled pairs
    of steps (the last two for programs of at most ``OPTION_LIMIT``
    instructions).  ``options`` forces any of these choices (and the
    prefetch and deferred stores, otherwise always taken); see
    :class:`~tncc.passes.options.LoweringOptions`."""
    opts = options if options is not None else DEFAULT_OPTIONS
    backend = backend_for(arch)
    # Modelled cycles by program: equal programs cost the same, and a key
    # that is the program itself cannot be reused by another one (an id()
    # of a Lowered the search dropped could be).
    cycles: dict[Program, int] = {}

    def cost(low: Lowered) -> int:
        if low.program not in cycles:
            cycles[low.program] = estimate_cycles(low.program, arch)
        return cycles[low.program]

    memo: TileMemo = {}
    if opts.stage_share is not None:
        base, more = _lower_with(plan, arch, opts.stage_share, memo, opts)
    else:
        base, more = _lower_with(plan, arch, 2, memo, opts)
        share = STAGE_SHARE.get(arch.kind, 2)
        words = arch.buffer.bytes // arch.buffer.word_bytes
        while share <= MAX_STAGE_SHARE and base.memory.streamed:
            # A smaller staging area only helps if some streamed tensor could then
            # stay; keep shrinking it (a quarter, a sixth, ...) while that pays.
            room = words * (share - 1) // share
            if not any(base.memory.value(v).words <= room for v in base.memory.streamed):
                break
            other = _lower_with(plan, arch, share, memo, opts)
            if cost(other[0]) >= cost(base):
                break
            base, more = other
            share += 2
    # The wide-padding alternatives of the better staging share only.
    options_ = [base] + more()
    best = options_[0] if len(options_) == 1 else min(options_, key=cost)
    if backend.kind == "systolic":
        best = choose_leaf_layouts(plan, arch, best, cost, memo, opts)
    if not backend.loads_ahead or not best.memory.streamed:
        return best
    small = len(best.program.instructions) <= OPTION_LIMIT
    # Loading the next streamed step's first block under the current one
    # moves DMA work earlier: it helps where the DMA idles, delays where it
    # is the bottleneck, so it is kept when the model says so.  (Forced, it
    # is already in every program finish made.)
    if opts.lookahead is None and small:
        ahead = generate(plan, arch, best.memory, best.tiled, best.placed, None, True, opts)
        best = min((best, ahead), key=cost)
    # Steps whose bottlenecks differ (one waits on DMA, the other on the
    # array) run together where that is safe; kept if the model says so.
    if opts.co_schedule or (opts.co_schedule is None and small):
        co = co_schedule(plan, best.tiled, best.placed, arch, memo, best.memory)
        if co is not None:
            paired = finish(plan, arch, co[2], co[0], co[1], opts)
            best = paired if opts.co_schedule else min((best, paired), key=cost)
    return best


def _lower_with(plan: Plan, arch: Arch, stage_share: int, memo: TileMemo | None = None,
                opts: LoweringOptions = DEFAULT_OPTIONS) -> tuple[Lowered, Callable[[], list[Lowered]]]:
    """The lowering with ``1/stage_share`` of the buffer for staging (on
    fetta with the wide paddings where they cost no spill), and a function
    giving the alternatives whose wide paddings do change what spills
    (``opts.wide_paddings`` forced: all of them, or none, and no
    alternative)."""
    mem = plan_memory(plan, arch, ones_words(plan, arch), scratch_words(plan, arch), stage_share)
    tiled = tile_plan(plan, arch, mem, memo)
    if not backend_for(arch).tunes_banks or opts.wide_paddings is False:
        return finish(plan, arch, mem, tiled, opts=opts), list
    saving = wide_candidates(tiled, mem, arch)
    if not saving:
        return finish(plan, arch, mem, tiled, opts=opts), list

    def place(names: frozenset[str]) -> MemoryPlan:
        return plan_memory(plan, arch, ones_words(plan, arch), scratch_words(plan, arch), stage_share, names)

    def same(m: MemoryPlan) -> bool:  # the tiling depends only on what streams and on the staging area
        return m.streamed == mem.streamed and m.stage_words == mem.stage_words

    mem_w = place(frozenset(saving))
    if same(mem_w):
        return finish(plan, arch, mem_w, tiled, opts=opts), list
    if opts.wide_paddings:
        return finish(plan, arch, mem_w, tile_plan(plan, arch, mem_w, memo), opts=opts), list
    # The wide reservations together cost a spill: take them one by one
    # (largest saving first) while none does; all of them is the alternative.
    chosen: frozenset[str] = frozenset()
    mem_c = mem
    for name in sorted(saving, key=lambda n: -saving[n])[:WIDE_TRIALS]:
        trial = place(chosen | {name})
        if same(trial):
            chosen, mem_c = chosen | {name}, trial
    return finish(plan, arch, mem_c, tiled, opts=opts), lambda: [
        finish(plan, arch, mem_w, tile_plan(plan, arch, mem_w, memo), opts=opts)]
