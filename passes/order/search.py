"""The search driver for one contraction: exact where it is affordable, a
time-limited heuristic past that, always with the ``k`` best distinct trees
found as candidates for the hardware stage.

* ``n <= exact_limit`` inputs: a greedy tree gives an upper bound, the subset
  DP (:mod:`.exact`) proves the optimum for the objective, and the k-best DP
  lists the next-best distinct trees (within twice the optimum or the greedy
  bound, whichever is larger).  ``proven_optimal`` is true.
* up to ``ATTEMPT_LIMIT`` inputs (additive objectives): the DP alone, bounded
  by the heuristic's best tree, within half the time limit; when it finishes
  the result is proven, the other candidates come from the heuristic;
* larger, or when that attempt runs out of time: greedy, then randomised
  greedy restarts, each polished by subtree reconfiguration
  (:mod:`.reconf`), until the time limit or until ``patience`` restarts
  bring nothing new.  ``proven_optimal`` is false.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Mapping, Sequence

from tncc.passes.order.exact import SearchTimeout, dp_additive, kbest, min_peak
from tncc.passes.order.greedy import greedy
from tncc.passes.order.objectives import Macs, Objective
from tncc.passes.order.paths import SSAPath, tree_key
from tncc.passes.order.reconf import Tree, reconfigure
from tncc.passes.order.subsets import SubsetTable

EXACT_LIMIT = 12
ATTEMPT_LIMIT = 16  # past EXACT_LIMIT, the exact DP is tried within half the time limit


@dataclass(frozen=True, slots=True)
class SearchResult:
    """``path`` is the best found; ``candidates`` are ``(score, path)`` pairs of
    distinct trees, best first (``candidates[0]`` is ``path``)."""

    path: SSAPath
    score: int
    proven_optimal: bool
    candidates: tuple[tuple[int, SSAPath], ...]
    seconds: float
    method: str


def search(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
           objective: Objective | None = None, k: int = 1, exact_limit: int = EXACT_LIMIT,
           time_limit: float = 10.0, seed: int = 0) -> SearchResult:
    """Find a contraction path of ``inputs`` into ``output`` minimising ``objective``
    (MACs by default).  Deterministic for a given ``seed``."""
    t0 = time.perf_counter()
    objective = objective or Macs()
    inputs = [tuple(ix) for ix in inputs]
    output = tuple(output)
    n = len(inputs)
    if n < 2:
        return SearchResult((), objective.score(inputs, output, sizes, ()), True, ((0, ()),), time.perf_counter() - t0, "trivial")
    if n <= exact_limit:
        return _exact(inputs, output, sizes, objective, k, t0)
    heur = _heuristic(inputs, output, sizes, objective, k, t0 + time_limit / 2, seed, t0)
    if n > max(exact_limit, ATTEMPT_LIMIT) or objective.bottleneck or exact_limit < 2:
        return heur
    wm, ws = objective.weights(inputs, sizes)
    try:
        found = dp_additive(SubsetTable(inputs, output, sizes), wm, ws,
                            bound=Tree(inputs, output, sizes, heur.path).cost(wm, ws),
                            deadline=t0 + time_limit)
    except SearchTimeout:
        return SearchResult(heur.path, heur.score, False, heur.candidates, time.perf_counter() - t0, heur.method)
    assert found is not None, "the DP must find a tree no worse than the heuristic's"
    path = found[1]
    best = (objective.score(inputs, output, sizes, path), path)
    others = [c for c in heur.candidates if tree_key(c[1], n) != tree_key(path, n)]
    cands = tuple([best] + others[:max(0, k - 1)])
    return SearchResult(path, best[0], True, cands, time.perf_counter() - t0, "exact")


def _exact(inputs, output, sizes, objective: Objective, k: int, t0: float) -> SearchResult:
    wm, ws = objective.weights(inputs, sizes)
    table = SubsetTable(inputs, output, sizes)
    cap = min_peak(table) if objective.bottleneck else None
    g = greedy(inputs, output, sizes)
    ub = Tree(inputs, output, sizes, g).cost(wm, ws) if g else 0
    if cap is not None and max(table.prod(table.res[s]) for s in _internal_subsets(g, len(inputs))) > cap:
        ub = None  # the greedy tree breaks the cap: it bounds nothing
    found = dp_additive(table, wm, ws, bound=ub, cap=cap)
    assert found is not None, "the DP must find a tree no worse than the greedy one"
    cost, path = found
    if k > 1:
        limit = max(ub or 0, 2 * cost)
        ranked = kbest(table, k, wm, ws, bound=limit, cap=cap)
        cands = [(objective.score(inputs, output, sizes, p), p) for _, p in ranked]
    else:
        cands = [(objective.score(inputs, output, sizes, path), path)]
    cands.sort(key=lambda c: c[0])
    best = cands[0]
    return SearchResult(best[1], best[0], True, tuple(cands), time.perf_counter() - t0, "exact")


def _internal_subsets(path: SSAPath, n: int) -> list[int]:
    masks = [1 << k for k in range(n)]
    out = []
    for a, b in path:
        masks.append(masks[a] | masks[b])
        out.append(masks[-1])
    return out


def _heuristic(inputs, output, sizes, objective: Objective, k: int, deadline: float, seed: int,
               t0: float, patience: int = 12, width: int = 8) -> SearchResult:
    wm, ws = objective.weights(inputs, sizes)
    rng = random.Random(seed)
    pool: dict[frozenset, tuple[int, SSAPath]] = {}

    def add(path: SSAPath) -> int:
        score = objective.score(inputs, output, sizes, path)
        pool.setdefault(tree_key(path, len(inputs)), (score, path))
        return score

    best = add(reconfigure(inputs, output, sizes, greedy(inputs, output, sizes), width, wm, ws, deadline))
    stale = 0
    trial = 0
    while time.perf_counter() < deadline and stale < patience:
        trial += 1
        temperature = (0.05, 0.2, 0.5, 1.0)[trial % 4]
        raw = greedy(inputs, output, sizes, rng, temperature)
        score = add(reconfigure(inputs, output, sizes, raw, width, wm, ws, deadline))
        if score < best:
            best = score
            stale = 0
        else:
            stale += 1
    cands = sorted(pool.values(), key=lambda c: c[0])[:max(1, k)]
    return SearchResult(cands[0][1], cands[0][0], False, tuple(cands), time.perf_counter() - t0, "heuristic")
