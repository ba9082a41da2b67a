"""The search driver for one contraction: exact where it is affordable,
heuristic past that, always with the ``k`` best distinct trees found as
candidates for the hardware stage.  Every budget is counted in work (pair
evaluations of the DP, trials of the heuristics), so the same input and seed
give the same result on any machine; ``time_limit`` is only a safety net, and
a result it cut short says so (``SearchResult.stopped``).

* ``n <= exact_limit`` inputs: the connected-subgraph DP (:mod:`.ccp`, outer
  products included) proves the optimum; with ``k > 1``, or up to
  ``SUBSETS_UP_TO`` inputs, the subset DP of :mod:`.exact` does (and lists
  the ``k`` best distinct trees).  ``method`` "exact".
* larger (additive objectives): a heuristic tree bounds the connected-subgraph
  DP over index-sharing trees (``work`` pair evaluations, ``ALONE`` times
  that when the Rust DP is not there to take over).  Where outer products
  rarely pay (every index closing), a round with outer products at the
  heuristic tree's cost replaces the last index-sharing rounds when the
  rounds' growth projects it within ``work / PROOF``, and finished it
  proves the optimum over all trees at once ("exact"; :func:`.ccp.dp_connected`).
  Otherwise, when the index-sharing DP finishes, one more DP round with outer
  products under the found cost minus one either proves the tree optimal over
  *all* trees ("exact") or finds the better tree with outer products
  ("exact"); when the proof round runs out
  of work the tree is optimal among index-sharing trees and then polished by
  outer-product-aware subtree reconfiguration ("exact-connected").  Where
  cotengrust is installed, a probe of the Python DP (``WORK / PROBE``)
  settles small networks; when it gives up projecting at most
  ``RUST_REACH`` WORKs (and the network is small or chain-like, see
  :func:`_rust_may_finish`), cotengra's Rust DP computes the index-sharing tree
  in a child process while this one runs the heuristic (:mod:`.rustdp`), or
  in this process on chain-like networks, where it is sure to be quick;
  the proof round then proves or improves its tree ("exact"), or, out of
  work, it is polished and labelled "connected-rust" (the Rust DP's costs
  are rounded, so its tree is not proven even among index-sharing trees).
  The child is killed at the time limit, which the result then says.
* otherwise ("heuristic"): randomised greedy trials and, from
  ``PARTITION_FROM`` inputs, cotengra's partition-built trees
  (:mod:`.hyper`), the best few polished by subtree reconfiguration
  (:mod:`.reconf`), and the naive left-to-right order, so the result is never
  worse than any of them.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from tncc.passes.order import rustdp
from tncc.passes.order.ccp import Budget, Graph, Proof, WorkLimit, below, dp_connected
from tncc.passes.order.exact import dp_additive, kbest, min_peak
from tncc.passes.order.greedy import greedy
from tncc.passes.order.objectives import Macs, Objective
from tncc.passes.order.paths import SSAPath, left_to_right, tree_key
from tncc.passes.order.reconf import Tree, reconfigure
from tncc.passes.order.subsets import SubsetTable

Inputs = Sequence[tuple[str, ...]]  # each input tensor's indices

EXACT_LIMIT = 12
# up to this many inputs the subset DP's plain loops beat the connected-subgraph DP's bookkeeping
# (tensorized layers: 7-8 inputs, about 2-3x faster; bench/csse.py --only examples)
SUBSETS_UP_TO = 10
WORK = 4_000_000  # pair evaluations of the connected-subgraph DP past EXACT_LIMIT
PROBE = 16  # share of WORK the Python DP gets first when the Rust DP is there to take over
# the index-sharing DP's budget, in WORKs, when the Rust DP is not there to take over (past
# RUST_MAX_INPUTS inputs, not chain-like): a 5x6 lattice needs about 1.1 WORK to reach the
# index-sharing optimum, which the heuristic misses (2884 MACs against 2888), while the networks
# past it project well beyond (lattices of 35-40 tensors 1.8-2.0 WORKs, 3-regular graphs of 30 and
# more 3.5 and up), so they give up at the same point as with one WORK
ALONE = 1.5
# the Rust DP is tried when the probe projects at most this many WORKs for the Python DP (a count,
# so the choice is deterministic).  The projection undercounts the last rounds, so the Rust DP
# can still run long (a 10x10 lattice, projected at five WORKs: over a minute); it runs in a child
# process killed at the time limit, beside the heuristic search.
RUST_REACH = 4
# past this many inputs (networks that are not chain-like) the Rust DP is not started: the probe's
# projection cannot tell which will finish (it projects under half a WORK for 3-regular graphs and
# lattices of 24-40 tensors alike), and the DP's time jumps with the size.  Measured, one core:
# 3-regular graphs 24 / 28 / 30 tensors 2.2 / 4.4 / over 20 s, lattices 30 / 36 / 40 tensors
# 3.9 / 19 / over 20 s.  A child killed at the time limit makes the result depend on the machine;
# within this count it finishes well inside the default limit, past it the heuristic's trial
# budget decides, the same on every machine (bench/csse.py --only families)
RUST_MAX_INPUTS = 28
RUST_MAX_CHAIN = 128
RUST_NARROW = 5
# chain-like networks run the Rust DP in this process (it cannot be stopped there) when the time
# limit leaves at least this many seconds: an MPS chain of RUST_MAX_CHAIN tensors takes about two
RUST_HERE_LIMIT = 5.0
# the outer-product proof round gets WORK / PROOF pair evaluations, after the Rust DP WORK /
# RUST_PROOF: where outer products of small tensors are cheap (bond-2 lattices, 3-regular graphs)
# it rarely finishes at any budget, and the Rust DP is there to be fast
PROOF = 8
RUST_PROOF = 32
GREEDY_TRIALS = 16  # randomised greedy trees per heuristic search
PARTITION_TRIALS = 16  # cotengra partition-built trees, from PARTITION_FROM inputs
PARTITION_FROM = 24
TRIAL_SHARE = 0.7  # share of the time left that trials may use before the polish, when the limit is near
POLISH = 3  # best distinct trees polished by subtree reconfiguration
POLISH_SWEEPS = 4
MIN_SHARE = 1e-4  # windows cheaper than this share of the tree are not re-solved


@dataclass(frozen=True, slots=True)
class SearchResult:
    """``path`` is the best found; ``candidates`` are ``(score, path)`` pairs of
    distinct trees, best first (``candidates[0]`` is ``path``).  ``stopped``
    is empty unless the wall-clock safety limit cut the search short (then it
    says where, and the result may differ from an unhurried run's)."""

    path: SSAPath
    score: int
    proven_optimal: bool
    candidates: tuple[tuple[int, SSAPath], ...]
    seconds: float
    method: str
    stopped: str = ""


def search(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
           objective: Objective | None = None, k: int = 1, exact_limit: int = EXACT_LIMIT,
           time_limit: float = 10.0, seed: int = 0, work: int = WORK) -> SearchResult:
    """Find a contraction path of ``inputs`` into ``output`` minimising ``objective``
    (MACs by default).  ``work`` bounds the DP past ``exact_limit`` inputs
    (pair evaluations; 0 skips it).  Deterministic for a given ``seed`` and
    ``work`` unless ``time_limit`` (seconds) stops it first."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    objective = objective or Macs()
    inputs = [tuple(ix) for ix in inputs]
    output = tuple(output)
    n = len(inputs)
    if n < 2:
        return SearchResult((), objective.score(inputs, output, sizes, ()), True, ((0, ()),), time.perf_counter() - t0, "trivial")
    if objective.bottleneck:
        if n <= exact_limit:
            return _exact_subsets(inputs, output, sizes, objective, k, t0)
        return _heuristic(inputs, output, sizes, objective, k, seed, t0, deadline)
    if n <= exact_limit:
        if k > 1 or n <= SUBSETS_UP_TO:
            return _exact_subsets(inputs, output, sizes, objective, k, t0)
        wm, ws = objective.weights(inputs, sizes)
        g = greedy(inputs, output, sizes)
        found = dp_connected(Graph(inputs, output, sizes), wm, ws, outer=True,
                             bound=Tree(inputs, output, sizes, g).cost(wm, ws))
        assert found is not None, "the DP must find a tree no worse than the greedy one"
        path = found[1]
        best = (objective.score(inputs, output, sizes, path), path)
        return SearchResult(path, best[0], True, (best,), time.perf_counter() - t0, "exact")
    if work <= 0 or exact_limit < 2:
        return _heuristic(inputs, output, sizes, objective, k, seed, t0, deadline)
    # a cheap bound first (greedy or naive, polished): the DP often proves the optimum at once
    quick = _heuristic(inputs, output, sizes, objective, k, seed, t0, deadline, trials=0, partitions=0,
                       polish=1 if n <= 60 else 0)
    if quick.stopped:
        return quick
    result = _connected(inputs, output, sizes, objective, k, quick, work, t0, deadline, seed)
    if result is not None:
        return result
    return _heuristic(inputs, output, sizes, objective, k, seed, t0, deadline)


def _connected(inputs: Inputs, output: tuple[str, ...], sizes: Mapping[str, int], objective: Objective, k: int, heur: SearchResult, work: int, t0: float,
               deadline: float, seed: int) -> SearchResult | None:
    """The connected-subgraph DP bounded by the heuristic's best tree, then the
    outer-product proof round (see the module docstring); ``None`` when the
    DP runs out of work and the Rust DP is not tried."""
    wm, ws = objective.weights(inputs, sizes)
    net = Graph(inputs, output, sizes)
    # without the Rust DP to take over (see ALONE) the Python DP may go further
    budget = Budget(int(work * ALONE), deadline)
    tree = Tree(inputs, output, sizes, heur.path)
    bound = tree.cost(wm, ws)
    connected = len(net.components()) == 1
    rust = connected and wm > 0 and RUST_REACH > 0 and _rust_may_finish(tree, len(inputs)) and rustdp.available()
    try:
        if rust:
            # a probe of the Python DP settles small networks itself (exact integers, no child process)
            budget.limit = work // PROBE
        # the round at the heuristic tree's cost runs with outer products first: finished, it
        # proves the optimum over all trees at once, with no index-sharing round and proof round
        proof = Proof(Budget(work // PROOF, deadline)) if connected else None
        found = dp_connected(net, wm, ws, outer=not connected, bound=bound, budget=budget, proof=proof)
    except WorkLimit as e:
        if e.timed_out:
            return _replace(heur, t0, "time limit reached in the exact DP; heuristic tree kept")
        if rust and e.projected is not None and e.projected <= work * RUST_REACH:
            here = _narrow(tree, len(inputs)) and deadline - t0 >= RUST_HERE_LIMIT
            return _rust(inputs, output, sizes, objective, k, net, wm, ws, work, seed, heur, t0, deadline, here)
        return None
    if found is None:  # outer search: nothing beats the heuristic tree, which is optimal
        return _finish(inputs, output, sizes, objective, k, heur.path, heur, t0, True, "exact", "")
    cost, path = found
    if not connected or (proof is not None and proof.proven):
        return _finish(inputs, output, sizes, objective, k, path, heur, t0, True, "exact", "")
    return _prove(inputs, output, sizes, objective, k, net, wm, ws, cost, path, heur, work - budget.done, work,
                  t0, deadline, "exact-connected")


def _rust_may_finish(tree: Tree, n: int) -> bool:
    """Whether the Rust DP may finish in the time limit, from counts: up to
    ``RUST_MAX_INPUTS`` inputs, or up to ``RUST_MAX_CHAIN`` when the quick
    tree's intermediates have at most ``RUST_NARROW`` indices (chain-like
    networks such as MPS ladders, whose connected subgraphs grow only
    polynomially).  The probe's projection alone let 200-tensor lattices
    through, which the Rust DP never finishes."""
    if n <= RUST_MAX_INPUTS:
        return True
    return _narrow(tree, n)


def _narrow(tree: Tree, n: int) -> bool:
    """Whether the network is chain-like (see :func:`_rust_may_finish`): up to
    ``RUST_MAX_CHAIN`` inputs and the quick tree's intermediates of at most
    ``RUST_NARROW`` indices.  The Rust DP's time there grows polynomially (an
    MPS chain of 100 tensors: about a second), so it runs in this process."""
    return n <= RUST_MAX_CHAIN and max(len(tree.res[v]) for v in range(n, 2 * n - 1)) <= RUST_NARROW


def _prove(inputs: Inputs, output: tuple[str, ...], sizes: Mapping[str, int], objective: Objective, k: int, net: Graph, wm: int, ws: int, cost: int,
           path: SSAPath, heur: SearchResult, left: int, work: int, t0: float, deadline: float,
           unproven: str) -> SearchResult:
    """One DP round with outer products under ``cost - 1`` (``cost`` is
    ``path``'s): it proves ``path`` optimal over all trees or finds the
    optimum.  When it runs out of work ``path`` is polished by subtree
    reconfiguration and the result is labelled ``unproven``."""
    try:
        # outer products of small tensors are cheap, so on networks of small tensors this round
        # can be far bigger than the index-sharing one: it gets a share of the work (PROOF)
        proof = Budget(min(work // PROOF, max(0, left)), deadline)
        better = below(net, cost - 1, wm, ws, proof)
    except WorkLimit as e:
        polished = reconfigure(inputs, output, sizes, path, 8, wm, ws, deadline, POLISH_SWEEPS, MIN_SHARE)
        note = "time limit reached in the outer-product round" if e.timed_out else ""
        return _finish(inputs, output, sizes, objective, k, polished, heur, t0, False, unproven, note)
    if better is not None:
        path = better[1]
    return _finish(inputs, output, sizes, objective, k, path, heur, t0, True, "exact", "")


def _rust(inputs: Inputs, output: tuple[str, ...], sizes: Mapping[str, int], objective: Objective, k: int, net: Graph, wm: int, ws: int, work: int, seed: int,
          quick: SearchResult, t0: float, deadline: float, here: bool = False) -> SearchResult:
    """cotengra's Rust DP in a child process (:mod:`.rustdp`) while this
    process runs the full heuristic search as the fallback; with ``here``
    (chain-like networks, where it is sure to finish quickly) in this process,
    without the fork and the racing heuristic, whose trials can hold the
    answer back by seconds when one of them is long.

    When the child answers, the heuristic is abandoned and the Rust tree,
    re-scored exactly, goes through the outer-product proof round
    (:func:`_prove`) against the quick heuristic's trees.  When the child is
    killed at ``deadline`` the full heuristic's result comes back with a
    note.  So the result depends on timing only through that safety limit."""
    if here and rustdp.available():
        found = rustdp.rust_optimum(inputs, output, sizes, wm, ws)
        if found is not None:
            return _prove(inputs, output, sizes, objective, k, net, wm, ws, Tree(inputs, output, sizes, found).cost(wm, ws),
                          found, quick, work // RUST_PROOF, work, t0, deadline, "connected-rust")
    run = rustdp.start(inputs, output, sizes, wm, ws)
    if run is None:
        return _heuristic(inputs, output, sizes, objective, k, seed, t0, deadline)
    try:
        heur: SearchResult | None = _heuristic(inputs, output, sizes, objective, k, seed, t0, deadline,
                                               stop=run.ready)
    except _Abandoned:
        heur = None
    except BaseException:
        run.cancel()
        raise
    path, why = run.wait(deadline)
    if path is None:
        if heur is None:  # the child answered without a tree: the heuristic runs to its end after all
            heur = _heuristic(inputs, output, sizes, objective, k, seed, t0, deadline)
        return _replace(heur, t0, why) if why.startswith("time limit") else heur
    # the Rust tree competes with the quick heuristic only: whether the full heuristic finished
    # first is a matter of timing, so its trees are not used
    cost = Tree(inputs, output, sizes, path).cost(wm, ws)
    # its costs are rounded, so it is near-optimal among index-sharing trees: unproven when the
    # proof round cannot finish
    return _prove(inputs, output, sizes, objective, k, net, wm, ws, cost, path, quick, work // RUST_PROOF,
                  work, t0, deadline, "connected-rust")


class _Abandoned(Exception):
    """The heuristic search was told to stop: its result is not wanted."""


def _replace(r: SearchResult, t0: float, stopped: str) -> SearchResult:
    return SearchResult(r.path, r.score, r.proven_optimal, r.candidates, time.perf_counter() - t0, r.method,
                        stopped or r.stopped)


def _finish(inputs: Inputs, output: tuple[str, ...], sizes: Mapping[str, int],
            objective: Objective, k: int, path: SSAPath, heur: SearchResult, t0: float,
            proven: bool, method: str, stopped: str) -> SearchResult:
    n = len(inputs)
    best = (objective.score(inputs, output, sizes, path), path)
    if best[0] > heur.score:  # an index-sharing optimum can lose to a tree with outer products
        best = heur.candidates[0]
    others = [c for c in heur.candidates if tree_key(c[1], n) != tree_key(best[1], n)]
    cands = tuple([best] + others[:max(0, k - 1)])
    return SearchResult(best[1], best[0], proven, cands, time.perf_counter() - t0, method, stopped)


def _exact_subsets(inputs: Inputs, output: tuple[str, ...], sizes: Mapping[str, int],
                   objective: Objective, k: int, t0: float) -> SearchResult:
    """The subset DP over every split (outer products included), with the
    ``k`` best distinct trees: for few inputs and the bottleneck objective."""
    wm, ws = objective.weights(inputs, sizes)
    table = SubsetTable(inputs, output, sizes)
    cap = min_peak(table) if objective.bottleneck else None
    g = greedy(inputs, output, sizes)
    ub: int | None = Tree(inputs, output, sizes, g).cost(wm, ws) if g else 0
    if cap is not None and max(table.prod(table.res[s]) for s in _internal_subsets(g, len(inputs))) > cap:
        ub = None  # the greedy tree breaks the cap: it bounds nothing
    found = dp_additive(table, wm, ws, bound=ub, cap=cap)
    assert found is not None, "the DP must find a tree no worse than the greedy one"
    cost, path = found
    # the DPs' MAC counts are exact integers: for MACs alone re-scoring the trees would only repeat them
    same = type(objective) is Macs
    if k > 1:
        limit = max(ub or 0, 2 * cost)
        ranked = kbest(table, k, wm, ws, bound=limit, cap=cap)
        cands = [(c if same else objective.score(inputs, output, sizes, p), p) for c, p in ranked]
    else:
        cands = [(cost if same else objective.score(inputs, output, sizes, path), path)]
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


def heuristic_search(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
                     objective: Objective | None = None, k: int = 1, seed: int = 0, time_limit: float = 60.0,
                     greedy_trials: int = GREEDY_TRIALS, partition_trials: int = PARTITION_TRIALS,
                     polish: int = POLISH) -> SearchResult:
    """The heuristic alone with explicit trial counts (any ``n``): randomised
    greedy and cotengra partition trees, the best ``polish`` reconfigured,
    never worse than the greedy or the naive order."""
    t0 = time.perf_counter()
    inputs = [tuple(ix) for ix in inputs]
    if len(inputs) < 2:
        return search(inputs, output, sizes, objective)
    return _heuristic(inputs, tuple(output), sizes, objective or Macs(), k, seed, t0, t0 + time_limit,
                      trials=greedy_trials, partitions=partition_trials, polish=polish, partition_from=2)


def _heuristic(inputs: Inputs, output: tuple[str, ...], sizes: Mapping[str, int],
               objective: Objective, k: int, seed: int, t0: float, deadline: float,
               width: int = 8, trials: int | None = None, partitions: int | None = None,
               polish: int = POLISH, partition_from: int = PARTITION_FROM,
               stop: Callable[[], bool] | None = None) -> SearchResult:
    """Greedy, randomised greedy and (from ``PARTITION_FROM`` inputs)
    partition-built trees, the best ``POLISH`` distinct ones reconfigured,
    and the naive order: a fixed number of trials, so deterministic.
    ``stop`` is asked between trials; when it says so the search is
    abandoned (:class:`_Abandoned`)."""
    n = len(inputs)
    wm, ws = objective.weights(inputs, sizes)
    rng = random.Random(seed)
    raw: dict[frozenset, tuple[int, SSAPath]] = {}
    stopped = ""

    def add(pool: dict, path: SSAPath) -> None:
        pool.setdefault(tree_key(path, n), (Tree(inputs, output, sizes, path).cost(wm, ws), path))

    add(raw, greedy(inputs, output, sizes))
    add(raw, left_to_right(n))
    if trials is None:
        # on networks big enough for partition trees, greedy trees rarely win: fewer of them
        trials = GREEDY_TRIALS if n < partition_from else GREEDY_TRIALS // 4
    if partitions is None:
        # a partition tree costs time about linear in n: keep the total about constant
        partitions = max(4, PARTITION_TRIALS * 100 // max(n, 100))
    if n > 100:
        polish = min(polish, 1)
    # when the safety limit is near, trials stop early enough to leave the polish a share of the
    # time (a tree is worth more polished than one more raw trial); only a cut result is affected
    now = time.perf_counter()
    soft = now + TRIAL_SHARE * max(0.0, deadline - now)

    def abandon() -> None:
        if stop is not None and stop():
            raise _Abandoned()

    for trial in range(trials):
        abandon()
        if time.perf_counter() > soft:
            stopped = "time limit reached during greedy trials"
            break
        temperature = (0.05, 0.2, 0.5, 1.0)[trial % 4]
        add(raw, greedy(inputs, output, sizes, rng, temperature))
    if n >= partition_from and partitions and not stopped:
        # start-up: only large networks use the partitioner (cotengra)
        from tncc.passes.order.hyper import partition_trees

        trees = partition_trees(inputs, output, sizes, partitions, seed)
        last = 0.0
        while True:
            # a trial is not started when the last one's time would take it past the soft limit
            begin = time.perf_counter()
            if begin + last > soft:
                stopped = "time limit reached during partition trials"
                break
            got = next(trees, None)
            if got is None:
                break
            last = time.perf_counter() - begin
            add(raw, got[0])
            abandon()
    ranked = sorted(raw.values(), key=lambda c: c[0])  # stable: ties keep the (seeded) trial order
    pool = dict(raw)
    for cost, path in ranked[:polish]:
        abandon()
        if time.perf_counter() > deadline:
            stopped = stopped or "time limit reached while polishing"
            break
        add(pool, reconfigure(inputs, output, sizes, path, width, wm, ws, deadline, POLISH_SWEEPS, MIN_SHARE))
    if time.perf_counter() > deadline and not stopped:
        stopped = "time limit reached while polishing"
    scored = sorted(((objective.score(inputs, output, sizes, p), p) for _, p in pool.values()),
                    key=lambda c: c[0])
    cands = scored[:max(1, k)]
    return SearchResult(cands[0][1], cands[0][0], False, tuple(cands), time.perf_counter() - t0, "heuristic", stopped)
