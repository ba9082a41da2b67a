"""The numpy reference evaluator against an independent dense computation,
and its dtype semantics (fp16/bf16 rounding of stored values, int8 with int32
wrap-around)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from tncc import reference
from tncc.dtypes import bf16_bits
from tncc.frontend.einsum import from_einsum
from tncc.errors import TnccError
from tncc.frontend import load_source
from tncc.ir import DType, Network, Statement
from tncc.testing import networks


def dense(st: Statement, arrays: list[np.ndarray], sizes: dict[str, int]) -> np.ndarray:
    """One statement by broadcasting every operand onto the full index grid,
    multiplying and summing: no einsum, no contraction order."""
    names: list[str] = []
    for op in st.operands:
        names += [i for i in op.indices if i not in names]
    total: np.ndarray = np.ones([1] * len(names), dtype=np.float64)
    for op, a in zip(st.operands, arrays):
        order = sorted(range(len(op.indices)), key=lambda k: names.index(op.indices[k]))
        b = np.transpose(a.astype(np.float64), order)
        shape = [sizes[n] if n in op.indices else 1 for n in names]
        total = total * b.reshape(shape)
    summed = tuple(k for k, n in enumerate(names) if n not in st.indices)
    kept = [n for n in names if n in st.indices]
    r = total.sum(axis=summed) if summed else total
    r = np.broadcast_to(r, [sizes[n] for n in kept])
    return np.transpose(r, [kept.index(n) for n in st.indices]) if st.indices else np.asarray(r)


def dense_network(net: Network, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    values = {k: v.astype(np.float64) for k, v in inputs.items()}
    for st in net.statements:
        values[st.result] = dense(st, [values[o.tensor] for o in st.operands], net.sizes())
    return {o: values[o] for o in net.outputs}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(max_tensors=4, max_statements=3, dtypes=(DType.FP32,), sizes=(1, 2, 3, 5), grads=True))
def test_fp32_matches_dense_computation(net: Network) -> None:
    inputs = reference.random_inputs(net, seed=5)
    got = reference.evaluate(net, inputs)
    want = dense_network(net, inputs)
    tol = reference.tolerance(DType.FP32)
    for name in net.outputs:
        assert got[name].dtype == np.float32 and got[name].shape == net.shape(name)
        np.testing.assert_allclose(got[name], want[name], rtol=tol.rtol, atol=tol.atol)


@settings(max_examples=40, deadline=None)
@given(networks(max_tensors=4, max_statements=2, dtypes=(DType.INT8,), sizes=(1, 2, 3, 5)))
def test_int8_is_exact(net: Network) -> None:
    inputs = reference.random_inputs(net, seed=2)
    got = reference.evaluate(net, inputs)
    want = dense_network(net, inputs)  # small: no overflow, float64 is exact here
    for name in net.outputs:
        assert got[name].dtype == np.int32
        np.testing.assert_array_equal(got[name], want[name].astype(np.int64))


def test_int8_accumulates_in_int32_with_wraparound() -> None:
    src = """network w {
      dtype int8
      index i = 16
      input a[i]
      input b[i]
      t[i] = a * b            # 127 * 127 = 16129 fits int32
      y[] = t[i] * t[i]       # 16 * 16129**2 = 4162314256 wraps
      output y, t
    }"""
    (net,) = load_source(src)
    full = np.full(16, 127, dtype=np.int8)
    out = reference.evaluate(net, {"a": full, "b": full})
    exact = 16 * 16129**2
    wrapped = (exact + 2**31) % 2**32 - 2**31
    assert out["y"].dtype == np.int32 and int(out["y"]) == wrapped != exact
    assert out["t"].dtype == np.int32 and int(out["t"][0]) == 16129


def test_int8_inputs_wrap_to_int8() -> None:
    net = from_einsum("i->i", {"i": 2}, dtype="int8")
    out = reference.evaluate(net, {"t0": np.array([200, -129])})
    np.testing.assert_array_equal(out["out"], [-56, 127])


def test_fp16_rounds_leaves_and_stored_results() -> None:
    net = from_einsum("i,i->", {"i": 3}, dtype="fp16")
    a = np.array([1 + 2**-12, 1.0, 1.0])  # 1 + 2**-12 rounds to 1 in fp16
    b = np.array([1.0, 2**-11, 2**-11 * 0.5])
    out = reference.evaluate(net, {"t0": a, "t1": b})["out"]
    assert out.dtype == np.float16
    # Leaves rounded, then the sum 1 + 2**-11 + 2**-12 in fp32, then rounded to fp16.
    assert float(out) == float(np.float16(np.float32(1 + 2**-11 + 2**-12)))


def test_bf16_results_are_bf16_values() -> None:
    net = from_einsum("ij,jk->ik", {"i": 4, "j": 9, "k": 3}, dtype="bf16")
    out = reference.evaluate(net, seed=3)["out"]
    assert out.dtype == np.float32
    assert np.all(out.view(np.uint32) & 0xFFFF == 0)
    exact = reference.evaluate(net, seed=3, float64=True)["out"]
    tol = reference.tolerance(DType.BF16)
    np.testing.assert_allclose(out, exact, rtol=tol.rtol, atol=tol.atol)
    assert np.array_equal(bf16_bits(out), (out.view(np.uint32) >> 16).astype(np.uint16))


def test_random_inputs_are_deterministic_and_typed() -> None:
    (net,) = load_source(open_example("tt_linear.tn"))
    one, two, other = (reference.random_inputs(net, s) for s in (1, 1, 2))
    assert one.keys() == {t.name for t in net.leaves()}
    for k in one:
        np.testing.assert_array_equal(one[k], two[k])
        assert not np.array_equal(one[k], other[k])
        assert one[k].dtype == np.float32 and one[k].shape == net.shape(k)
    (i8,) = load_source(open_example("int8_forward.tn"))
    vals = reference.random_inputs(i8, 0)
    assert all(v.dtype == np.int8 and v.min() >= -4 and v.max() <= 4 for v in vals.values())


def test_random_inputs_keep_outputs_order_one() -> None:
    net = from_einsum("ij,jk,kl->il", {"i": 50, "j": 400, "k": 300, "l": 40})
    y = reference.evaluate(net, seed=0)["out"]
    assert 0.5 < float(np.std(y)) < 2.0


def test_tolerances() -> None:
    assert reference.tolerance(DType.INT8) == (0.0, 0.0)
    f32, f16, b16 = (reference.tolerance(d) for d in (DType.FP32, DType.FP16, DType.BF16))
    assert 0 < f32.rtol < f16.rtol < b16.rtol and 0 < f32.atol < f16.atol < b16.atol


def test_bad_inputs_are_tncc_errors() -> None:
    net = from_einsum("ij,jk->ik", {"i": 2, "j": 3, "k": 4})
    with pytest.raises(TnccError, match="has shape"):
        reference.evaluate(net, {"t0": np.zeros((3, 2))})
    with pytest.raises(TnccError, match="no input or param named 'zz'"):
        reference.evaluate(net, {"zz": np.zeros(2)})


def test_intermediates_on_request() -> None:
    (net,) = load_source(open_example("tree.tn"))
    every = reference.evaluate(net, seed=1, keep_intermediates=True)
    assert set(every) == {st.result for st in net.statements}
    outs = reference.evaluate(net, seed=1)
    np.testing.assert_array_equal(every["psi"], outs["psi"])


def open_example(name: str) -> str:
    from pathlib import Path

    return (Path(__file__).resolve().parent.parent / "examples" / name).read_text()


def test_tensors_too_large_for_a_host_are_tncc_errors() -> None:
    net = from_einsum("ij->ij", {"i": 2**20, "j": 2**12})
    with pytest.raises(TnccError, match="more than the reference evaluator handles"):
        reference.evaluate(net)
    with pytest.raises(TnccError, match="more than the reference evaluator handles"):
        reference.random_inputs(net, 0)
