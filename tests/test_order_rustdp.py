"""cotengra's Rust DP as a seed of the exact search: its trees are full,
valid and never cheaper than tncc's own index-sharing optimum (they may be
a little dearer: the Rust DP's costs are rounded logarithms), and a search
that takes them still returns the proven optimum."""

from __future__ import annotations

import numpy as np
import pytest

from order_support import random_problem
from tncc.passes.order import rustdp
import importlib

search_mod = importlib.import_module("tncc.passes.order.search")  # the module, not the function the package exports
from tncc.passes.order.ccp import Graph, WorkLimit, dp_connected
from tncc.passes.order.paths import path_macs, validate_ssa

pytestmark = pytest.mark.skipif(not rustdp.available(), reason="cotengrust is not installed")


@pytest.mark.parametrize("seed", range(6))
def test_rust_tree_is_a_full_tree_no_better_than_the_optimum(seed: int) -> None:
    inputs, output, sizes = random_problem(np.random.default_rng(seed), 9, dangling=False)
    net = Graph(inputs, output, sizes)
    if len(net.components()) != 1:
        pytest.skip("the Rust DP is only asked about connected networks")
    path = rustdp.rust_optimum(inputs, output, sizes)
    assert path is not None
    validate_ssa(path, len(inputs))
    cost, _ = dp_connected(net, outer=False)
    # its costs are rounded logarithms under its own simplifications: close to, never below, the optimum
    assert cost <= path_macs(inputs, output, sizes, path) <= 1.1 * cost


@pytest.mark.parametrize("seed", range(4))
def test_search_seeded_by_rust_is_still_exact(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs, output, sizes = random_problem(np.random.default_rng(100 + seed), 9, dangling=False)
    want = search_mod.search(inputs, output, sizes, exact_limit=12)
    if len(Graph(inputs, output, sizes).components()) != 1:
        pytest.skip("the Rust DP is only asked about connected networks")
    # the probe of the Python DP gives up projecting more work than allowed: the Rust DP takes over
    monkeypatch.setattr(search_mod, "RUST_REACH", 10**9)
    real_dp = search_mod.dp_connected

    def probe_gives_up(*args, budget=None, **kw):
        if budget is not None and budget.limit == 10**7 // search_mod.PROBE:
            raise WorkLimit(projected=10**8)
        return real_dp(*args, budget=budget, **kw)

    monkeypatch.setattr(search_mod, "dp_connected", probe_gives_up)
    calls = []
    real = rustdp.rust_optimum
    monkeypatch.setattr(rustdp, "rust_optimum", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    got = search_mod.search(inputs, output, sizes, exact_limit=2, work=10**7)
    assert calls, "the Rust DP was not asked"
    assert got.score == want.score
    assert got.method in ("exact", "exact-connected")
