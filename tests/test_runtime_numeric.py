"""The array's arithmetic helpers: the planned pairwise contraction against
numpy.einsum, and element types as memories hold them."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tncc.ir import DType
from tncc.runtime.numeric import ContractPlan, accumulate_wrap, needs_rounding, round_to, storage_type


@st.composite
def contractions(draw):
    labels = "abcdefg"
    n = draw(st.integers(2, 6))
    pool = labels[:n]
    a = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
    b = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
    present = sorted(set(a) | set(b))
    out = draw(st.lists(st.sampled_from(present), max_size=len(present), unique=True))
    sizes = {c: draw(st.integers(1, 4)) for c in pool}
    return "".join(a), "".join(b), "".join(out), sizes


@settings(max_examples=80, deadline=None)
@given(contractions(), st.integers(0, 2**31 - 1))
def test_contract_plan_matches_einsum(case, seed: int) -> None:
    la, lb, lo, sizes = case
    rng = np.random.default_rng(seed)
    a = rng.integers(-5, 5, [sizes[c] for c in la])
    b = rng.integers(-5, 5, [sizes[c] for c in lb])
    plan = ContractPlan(a.shape, la, b.shape, lb, lo)
    assert np.array_equal(plan(a, b), np.einsum(f"{la},{lb}->{lo}", a, b))
    raw = plan.raw(a, b).reshape([sizes[c] for c in plan.have])
    assert np.array_equal(raw, np.einsum(f"{la},{lb}->{plan.have}", a, b))


def test_rounding_and_storage_types() -> None:
    x = np.array([1.0 + 2 ** -12, 3.14159265, 65504.0, -1e-8])
    assert np.array_equal(round_to(x, DType.FP16), x.astype(np.float16).astype(np.float32))
    bf = round_to(np.array([1.0 + 2 ** -9, 1.0 + 3 * 2 ** -9], dtype=np.float32), DType.BF16)
    assert list(bf) == [1.0, 1.0 + 2 ** -7]  # ties to even, then up
    assert list(round_to(np.array([127, 128, -129]), DType.INT8)) == [127, -128, 127]
    assert list(accumulate_wrap(np.array([2 ** 31, -(2 ** 31) - 1]), DType.INT8)) == [-(2 ** 31), 2 ** 31 - 1]
    assert storage_type([DType.FP32, DType.BF16]) == np.float32
    assert storage_type([DType.INT8, DType.INT32]) == np.int64
    assert storage_type([DType.INT8, DType.FP32]) == np.float64
    assert not needs_rounding(DType.FP32, np.dtype(np.float32))
    assert needs_rounding(DType.FP16, np.dtype(np.float32))
