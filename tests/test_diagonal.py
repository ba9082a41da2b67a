"""Diagonals, traces, diagonal writes and their gradients: the language, the
reference, strided diagonal reads, the delta rewrite of diagonal writes
(passes/diagonal.py) and the machine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tncc
from tncc import reference
from tncc.cli import main
from tncc.errors import TnccError
from tncc.frontend import load_source
from tncc.ir import DType, Role
from tncc.passes.diagonal import DELTA_PREFIX, expand_diagonals, has_diagonal_writes, has_diagonals
from tncc.printer import format_network, to_source
from tncc.testing import networks, strip_spans

SRC = """network diag {{
  dtype {dtype}
  index i = 5, j = 7, k = 5
  input a[i, k], b[i, j], c[i, k, j]
  d[i] = a[i, i]
  t[] = a[i, i]
  y[i, j] = a[i, i] * b[i, j]
  h[j] = c[i, i, j] * a[i, i]
  e[i, i] = d[i]
  output d, t, y, h, e
  grad t wrt a
  grad y wrt b
}}
"""


def _net(dtype: str = "fp32") -> tncc.ir.Network:
    (net,) = load_source(SRC.format(dtype=dtype), "diag.tn")
    return net


def test_reference_reads_and_writes_diagonals_as_numpy_does() -> None:
    net = _net()
    x = reference.random_inputs(net, 3)
    a, b, c = (x[n].astype(np.float64) for n in "abc")
    got = reference.evaluate(net, x, float64=True)
    np.testing.assert_allclose(got["d"], np.diag(a))
    np.testing.assert_allclose(got["t"], np.trace(a))
    np.testing.assert_allclose(got["y"], np.diag(a)[:, None] * b)
    np.testing.assert_allclose(got["h"], sum(c[i, i] * a[i, i] for i in range(5)))
    np.testing.assert_allclose(got["e"], np.diag(np.diag(a)))
    # The trace's gradient is d_t times the identity; b's is d_y * diag(a).
    np.testing.assert_allclose(got["d_a"], x["d_t"] * np.eye(5))
    np.testing.assert_allclose(got["d_b"], x["d_y"] * np.diag(a)[:, None])


def test_gradient_of_a_diagonal_read_matches_finite_differences() -> None:
    (net,) = load_source("network g {\n  index i = 4, j = 3, k = 4\n  input a[i, k], b[i, j]\n"
                         "  y[j] = a[i, i] * b[i, j]\n  output y\n  grad y wrt a\n}\n")
    x = {k: v.astype(np.float64) for k, v in reference.random_inputs(net, 1).items()}
    got = reference.evaluate(net, x, float64=True)["d_a"]

    def loss(a: np.ndarray) -> float:
        return float(np.sum(x["d_y"] * np.einsum("ii,ij->j", a, x["b"])))

    eps = 1e-6
    want = np.zeros((4, 4))
    for p in range(4):
        for q in range(4):
            up, dn = x["a"].copy(), x["a"].copy()
            up[p, q] += eps
            dn[p, q] -= eps
            want[p, q] = (loss(up) - loss(dn)) / (2 * eps)
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert np.count_nonzero(got - np.diag(np.diag(got))) == 0  # zero off the diagonal


def test_expanded_network_has_distinct_indices_and_the_same_values() -> None:
    net = _net()
    assert has_diagonals(net)
    flat = expand_diagonals(net)
    flat.verify()
    assert not has_diagonal_writes(flat) and has_diagonals(flat)  # reads stay: strided views
    deltas = [t for t in flat.tensors if t.role is Role.DELTA]
    assert [t.name for t in deltas] == [f"{DELTA_PREFIX}5"]  # one delta per size (e and d_a write diagonals)
    assert flat.tensor("e").indices[0] == "i" and flat.tensor("e").indices[1] != "i"
    assert flat.statement("t").operands == net.statement("t").operands
    x = reference.random_inputs(net, 0)
    want = reference.evaluate(net, x, float64=True)
    got = reference.evaluate(flat, x, float64=True)  # the reference fills the delta itself
    for name in net.outputs:
        np.testing.assert_allclose(got[name], want[name], atol=1e-12)


def test_networks_without_diagonal_writes_are_left_alone() -> None:
    net = tncc.from_einsum("ij,jk->ik", {"i": 2, "j": 3, "k": 4})
    assert expand_diagonals(net) is net
    net = tncc.from_einsum("iij,jk->ik", {"i": 2, "j": 3, "k": 4})
    assert expand_diagonals(net) is net


@pytest.mark.parametrize("arch", ["fetta", "systolic"])
def test_a_diagonal_read_is_a_strided_read(arch: str) -> None:
    # n MACs for the trace of an n x n matrix (no delta, no n^2 products), and
    # on fetta no copy: the array reads the diagonal in place with stride n + 1.
    net = tncc.from_einsum("ii->", {"i": 16})
    c = tncc.compile(net, arch)
    assert c.plan.macs() == 16
    assert not any(t.role is Role.DELTA for t in c.plan.network.tensors)
    res = c.run(seed=3)
    assert res.match and res.report["macs"] == 16
    if arch == "fetta":
        assert res.report["shape_instructions"] == 0


@pytest.mark.parametrize("arch", ["fetta", "systolic"])
@pytest.mark.parametrize("dtype", ["fp32", "int8"])
def test_the_machine_computes_diagonals_traces_and_their_gradients(arch: str, dtype: str) -> None:
    net = _net(dtype)
    res = tncc.compile(net, arch).run(seed=2)
    assert res.match, res.report["outputs"]
    assert set(res.outputs) == set(net.outputs)


def test_text_forms_round_trip() -> None:
    net = _net()
    (back,) = load_source(format_network(net))
    def shape(n: tncc.ir.Network) -> list[tuple]:
        return [(s.result, s.indices, tuple((o.tensor, o.indices) for o in s.operands)) for s in n.statements]

    assert shape(back) == shape(net)
    (again,) = load_source(to_source(net))
    assert strip_spans(again) == strip_spans(net)


def test_gradient_through_a_diagonal_write_is_not_supported_yet() -> None:
    src = ("network w {\n  index i = 3\n  input x[i]\n  e[i, i] = x[i]\n  s[] = e[i, i]\n"
           "  output s\n  grad s wrt x\n}\n")
    with pytest.raises(TnccError) as info:
        load_source(src, "w.tn")
    text = info.value.render()
    assert "w.tn:7:14:" in text and "diagonal write" in text and "not supported yet" in text


def test_a_diagonal_needs_axes_of_one_size() -> None:
    src = "network n {\n  index i = 3, j = 4\n  input x[i, j]\n  y[i] = x[i, i]\n  output y\n}\n"
    with pytest.raises(TnccError) as info:
        load_source(src, "n.tn")
    assert "n.tn:4:15:" in info.value.render() and "position 2 of 'x' has size 4" in info.value.render()


def test_a_compiled_binary_fills_its_delta_when_loaded(tmp_path: Path) -> None:
    # tncc sim on the bare binary: the loader, not the caller, fills the delta.
    src = tmp_path / "tr.tn"
    src.write_text("network tr {\n  index i = 6, k = 6\n  input x[i, k]\n  t[] = x[i, i]\n  output t\n}\n")
    tnb = tmp_path / "tr.tnb"
    assert main(["compile", str(src), "--arch", "fetta", "-o", str(tnb)]) == 0
    x = np.arange(36, dtype=np.float32).reshape(6, 6) - 7.5
    np.savez(tmp_path / "in.npz", x=x)
    assert main(["sim", str(tnb), "--inputs", str(tmp_path / "in.npz"), "--outputs", str(tmp_path / "o.npz")]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "o.npz")["t"], np.trace(x), rtol=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(diagonals=True, grads=True, dtypes=(DType.FP32,)))
def test_the_delta_rewrite_keeps_every_value(net: tncc.ir.Network) -> None:
    (back,) = load_source(to_source(net))  # the text form of diagonals round-trips too
    assert strip_spans(back) == strip_spans(net)
    flat = expand_diagonals(net)
    flat.verify()
    assert not has_diagonal_writes(flat)
    x = reference.random_inputs(net, 0)
    want = reference.evaluate(net, x, float64=True)
    got = reference.evaluate(flat, x, float64=True)
    for name in net.outputs:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-9, atol=1e-9)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(networks(diagonals=True, grads=True, max_tensors=3, sizes=(1, 2, 3, 5, 16, 33)),
       st.sampled_from(["fetta", "systolic", "fetta:buffer.bytes=16384", "systolic:buffer.bytes=16384"]))
def test_random_networks_with_diagonals_run_on_the_machine(net: tncc.ir.Network, arch: str) -> None:
    # Matching outputs, no synchronisation hazard, and the static estimate is
    # the emulated makespan, also when small buffers make diagonals stream.
    from tncc.passes.estimate import estimate_cycles
    from tncc.runtime import Emulator

    c = tncc.compile(net, arch)
    assert c.run(seed=1).match
    rep = Emulator(c.program, c.arch).run(seed=0, strict_sync=True).report
    assert rep.sync_hazards == 0
    assert estimate_cycles(c.program, c.arch) == rep.cycles


def test_gradient_of_a_diagonal_write_reads_the_upstream_diagonal() -> None:
    src = ("network w {\n  index i = 3\n  input x[i]\n  param w[i]\n  e[i, i] = x[i] * w[i]\n"
           "  output e\n  grad e wrt w\n}\n")
    (net,) = load_source(src)
    assert net.tensor("d_e").indices == ("i", "i_1")  # a full upstream gradient, declared distinct
    assert net.statement("d_w").operands[0].indices == ("i", "i")
    x = reference.random_inputs(net, 0)
    got = reference.evaluate(net, x, float64=True)["d_w"]
    np.testing.assert_allclose(got, np.diag(x["d_e"]).astype(np.float64) * x["x"], rtol=1e-12)
    (back,) = load_source(to_source(net))
    assert strip_spans(back) == strip_spans(net)
    for arch in ("fetta", "systolic"):
        assert tncc.compile(net, arch).run(seed=4).match


def test_a_diagonal_write_of_size_one_runs() -> None:
    # Found by the property test: the run's resource guard must size the
    # plan's steps with the plan's own indices (the write's fresh index).
    (net,) = load_source("network n {\n  index i0 = 2, i1 = 1\n  input a0[i0], a1[i0, i1], a2[]\n"
                         "  y0[i1, i1] = a0[i0] * a1[i0, i1] * a2[]\n  output y0\n}\n")
    assert tncc.compile(net, "fetta").run(seed=1).match
