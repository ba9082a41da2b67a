"""cotengra's Rust DP as an engine of the exact search, in a child process:
its trees are full, valid and never cheaper than tncc's own index-sharing
optimum (they may be a little dearer: the Rust DP's costs are rounded
logarithms); a search that takes them returns the proven optimum when it
says "exact" and never less than the optimum otherwise; a child past its
time limit is killed and the search falls back with a note; and the result
does not depend on the clock's speed."""

from __future__ import annotations

import importlib
import os
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from order_support import SlowClock, distinct_trees, random_problem
from tncc.passes.order import rustdp
from tncc.passes.order.ccp import Graph, WorkLimit, dp_connected
from tncc.passes.order.paths import linear_to_ssa, path_macs, validate_ssa

search_mod = importlib.import_module("tncc.passes.order.search")  # the module, not the function the package exports

pytestmark = pytest.mark.skipif(not rustdp.available(), reason="cotengrust is not installed or fork is missing")

WORK = 10**6


@pytest.fixture
def rust_engine(monkeypatch: pytest.MonkeyPatch) -> list[int | str]:
    """Route every search past the exact range to the Rust DP: the probe of the
    Python DP gives up at once, projecting little work.  Returns the list
    the parent appends to on every child started (its pid) and on every run
    in this process (chain-like networks with time to spare: "here")."""
    monkeypatch.setattr(search_mod, "RUST_REACH", 4)
    real_dp = search_mod.dp_connected

    def probe_gives_up(*args, budget=None, **kw):
        if budget is not None and budget.limit == WORK // search_mod.PROBE:
            raise WorkLimit(projected=1)
        return real_dp(*args, budget=budget, **kw)

    monkeypatch.setattr(search_mod, "dp_connected", probe_gives_up)
    started: list[int | str] = []
    real_start = rustdp.start
    real_optimum = rustdp.rust_optimum
    parent = os.getpid()

    def optimum(*a, **kw):
        if os.getpid() == parent:
            started.append("here")
        return real_optimum(*a, **kw)

    monkeypatch.setattr(rustdp, "rust_optimum", optimum)

    def start(*a, **kw):
        run = real_start(*a, **kw)
        if run is not None:
            started.append(run.pid)
        return run

    monkeypatch.setattr(rustdp, "start", start)
    return started


def _connected_problem(seed: int, n: int, max_size: int = 4):
    inputs, output, sizes = random_problem(np.random.default_rng(seed), n, max_size=max_size, dangling=False)
    if len(Graph(inputs, output, sizes).components()) != 1:
        return None
    return inputs, output, sizes


@pytest.mark.parametrize("seed", range(4))
def test_rust_tree_is_a_full_tree_no_better_than_the_optimum(seed: int) -> None:
    problem = _connected_problem(seed, 9)
    if problem is None:
        pytest.skip("the Rust DP is only asked about connected networks")
    inputs, output, sizes = problem
    path = rustdp.rust_optimum(inputs, output, sizes)
    assert path is not None
    validate_ssa(path, len(inputs))
    cost, _ = dp_connected(Graph(inputs, output, sizes), outer=False)
    # its costs are rounded logarithms under its own simplifications: close to, never below, the optimum
    assert cost <= path_macs(inputs, output, sizes, path) <= 1.1 * cost


def test_a_lone_index_gives_no_rust_tree_and_the_search_still_contracts_the_network(
        rust_engine: list[int | str]) -> None:
    """cotengrust sums an index that only one tensor has in a step of its own
    (a one-tensor entry in its path); that is no tree of pairs, so the
    engine declines and the search's tree contracts the whole network."""
    sizes = {"a": 2, "b": 3, "c": 4, "x": 5}
    assert rustdp.rust_optimum([("a", "x"), ("a", "b"), ("b", "c")], (), sizes) is None
    # a chain of 14 tensors past the exact range, one with a lone index: the Rust engine is asked
    inputs = [("x", "i0")] + [(f"i{k}", f"i{k + 1}") for k in range(13)]
    big = {"x": 3, **{f"i{k}": 2 + k % 3 for k in range(14)}}
    r = search_mod.search(inputs, ("i13",), big, exact_limit=6)
    validate_ssa(r.path, len(inputs))
    assert rust_engine  # the engine was tried


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(n=st.integers(3, 7), seed=st.integers(0, 10**6))
def test_search_through_the_rust_engine_is_exact_against_brute_force(rust_engine: list[int | str], n: int,
                                                                     seed: int) -> None:
    problem = _connected_problem(seed, n, max_size=3)
    if problem is None:
        return
    inputs, output, sizes = problem
    got = search_mod.search(inputs, output, sizes, exact_limit=2, work=WORK)
    validate_ssa(got.path, n)
    assert got.score == path_macs(inputs, output, sizes, got.path)
    best = min(path_macs(inputs, output, sizes, p) for p in distinct_trees(n))
    assert got.score >= best
    if got.method == "exact":
        assert got.proven_optimal and got.score == best
    else:
        # the Rust tree polished, or the quick heuristic's when that is cheaper
        assert got.method == "connected-rust" and not got.proven_optimal
        assert got.score <= dp_connected(Graph(inputs, output, sizes), outer=False)[0]


@pytest.mark.parametrize("seed", range(3))
def test_search_through_the_rust_engine_matches_opt_einsum_dp(rust_engine: list[int | str], seed: int) -> None:
    oe = pytest.importorskip("opt_einsum")
    problem = _connected_problem(200 + seed, 11, max_size=5)
    if problem is None:
        pytest.skip("connected networks only")
    inputs, output, sizes = problem
    got = search_mod.search(inputs, output, sizes, exact_limit=2, work=WORK)
    assert rust_engine, "the Rust DP was not asked"
    dp = oe.paths.DynamicProgramming(minimize="flops", search_outer=True)
    want = path_macs(inputs, output, sizes, linear_to_ssa(dp(inputs, output, sizes), len(inputs)))
    assert got.score <= want
    if got.method == "exact":
        assert got.score == want


def test_a_rust_dp_past_its_limit_is_killed_and_the_search_falls_back(rust_engine: list[int | str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _connected_problem(7, 10)
    assert problem is not None
    inputs, output, sizes = problem
    # the child runs a Rust DP that never ends (as on a network past its reach)
    monkeypatch.setattr(rustdp, "rust_optimum", lambda *a, **kw: time.sleep(3600))
    t = time.perf_counter()
    got = search_mod.search(inputs, output, sizes, exact_limit=2, work=WORK, time_limit=1.0)
    assert time.perf_counter() - t < 5.0
    assert rust_engine, "the Rust DP was not asked"
    assert "Rust DP" in got.stopped and not got.proven_optimal and got.method == "heuristic"
    validate_ssa(got.path, len(inputs))
    # the heuristic ran to its end: the same tree as the heuristic alone
    alone = search_mod.search(inputs, output, sizes, exact_limit=2, work=0)
    assert got.path == alone.path
    assert "here" not in rust_engine, "with a short time limit the Rust DP runs where it can be stopped"
    for pid in rust_engine:  # killed and reaped: no child left behind
        assert isinstance(pid, int)
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_the_rust_engine_gives_the_same_tree_under_a_slowed_clock(rust_engine: list[int | str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _connected_problem(3, 12, max_size=3)
    assert problem is not None
    inputs, output, sizes = problem
    ref = search_mod.search(inputs, output, sizes, exact_limit=2, work=WORK, time_limit=600.0)
    monkeypatch.setattr(time, "perf_counter", SlowClock(10.0))
    slow = search_mod.search(inputs, output, sizes, exact_limit=2, work=WORK, time_limit=600.0)
    assert len(rust_engine) == 2
    assert slow.path == ref.path and slow.method == ref.method and not slow.stopped


def _ladder(sites: int, bond: int = 3, phys: int = 2):
    """``<psi|psi>`` of an open MPS: a two-row ladder of ``2 * sites`` tensors (chain-like)."""
    sizes = {f"p{i}": phys for i in range(sites)}
    inputs = []
    for row in "ab":
        sizes.update({f"{row}{i}": bond for i in range(sites - 1)})
        for i in range(sites):
            inputs.append(tuple([f"p{i}"] + ([f"{row}{i - 1}"] if i else []) + ([f"{row}{i}"] if i < sites - 1 else [])))
    return inputs, (), sizes


def test_the_rust_dp_in_this_process_and_in_a_child_give_the_same_result(rust_engine: list[int | str]) -> None:
    inputs, output, sizes = _ladder(7)
    here = search_mod.search(inputs, output, sizes, exact_limit=2, work=WORK, time_limit=600.0)
    assert rust_engine == ["here"], "a chain-like network with time to spare runs the Rust DP in this process"
    child = search_mod.search(inputs, output, sizes, exact_limit=2, work=WORK,
                              time_limit=search_mod.RUST_HERE_LIMIT / 2)
    assert len(rust_engine) == 2 and isinstance(rust_engine[1], int)
    assert (here.path, here.score, here.method) == (child.path, child.score, child.method) and not child.stopped
    validate_ssa(here.path, len(inputs))
    assert here.score == path_macs(inputs, output, sizes, here.path)


def _connect(inputs: list[tuple[str, ...]], output: tuple[str, ...], sizes: dict[str, int]):
    """The network with its components chained by new bonds of size 2 (the Rust DP is asked
    about connected networks only)."""
    comps = Graph(inputs, output, sizes).components()
    inputs = list(inputs)
    sizes = dict(sizes)
    for k in range(len(comps) - 1):
        a = (comps[k] & -comps[k]).bit_length() - 1
        b = (comps[k + 1] & -comps[k + 1]).bit_length() - 1
        inputs[a] += (f"link{k}",)
        inputs[b] += (f"link{k}",)
        sizes[f"link{k}"] = 2
    return inputs, output, sizes


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(n=st.integers(8, 14), seed=st.integers(0, 10**4), here=st.booleans())
def test_search_through_the_rust_engine_is_exact_against_opt_einsum_dp(rust_engine: list[int | str], n: int,
                                                                       seed: int, here: bool) -> None:
    """Up to 14 tensors, through the Rust DP (in this process or in a child):
    never dearer than opt_einsum's dp with outer products, and "exact" only
    with the optimum over all trees.  Sparse networks with small bonds keep
    the references quick (dense ones with outer products take them minutes)."""
    oe = pytest.importorskip("opt_einsum")
    from opt_einsum.testing import rand_equation

    eq, _, sizes = rand_equation(n, 2, n_out=1, d_min=2, d_max=3, seed=seed, return_size_dict=True)
    lhs, out = eq.split("->")
    inputs, output, sizes = _connect([tuple(t) for t in lhs.split(",")], tuple(out), sizes)
    limit = 600.0 if here else search_mod.RUST_HERE_LIMIT / 2
    got = search_mod.search(inputs, output, sizes, exact_limit=2, work=WORK, time_limit=limit)
    assert rust_engine, "the Rust DP was not asked"
    validate_ssa(got.path, n)
    assert got.score == path_macs(inputs, output, sizes, got.path) and not got.stopped
    dp = oe.paths.DynamicProgramming(minimize="flops", search_outer=True)
    theirs = path_macs(inputs, output, sizes, linear_to_ssa([tuple(s) for s in dp(inputs, output, sizes)], n))
    # opt_einsum's dp minimises its own flop count (MACs weighted by whether indices are summed),
    # so its tree is one tree among all: never cheaper than the MAC optimum
    assert got.score <= theirs
    found = dp_connected(Graph(inputs, output, sizes), outer=True, bound=got.score)
    best = got.score if found is None else found[0]
    assert got.score >= best
    if got.method == "exact":
        assert got.proven_optimal and got.score == best
    else:
        assert got.method == "connected-rust" and not got.proven_optimal
