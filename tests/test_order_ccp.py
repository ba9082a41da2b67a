"""The connected-subgraph DP (passes/order/ccp.py) against brute force and
opt_einsum's dp, its work budget, and reproducibility of the whole search
under a slowed clock."""

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from order_support import SlowClock, eval_path, eval_plan, network_of, random_problem
from tncc.passes.order.ccp import Budget, Graph, Proof, WorkLimit, below, dp_connected
from tncc.passes.order.objectives import Macs
from tncc.passes.order.paths import left_to_right, path_macs, path_writes, validate_ssa
from tncc.passes.order.planner import plan_network
from tncc.passes.order.search import heuristic_search, search
from tncc.passes.order.strategies import STRATEGIES


def _trees(leaves: tuple[int, ...]):
    """Every distinct contraction tree over ``leaves`` (nested pairs)."""
    if len(leaves) == 1:
        yield leaves[0]
        return
    first, rest = leaves[0], leaves[1:]
    for mask in range(1 << len(rest)):
        if mask == (1 << len(rest)) - 1:
            continue  # the other side must not be empty
        left = (first,) + tuple(x for k, x in enumerate(rest) if mask >> k & 1)
        right = tuple(x for k, x in enumerate(rest) if not mask >> k & 1)
        for a in _trees(left):
            for b in _trees(right):
                yield (a, b)


def _ssa(tree, n: int) -> tuple:
    path: list[tuple[int, int]] = []

    def walk(t) -> int:
        if isinstance(t, int):
            return t
        a, b = walk(t[0]), walk(t[1])
        path.append((a, b))
        return n + len(path) - 1

    walk(tree)
    return tuple(path)


def _all_paths(n: int):
    return [_ssa(t, n) for t in _trees(tuple(range(n)))]


def _shares(inputs, output, path) -> bool:
    """Whether every step of ``path`` joins operands that share an index."""
    from tncc.passes.order.paths import path_steps

    return all(set(s.left_indices) & set(s.right_indices) for s in path_steps(inputs, output, path))


problems = st.tuples(st.integers(2, 7), st.integers(0, 10**6))


@settings(max_examples=40, deadline=None)
@given(problems)
def test_outer_dp_equals_brute_force(case):
    n, seed = case
    inputs, output, sizes = random_problem(np.random.default_rng(seed), n, max_size=4)
    paths = _all_paths(n) if n < 7 else _all_paths(n)[::7] + [p for p in [search(inputs, output, sizes).path]]
    cost, path = dp_connected(Graph(inputs, output, sizes), outer=True)
    validate_ssa(path, n)
    assert path_macs(inputs, output, sizes, path) == cost
    if n < 7:
        assert cost == min(path_macs(inputs, output, sizes, p) for p in paths)
    else:  # 10395 trees: a sample of them, none may beat the optimum
        assert cost <= min(path_macs(inputs, output, sizes, p) for p in paths)


@settings(max_examples=25, deadline=None)
@given(st.tuples(st.integers(2, 6), st.integers(0, 10**6)))
def test_weighted_objective_and_index_sharing_trees_equal_brute_force(case):
    n, seed = case
    inputs, output, sizes = random_problem(np.random.default_rng(seed), n, max_size=3)
    net = Graph(inputs, output, sizes)
    paths = _all_paths(n)

    def score(p):
        return 2 * path_macs(inputs, output, sizes, p) + 3 * path_writes(inputs, output, sizes, p)

    cost, path = dp_connected(net, 2, 3, outer=True)
    assert cost == score(path) == min(score(p) for p in paths)
    sharing = [p for p in paths if _shares(inputs, output, p)]
    if len(net.components()) == 1 and sharing:
        c2, p2 = dp_connected(net, outer=False)
        assert _shares(inputs, output, p2)
        assert c2 == path_macs(inputs, output, sizes, p2) == min(path_macs(inputs, output, sizes, p) for p in sharing)
        # the proof round: nothing with outer products is cheaper exactly when the two optima agree
        best = min(path_macs(inputs, output, sizes, p) for p in paths)
        assert (below(net, c2 - 1) is None) == (best == c2)


@settings(max_examples=12, deadline=None)
@given(st.tuples(st.integers(8, 14), st.integers(0, 10**4)))
def test_search_matches_opt_einsum_dp_with_outer_products(case):
    oe = pytest.importorskip("opt_einsum")
    from opt_einsum.testing import rand_equation

    n, seed = case
    eq, shapes, sizes = rand_equation(n, 2, n_out=1, d_min=2, d_max=4, seed=seed, return_size_dict=True)
    lhs, out = eq.split("->")
    inputs, output = [tuple(t) for t in lhs.split(",")], tuple(out)
    dp = oe.paths.DynamicProgramming(minimize="flops", search_outer=True)
    theirs = oe.contract_path(eq, *shapes, shapes=True, optimize=dp)[0]
    from tncc.passes.order.paths import linear_to_ssa

    their_cost = path_macs(inputs, output, sizes, linear_to_ssa([tuple(s) for s in theirs], n))
    r = search(inputs, output, sizes, Macs(), exact_limit=14)
    assert r.proven_optimal
    # opt_einsum's dp minimises its own flop count (MACs times a factor for additions), so
    # its tree is a tree: the proven MAC optimum is never more
    assert r.score == path_macs(inputs, output, sizes, r.path) <= their_cost


def _regular(n: int, seed: int, size: int = 2):
    import networkx as nx

    g = nx.random_regular_graph(3, n, seed=seed)
    inputs: list[list[str]] = [[] for _ in range(n)]
    for k, (u, v) in enumerate(sorted(g.edges())):
        inputs[u].append(f"e{k}")
        inputs[v].append(f"e{k}")
    return [tuple(x) for x in inputs], (), {f"e{k}": size for k in range(g.number_of_edges())}


def _lattice(rows: int, cols: int, size: int):
    import networkx as nx

    g = nx.grid_2d_graph(rows, cols)
    pos = {v: k for k, v in enumerate(sorted(g.nodes()))}
    inputs: list[list[str]] = [[] for _ in pos]
    for k, (u, v) in enumerate(sorted(g.edges())):
        inputs[pos[u]].append(f"e{k}")
        inputs[pos[v]].append(f"e{k}")
    return [tuple(x) for x in inputs], (), {f"e{k}": size for k in range(g.number_of_edges())}


def test_work_budget_stops_at_the_same_point_every_time():
    inputs, output, sizes = _regular(30, 3)
    done = []
    for _ in range(2):
        budget = Budget(limit=20_000)
        with pytest.raises(WorkLimit) as err:
            dp_connected(Graph(inputs, output, sizes), outer=False, budget=budget)
        assert not err.value.timed_out
        done.append(budget.done)
    assert done[0] == done[1]


def test_connected_dp_past_the_subset_range_is_proven():
    inputs, output, sizes = _lattice(3, 6, 4)
    r = search(inputs, output, sizes, Macs())
    assert r.proven_optimal and r.method == "exact"
    assert r.score <= heuristic_search(inputs, output, sizes, Macs(), partition_trials=4).score
    # on tiny tensors outer products are cheap and the proof round may run out of work: then
    # the tree is the optimum among index-sharing trees (by the Python DP, or by the Rust DP's
    # rounded costs where cotengrust is installed), polished, and not claimed proven
    inputs, output, sizes = _regular(18, 1)
    r = search(inputs, output, sizes, Macs())
    assert r.method in ("exact", "exact-connected", "connected-rust") and r.proven_optimal == (r.method == "exact")
    assert r.score <= dp_connected(Graph(inputs, output, sizes), outer=False)[0]
    assert r.score <= heuristic_search(inputs, output, sizes, Macs(), partition_trials=4).score


def test_same_seed_same_plan_under_a_slowed_clock(monkeypatch):
    big = _regular(40, 7)
    mid = _lattice(3, 5, 4)
    ref_big = heuristic_search(*big, Macs(), seed=3, greedy_trials=4, partition_trials=4)
    ref_mid = search(*mid, Macs(), seed=3, time_limit=60.0)
    net = network_of(*random_problem(np.random.default_rng(5), 9, max_size=3))
    ref_plan = plan_network(net)
    monkeypatch.setattr(time, "perf_counter", SlowClock(10.0))
    slow_big = heuristic_search(*big, Macs(), seed=3, greedy_trials=4, partition_trials=4)
    slow_mid = search(*mid, Macs(), seed=3, time_limit=60.0)
    slow_plan = plan_network(net)
    assert slow_big.path == ref_big.path and not slow_big.stopped
    assert slow_mid.path == ref_mid.path and slow_mid.proven_optimal
    assert slow_plan.steps == ref_plan.steps
    # a clock so slow the safety limit is hit: the result says so, and is still a valid path
    monkeypatch.setattr(time, "perf_counter", SlowClock(1e6))
    cut = heuristic_search(*big, Macs(), seed=3, greedy_trials=4, partition_trials=4, time_limit=1.0)
    assert cut.stopped
    validate_ssa(cut.path, 40)


def test_every_strategy_contracts_to_the_networks_tensor():
    rng = np.random.default_rng(11)
    inputs, output, sizes = random_problem(rng, 7, max_size=3)
    arrays = [rng.standard_normal([sizes[i] for i in ix]) for ix in inputs]
    letters = {i: chr(97 + k) for k, i in enumerate(sizes)}
    want = np.einsum(",".join("".join(letters[i] for i in ix) for ix in inputs) + "->" + "".join(letters[i] for i in output),
                     *arrays)
    net = network_of(inputs, output, sizes)
    leaves = {f"t{k}": a for k, a in enumerate(arrays)}
    for name, strategy in STRATEGIES.items():
        path = strategy(inputs, output, sizes)
        np.testing.assert_allclose(eval_path(inputs, output, arrays, path), want, rtol=1e-9, atol=1e-9, err_msg=name)
        plan = plan_network(net, strategy=name)
        got = eval_plan(plan, leaves)[net.outputs[0]]
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=name)


def test_big_network_paths_contract_correctly():
    inputs, output, sizes = _regular(30, 4)
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal([sizes[i] for i in ix]) * 0.5 for ix in inputs]
    r = heuristic_search(inputs, output, sizes, Macs(), greedy_trials=2, partition_trials=2)
    ref = eval_path(inputs, output, arrays, search(inputs, output, sizes, Macs()).path)
    np.testing.assert_allclose(eval_path(inputs, output, arrays, r.path), ref, rtol=1e-8)
    assert r.score <= path_macs(inputs, output, sizes, left_to_right(30))


def test_full_pipeline_keeps_the_search_quality():
    """plan_network gives each statement search()'s own budget: its plan costs
    what search() alone finds (it once got half the time and lost 1.4x)."""
    inputs, output, sizes = _regular(26, 5, size=3)
    alone = search(inputs, output, sizes, Macs())
    plan = plan_network(network_of(inputs, output, sizes))
    assert plan.macs() == alone.score
    assert not any("time limit" in n for n in plan.notes)


def _hub(rng: np.random.Generator, n: int):
    """A hub tensor holding one index with each of ``n - 1`` small spokes (and
    maybe an output index), spokes sometimes sharing a small index with the
    next one: contracting the spokes' outer products into the hub first is
    often the optimum, the case the outer-product pruning must keep."""
    hub = [f"h{j}" for j in range(n - 1)]
    sizes = {f"h{j}": int(rng.integers(2, 6)) for j in range(n - 1)}
    output: tuple[str, ...] = ()
    if rng.random() < 0.5:
        hub.append("o")
        sizes["o"] = int(rng.integers(2, 7))
        output = ("o",)
    spokes = [[f"h{j}"] for j in range(n - 1)]
    for j in range(n - 2):
        if rng.random() < 0.3:
            spokes[j].append(f"s{j}")
            spokes[j + 1].append(f"s{j}")
            sizes[f"s{j}"] = int(rng.integers(1, 3))
    return [tuple(hub)] + [tuple(s) for s in spokes], output, sizes


def test_the_outer_product_pruning_keeps_optima_that_need_outer_products():
    rng = np.random.default_rng(7)
    needed = 0
    for _ in range(60):
        n = int(rng.integers(4, 7))
        inputs, output, sizes = _hub(rng, n)
        paths = _all_paths(n)
        best = min(path_macs(inputs, output, sizes, p) for p in paths)
        sharing = min((path_macs(inputs, output, sizes, p) for p in paths if _shares(inputs, output, p)),
                      default=None)
        needed += sharing is None or best < sharing
        cost, path = dp_connected(Graph(inputs, output, sizes), outer=True)
        assert cost == path_macs(inputs, output, sizes, path) == best, (inputs, output, sizes)

        def score(p):
            return path_macs(inputs, output, sizes, p) + 2 * path_writes(inputs, output, sizes, p)

        assert dp_connected(Graph(inputs, output, sizes), 1, 2, outer=True)[0] == min(score(p) for p in paths)
    assert needed >= 10  # the family exercises optima that only outer products reach


def _closing(rng: np.random.Generator, n: int):
    """A connected network of ``n`` tensors whose every index is on two of
    them (a random tree plus a few cycles, bonds of 2 to 6), no output: where
    the DP tries the outer round at its bound first."""
    edges = [(int(rng.integers(k)), k) for k in range(1, n)]
    edges += [(int(a), int(b)) for a, b in rng.integers(n, size=(int(rng.integers(0, 3)), 2)) if a != b]
    inputs: list[list[str]] = [[] for _ in range(n)]
    sizes = {}
    for j, (a, b) in enumerate(edges):
        inputs[a].append(f"e{j}")
        inputs[b].append(f"e{j}")
        sizes[f"e{j}"] = int(rng.integers(2, 7))
    return [tuple(ix) for ix in inputs], (), sizes


def test_the_outer_round_at_the_bound_proves_the_optimum_over_all_trees():
    rng = np.random.default_rng(12)
    proven = beats_sharing = 0
    for _ in range(80):
        n = int(rng.integers(4, 7))
        inputs, output, sizes = _closing(rng, n)
        paths = _all_paths(n)
        best = min(path_macs(inputs, output, sizes, p) for p in paths)
        sharing = min(path_macs(inputs, output, sizes, p) for p in paths if _shares(inputs, output, p))
        net = Graph(inputs, output, sizes)
        bound = path_macs(inputs, output, sizes, left_to_right(n))
        proof = Proof(Budget(10**6))
        cost, path = dp_connected(net, outer=False, bound=bound, proof=proof)
        assert cost == path_macs(inputs, output, sizes, path)
        # proven: the optimum over all trees; otherwise the index-sharing optimum, as without it
        assert cost == (best if proof.proven else sharing), (inputs, sizes, proof.proven)
        assert (cost, path) == dp_connected(net, outer=False, bound=bound) or proof.proven
        proven += proof.proven
        beats_sharing += proof.proven and best < sharing
    assert proven >= 10 and beats_sharing >= 2  # the family exercises the round and the optima it finds
