"""cotengra's HyperOptimizer as an order strategy, with a budget counted in
trials and a seed, its best tree polished by tncc's subtree reconfiguration.

cotengra (a well-kept library for contraction trees of large networks) tunes
the parameters of its tree builders (randomised greedy, recursive graph
partitioning) with a hyper-parameter optimiser.  Run as it comes, two runs
give different trees: its time limit stops the search at a different trial,
and its greedy builder draws from an unseeded generator.  Here

* the budget is a count of work, ``budget`` tensor-trials: ``budget // n``
  trials (``max_repeats``) for ``n`` tensors, clamped to ``[MIN_REPEATS,
  MAX_REPEATS]``, so the search time is about constant across sizes;
* the parameter optimiser is cotengra's subplex (``sbplx``, its default
  without optional packages) seeded from ``seed``; its other optimisers are
  seeded from hashes of strings (``sses``, which differ between processes) or
  need optional packages (``optuna``, ``cmaes``, ``nevergrad``);
* its builders run through wrappers registered beside its own (``SEEDED``)
  that give every trial a seed drawn from one seeded generator, and seed the
  global ``random`` state that its partitioner and reconfiguration draw from
  (saved and restored around the search);
* the time limit is a safety net checked between trials (``time.perf_counter``):
  trials past it are not built, and the result says so.

The best tree and the next best ``POLISH - 1`` of the trials' trees (under
tncc's objective), converted to SSA paths, are re-optimised by
:func:`~tncc.passes.order.reconf.reconfigure`: windows of ``WIDTH`` operands
re-solved exactly by the subset DP, outer products included (cotengra's
reconfiguration considers only index-sharing steps), under tncc's own integer
objective rather than cotengra's floating-point score.  The result is the best
of the polished trees, cotengra's trees, the greedy and the naive order under
that objective, so never worse than any of them.

cotengra is imported on first use (loading it takes a quarter of a second, and a
MAC-only plan by another strategy must not pay it).
"""

from __future__ import annotations

import random
import time
from typing import Any, Mapping, Sequence

from tncc.errors import TnccError
from tncc.passes.order.greedy import greedy
from tncc.passes.order.objectives import Objective
from tncc.passes.order.hyper import tree_ssa
from tncc.passes.order.paths import SSAPath, left_to_right, one_char_indices, tree_key
from tncc.passes.order.reconf import reconfigure
from tncc.passes.order.search import SearchResult

# tensor-trials: 20 trials at 100 tensors, 128 (MAX_REPEATS) up to 15.  A trial (cotengra's builder
# and its reconfiguration) takes about 1.5-2.5 ms per tensor on one core (3-regular graphs and
# lattices of 100-300 tensors), so about 3-5 s in all, half the default time limit
BUDGET = 2_000
MIN_REPEATS = 4
MAX_REPEATS = 128
WIDTH = 8  # operands per reconfiguration window (the subset DP's 3^8 splits)
SWEEPS = 4
POLISH = 3  # trees polished: cotengra's best and the next best of its trials
MIN_SHARE = 1e-4  # windows cheaper than this share of the tree are not re-solved
# cotengra's builders, each wrapped under this name with a seed per trial
SEEDED = {"greedy": "tncc-greedy", "labels": "tncc-labels"}


def available() -> bool:
    """Whether cotengra can be imported."""
    try:
        import cotengra  # noqa: F401
    except ImportError:
        return False
    return True


def repeats_for(n: int, budget: int = BUDGET) -> int:
    """Trials of the HyperOptimizer for ``n`` tensors under ``budget`` tensor-trials."""
    return max(MIN_REPEATS, min(MAX_REPEATS, budget // max(1, n)))


def hyper_search(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
                 objective: Objective, k: int = 1, time_limit: float = 10.0, seed: int = 0,
                 budget: int = BUDGET, polish: bool = True) -> SearchResult:
    """cotengra's HyperOptimizer for ``repeats_for(n, budget)`` trials from
    ``seed``, its tree polished by outer-product-aware reconfiguration under
    ``objective`` (see the module docstring).  ``candidates`` are the ``k``
    best distinct of the polished trees, cotengra's, the greedy and the naive
    order; ``candidates[0]`` is never worse than cotengra's tree under
    ``objective``.  The same arguments give the same result unless
    ``time_limit`` (seconds) stops it, which ``stopped`` then says.  Raises
    :class:`TnccError` when cotengra is not installed."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    inputs = [tuple(ix) for ix in inputs]
    output = tuple(output)
    n = len(inputs)
    if n < 3:  # nothing to choose: one step or none
        path = left_to_right(n)
        score = objective.score(inputs, output, sizes, path)
        return SearchResult(path, score, True, ((score, path),), time.perf_counter() - t0, "trivial")
    repeats = repeats_for(n, budget)
    trees, built = cotengra_trees(inputs, output, sizes, objective, repeats, seed, deadline)
    stopped = f"time limit reached after {built} of {repeats} cotengra trials" if built < repeats else ""
    paths = [*trees, greedy(inputs, output, sizes), left_to_right(n)]
    if polish:
        # cotengra's best tree and the next best of its trials under tncc's objective: a tree a
        # little dearer as it comes can polish to a cheaper one
        wm, ws = objective.weights(inputs, sizes)
        ranked = sorted(_distinct(inputs, output, sizes, objective, trees[1:]), key=lambda c: c[0])
        for start in [trees[0]] + [p for _, p in ranked if tree_key(p, n) != tree_key(trees[0], n)][:POLISH - 1]:
            if time.perf_counter() > deadline:
                stopped = stopped or "time limit reached while polishing cotengra's trees"
                break
            paths.insert(0, reconfigure(inputs, output, sizes, start, WIDTH, wm, ws, deadline, SWEEPS, MIN_SHARE))
        if time.perf_counter() > deadline and not stopped:
            stopped = "time limit reached while polishing cotengra's trees"
    scored = sorted(_distinct(inputs, output, sizes, objective, paths), key=lambda c: c[0])  # stable
    cands = tuple(scored[:max(1, k)])
    return SearchResult(cands[0][1], cands[0][0], False, cands, time.perf_counter() - t0, "cotengra", stopped)


def _distinct(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
              objective: Objective, paths: Sequence[SSAPath]) -> list[tuple[int, SSAPath]]:
    """``(score, path)`` of the distinct trees among ``paths``, first occurrence kept."""
    n = len(inputs)
    seen: set[frozenset] = set()
    out: list[tuple[int, SSAPath]] = []
    for p in paths:
        key = tree_key(p, n)
        if key not in seen:
            seen.add(key)
            out.append((objective.score(inputs, output, sizes, p), p))
    return out


def _minimize(objective: Objective, inputs: Sequence[tuple[str, ...]], sizes: Mapping[str, int]) -> str:
    """cotengra's name for the score closest to ``objective``: it steers
    cotengra's search only; tncc re-scores every tree exactly."""
    if objective.bottleneck:
        return "size"
    wm, ws = objective.weights(inputs, sizes)
    if ws == 0:
        return "flops"
    if wm == 0 or ws >= wm * 1_000_000:  # writes first, MACs as the tie-break
        return "write"
    return f"combo-{ws / wm:g}"


def cotengra_trees(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
                   objective: Objective, repeats: int, seed: int, deadline: float) -> tuple[list[SSAPath], int]:
    """The trees of cotengra's HyperOptimizer over ``repeats`` seeded trials,
    its best first and then every trial's in trial order, and the number of
    trials built before ``deadline``."""
    try:
        import cotengra as ctg
    except ImportError:
        raise TnccError("the 'cotengra' order strategy needs the cotengra package: pip install cotengra "
                        "(or choose another strategy: auto, heuristic, greedy)") from None
    _register(ctg)
    ins, out, size_dict = one_char_indices(inputs, output, sizes)
    trial_rng = random.Random(seed)
    clock = _Trials(deadline)
    methods = list(SEEDED.values())
    opt = ctg.HyperOptimizer(
        methods=methods, minimize=_minimize(objective, inputs, sizes), max_repeats=repeats, parallel=False,
        optlib="sbplx", optlib_opts={"seed": seed}, progbar=False, on_trial_error="raise",
        constants={m: {"rng": trial_rng, "clock": clock} for m in methods})
    saved = random.getstate()
    try:
        random.seed(seed)
        tree = opt.search(ins, out, size_dict)
    finally:
        random.setstate(saved)
    # the trials' trees are final now (cotengra reconfigures each after its builder returns it)
    return [tree_ssa(t, len(ins)) for t in [tree, *clock.trees]], clock.built


class _Trials:
    """Counts the trials built, refuses those past ``deadline`` and keeps
    every trial's tree."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.built = 0
        self.trees: list[Any] = []

    def admit(self) -> bool:
        # the first trial is always built: the search needs one tree
        if self.built and time.perf_counter() > self.deadline:
            return False
        self.built += 1
        return True


_REGISTERED = False


def _register(ctg: Any) -> None:  # ``ctg`` is the cotengra module (the package ships no types)
    """Register the seeded wrappers of cotengra's builders (once)."""
    global _REGISTERED
    if _REGISTERED:
        return
    from cotengra.hyperoptimizers.hyper import _HYPER_SEARCH_SPACE, _PATH_FNS, register_hyper_function
    from cotengra.utils import BadTrial

    for base, name in SEEDED.items():
        def trial(inputs: Any, output: Any, size_dict: Any, rng: random.Random, clock: _Trials,
                  _base: str = base, **params: Any) -> Any:
            if not clock.admit():
                raise BadTrial()  # scored as infinitely bad: the search skips past it cheaply
            s = rng.randrange(1 << 30)
            random.seed(s)  # what the partitioner and the reconfiguration draw from
            if _base == "greedy":
                tree = _greedy_tree(ctg, inputs, output, size_dict, s, **params)
            else:
                tree = _PATH_FNS[_base](inputs, output, size_dict, seed=s, **params)
            clock.trees.append(tree)
            return tree

        register_hyper_function(name, trial, dict(_HYPER_SEARCH_SPACE[base]))
    _REGISTERED = True


def _greedy_tree(ctg: Any, inputs: Any, output: Any, size_dict: Any, seed: int, random_strength: float = 0.0,
                 temperature: float = 0.0, costmod: float = 1.0) -> Any:
    """cotengra's randomised greedy trial (its ``greedy`` hyper method) with
    both of its random draws seeded: the size jitter and the Gumbel noise of
    the greedy choice."""
    from cotengra.core import jitter_dict

    jittered = jitter_dict(size_dict, random_strength, seed=seed) if random_strength else size_dict
    try:
        from cotengrust import optimize_greedy
    except ImportError:  # cotengra's Python greedy, which takes its seed only here
        from cotengra.pathfinders.path_basic import ContractionProcessor

        cp = ContractionProcessor(inputs, output, jittered)
        cp.simplify()
        cp.optimize_greedy(costmod=costmod, temperature=temperature, seed=seed)
        cp.optimize_remaining_by_size()  # disconnected parts
        ssa = cp.ssa_path
    else:
        ssa = optimize_greedy([tuple(ix) for ix in inputs], tuple(output), jittered, costmod=costmod,
                              temperature=temperature, seed=seed, use_ssa=True)
    return ctg.ContractionTree.from_path(inputs, output, size_dict, ssa_path=ssa)
