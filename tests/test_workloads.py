"""Tests of tncc.evaluation.workloads: every generated program loads, has the published
shapes, and a TT layer computes x @ W for the dense W its cores encode."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tncc
from tncc.evaluation import workloads as w


def load(src: str):
    (net,) = tncc.load_source(src, file="<generated>")
    return net


@pytest.mark.parametrize("wl", w.paper_workloads(quick=True) + w.paper_workloads()[-5:], ids=lambda wl: f"{wl.family} {wl.label}")
def test_every_workload_loads(wl: w.Workload) -> None:
    net = load(wl.source)
    net.verify()


@pytest.mark.parametrize("layer", list(w.TT_LAYERS))
def test_tt_layer_shapes_and_training_step(layer: str) -> None:
    net = load(w.tt_linear(layer, r=30, tokens=128))
    ins, outs, _ = w.TT_LAYERS[layer]
    assert math.prod(net.shape("x")[1:]) == math.prod(ins)
    assert math.prod(net.shape("y")[1:]) == math.prod(outs)
    # One training step: forward, input gradient, one gradient per core (8 networks of 7 tensors).
    assert len(net.statements) == 8
    assert all(len(st.operands) == 7 for st in net.statements)
    assert sum(st.grad_of is not None for st in net.statements) == 7
    ranks = [net.size(f"r{k}") for k in range(1, 6)]
    assert ranks[1:4] == [30, 30, 30]


def test_tt_layer_is_a_matrix_product() -> None:
    net = load(w.tt_linear("attention", r=3, tokens=2, grad=False))
    rng = np.random.default_rng(0)
    vals = {t.name: rng.standard_normal(net.shape(t.name)) for t in net.leaves()}
    st = net.statements[0]
    y = np.einsum(net.equation(st), *(vals[op.tensor] for op in st.operands), optimize="greedy")
    # Dense W[i1 i2 i3, o1 o2 o3] from the cores, chained through the ranks.
    g = [vals[f"g{k}"] for k in range(1, 7)]
    w_dense = g[0]  # [i1, r1]
    for core in g[1:-1]:
        w_dense = np.tensordot(w_dense, core, axes=([-1], [0]))
    w_dense = np.tensordot(w_dense, g[-1], axes=([-1], [0]))  # [i1, i2, i3, o1, o2, o3]
    x = vals["x"].reshape(2, -1)
    np.testing.assert_allclose(y.reshape(2, -1), x @ w_dense.reshape(768, 768), rtol=1e-9, atol=1e-9)


def test_ttm_embedding_shapes() -> None:
    net = load(w.ttm_embedding(tokens=1))
    assert math.prod(net.shape("x")[1:]) == 32000
    assert math.prod(net.shape("y")[1:]) == 768
    assert [st.grad_of[1] for st in net.statements if st.grad_of] == ["h1", "h2", "h3", "h4"]


def test_encoder_block_has_six_layers_forward_and_backward() -> None:
    net = load(w.encoder_block(r=8, tokens=4))
    assert len(net.statements) == 6 * 8
    assert sum(st.grad_of is None for st in net.statements) == 6


def test_int8_and_outer_update() -> None:
    net = load(w.int8_forward())
    assert net.dtype.value == "int8" and len(net.statements) == 1
    upd = load(w.outer_update(16, 8))
    (st,) = upd.statements
    assert len(st.operands) == 2 and not (set(st.operands[0].indices) & set(st.operands[1].indices))


def test_deepoheat_hyperedge_and_derivative() -> None:
    net = load(w.deepoheat(5, 4, 3, 2, 2))
    assert [st.result for st in net.statements] == ["u", "u_x"]
    for st in net.statements:
        assert sum("r" in op.indices for op in st.operands) == 4  # the CP rank is a hyperedge


def test_bad_ranks_are_rejected() -> None:
    with pytest.raises(ValueError):
        w._tt_body("", (2, 2), (2,), (1, 3, 1), "t", "x", False)


def test_readme_name_is_the_evaluation_module() -> None:
    """README.md calls the generators ``tncc.workloads``; that name is the
    evaluation package's module, both as an attribute and in a from-import."""
    from tncc import workloads

    assert tncc.workloads is w
    assert workloads is w
