"""Rounding helpers: bf16 round-to-nearest-even on the fp32 bit pattern,
fp16 via numpy, integer wrap-around."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tncc.dtypes import bf16_bits, from_bf16_bits, is_representable, numpy_storage_dtype, round_to
from tncc.ir import DType


def bf16_by_hand(bits: int) -> int:
    """Round a float32 bit pattern to bf16 bits: nearest, ties to even."""
    upper, lower = bits >> 16, bits & 0xFFFF
    if lower > 0x8000 or (lower == 0x8000 and upper & 1):
        upper += 1
    return upper & 0xFFFF


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_bf16_rounding_matches_bit_arithmetic(bits: int) -> None:
    x = np.array([bits], dtype=np.uint32).view(np.float32)
    if np.isnan(x[0]):
        assert np.isnan(from_bf16_bits(bf16_bits(x))[0])
        return
    assert int(bf16_bits(x)[0]) == bf16_by_hand(bits)


def test_bf16_ties_and_specials() -> None:
    x = np.array([1 + 2**-8, 1 + 3 * 2**-8, np.inf, -np.inf, 0.0, -0.0], dtype=np.float32)
    r = round_to(x, DType.BF16)
    assert r[0] == 1.0 and r[1] == 1 + 2**-6  # ties go to the even neighbour
    assert np.isinf(r[2]) and np.isinf(r[3]) and np.signbit(r[5])
    assert np.isnan(round_to(np.array([np.nan], np.float32), DType.BF16)[0])


def test_storage_types() -> None:
    assert numpy_storage_dtype(DType.BF16) == np.float32
    assert numpy_storage_dtype(DType.FP16) == np.float16
    assert numpy_storage_dtype(DType.INT8) == np.int8
    assert numpy_storage_dtype(DType.INT32) == np.int32


def test_integer_wraparound_and_fp16() -> None:
    np.testing.assert_array_equal(round_to(np.array([127, 128, -129, 300]), DType.INT8), [127, -128, 127, 44])
    np.testing.assert_array_equal(round_to(np.array([2**31, -(2**31) - 1]), DType.INT32), [-(2**31), 2**31 - 1])
    np.testing.assert_array_equal(round_to(np.array([1.4, 2.5, -1.6]), DType.INT8), [1, 2, -2])
    h = round_to(np.array([1 + 2**-11, 65520.0]), DType.FP16)
    assert h.dtype == np.float16 and h[0] == 1.0 and np.isinf(h[1])
    assert is_representable(np.array([1.5], np.float32), DType.BF16)
    assert not is_representable(np.array([1 + 2**-10], np.float32), DType.BF16)
