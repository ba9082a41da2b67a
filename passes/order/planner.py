"""CSSE, the contraction sequence search engine: from a network to a plan.

``plan_network`` runs three stages:

1. **Trees per statement** (:func:`.search.search`, the same work budget as
   when called alone).  Up to ``exact_limit`` operands the subset DP proves
   the optimum for the structural objective (MACs, peak size or write volume)
   and lists the ``k_best`` cheapest distinct trees; past that the
   connected-subgraph DP (:mod:`.ccp`) proves it whenever it finishes within
   its work budget; beyond, the heuristic (randomised greedy, cotengra's
   partition trees, subtree reconfiguration) returns its best trees (not
   proven).  Budgets are counted in work, so a network always gets the same
   plan; the time limit is a safety net that, when it cuts a search short,
   says so in the plan's notes.
2. **Reuse across statements.**  For a training step (forward plus gradient
   statements) each statement is searched again with every value that another
   statement's candidates compute made free, which finds the trees that share
   partial products (the input-side and output-side merges of a tensorized
   layer); those trees join the candidates.
3. **Choice.**  All candidates of all statements form one DAG of values,
   layouts and dataflows (:mod:`.dag`).  For a structural objective without
   a machine or a memory budget an exact search over the values still needed
   (:mod:`.choose`) picks the cheapest way to make every statement, sharing
   values between statements, without loading OR-Tools.  Otherwise CP-SAT
   (:mod:`.select`) picks it: shared values once, kept or recomputed under
   ``memory_budget``, dataflows and producer/consumer layouts under the
   machine's buffer, costed by the machine's own cost functions.
4. **Final choice on the exact model** (the machine objectives: cycles,
   energy, EDP; the lowering too minimises the plan's objective).  CP-SAT's
   figure is a per-step sum that cannot see what the lowering keeps
   resident nor how it overlaps steps (``hardware``'s bounds), so CP-SAT
   lists the next best distinct trees (no-goods on the values of those
   already listed), and the plans made of CP-SAT's choice, the MAC-optimal
   choice and those trees are compiled and costed exactly
   (``passes.estimate.estimate_plan``, equal to the emulator) within a
   work budget counted in the instructions the per-step model predicts;
   the best by the objective is kept (the listing, its ranking and the
   budgets below are those of the cycles, whatever the objective).  CP-SAT lists more trees than the budget compiles,
   and those whose costly steps have shapes no plan before them had are
   compiled first: trees that differ only in cheap steps, or mirror images,
   compile to nearly the same cycles.  Where CP-SAT's choice compiles
   slower than its per-step sum (a small buffer: the program spills what the
   lone-step model keeps resident), the candidates whose sums lie within that
   factor are not told apart by the sum, and the budget for them grows with
   the factor (:data:`WIDE_FACTOR`).  There the sum ranks the candidates
   poorly (the lone-step model keeps every step's tensors resident), so,
   where CP-SAT's choice streams or spills, CP-SAT lists more trees
   (:data:`LISTED_STREAMING`) and, after the sum's best two alternatives,
   they are compiled in the order of what their memory plans cost
   (:mod:`.streaming`: the memory planner's placement and the tiler's
   closed form, without lowering).  The
   MAC-optimal choice is always among them, so the plan never compiles
   slower (or, for energy and EDP, dearer) than the FLOP-optimal order.

The plan is proven optimal (``Plan.proven_optimal``) when every tree search
was exact and the choice was proven optimal (by the exact search or CP-SAT), and either the objective is
structural with no value shared between statements (so the sum of per-statement
optima is the optimum), or the objective is a machine one (then the proof is
over the candidate trees, which ``notes`` states).
"""

from __future__ import annotations

import functools
import math
import time
from typing import Any, Callable, Mapping, Sequence

from tncc.errors import TnccError
from tncc.ir import Network
from tncc.isa.arch import Arch, resolve_arch as resolve_arch_of
from tncc.passes.order.choose import exact_choice
from tncc.passes.order.dag import CandidateDag, Contraction, value_key
from tncc.passes.order.exact import dp_additive, min_peak
from tncc.passes.order.machine_objective import MachineObjective
from tncc.passes.order.objectives import MACHINE, NAMES, Combined, Macs, Objective, structural_objective
from tncc.passes.order.paths import SSAPath, tree_key
from tncc.passes.order.reconf import Tree
from tncc.passes.order.search import EXACT_LIMIT, SearchResult, search
from tncc.passes.order.select import Emitter, Selection, next_choices, select
from tncc.passes.order.strategies import get_strategy
from tncc.passes.order.subsets import SubsetTable
from tncc.plan import Plan, Step
from tncc.guard import check_plan
from tncc.passes.diagonal import expand_diagonals


def contractions(net: Network) -> list[Contraction]:
    """Every statement of ``net`` as a :class:`Contraction`, in statement order."""
    return [Contraction(st.result, tuple(op.tensor for op in st.operands), tuple(op.indices for op in st.operands),
                        tuple(st.indices)) for st in net.statements]


DEFAULT_TIME_LIMIT = 10.0
"""Seconds (about) the order search may take unless told otherwise: the one
default of ``tncc.compile``, ``tncc run/compile/compare`` and ``tncc plan``
(each takes ``time_limit`` / ``--time-limit``).  It is a cap: each
statement's search stops when it has proved its tree (every example does so
well within a second), so the cap only matters for large networks, where a
smaller one would cost plan quality."""


def resolve_arch(arch: Arch | str | None) -> Arch | None:
    """The search's machine: ``None`` (a structural search, no machine) stays
    ``None``; anything else is :func:`tncc.isa.arch.resolve_arch`'s."""
    return None if arch is None else resolve_arch_of(arch)


def _criteria(objective: str, structural: Objective, arch: Arch | None) -> tuple | str:
    """What CP-SAT minimises, lexicographically.  Peak size is kept by the
    candidates themselves (every candidate tree meets the proven peak)."""
    if objective == "edp":
        return "edp"
    if isinstance(structural, Combined):
        base: tuple = (("weighted", structural.wm, structural.ws),)
    else:
        base = {"macs": ("macs",), "size": ("macs",), "write": ("write", "macs"),
                "cycles": ("cycles",), "energy": ("energy",)}[objective]
    if arch is not None and objective not in MACHINE:
        base = base + ("cycles",)  # among equally cheap trees, the fastest on the machine
    return base


def _tree_cost(c: Contraction, path: SSAPath, sizes: Mapping[str, int], wm: int, ws: int) -> int:
    return Tree(c.inputs, c.output, sizes, path).cost(wm, ws)


@functools.lru_cache(maxsize=256)
def _subset_keys(c: Contraction, sizes: tuple) -> tuple[SubsetTable, tuple]:
    """The subset table of ``c`` and the value key of every proper subset of
    two or more operands (memoised: every reuse round asks again)."""
    table = SubsetTable(c.inputs, c.output, dict(sizes))
    out = []
    for s in range(3, 1 << len(c.inputs)):
        if s & (s - 1) and s != table.full:
            out.append((s, value_key([c.leaf(b) for b in table.bits(s)], table.indices(table.res[s]))))
    return table, tuple(out)


def _reuse_candidates(items: Sequence[Contraction], cands: dict[str, list[tuple[int, SSAPath]]],
                      sizes: Mapping[str, int], structural: Objective, exact_limit: int,
                      rounds: int = 2, free_keys: Mapping[str, set] | None = None) -> int:
    """Add, per statement, the best tree when values of other statements'
    candidates (or, given ``free_keys``, those values only) cost nothing
    (stage 2).  Returns how many trees were added."""
    added = 0
    for _ in range(rounds):
        keys: dict[str, set] = {}
        for c in items:
            if free_keys is not None:
                keys[c.statement] = set(free_keys[c.statement])
                continue
            keys[c.statement] = set().union(*(_tree_keys(c, p) for _, p in cands[c.statement]))
        new = 0
        for c in items:
            n = len(c.inputs)
            if n < 3 or n > exact_limit:
                continue
            others = set().union(*(keys[o.statement] for o in items if o.statement != c.statement))
            table, subset_keys = _subset_keys(c, tuple(sorted(sizes.items())))
            free = {s: 0 for s, key in subset_keys if key in others}
            if not free:
                continue
            wm, ws = structural.weights(c.inputs, sizes)
            cap = min_peak(table) if structural.bottleneck else None
            # the statement's own best tree stays available at no more than its full cost
            if structural.bottleneck:
                own = min(_tree_cost(c, p, sizes, wm, ws) for _, p in cands[c.statement])
            else:  # additive: a candidate's score is its wm * MACs + ws * writes already
                own = min(score for score, _ in cands[c.statement])
            found = dp_additive(table, wm, ws, bound=own, cap=cap, free=free)
            if found is None:
                continue
            path = found[1]
            have = {tree_key(p, n) for _, p in cands[c.statement]}
            if tree_key(path, n) not in have:
                cands[c.statement].append((structural.score(c.inputs, c.output, sizes, path), path))
                new += 1
        added += new
        if not new:
            break
    return added


def plan_network(net: Network, objective: str | Objective | MachineObjective = "macs", arch: Arch | str | None = None,
                 strategy: str = "auto", k_best: int = 8, memory_budget: int | None = None,
                 time_limit: float = DEFAULT_TIME_LIMIT, exact_limit: int = EXACT_LIMIT, final: bool = True) -> Plan:
    """Plan every statement of ``net`` (user and gradient statements) jointly.

    ``objective``: macs, size, write (structural) or cycles, energy, edp (need
    ``arch``), or an objective instance: a structural one such as
    ``Combined(macs_weight, write_weight)`` or a machine one (``Cycles(arch)``,
    whose arch is used when ``arch`` is not given).  ``arch``: ``None``, an ``Arch`` or a preset/spec string; with
    one, every step gets a dataflow.  ``strategy``: ``auto`` (exact, then
    heuristic past ``exact_limit`` operands) or a registered strategy name
    (one tree per statement).  ``k_best``: candidate trees per statement for
    the machine-aware and joint choice.  ``memory_budget``: bytes of kept
    shared intermediates (``None``: no limit, everything shared is kept).
    ``time_limit``: a safety net in seconds: the tree searches run on work
    budgets and stop early only when it passes (the plan's notes say so);
    CP-SAT, when it runs, gets half of it in its deterministic time units, so
    a network always gets the same plan whatever the machine's load (a
    machine objective also solves the MAC-optimal choice first, as its start).
    ``final``: for a machine objective, compile the best few plans and keep
    the best as compiled (:func:`_final_choice`, :func:`_halved_choice`);
    without, CP-SAT's choice on the per-step model is the plan.
    The returned plan passes ``Plan.verify()``."""
    t0 = time.perf_counter()
    # Repeated indices (diagonal reads and writes) become products with delta
    # constants, so the search and everything after it see distinct indices.
    net = expand_diagonals(net)
    given: Objective | None = None
    if isinstance(objective, MachineObjective):
        arch = arch if arch is not None else objective.arch
        objective = objective.name
    elif isinstance(objective, Objective):
        given, objective = objective, objective.name
    if objective not in NAMES and given is None:
        raise TnccError(f"unknown objective {objective!r}; expected one of {', '.join(NAMES)}")
    arch = resolve_arch(arch)
    if objective in MACHINE and arch is None:
        raise TnccError(f"objective {objective!r} needs an architecture (pass --arch fetta or --arch systolic)")
    if memory_budget is not None and memory_budget < 0:
        raise TnccError(f"memory budget must be non-negative, got {memory_budget}")
    structural = given or (Macs() if objective in MACHINE else structural_objective(objective))
    sizes = net.sizes()
    items = contractions(net)
    if not items:
        return Plan(net, (), objective, True, time.perf_counter() - t0, ("no statements",))
    joint = len(items) > 1
    k = max(1, k_best) if (arch is not None or joint) else 1
    cands: dict[str, list[tuple[int, SSAPath]]] = {}
    exact_all = True
    notes: list[str] = []
    if strategy == "auto":
        deadline = t0 + time_limit
        for c in items:
            # the same work budget as search() alone, so the plan's trees are search()'s trees;
            # the time limit is a safety net shared by the statements
            left = max(0.0, deadline - time.perf_counter())
            r: SearchResult = search(c.inputs, c.output, sizes, structural, k, exact_limit, left)
            cands[c.statement] = list(r.candidates)
            exact_all = exact_all and r.proven_optimal
            if r.stopped:
                notes.append(f"statement {c.statement}: {r.stopped}")
    else:
        strat = get_strategy(strategy)
        deadline = t0 + time_limit
        for c in items:
            if strat.search is not None:  # objective-aware, k candidates, says when the time limit cut it
                r = strat.search(c.inputs, c.output, sizes, structural, k, max(0.0, deadline - time.perf_counter()), 0)
                cands[c.statement] = list(r.candidates)
                if r.stopped:
                    notes.append(f"statement {c.statement}: {r.stopped}")
            else:
                p = strat(c.inputs, c.output, sizes)
                cands[c.statement] = [(structural.score(c.inputs, c.output, sizes, p), p)]
            exact_all = exact_all and strat.proves == structural.name and len(c.inputs) <= (strat.max_inputs or 0)
    if joint and strategy == "auto":
        added = _reuse_candidates(items, cands, sizes, structural, exact_limit)
        if added:
            notes.append(f"{added} reuse-aware candidate trees")
    where, all_optimal, exact_coefs, statuses, base, alternatives, fastest = _choose(
        net, items, cands, objective, structural, arch, memory_budget, time_limit)
    if joint and strategy == "auto":
        # One more round with only the values the chosen plan shares made free.  For machine
        # objectives the MAC-optimal choice seeds it, so the candidates (and the start of the
        # machine search) are those the macs objective would use.
        added = _reuse_candidates(items, cands, sizes, structural, exact_limit, rounds=1,
                                  free_keys=_chosen_keys(items, base))
        if added:
            notes.append(f"{added} trees from the chosen plan's shared values")
            where, all_optimal, exact_coefs, statuses, base, alternatives, fastest = _choose(
                net, items, cands, objective, structural, arch, memory_budget, time_limit)
    steps = _emit(items, where, arch)
    if objective in MACHINE and arch is not None and final:
        # start-up: the lowering loads only when a plan is made for an arch
        from tncc.passes.estimate import reusing_lowerings

        # CP-SAT ranks choices by the per-step sum, which cannot see what the
        # lowering keeps resident or overlaps (``hardware``'s bounds): the
        # exact model (the compiled cycles, energy or EDP) decides between the best few.
        with reusing_lowerings(join=True):  # the halved choice asks for the chosen plan's lowering again
            steps, note = _final_choice(net, items, where, base, alternatives, arch, objective, fastest)
            if note:
                notes.append(note)
            if memory_budget is None:
                steps, note = _halved_choice(net, steps, objective, arch, strategy, k_best, time_limit, exact_limit)
                if note:
                    notes.append(note)
    status = ", ".join(sorted(statuses))
    shared = _shares_values(steps)
    ntrees = sum(len(v) for v in cands.values())
    if objective in MACHINE:
        proven = exact_all and all_optimal and exact_coefs
        notes.append(f"{objective} chosen by {status} over {ntrees} candidate trees")
    else:
        proven = exact_all and all_optimal and exact_coefs and not shared
        if shared:
            notes.append(f"statements share temporaries; {status} over {ntrees} candidate trees")
    if memory_budget is not None:
        notes.append(f"memory budget {memory_budget} bytes for kept shared intermediates")
    plan = Plan(net, steps, objective, proven, time.perf_counter() - t0, tuple(notes))
    plan.verify()
    return plan


#: At most this many distinct plans are compiled for the final choice of the
#: cycles objective: CP-SAT's, the MAC-optimal one and the next best trees
#: by the per-step model.
FINAL_CANDIDATES = 3
#: The final choice compiles further candidates while the instructions of
#: all it compiled (``hardware.plan_work``) stay within this many times
#: those of CP-SAT's choice: a work budget, so a network always gets the
#: same plan, of about two and a half lowerings of the chosen plan's size
#: (the compile time stays within about twice that of lowering one plan).
FINAL_WORK = 2.5
#: The candidates a budget of at least this many instructions would
#: compile (:data:`FINAL_WORK` times CP-SAT's choice, raised to this) are
#: compiled too, beside the relative budget's: plans that small compile in
#: milliseconds, and the budget relative to CP-SAT's choice skipped some
#: (a node-perturbation layer of 6 instructions compiled two of its three
#: candidates, and the third, tied with CP-SAT's choice by the per-step
#: sum, ran 3% faster).  Both sets, because a budget that grows can
#: compile a different set (a larger plan taken early leaves no room for
#: a later one) and lose a plan the smaller budget found.
FINAL_FLOOR = 2_000
#: Candidates whose per-step sums lie within this share of CP-SAT's choice
#: are tied with it: the per-step model cannot tell them apart, so they are
#: compiled within :data:`FINAL_CANDIDATES` whatever their work (TT
#: ffn_down r=16 with one token and gradients, at 128 KiB: CP-SAT's choice
#: compiles to 7,790 cycles, a tree with the same per-step sum that the
#: work budget left out to 7,164).
TIED_SHARE = 0.005
#: Deterministic time units of each CP-SAT solve that lists a further tree
#: (the models are those CP-SAT has just solved, with a no-good more).
NEXT_TIME = 0.1
#: Where CP-SAT's choice compiles slower than its per-step sum by a factor
#: (a buffer too small for what the lone-step model keeps resident), the
#: candidates whose sums lie within that factor of the choice's are compiled
#: within :data:`FINAL_CANDIDATES` and :data:`FINAL_WORK` times the factor,
#: the factor taken at most this large.
WIDE_FACTOR = 3.0
#: Further trees CP-SAT lists per group of statements (one or two groups;
#: one each with more).  More are listed than compiled so that the
#: ranking (:func:`_ranked`) can put first those whose costly steps
#: differ from the plans already ranked.
LISTED = 5
#: Where CP-SAT's choice streams or spills (``streaming``), CP-SAT lists
#: this many trees more per group of statements (one or two groups; one
#: each with more), which the estimate of the memory plan ranks with the
#: others: the per-step sum that ranks the listing cannot see spills, so
#: the tree that spills least may lie past the first :data:`LISTED`.
LISTED_STREAMING = 10
#: The steps that carry this share of a plan's per-step sum (costliest
#: first) are its *dominant* steps; the others are within the per-step
#: model's error of the whole (``hardware``'s bounds), so two plans whose
#: dominant steps have the same shapes compile to nearly the same cycles.
DOMINANT_SHARE = 0.9


def _final_choice(net: Network, items: Sequence[Contraction], where: Mapping[str, tuple], base: Mapping[str, tuple],
                  alternatives: Sequence[tuple[Sequence[str], Any, Sequence[Any], Callable[[int], list]]], arch: Arch,
                  objective: str, fastest: Mapping[str, tuple] | None = None) -> tuple[tuple, str]:
    """The steps of the best plan as compiled for ``objective``
    (``passes.estimate.plan_score``: the fastest, or the least energy or
    EDP) among
    CP-SAT's choice, the MAC-optimal choice (always compiled, so the plan is
    never slower than the FLOP-optimal order), for energy and EDP CP-SAT's
    choice for cycles (``fastest``, also always compiled: the per-step energy
    cannot see what the lowering keeps resident, and the fastest tree can
    compile to less energy than the one the per-step sum prefers) and, within the work budget
    (:data:`FINAL_CANDIDATES`, :data:`FINAL_WORK`; a tree tied with CP-SAT's
    choice, :data:`TIED_SHARE`, whatever its work), the alternatives: per
    group of statements the next best distinct trees by the per-step model,
    the other groups as CP-SAT chose.  Candidates are distinct plans, the
    alternatives taken in per-step order; ties go to the earlier.  Returns
    the steps and a note for the plan."""
    # start-up: the machine's cost model loads only when a plan is made for an arch
    from tncc.passes.order.hardware import plan_work

    first, flops = _emit(items, where, arch), _emit(items, base, arch)
    plans: list[tuple] = [first] + ([flops] if flops != first else [])
    names = {plans.index(flops): "the MAC-optimal choice", 0: "CP-SAT's choice"}
    if fastest is not None:
        quick = _emit(items, fastest, arch)
        if quick not in plans:
            names[len(plans)] = "CP-SAT's choice for cycles"
            plans.append(quick)
    always = len(plans)  # CP-SAT's, the MAC-optimal and the fastest choice are compiled whatever the budget
    alts: list[tuple] = []  # each distinct alternative once, in listing order

    def add(group: Sequence[str], dag: Any, sels: Sequence[Any]) -> None:
        for sel in sels:
            cand = _emit(items, {**where, **{st: (dag, sel) for st in group}}, arch)
            if cand not in alts and cand not in plans:
                alts.append(cand)

    for group, dag, sels, _ in alternatives:
        add(group, dag, sels)
    listed = len(alts)
    if not alts and always == 1:
        return first, ""
    unit = plan_work(Plan(net, first, objective), arch)
    spent = 0
    scores: dict[int, tuple[float, ...] | None] = {}  # compiled, None where the lowering cannot compile it
    for k in range(always):
        spent += plan_work(Plan(net, plans[k], objective), arch)
        scores[k] = _compiled(Plan(net, plans[k], objective), arch)
    first_sum = sum(c for c, _ in _costs(net, first, arch, objective))
    slack = (scores[0] or (0,))[-1] / max(1, first_sum)  # compiled cycles over the per-step sum
    # Only where CP-SAT's choice compiles slower than its per-step sum does the
    # sum miss what the memory plan adds (a small buffer); elsewhere the estimate
    # of the placement would cost compile time for a ranking the sum already gives.
    streams = _streaming(net, plans + alts, arch, objective) if slack > 1 else None
    if streams is not None:
        # The memory plan streams or spills, which the per-step sum that ranked
        # the listing cannot see: the estimate of what the placement adds can, so
        # more trees are listed (cheap beside compiling one) and it orders them.
        for group, dag, _, more in alternatives:
            add(group, dag, more(LISTED_STREAMING if len(alternatives) <= 2 else 1))
        streams = _streaming(net, plans + alts, arch, objective, streams) or {}
    ranked, sums = _ranked(net, plans, alts, arch, objective)
    if streams is not None and ranked:
        # The first alternatives of the per-step ranking of the trees listed first keep
        # their places (where the budget compiles only those, they are the ones the sum
        # alone would compile); the others follow in the estimate's order (stable: ties
        # keep the per-step ranking; plans it cannot place go last).
        head = _ranked(net, plans, alts[:listed], arch, objective)[0][:FINAL_CANDIDATES - 1]
        ranked = head + sorted((s for s in ranked if s not in head), key=lambda s: streams.get(s) or math.inf)
    plans += ranked
    # Where CP-SAT's choice compiles slower than its per-step sum, the program spills
    # or re-streams what the lone-step model keeps resident (a small buffer), by a
    # factor the model does not see; candidates whose sums lie within that factor
    # of the choice's are not told apart by the sum, so more of them are compiled.
    # The budget for those grows with the factor: the more the sum misses, the more
    # the exact model has to decide.
    wide = min(slack, WIDE_FACTOR)
    works = {k: plan_work(Plan(net, plans[k], objective), arch) for k in range(always, len(plans))}
    close = {k for k in works if slack > 1 and sums[plans[k]] <= slack * sums[first]}
    tied = {k for k in works if sums[plans[k]] <= (1 + TIED_SHARE) * sums[first]}

    def budgeted(unit: float) -> set[int]:
        """The candidates compiled within ``FINAL_WORK`` times ``unit`` instructions (the rule above)."""
        n, used, out = len(scores), spent, set()
        for k, work in works.items():
            within = n < FINAL_CANDIDATES and (used + work <= FINAL_WORK * unit or k in tied)
            if within or (k in close and n < FINAL_CANDIDATES * wide and used + work <= FINAL_WORK * wide * unit):
                n, used = n + 1, used + work
                out.add(k)
        return out

    # The budget relative to CP-SAT's choice, and where that is below the floor the
    # floor's too: their union, since a budget that grows can compile another set.
    picked = budgeted(unit)
    if unit < FINAL_FLOOR / FINAL_WORK:
        picked |= budgeted(FINAL_FLOOR / FINAL_WORK)
    for k in sorted(picked):
        scores[k] = _compiled(Plan(net, plans[k], objective), arch)
    ok = {k: c for k, c in scores.items() if c is not None}
    if not ok:
        return first, ""
    pick = min(ok, key=lambda k: (ok[k], k))
    which = names.get(pick, f"candidate {pick + 1}")
    best, unit_name, fmt = _SCORED[objective]

    def shown(k: int) -> str:
        c = scores[k]
        return "-" if c is None else fmt(c[0])

    return plans[pick], (f"compiled {len(scores)} of {len(plans)} candidate plans: {which} {best} "
                         f"({shown(pick)} {unit_name}; CP-SAT's {shown(0)}, MAC-optimal {shown(plans.index(flops))})")


#: How the final choice's note names the best plan of each machine objective
#: and shows its figure.
_SCORED: dict[str, tuple[str, str, Callable[[float], str]]] = {
    "cycles": ("is fastest", "cycles", lambda v: f"{int(v)}"),
    "energy": ("spends least", "uJ", lambda v: f"{v / 1e6:.3f}"),
    "edp": ("has the least energy x delay", "uJ x cycles", lambda v: f"{v / 1e6:.4g}"),
}


def _streaming(net: Network, plans: Sequence[tuple], arch: Arch, objective: str,
               known: Mapping[tuple, int | None] | None = None) -> dict[tuple, int | None] | None:
    """Each plan's cycles as its memory plan places it
    (``streaming.streaming_estimate``: the streamed and spilled values'
    transfers included), or ``None`` when CP-SAT's choice streams nothing:
    then the buffer holds the plans the per-step sum ranks best and the
    per-step ranking stands.  Only CP-SAT's choice (``plans[0]``) is costed
    when it streams nothing.  ``known``: estimates of an earlier call, not
    made again."""
    # start-up: the machine's cost model loads only when a plan is made for an arch
    from tncc.passes.order.streaming import streaming_estimate

    out: dict[tuple, int | None] = dict(known or {})
    for steps in plans:
        if steps in out:
            continue
        est = streaming_estimate(Plan(net, steps, objective), arch)
        if steps == plans[0] and est is not None and not est.streamed:
            return None  # CP-SAT's choice fits: the buffer is not what decides (and no more is spent)
        out[steps] = None if est is None else est.cycles
    return out


def _ranked(net: Network, first: Sequence[tuple], alts: Sequence[tuple], arch: Arch,
            objective: str) -> tuple[list[tuple], dict[tuple, int]]:
    """``alts`` in the order the final choice compiles them: by per-step sum,
    except that a plan whose dominant steps (:func:`_signature`) have the
    shapes of a plan ranked before it (``first`` included), or whose sum ties
    with one, goes after those that differ.  Such a plan differs only in
    steps the per-step model charges little (or is a mirror image, e.g.
    a*b, c*d against a*c, b*d on equal sizes): the exact model seldom tells
    it apart, while a plan whose costly steps have other shapes can differ
    by the model's error on them (the DeepOHeat reconstruction with its
    derivative: sharing bb*tz instead of ty*tz changes the shapes of both
    outer products, which the per-step model costs alike and which compile
    5% apart).  Returns them and every plan's per-step sum."""
    costed = {steps: _costs(net, steps, arch, objective) for steps in (*first, *alts)}
    sums = {sum(c for c, _ in costed[s]) for s in first}
    shapes = {_signature(costed[s]) for s in first}
    differ: list[tuple] = []
    repeat: list[tuple] = []
    for cand in sorted(alts, key=lambda s: sum(c for c, _ in costed[s])):
        total, sig = sum(c for c, _ in costed[cand]), _signature(costed[cand])
        (repeat if total in sums or sig in shapes else differ).append(cand)
        sums.add(total)
        shapes.add(sig)
    return differ + repeat, {steps: sum(c for c, _ in cs) for steps, cs in costed.items()}


def _costs(net: Network, steps: tuple, arch: Arch, objective: str) -> list[tuple[int, tuple]]:
    """Per step of ``steps``: its per-step cycles (``hardware.step_estimate``)
    and its shape, the extents of its batch, free and contracted index
    groups (on fetta the two free groups unordered: the tiler picks the
    orientation) and whether it reads leaves and stores a result."""
    # start-up: the machine's cost model loads only when a plan is made for an arch
    from tncc.passes.order.hardware import classify, extents, step_estimate

    plan = Plan(net, steps, objective)
    sizes = net.sizes()
    made = {s.result for s in steps}
    out = []
    for s in steps:
        cycles = step_estimate(plan, s, arch).cycles
        leaves = tuple(op.value not in made for op in s.operands)
        if len(s.operands) == 2:
            b, m, n, k = extents(classify(s.operands[0].indices, s.operands[1].indices, s.indices), sizes)
            if arch.kind == "fetta" and m > n:
                m, n, leaves = n, m, leaves[::-1]
            shape: tuple = (b, m, n, k)
        else:
            shape = (math.prod(sizes[i] for i in set(s.operands[0].indices)), math.prod(sizes[i] for i in s.indices))
        out.append((cycles, (shape, leaves, not s.result.startswith("%"))))
    return out


def _signature(costs: Sequence[tuple[int, tuple]]) -> tuple:
    """The shapes of a plan's dominant steps (:data:`DOMINANT_SHARE` of its
    per-step sum, costliest first), as a sorted tuple."""
    total = sum(c for c, _ in costs)
    out: list[tuple] = []
    covered = 0
    for c, shape in sorted(costs, key=lambda cs: -cs[0]):
        if covered >= DOMINANT_SHARE * total:
            break
        out.append(shape)
        covered += c
    return tuple(sorted(out))


def _halved_choice(net: Network, steps: tuple, objective: str, arch: Arch, strategy: str, k_best: int,
                   time_limit: float, exact_limit: int) -> tuple[tuple, str]:
    """``steps``, or the plan chosen for half of ``arch``'s buffer where that
    compiles better on ``arch`` itself.  When the chosen plan's lowering
    takes the smaller-buffer lowering (``passes.smaller_buffer``: the
    machine runs it faster as if its buffer were smaller), the plan is the
    one the search ranked with everything resident, and the plan the
    search would choose for the smaller buffer can compile faster still;
    a program for half the buffer also runs on the whole (the TT attention
    layer at r=8 with 64 tokens on systolic: 55,364 cycles at 1 MiB with
    the plan chosen for 1 MiB, 54,901 with CP-SAT's choice for 512 KiB).
    Only CP-SAT's choice for half the buffer is taken (its own final
    choice would compile several more plans)."""
    # start-up: the lowering loads only when a plan is made for an arch
    from tncc.passes.estimate import lowered_for
    from tncc.passes.smaller_buffer import smaller_arch

    chosen = Plan(net, steps, objective)
    try:
        low = lowered_for(chosen, arch)
    except TnccError:
        return steps, ""
    small = smaller_arch(arch, arch.buffer.bytes // arch.buffer.word_bytes)  # half the buffer, if not too small
    if low.chosen is None or not low.chosen.smaller_buffer or small is None:
        return steps, ""
    try:
        other = plan_network(net, objective, small, strategy, k_best, None, time_limit, exact_limit, final=False).steps
    except TnccError:
        return steps, ""
    if other == steps:
        return steps, ""
    mine, theirs = _compiled(chosen, arch), _compiled(Plan(net, other, objective), arch)
    if theirs is None or mine is None or theirs >= mine:
        return steps, ""
    best, unit_name, fmt = _SCORED[objective]
    return other, f"the plan chosen for half the buffer {best} ({fmt(theirs[0])} {unit_name} against {fmt(mine[0])})"


def _compiled(plan: Plan, arch: Arch) -> tuple[float, ...] | None:
    """The score of ``plan`` as compiled for its objective
    (``passes.estimate.plan_score``: cycles, or energy or EDP then cycles;
    the cycles last), or None when it cannot be compiled (an intermediate
    of too many indices, a step the buffer cannot hold)."""
    # start-up: `tncc plan` lowers a plan only to cost it on an arch
    from tncc.passes.estimate import plan_score

    try:
        check_plan(plan)
        return plan_score(plan, arch)
    except TnccError:
        return None


def _emit(items: Sequence[Contraction], where: Mapping[str, tuple[CandidateDag, Selection]], arch: Arch | None) -> tuple[Step, ...]:
    """The plan steps of the selection ``where`` ({statement: (dag, selection)})."""
    copy = ""
    if arch is not None:
        # start-up: the machine's cost model loads only when a plan is made for an arch
        from tncc.passes.order.hardware import dataflows

        copy = dataflows(arch, False)[0]
    em = Emitter(copy)
    for c in items:
        em.statement(*where[c.statement], c.statement)
    return tuple(em.steps)


def _choose(net: Network, items: Sequence[Contraction], cands: Mapping[str, list[tuple[int, SSAPath]]],
            objective: str, structural: Objective, arch: Arch | None, memory_budget: int | None,
            time_limit: float) -> tuple[dict, bool, bool, set, dict, list, dict | None]:
    """Stage 3: build the candidate DAG of each independent group of statements
    and let CP-SAT choose.  Returns ``({statement: (dag, selection)}, all
    optimal, coefficients exact, statuses, {statement: (dag, MAC-optimal
    selection)}, alternatives)`` (the MAC-optimal selection is the chosen
    one for structural objectives); for a machine objective
    ``alternatives`` lists per group ``(statements, dag, selections,
    more)``, the next best distinct trees by the per-step model and a
    function that lists ``n`` more after them, for :func:`_final_choice`
    (otherwise it is empty); last, for the energy and EDP objectives on an
    arch, ``{statement: (dag, selection for cycles)}`` (otherwise None)."""
    sizes = net.sizes()
    groups = _components(items, cands, sizes) if memory_budget is None else [list(items)]
    solved = []
    fastest: dict[str, tuple] | None = {} if objective in ("energy", "edp") and arch is not None else None
    alternatives: list[tuple[list[str], CandidateDag, list, Callable[[int], list]]] = []
    all_optimal = exact_coefs = True
    statuses = set()
    for group in groups:
        dag = CandidateDag(sizes, arch, net.dtype)
        for c in group:
            for _, p in cands[c.statement]:
                dag.add_tree(c, p)
        dag.finish()
        for c in group:
            if dag.root_node(c.statement) is None:
                raise TnccError(f"statement {c.statement!r}: no candidate order fits the buffer of arch "
                                f"{getattr(arch, 'name', '?')!r} ({getattr(getattr(arch, 'buffer', None), 'bytes', '?')} bytes)",
                                where=f"network {net.name}")
        # Half the time limit goes to CP-SAT, in deterministic units so that the same
        # network always gets the same plan.
        budget = max(0.2, time_limit / 2 / len(groups))
        start = None
        criteria = _criteria(objective, structural, arch)
        if memory_budget is None and arch is None:
            # a structural objective without a machine or a budget: the exact pending-set search
            # (small DAGs: one node per value) makes the choice without loading CP-SAT
            sel = exact_choice(dag, criteria)
            if sel is not None:
                statuses.add(f"exact search ({sel.status})")
                for c in group:
                    solved.append((c.statement, dag, sel, sel))
                continue
        if objective in MACHINE:
            # the MAC-optimal choice (fastest among equals; the very choice the macs
            # objective makes) is where the machine search starts, so the machine choice is
            # never slower than the MAC-optimal order
            start = select(dag, ("macs", "cycles"), memory_budget, budget)
        sel = select(dag, criteria, memory_budget, budget, start=start)
        all_optimal = all_optimal and sel.optimal
        exact_coefs = exact_coefs and sel.exact_coefficients
        statuses.add(f"CP-SAT ({sel.status})")
        for c in group:
            solved.append((c.statement, dag, sel, start or sel))
        if fastest is not None:
            quick = select(dag, _criteria("cycles", structural, arch), memory_budget, budget, start=start)
            fastest.update({c.statement: (dag, quick) for c in group})
        if objective in MACHINE and arch is not None:
            # at most FINAL_CANDIDATES - 1 alternatives are compiled in all, chosen from
            # LISTED per group (with many groups, the next tree of each is enough)
            count = LISTED if len(groups) <= 2 else 1
            more = next_choices(dag, criteria, sel, count, memory_budget, min(NEXT_TIME, budget))
            alternatives.append(([c.statement for c in group], dag, more,
                                 functools.partial(next_choices, dag, criteria, sel, memory_budget=memory_budget,
                                                   time_limit=min(NEXT_TIME, budget), after=tuple(more))))
    return ({st: (dag, sel) for st, dag, sel, _ in solved}, all_optimal, exact_coefs,
            statuses,
            {st: (dag, base) for st, dag, _, base in solved}, alternatives, fastest)


def _chosen_keys(items: Sequence[Contraction], where: Mapping[str, tuple]) -> dict[str, set]:
    """For every statement, the value keys the chosen plan computes for it
    (every node reachable from its root through chosen transitions)."""
    out: dict[str, set] = {}
    for c in items:
        dag, sel = where[c.statement]
        made: dict[int, list[int]] = {}
        for k, t in enumerate(dag.transitions):
            if sel.counts[k] > 0:
                made.setdefault(t.node, []).append(k)
        keys: set = set()
        stack = [dag.root_node(c.statement)]
        while stack:
            n = stack.pop()
            node = dag.nodes[n]
            if node.leaf is not None or node.key in keys:
                continue
            keys.add(node.key)
            for k in made.get(n, []):
                stack.extend(dag.transitions[k].children)
        out[c.statement] = keys
    return out


def _components(items: Sequence[Contraction], cands: Mapping[str, list[tuple[int, SSAPath]]],
                sizes: Mapping[str, int]) -> list[list[Contraction]]:
    """Statements grouped so that no value of a candidate tree occurs in two
    groups: each group's choice is independent (and a smaller CP-SAT model)."""
    parent = {c.statement: c.statement for c in items}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[tuple, str] = {}
    for c in items:
        for key in set().union(*(_tree_keys(c, p) for _, p in cands[c.statement])):
            if key in owner:
                parent[find(c.statement)] = find(owner[key])
            else:
                owner[key] = c.statement
    groups: dict[str, list[Contraction]] = {}
    for c in items:
        groups.setdefault(find(c.statement), []).append(c)
    return list(groups.values())


@functools.lru_cache(maxsize=4096)
def _tree_keys(c: Contraction, path: SSAPath) -> frozenset:
    """The value keys of one tree (memoised: the reuse rounds and the grouping
    ask for the same trees again)."""
    probe = CandidateDag({})
    probe.add_tree(c, path)
    return frozenset(probe.options)


def _shares_values(steps: Sequence) -> bool:
    users: dict[str, set[str]] = {}
    for s in steps:
        for op in s.operands:
            if op.value.startswith("%"):
                users.setdefault(op.value, set()).add(s.statement)
    return any(len(u) > 1 for u in users.values())
