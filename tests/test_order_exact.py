"""The exact subset DP against brute-force enumeration of every order in the
enlarged space (any pair, outer products included, hyperedges)."""

import numpy as np
import pytest

from order_support import all_paths, distinct_trees, random_problem
from tncc.passes.order.exact import dp_additive, kbest, min_peak
from tncc.passes.order.objectives import Combined, Macs, PeakSize, WriteVolume
from tncc.passes.order.paths import path_macs, path_peak, path_writes, tree_key, validate_ssa
from tncc.passes.order.search import search
from tncc.passes.order.subsets import SubsetTable

CASES = [(n, seed) for n in (2, 3, 4, 5, 6) for seed in range(6 if n < 6 else 3)]


def _brute(inputs, output, sizes, score):
    return min(score(inputs, output, sizes, p) for p in all_paths(len(inputs)))


@pytest.mark.parametrize("n,seed", CASES)
def test_macs_optimum_equals_brute_force(n, seed):
    inputs, output, sizes = random_problem(np.random.default_rng(seed * 31 + n), n)
    r = search(inputs, output, sizes, Macs())
    assert r.proven_optimal
    validate_ssa(r.path, n)
    assert path_macs(inputs, output, sizes, r.path) == r.score == _brute(inputs, output, sizes, path_macs)


@pytest.mark.parametrize("n,seed", [c for c in CASES if c[0] <= 5])
@pytest.mark.parametrize("objective", [PeakSize(), WriteVolume(), Combined(1, 3)])
def test_other_objectives_equal_brute_force(n, seed, objective):
    inputs, output, sizes = random_problem(np.random.default_rng(seed * 17 + n), n)
    r = search(inputs, output, sizes, objective)
    assert r.score == _brute(inputs, output, sizes, objective.score)


def test_peak_objective_then_fewest_macs():
    inputs, output, sizes = random_problem(np.random.default_rng(5), 6)
    r = search(inputs, output, sizes, PeakSize())
    peak = min(path_peak(inputs, output, sizes, p) for p in all_paths(6))
    assert path_peak(inputs, output, sizes, r.path) == peak == min_peak(SubsetTable(inputs, output, sizes))
    best_macs = min(path_macs(inputs, output, sizes, p) for p in all_paths(6)
                    if path_peak(inputs, output, sizes, p) == peak)
    assert path_macs(inputs, output, sizes, r.path) == best_macs


@pytest.mark.parametrize("seed", range(4))
def test_kbest_lists_the_k_cheapest_distinct_trees(seed):
    inputs, output, sizes = random_problem(np.random.default_rng(100 + seed), 5)
    k = 12
    got = kbest(SubsetTable(inputs, output, sizes), k)
    costs = sorted(path_macs(inputs, output, sizes, p) for p in distinct_trees(5))
    assert [c for c, _ in got] == costs[:k]
    assert len({tree_key(p, 5) for _, p in got}) == len(got)
    for c, p in got:
        assert path_macs(inputs, output, sizes, p) == c


def test_bound_prunes_but_keeps_the_optimum():
    inputs, output, sizes = random_problem(np.random.default_rng(7), 6)
    table = SubsetTable(inputs, output, sizes)
    cost, _ = dp_additive(table)
    assert dp_additive(SubsetTable(inputs, output, sizes), bound=cost)[0] == cost
    assert dp_additive(SubsetTable(inputs, output, sizes), bound=cost - 1) is None


def test_outer_products_can_be_optimal():
    # a[i] b[j] c[i,j]: the outer product a*b first costs 4+4 < 2*(2*2*... ) only here:
    inputs, output, sizes = [("i",), ("j",), ("i", "j", "k")], ("k",), {"i": 2, "j": 2, "k": 50}
    r = search(inputs, output, sizes, Macs())
    assert r.path[0] == (0, 1)
    assert r.score == _brute(inputs, output, sizes, path_macs)


def test_twelve_tensors_are_exact_and_match_writes():
    inputs, output, sizes = random_problem(np.random.default_rng(12), 12, max_size=3, hyper=False)
    r = search(inputs, output, sizes, WriteVolume())
    assert r.proven_optimal
    assert r.score == WriteVolume().score(inputs, output, sizes, r.path)
    assert path_writes(inputs, output, sizes, r.path) <= path_writes(inputs, output, sizes,
                                                                     search(inputs, output, sizes, Macs()).path)
