"""The search driver against opt_einsum on random networks (Hypothesis), and
the heuristic past the exact range."""

import random
import time

import numpy as np
import opt_einsum as oe
from hypothesis import HealthCheck, given, settings, strategies as hst

from order_support import eval_path, random_problem
from tncc.passes.order.greedy import greedy
from tncc.passes.order.objectives import Macs
from tncc.passes.order.paths import linear_to_ssa, path_macs, validate_ssa
from tncc.passes.order.reconf import reconfigure
from tncc.passes.order.search import search
from tncc.passes.order.strategies import STRATEGIES, get_strategy, register


def _oe_path(inputs, output, sizes, optimize):
    eq = ",".join("".join(ix) for ix in inputs) + "->" + "".join(output)
    path, _ = oe.contract_path(eq, *[tuple(sizes[i] for i in ix) for ix in inputs], shapes=True, optimize=optimize)
    return linear_to_ssa(path, len(inputs))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hst.integers(2, 10), hst.integers(0, 2**31 - 1))
def test_never_worse_than_opt_einsum_and_evaluates(n, seed):
    rng = np.random.default_rng(seed)
    inputs, output, sizes = random_problem(rng, n, max_size=3)
    r = search(inputs, output, sizes, Macs())
    assert r.proven_optimal
    ours = path_macs(inputs, output, sizes, r.path)
    dp = _oe_path(inputs, output, sizes, oe.paths.DynamicProgramming(minimize="flops", search_outer=True))
    assert ours <= path_macs(inputs, output, sizes, dp)
    if n <= 6:
        assert ours <= path_macs(inputs, output, sizes, _oe_path(inputs, output, sizes, "optimal"))
    arrays = [rng.standard_normal([sizes[i] for i in ix]) for ix in inputs]
    want = oe.contract(",".join("".join(ix) for ix in inputs) + "->" + "".join(output), *arrays)
    np.testing.assert_allclose(eval_path(inputs, output, arrays, r.path), want, rtol=1e-9, atol=1e-9)


def _big(seed, n=40):
    from opt_einsum.testing import rand_equation

    eq, _, sizes = rand_equation(n, 3, seed=seed, d_min=2, d_max=6, return_size_dict=True)
    lhs, out = eq.split("->")
    return [tuple(t) for t in lhs.split(",")], tuple(out), sizes


def test_heuristic_is_valid_unproven_and_beats_greedy():
    inputs, output, sizes = _big(1)
    r = search(inputs, output, sizes, Macs(), time_limit=3.0)
    validate_ssa(r.path, len(inputs))
    assert not r.proven_optimal and r.method == "heuristic"
    assert r.score <= path_macs(inputs, output, sizes, greedy(inputs, output, sizes))


def test_heuristic_respects_the_time_limit():
    inputs, output, sizes = _big(2, 80)
    t = time.perf_counter()
    r = search(inputs, output, sizes, Macs(), time_limit=0.5)
    assert time.perf_counter() - t < 0.5 + 1.5  # one reconfiguration window may finish after the deadline
    validate_ssa(r.path, len(inputs))


def test_randomised_greedy_is_valid_on_disconnected_networks():
    inputs, output, sizes = [("a",), ("b",), ("a", "c"), ("d",)], ("c", "b", "d"), {"a": 2, "b": 3, "c": 4, "d": 5}
    for s in range(5):
        validate_ssa(greedy(inputs, output, sizes, random.Random(s), 1.0), 4)


def test_reconfiguration_with_a_full_window_is_exact():
    inputs, output, sizes = random_problem(np.random.default_rng(4), 8, max_size=3)
    start = greedy(inputs, output, sizes)
    best = search(inputs, output, sizes, Macs()).score
    assert path_macs(inputs, output, sizes, reconfigure(inputs, output, sizes, start, width=8)) == best



def test_reconfiguration_reuses_window_answers_without_changing_the_tree(monkeypatch):
    """Windows of the same shape are solved once (a chain repeats them); the
    polished tree is the one solving every window afresh gives."""
    from tncc.passes.order import reconf

    class Forgetful(dict):
        def __setitem__(self, key, value) -> None:
            pass

    # a two-row ladder (an MPS norm) of 16 tensors with a naive start: many equal windows
    sites = 8
    sizes = {f"p{i}": 2 for i in range(sites)} | {f"{r}{i}": 4 for r in "ab" for i in range(sites - 1)}
    inputs = [tuple([f"p{i}"] + ([f"{r}{i - 1}"] if i else []) + ([f"{r}{i}"] if i < sites - 1 else []))
              for r in "ab" for i in range(sites)]
    start = tuple((0, 1) if k == 0 else (15 + k, k + 1) for k in range(15))
    calls = []
    real = reconf.dp_additive
    monkeypatch.setattr(reconf, "dp_additive", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    cached = reconfigure(inputs, (), sizes, start, width=6)
    reused = len(calls)
    init = reconf.Tree.__init__

    def forgetting(self, *a, **kw) -> None:
        init(self, *a, **kw)
        self._solved = Forgetful()

    monkeypatch.setattr(reconf.Tree, "__init__", forgetting)
    calls.clear()
    assert reconfigure(inputs, (), sizes, start, width=6) == cached
    assert reused < len(calls)
    assert path_macs(inputs, (), sizes, cached) < path_macs(inputs, (), sizes, start)

def test_strategy_registry():
    inputs, output, sizes = random_problem(np.random.default_rng(9), 7, max_size=3)
    costs = {name: path_macs(inputs, output, sizes, s(inputs, output, sizes)) for name, s in STRATEGIES.items()}
    assert costs["exact"] == costs["auto"] <= min(costs.values())

    @register("reverse-naive")
    def reverse(inp, out, sz):
        n = len(inp)
        return ((n - 1, n - 2),) + tuple((n + k, n - 3 - k) for k in range(n - 2))

    try:
        validate_ssa(get_strategy("reverse-naive")(inputs, output, sizes), 7)
    finally:
        STRATEGIES.pop("reverse-naive")


def test_past_twelve_the_exact_attempt_proves_or_falls_back():
    inputs, output, sizes = _big(5, 14)
    r = search(inputs, output, sizes, Macs(), time_limit=20.0)
    assert r.proven_optimal and r.method == "exact"
    assert r.score == search(inputs, output, sizes, Macs(), exact_limit=14).score
    quick = search(inputs, output, sizes, Macs(), time_limit=0.02)
    validate_ssa(quick.path, 14)
    assert quick.score >= r.score
