"""Gradient expansion: the derived statements are the gradient.

For a multilinear network, Y(x + eps v) - Y(x) = eps * J v exactly, so the
gradient network must satisfy <d_y, Y(x + eps v) - Y(x)> / eps = <d_x, v>
(up to float64 rounding), including through intermediate statements."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tncc import reference
from tncc.frontend import load_source
from tncc.frontend.grad import Flattener, expand_grads
from tncc.ir import GradSpec, Network, Role
from tncc.testing import networks

EPS = 1e-3


def check_gradients(net: Network, seed: int) -> int:
    """Assert the directional-derivative identity for every gradient statement
    of ``net`` whose tensor is a leaf; return how many were checked."""
    rng = np.random.default_rng(seed)
    inputs = {t.name: rng.standard_normal(net.shape(t.name)) for t in net.leaves()}
    base = reference.evaluate(net, inputs, float64=True, keep_intermediates=True)
    checked = 0
    for st_ in net.statements:
        if st_.grad_of is None:
            continue
        y, x = st_.grad_of
        if net.tensor(x).role not in (Role.INPUT, Role.PARAM):
            continue
        v = rng.standard_normal(net.shape(x))
        moved = dict(inputs)
        moved[x] = inputs[x] + EPS * v
        after = reference.evaluate(net, moved, float64=True, keep_intermediates=True)
        lhs = float(np.sum(inputs[f"d_{y}"] * (after[y] - base[y]))) / EPS
        rhs = float(np.sum(base[st_.result] * v))
        scale = max(1.0, abs(rhs), float(np.sum(np.abs(base[st_.result] * v))))
        assert abs(lhs - rhs) <= 1e-7 * scale, (y, x, lhs, rhs)
        checked += 1
    return checked


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(max_tensors=5, max_statements=3, grads=True), st.integers(0, 2**16))
def test_gradient_identity_on_random_networks(net: Network, seed: int) -> None:
    check_gradients(net, seed)


CHAIN = """\
network chain {
  index i = 3, j = 4, k = 5, l = 2
  input a[i, j]
  param b[j, k]
  param c[k, j]
  param e[j, l]
  t[i, k] = a * b                    # j is summed inside t ...
  y[i, l] = t * c[k, j] * e          # ... and j is also summed here
  output y
  grad y wrt a, b, c, e, t
}
"""


def test_gradients_through_intermediates_rename_inner_indices() -> None:
    (net,) = load_source(CHAIN, "chain.tn")
    net.verify()
    # t's internal j would clash with the outer j: it becomes a fresh index.
    assert "j_1" in net.sizes() and net.size("j_1") == 4
    d_a = net.statement("d_a")
    assert d_a.grad_of == ("y", "a") and d_a.indices == ("i", "j_1")  # j is taken by c and e
    assert net.shape("d_a") == net.shape("a")
    # All gradients of y wrt leaves share one flattening, hence one fresh name.
    assert [ix.name for ix in net.indices] == ["i", "j", "k", "l", "j_1"]
    assert {o.tensor for o in d_a.operands} == {"d_y", "b", "c", "e"}
    assert net.tensor("d_y").role is Role.INPUT and net.tensor("d_a").role is Role.OUTPUT
    assert net.outputs == ("y", "d_a", "d_b", "d_c", "d_e", "d_t")
    # grad wrt an intermediate stops inlining at it.
    assert {o.tensor for o in net.statement("d_t").operands} == {"d_y", "c", "e"}
    assert check_gradients(net, 1) == 4


def test_gradient_wrt_intermediate_matches_chain_rule() -> None:
    (net,) = load_source(CHAIN, "chain.tn")
    rng = np.random.default_rng(3)
    inputs = {t.name: rng.standard_normal(net.shape(t.name)) for t in net.leaves()}
    out = reference.evaluate(net, inputs, float64=True)
    # dL/da = sum_k dL/dt[i,k] * b[j,k]  (t = a b)
    np.testing.assert_allclose(out["d_a"], out["d_t"] @ inputs["b"].T, rtol=1e-10)


def test_examples_gradients_hold() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "examples"
    for name in ("tt_linear.tn", "tree.tn", "mps_inner.tn", "peps_2x2.tn", "matrix_chain.tn"):
        for net in load_source((root / name).read_text(), name):
            if net.grads:
                assert check_gradients(net, 7) > 0


def test_flattener_inlines_and_keeps_names_unique() -> None:
    (net,) = load_source(CHAIN.replace("  grad y wrt a, b, c, e, t\n", ""), "chain.tn")
    factors = Flattener(net).flatten(net.statement("y"))
    assert [f.tensor for f in factors] == ["a", "b", "c", "e"]
    names = [i for f in factors for i in f.indices]
    # a[i, j_1] b[j_1, k] c[k, j] e[j, l]: j_1 is t's own summed index.
    assert factors[0].indices == ("i", "j_1") and factors[2].indices == ("k", "j")
    assert names.count("j_1") == 2


def test_expand_grads_is_a_pure_function_of_the_network() -> None:
    (net,) = load_source(CHAIN.replace("  grad y wrt a, b, c, e, t\n", ""), "chain.tn")
    spec = GradSpec("y", ("b",))
    base = Network(net.name, net.dtype, net.indices, net.tensors, net.statements, net.outputs, (spec,))
    one = expand_grads(base)
    two = expand_grads(base)
    assert one == two and one.statements[-1].grad_of == ("y", "b")
    assert base.statements == net.statements  # the input is not changed


def test_long_chains_and_exploding_expressions() -> None:
    from tncc.errors import TnccError
    from tncc.frontend.grad import MAX_FACTORS

    chain = ["network c {", "  index i = 2", "  input x0[i]"]
    chain += [f"  x{k}[i] = x{k - 1}" for k in range(1, 3000)]  # deeper than Python's recursion limit
    chain += ["  output x2999", "  grad x2999 wrt x0", "}"]
    (net,) = load_source("\n".join(chain))
    assert net.statement("d_x0").operands[0].tensor == "d_x2999"
    assert check_gradients(net, 0) == 1

    # Each level uses the previous one twice: 2**39 factors after inlining.
    diamond = ["network d {", "  index i = 2, j = 2", "  input x0[i]"]
    diamond += [f"  x{k}[i] = x{k - 1}[i] * x{k - 1}[j]" for k in range(1, 40)]
    diamond += ["  output x39", "  grad x39 wrt x0", "}"]
    with pytest.raises(TnccError) as info:
        load_source("\n".join(diamond), "d.tn")
    (diag,) = info.value.diagnostics
    assert diag.message.startswith(f"the expression of 'x39' has more than {MAX_FACTORS} factors")
    assert (diag.span.line, diag.span.column) == (44, 16)
    (fwd,) = load_source("\n".join(diamond[:-2] + ["}"]))
    out = reference.evaluate(fwd, seed=0, float64=True)  # scaling falls back, evaluation still works
    assert out["x39"].shape == (2,)
