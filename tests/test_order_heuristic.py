"""The heuristic search past the exact range: deterministic per seed whatever
the clock's speed, every plan contracts to the network's tensor, and it is
never worse than the greedy tree or the naive order (Hypothesis, small)."""

import time

import numpy as np
import opt_einsum as oe
from hypothesis import HealthCheck, given, settings, strategies as hst

from order_support import SlowClock, edges_problem, eval_path, random_problem
from tncc.passes.order.greedy import greedy
from tncc.passes.order.objectives import Macs
from tncc.passes.order.paths import left_to_right, path_macs, validate_ssa
from tncc.passes.order.search import heuristic_search


def _regular3(n: int, seed: int, bond: int = 2):
    """A random 3-regular graph of ``n`` (even) tensors, one index per edge."""
    import networkx as nx

    return edges_problem(n, list(nx.random_regular_graph(3, n, seed=seed).edges()), bond)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hst.integers(3, 12), hst.integers(0, 2**31 - 1))
def test_heuristic_contracts_and_beats_greedy_and_naive(n, seed):
    rng = np.random.default_rng(seed)
    inputs, output, sizes = random_problem(rng, n, max_size=3)
    r = heuristic_search(inputs, output, sizes, Macs(), seed=seed % 7, greedy_trials=4, partition_trials=2, polish=1)
    validate_ssa(r.path, n)
    assert not r.stopped
    ours = path_macs(inputs, output, sizes, r.path)
    assert ours == r.score
    assert ours <= path_macs(inputs, output, sizes, greedy(inputs, output, sizes))
    assert ours <= path_macs(inputs, output, sizes, left_to_right(n))
    arrays = [rng.standard_normal([sizes[i] for i in ix]) for ix in inputs]
    want = oe.contract(",".join("".join(ix) for ix in inputs) + "->" + "".join(output), *arrays)
    np.testing.assert_allclose(eval_path(inputs, output, arrays, r.path), want, rtol=1e-9, atol=1e-9)


def test_same_seed_same_plan_under_a_slow_clock(monkeypatch):
    # partition trees, their parameter search and the polish all run: their budgets are trial
    # counts, so a machine ten times slower must give the very same plan
    inputs, output, sizes = _regular3(40, 3)
    ref = heuristic_search(inputs, output, sizes, Macs(), seed=5, greedy_trials=4, partition_trials=3, polish=2,
                           time_limit=600.0)
    monkeypatch.setattr(time, "perf_counter", SlowClock(10.0))
    slow = heuristic_search(inputs, output, sizes, Macs(), seed=5, greedy_trials=4, partition_trials=3, polish=2,
                            time_limit=600.0)
    assert not ref.stopped and not slow.stopped
    assert slow.path == ref.path and slow.score == ref.score
    other = heuristic_search(inputs, output, sizes, Macs(), seed=6, greedy_trials=4, partition_trials=3, polish=2,
                             time_limit=600.0)
    validate_ssa(other.path, len(inputs))


def test_a_cut_search_says_so():
    inputs, output, sizes = _regular3(60, 1)
    r = heuristic_search(inputs, output, sizes, Macs(), greedy_trials=4, partition_trials=50, time_limit=0.05)
    validate_ssa(r.path, len(inputs))
    assert r.stopped.startswith("time limit reached")
