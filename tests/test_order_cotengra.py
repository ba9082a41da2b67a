"""The ``cotengra`` order strategy: cotengra's HyperOptimizer with a trial
budget and a seed, its tree polished by tncc's subtree reconfiguration.  Every
plan contracts to the network's tensor, the same seed gives the same plan
whatever the clock's speed, the polish never loses to the tree it started from
(nor to the greedy or naive order), and a missing cotengra is a clear error."""

import os
import subprocess
import sys
import time

import numpy as np
import opt_einsum as oe
import pytest
from hypothesis import HealthCheck, given, settings, strategies as hst

from order_support import SlowClock, edges_problem, eval_path, eval_plan, network_of, random_problem
from tncc.errors import TnccError
from tncc.passes.order.greedy import greedy
from tncc.passes.order.hyperopt import cotengra_trees, hyper_search, repeats_for
from tncc.passes.order.objectives import Macs, WriteVolume
from tncc.passes.order.paths import left_to_right, path_macs, validate_ssa
from tncc.passes.order.planner import plan_network
from tncc.passes.order.strategies import STRATEGIES, get_strategy

BUDGET = 8 * 8  # a few trials: these tests check properties, not quality


def _lattice(rows: int, cols: int, bond: int = 2):
    right = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    down = [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    return edges_problem(rows * cols, right + down, bond)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hst.integers(3, 9), hst.integers(0, 2**31 - 1))
def test_every_path_contracts_and_beats_its_start(n, seed):
    rng = np.random.default_rng(seed)
    inputs, output, sizes = random_problem(rng, n, max_size=3)
    r = hyper_search(inputs, output, sizes, Macs(), k=3, seed=seed % 5, budget=BUDGET)
    validate_ssa(r.path, n)
    assert not r.stopped and r.method == "cotengra"
    assert r.score == path_macs(inputs, output, sizes, r.path)
    assert [c[0] for c in r.candidates] == sorted(c[0] for c in r.candidates)
    trees, built = cotengra_trees(inputs, output, sizes, Macs(), repeats_for(n, BUDGET), seed % 5, time.perf_counter() + 60)
    assert built == repeats_for(n, BUDGET) == len(trees) - 1  # cotengra's best, then every trial's
    # cotengra ranks its trials by its own floating-point score, not always tncc's MAC count:
    # the result is never worse than any of them under tncc's objective
    assert r.score <= min(path_macs(inputs, output, sizes, p) for p in trees)
    assert r.score <= path_macs(inputs, output, sizes, greedy(inputs, output, sizes))
    assert r.score <= path_macs(inputs, output, sizes, left_to_right(n))
    arrays = [rng.standard_normal([sizes[i] for i in ix]) for ix in inputs]
    want = oe.contract(",".join("".join(ix) for ix in inputs) + "->" + "".join(output), *arrays)
    for _, p in r.candidates:
        np.testing.assert_allclose(eval_path(inputs, output, arrays, p), want, rtol=1e-9, atol=1e-9)


def test_the_polish_improves_cotengras_tree_under_tnccs_objective():
    # a 5x5 lattice: cotengra's own reconfiguration (index-sharing windows, its float score) leaves
    # windows that tncc's exact one improves, for MACs and for the write volume alike
    inputs, output, sizes = _lattice(5, 5)
    for objective in (Macs(), WriteVolume()):
        raw = cotengra_trees(inputs, output, sizes, objective, 8, 0, time.perf_counter() + 60)[0][0]
        r = hyper_search(inputs, output, sizes, objective, seed=0, budget=8 * 25)
        assert r.score < objective.score(inputs, output, sizes, raw)
        assert r.score == objective.score(inputs, output, sizes, r.path)


def test_same_seed_same_plan_under_a_slow_clock(monkeypatch):
    inputs, output, sizes = _lattice(4, 6)
    ref = hyper_search(inputs, output, sizes, Macs(), k=2, seed=4, budget=8 * 24, time_limit=600.0)
    monkeypatch.setattr(time, "perf_counter", SlowClock(10.0))
    slow = hyper_search(inputs, output, sizes, Macs(), k=2, seed=4, budget=8 * 24, time_limit=600.0)
    assert not ref.stopped and not slow.stopped
    assert slow.candidates == ref.candidates
    # a clock so slow the safety limit is hit: the result says so, and is still a valid path
    monkeypatch.setattr(time, "perf_counter", SlowClock(1e7))
    cut = hyper_search(inputs, output, sizes, Macs(), seed=4, budget=8 * 24, time_limit=1.0)
    assert cut.stopped.startswith("time limit reached")
    validate_ssa(cut.path, len(inputs))


def test_same_seed_same_path_in_another_process():
    # Python salts string hashes per process: the trees must not depend on it
    code = ("from tncc.passes.order.hyperopt import hyper_search; from tncc.passes.order.objectives import Macs; "
            "ins = [('a','b'),('b','c','d'),('c','e'),('d','e','f'),('f','g'),('g','a','h'),('h',)]; "
            "print(hyper_search(ins, (), dict.fromkeys('abcdefgh', 3), Macs(), seed=2, budget=80).candidates)")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env=dict(os.environ, PYTHONHASHSEED=s)).stdout for s in ("0", "1", "7")}
    assert len(outs) == 1 and outs.pop().startswith("((")


def test_the_strategy_is_listed_and_plans_contract():
    assert "cotengra" in STRATEGIES and get_strategy("cotengra").search is not None
    with pytest.raises(TnccError, match="cotengra"):
        get_strategy("cotengra-nope")
    rng = np.random.default_rng(3)
    inputs, output, sizes = random_problem(rng, 8, max_size=3)
    net = network_of(inputs, output, sizes)
    arrays = [rng.standard_normal([sizes[i] for i in ix]) for ix in inputs]
    want = oe.contract(",".join("".join(ix) for ix in inputs) + "->" + "".join(output), *arrays)
    for objective in ("macs", "write"):
        plan = plan_network(net, objective, strategy="cotengra")
        got = eval_plan(plan, {f"t{k}": a for k, a in enumerate(arrays)})[net.outputs[0]]
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_a_cut_plan_says_so(monkeypatch):
    net = network_of(*_lattice(3, 4))
    monkeypatch.setattr(time, "perf_counter", SlowClock(1e7))
    plan = plan_network(net, strategy="cotengra", time_limit=1.0)
    assert any("time limit reached" in note for note in plan.notes)


def test_without_cotengra_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "cotengra", None)  # what an uninstalled package looks like to import
    inputs, output, sizes = _lattice(2, 3)
    with pytest.raises(TnccError, match=r"'cotengra' order strategy needs the cotengra package: pip install cotengra"):
        get_strategy("cotengra")(inputs, output, sizes)
