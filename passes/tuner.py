"""The lowering's option search: lower a plan each way a choice allows, keep the cheapest.

Where a choice trades one cost against another (the staging share, wide
bank paddings, the lookahead, co-scheduled pairs), :func:`lower_plan`
lowers the options and keeps the program with the fewest modelled cycles
(:func:`tncc.isa.model.program_cycles`, as ``passes.estimate`` costs a program),
or, for a plan made for the ``energy`` or ``edp`` objective, the least
modelled energy or energy-delay product (:func:`program_score`);
:class:`~tncc.passes.options.LoweringOptions` forces any of them.  Each
option is one run of the lowering's passes
(:mod:`tncc.passes.lowering_passes`): ``memory`` -> ``tile`` -> ``tune``
-> ``codegen``, where a candidate that differs from another only in its
later passes reuses the earlier results (the lookahead regenerates code
only; co-scheduling re-plans memory and re-tiles itself, then tunes and
generates code).  The kept program carries the records of its passes
(:meth:`~tncc.passes.lowered.Lowered.trace`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Iterable, TypeVar

from tncc.errors import TnccError, VerifyError
from tncc.isa.arch import Arch
from tncc.isa.model import program_cycles, program_events
from tncc.isa.program import Program
from tncc.passes.alloc import CPSAT, GREEDY, STAGE_SHARE
from tncc.passes.backend import backend_for
from tncc.passes.banks import wide_candidates
from tncc.passes.coschedule import co_schedule
from tncc.passes.framework import Pass, PassContext, Pipeline, verify_after
from tncc.passes.leaf_layouts import choose_leaf_layouts
from tncc.passes.leaves_ahead import choose_leaves_ahead
from tncc.passes.smaller_buffer import choose_smaller_buffer
from tncc.passes.lowered import Cost, Lowered, Placed, Score, TileMemo, Tiled, Tuned
from tncc.passes.lowering_passes import CodeGen, PlanMemory, Tile, TuneLayouts
from tncc.passes.options import DEFAULT as DEFAULT_OPTIONS, MIN_STAGE_SHARE, LoweringOptions, Share
from tncc.plan import Plan

OPTION_LIMIT = 20_000  # instructions: larger programs skip the lookahead and co-scheduling options (seconds each)
MAX_STAGE_SHARE = 8  # the smallest staging area tried is 1/8 of the buffer
#: the larger staging areas tried after a half, in turn while each pays:
#: three quarters, seven eighths and fifteen sixteenths of the buffer.  Where
#: a small buffer streams most tensors anyway, the blocks a larger area holds
#: reload less and take fewer transfers, each of which pays the DRAM latency
#: (TT ffn_up r=64 t=128 at 64 KiB on fetta: 2,159,212 cycles with at most
#: half the buffer staging, 1,175,031 with fifteen sixteenths)
WIDE_STAGE_SHARES = (Fraction(4, 3), Fraction(8, 7), Fraction(16, 15))
STAGE_SHARE_STEP = 2  # the staging shares tried: a half, then (fetta) a quarter, a sixth, an eighth
WIDE_TRIALS = 4  # tensors tried one by one for the wide paddings when all of them together cost a spill
#: the most the choices after the placement were seen to save (a share of the
#: placement's cycles: 15.5% over the paper workloads at 64 KiB to 256 KiB),
#: with a margin; a placement more than that behind the other's finished
#: program is not finished
TAIL_GAIN = 0.25
CO_SCHEDULE = "coschedule"  # the name a broken co-scheduled memory plan or tiling is reported under


T = TypeVar("T")


def walk_stage_shares(arch: Arch, trial: Callable[[Share], T | None], cost: Callable[[T], Any],
                      streamed_words: Callable[[T], Iterable[int]]) -> tuple[T, list[T]] | None:
    """The staging shares the lowering tries, in its order, with the trial
    each makes: ``(best, tried)``, or ``None`` where the half does not place.

    A half of the buffer first; where that streams anything, three quarters,
    seven eighths and fifteen sixteenths (:data:`WIDE_STAGE_SHARES`) in
    turn while each is cheaper than the last.  Where none of those paid
    (on fetta, :data:`~tncc.passes.alloc.STAGE_SHARE`) a quarter, a sixth
    and an eighth in turn while each pays, each only while some streamed
    tensor could stay beside it.  ``trial(share)`` places (or lowers) at
    a share, ``None`` where it cannot; ``cost`` ranks trials;
    ``streamed_words`` gives the words of each value a trial streams.
    ``tried`` holds every trial made except the larger areas that did not
    pay (the shrinking's last, losing trial is there: CP-SAT's residency
    there can still win, ``lower_plan``).  The tuner lowers with these
    shares and the order search's streaming estimate
    (``passes.order.streaming``) places with them, so the search ranks plans
    on the placements the tuner will make."""
    best = trial(MIN_STAGE_SHARE)
    if best is None:
        return None
    tried = [best]
    grown = False
    for wide in WIDE_STAGE_SHARES if any(True for _ in streamed_words(best)) else ():
        # a larger staging area (larger blocks of what streams) while that pays;
        # where it does, the smaller ones are not tried (each costs lowerings)
        other = trial(wide)
        if other is None or cost(other) >= cost(best):
            break
        tried.append(other)
        best, grown = other, True
    words = arch.buffer.bytes // arch.buffer.word_bytes
    share = STAGE_SHARE.get(arch.kind, MIN_STAGE_SHARE)
    while MIN_STAGE_SHARE < share <= MAX_STAGE_SHARE and not grown:
        # a smaller staging area only helps if some streamed tensor could then
        # stay; keep shrinking it (a quarter, a sixth, ...) while that pays
        room = words * (share - 1) // share
        if not any(w <= room for w in streamed_words(best)):
            break
        other = trial(share)
        if other is None:
            break
        tried.append(other)
        if cost(other) >= cost(best):
            break
        best = other
        share += STAGE_SHARE_STEP
    return best, tried


def lower_plan(plan: Plan, arch: Arch, options: LoweringOptions | None = None, verify: bool = False) -> Lowered:
    """Memory planning, tiling, shaping and code generation for ``plan`` on
    ``arch`` (``tncc.isa.arch.Arch``).

    Where a choice trades one cost against another, each option is lowered
    and the program with fewer modelled cycles (``passes.estimate``) kept
    (the least energy or EDP for a plan of that objective,
    :func:`program_score`):
    when some tensor streams from DRAM, the set that streams (the greedy
    evictions or CP-SAT's choice on the cost model, ``passes.residency``, at
    each staging share lowered, each finished with the choices below made
    for it),
    the share of the buffer given to
    staging (fewer spills against fewer reloads; a half, then three
    quarters, seven eighths and fifteen sixteenths while each is cheaper
    than the last, else on fetta a quarter, a sixth, an eighth while each
    is); on
    fetta the wide bank paddings of small tensors when their larger
    reservation changes what spills, the lookahead, and co-scheduled pairs
    of steps (the last two for programs of at most ``OPTION_LIMIT``
    instructions).  ``options`` forces any of these choices (and the
    prefetch and deferred stores, otherwise always taken); see
    :class:`~tncc.passes.options.LoweringOptions`.  ``verify``: verify
    every candidate after each of its passes (the pipeline verifies the
    kept one's records in any case)."""
    opts = options if options is not None else DEFAULT_OPTIONS
    ctx = PassContext(arch, verify)
    # Scores by program, keyed by identity (hashing a program hashes every
    # instruction): the entry keeps its program alive, so no other program
    # can take its id() while the search runs.
    scores: dict[int, tuple[Program, Score]] = {}

    def cost(low: Lowered) -> Score:
        hit = scores.get(id(low.program))
        if hit is None or hit[0] is not low.program:
            hit = scores[id(low.program)] = (low.program, program_score(low.program, arch, plan.objective))
        return hit[1]

    memo: TileMemo = {}
    if opts.stage_share is not None:
        base, more = _lower_with(plan, ctx, opts.stage_share, memo, opts)
        shares = [base]
    else:
        def trial(share: Share) -> tuple[Lowered, Callable[[], list[Lowered]]] | None:
            try:
                return _lower_with(plan, ctx, share, memo, opts)
            except TnccError:
                if share == MIN_STAGE_SHARE:
                    raise  # the half: its error is the lowering's
                return None

        walked = walk_stage_shares(arch, trial, lambda t: cost(t[0]),
                                   lambda t: (t[0].memory.value(v).words for v in t[0].memory.streamed))
        assert walked is not None  # the half's lowering raises rather than return None
        (base, more), tried = walked
        shares = [t[0] for t in tried]  # the greedy placement of every staging share tried
    # The wide-padding alternatives of the better staging share only.
    options_ = [base] + more()
    best = options_[0] if len(options_) == 1 else min(options_, key=cost)
    greedy = best
    if not best.memory.streamed or opts.residency == GREEDY:
        return _rest(plan, ctx, best, greedy, cost, memo, opts)
    if opts.residency == CPSAT:
        return _rest(plan, ctx, _chosen_residency(plan, ctx, best, memo, opts), greedy, cost, memo, opts)
    # CP-SAT's streamed set at every staging share tried, not only at the
    # greedy's best: with a smaller staging area CP-SAT can keep what the
    # greedy evicts.  The later choices (leaf layouts, loading ahead, the
    # lookahead, co-scheduling) are made for each placement, so that "fewer
    # modelled cycles" holds for the whole program, not only for the
    # placement alone: a placement that loses on its own can win once its
    # steps are paired (ttm_linear on fetta: CP-SAT's placement at a sixth
    # of the buffer costs 490,163 cycles alone against 487,601 at a quarter,
    # and 411,752 finished against 458,099).  The placements are finished
    # best-alone first (a tie keeps the greedy's), each unless it is too far
    # behind the best finished program to catch up.
    placements = [greedy, _chosen_residency(plan, ctx, best, memo, opts)]
    for g in dict.fromkeys(g for g in shares if g.memory.streamed and g is not best):
        chosen = _chosen_residency(plan, ctx, g, memo, opts)
        if chosen is not g:  # the greedy's placements at other shares lost alone already
            placements.append(chosen)
    ranked = sorted(dict.fromkeys(placements), key=cost)
    kept = _rest(plan, ctx, ranked[0], greedy, cost, memo, opts)
    for placed in ranked[1:]:
        if cost(placed)[0] * (1 - TAIL_GAIN) > cost(kept)[0]:
            break
        alt = _rest(plan, ctx, placed, greedy, cost, memo, opts)
        if cost(alt) < cost(kept):
            kept = alt
    return kept


def program_score(program: Program, arch: Arch, objective: str) -> Score:
    """What the option search minimises for a plan of ``objective``: the
    modelled cycles (``cycles`` and the structural objectives); for
    ``energy`` the modelled energy, then the cycles; for ``edp`` energy x
    cycles, then the cycles.  Both figures are the emulator's, exactly
    (``isa.model.program_cycles``, ``isa.model.program_events``), so an
    energy plan is lowered to spend the fewest picojoules: it keeps in
    the buffer what a cycles plan would stream to hide its transfers."""
    cycles = program_cycles(program, arch)
    if objective not in ("energy", "edp"):
        return (cycles,)
    energy = program_events(program, arch).energy_pj(arch)
    return (energy if objective == "energy" else energy * cycles, cycles)


def _rest(plan: Plan, ctx: PassContext, best: Lowered, greedy: Lowered, cost: Cost,
          memo: TileMemo, opts: LoweringOptions) -> Lowered:
    """The choices after the placement (:func:`lower_plan`) for the lowering
    ``best``; ``greedy`` is the greedy placement's lowering, whose pairs a
    forced co-scheduling falls back on."""
    arch = ctx.arch
    backend = backend_for(arch)
    if backend.matrix_leaves:
        best = choose_leaf_layouts(plan, ctx, best, cost, memo, opts)
    # A back end that cannot load ahead loads a resident leaf during the
    # step before its first use, where the model says that pays.
    if not backend.loads_ahead and (opts.leaves_ahead or (opts.leaves_ahead is None and
                                                          len(best.program.instructions) <= OPTION_LIMIT)):
        best = choose_leaves_ahead(plan, ctx, best, cost, memo, opts)
    # Where everything stays in the buffer, the lowering for a smaller one
    # may stream the large tensors under the array's work instead (fetta:
    # within the option limit, a second whole lowering costing seconds past it).
    if opts.smaller_buffer or (opts.smaller_buffer is None and
                               (not backend.loads_ahead or len(best.program.instructions) <= OPTION_LIMIT)):
        best = choose_smaller_buffer(best, ctx, cost, lambda a: lower_plan(plan, a, opts, ctx.verify),
                                     forced=bool(opts.smaller_buffer))
    if not backend.loads_ahead or not best.memory.streamed:
        return best
    small = len(best.program.instructions) <= OPTION_LIMIT
    # Loading the next streamed step's first block under the current one
    # moves DMA work earlier: it helps where the DMA idles, delays where it
    # is the bottleneck, so it is kept when the model says so.  (Forced, it
    # is already in every program the code generator made.)
    if opts.lookahead is None and small:
        ahead = _run(ctx, _tuned(best), CodeGen.for_options(opts, lookahead=True))
        best = min((best, ahead), key=cost)
    # Steps whose bottlenecks differ (one waits on DMA, the other on the
    # array) run together where that is safe; kept if the model says so.
    if opts.co_schedule or (opts.co_schedule is None and small):
        co = co_schedule(plan, best.tiled, _tuned(best).placed, arch, memo, best.memory)
        if (co is None and opts.co_schedule and opts.residency is None
                and best.memory.residency != greedy.memory.residency):
            # Forced on: the greedy placement's pairs, where the chosen one has none.
            best = greedy
            co = co_schedule(plan, best.tiled, _tuned(best).placed, arch, memo, best.memory)
        if co is not None:
            tiled, pairs, mem = co
            moved = Tiled(Placed(plan, mem), tiled)
            if ctx.verify:
                verify_after(CO_SCHEDULE, moved.placed)
                verify_after(CO_SCHEDULE, moved)
            paired = _run(ctx, moved, TuneLayouts(), CodeGen.for_options(opts, pairs=pairs))
            best = paired if opts.co_schedule else min((best, paired), key=cost)
    return best


def _chosen_residency(plan: Plan, ctx: PassContext, greedy: Lowered, memo: TileMemo,
                      opts: LoweringOptions) -> Lowered:
    """The lowering whose streamed set CP-SAT chose on the cost model
    (``passes.residency``) with the same staging share and wide paddings as
    ``greedy``; ``greedy`` itself where CP-SAT streams the same set.  The
    choice's model is approximate, the program's exact: :func:`lower_plan`
    keeps whichever program scores better (:func:`program_score`)."""
    placed: Placed = _run(ctx, plan, PlanMemory(greedy.memory.share, greedy.memory.wide, residency=CPSAT))
    if placed.memory.streamed == greedy.memory.streamed and opts.residency != CPSAT:
        return greedy
    chosen: Lowered = _run(ctx, placed, Tile(memo), TuneLayouts(), CodeGen.for_options(opts))
    return chosen


def _run(ctx: PassContext, ir: Any, *passes: Pass) -> Any:
    """``passes`` over ``ir``, verified after each where ``ctx`` says so."""
    return Pipeline(passes).run(ir, ctx)


def _tuned(low: Lowered) -> Tuned:
    """The ``tune`` record ``low`` was generated from (every candidate has one)."""
    if low.tuned is None:
        raise VerifyError("a lowering candidate lost the record of its tune pass")
    return low.tuned


def _lower_with(plan: Plan, ctx: PassContext, stage_share: Share, memo: TileMemo,
                opts: LoweringOptions = DEFAULT_OPTIONS) -> tuple[Lowered, Callable[[], list[Lowered]]]:
    """The lowering with ``1/stage_share`` of the buffer for staging (on
    fetta with the wide paddings where they cost no spill), and a function
    giving the alternatives whose wide paddings do change what spills
    (``opts.wide_paddings`` forced: all of them, or none, and no
    alternative)."""
    codegen = CodeGen.for_options(opts)

    def place(names: frozenset[str] = frozenset()) -> Placed:
        placed: Placed = _run(ctx, plan, PlanMemory(stage_share, names))
        return placed

    def finish(placed: Placed) -> Lowered:
        # Tiling a plan whose streamed values and staging area are those of
        # one tiled before finds every step in ``memo``: the same tiling.
        lowered: Lowered = _run(ctx, placed, Tile(memo), TuneLayouts(), codegen)
        return lowered

    placed = place()
    if not backend_for(ctx.arch).tunes_banks or opts.wide_paddings is False:
        return finish(placed), list
    tiled: Tiled = _run(ctx, placed, Tile(memo))
    saving = wide_candidates(tiled.tiled, placed.memory, ctx.arch)
    if not saving:
        return finish(placed), list

    def same(m: Placed) -> bool:  # the tiling depends only on what streams and on the staging area
        return m.memory.streamed == placed.memory.streamed and m.memory.stage_words == placed.memory.stage_words

    placed_w = place(frozenset(saving))
    if same(placed_w) or opts.wide_paddings:
        return finish(placed_w), list
    # The wide reservations together cost a spill: take them one by one
    # (largest saving first) while none does; all of them is the alternative.
    chosen: frozenset[str] = frozenset()
    placed_c = placed
    for name in sorted(saving, key=lambda n: -saving[n])[:WIDE_TRIALS]:
        trial = place(chosen | {name})
        if same(trial):
            chosen, placed_c = chosen | {name}, trial
    return finish(placed_c), lambda: [finish(placed_w)]
