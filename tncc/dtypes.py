"""Element types in numpy: storage and rounding.

numpy has no bfloat16, so a bf16 array is held in float32 whose low 16 bits
are zero (every bf16 value is exactly a float32 value).  ``fp16`` uses
``numpy.float16``; ``int8`` and ``int32`` their numpy namesakes.  The reference
evaluator and the emulator both round through :func:`round_to`, so they agree
bit for bit on what a stored value is.

Rounding is round-to-nearest-even everywhere: numpy's float32->float16 cast
does it for fp16, and :func:`bf16_bits` does it on the fp32 bit pattern for
bf16 (add 0x7FFF plus the lowest kept bit, then truncate; NaNs stay NaN).
Integers wrap around in two's complement.
"""

from __future__ import annotations

import numpy as np

from tncc.ir import DType

_STORAGE: dict[DType, type] = {
    DType.FP32: np.float32,
    DType.FP16: np.float16,
    DType.BF16: np.float32,
    DType.INT8: np.int8,
    DType.INT32: np.int32,
}


def numpy_storage_dtype(dtype: DType) -> np.dtype:
    """The numpy dtype that holds values of ``dtype`` (float32 for bf16)."""
    return np.dtype(_STORAGE[dtype])


def compute_dtype(dtype: DType) -> np.dtype:
    """The numpy dtype products of ``dtype`` values accumulate in: float32 for
    the float types, int64 for the integer types (wrapped to int32 when stored;
    wrap-around commutes with sums and products, so this is exact)."""
    return np.dtype(np.int64) if dtype.is_int else np.dtype(np.float32)


def bf16_bits(array: np.ndarray) -> np.ndarray:
    """The bf16 bit patterns (uint16) of ``array`` rounded to nearest-even."""
    x = np.ascontiguousarray(np.asarray(array, dtype=np.float32))
    bits = x.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    out = rounded.astype(np.uint16)
    nan = np.isnan(x)
    if nan.any():
        # Keep a quiet NaN with the sign of the input (rounding could carry into Inf).
        out[nan] = ((bits[nan] >> 16).astype(np.uint16) | np.uint16(0x0040))
    return out


def from_bf16_bits(bits: np.ndarray) -> np.ndarray:
    """float32 values of bf16 bit patterns."""
    b = np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16
    return b.view(np.float32)


def round_to(array: np.ndarray, dtype: DType) -> np.ndarray:
    """``array`` rounded to ``dtype`` and held in :func:`numpy_storage_dtype`.

    Floats round to nearest-even; integer types wrap around (floats going to
    an integer type are first rounded to the nearest integer)."""
    a = np.asarray(array)
    if dtype is DType.FP32:
        return a.astype(np.float32)
    if dtype is DType.FP16:
        if a.dtype == np.float16:
            return a.copy()
        with np.errstate(over="ignore"):  # overflow to +-inf is the defined result
            return a.astype(np.float32).astype(np.float16)
    if dtype is DType.BF16:
        return from_bf16_bits(bf16_bits(a)).reshape(a.shape)
    if a.dtype.kind == "f":
        a = np.rint(a)
    return a.astype(np.int64).astype(_STORAGE[dtype])


def is_representable(array: np.ndarray, dtype: DType) -> bool:
    """True when every element of ``array`` is exactly a value of ``dtype``."""
    a = np.asarray(array)
    return bool(np.array_equal(round_to(a, dtype).astype(a.dtype), a, equal_nan=True))
