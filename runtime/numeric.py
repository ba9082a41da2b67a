"""Element types as the hardware holds them, and the array's arithmetic.

Memories hold one element per word.  Values are kept in a numpy array whose
type can represent every element type the program uses exactly (float32 when
only fp32/fp16/bf16 occur, int64 when only integers occur, float64 for a
mix); :func:`round_to` applies the rounding the hardware performs when a
value is stored in a narrower type:

* fp32: IEEE round-to-nearest-even to binary32;
* fp16: to binary16 (numpy's conversion, round-to-nearest-even);
* bf16: round-to-nearest-even on the top 16 bits of binary32 (NaN kept);
* int8 / int32: two's-complement wrap-around.

Products accumulate in fp32 (floating types; fp16 and bf16 products are
exact in fp32) or int32 with wrap-around (integer types, computed in int64 and
wrapped, which is the same modulo 2^32).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from tncc.ir import DType


def storage_type(dtypes: Iterable[DType]) -> np.dtype:
    """The numpy type a memory uses to hold every element type in ``dtypes``."""
    kinds = {d.is_int for d in dtypes}
    if kinds == {True}:
        return np.dtype(np.int64)
    if kinds == {False} or not kinds:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _bf16(x: np.ndarray) -> np.ndarray:
    f = np.ascontiguousarray(x, dtype=np.float32)
    u = f.view(np.uint32).astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    out = rounded.view(np.float32)
    return np.where(np.isnan(f), f, out)


def _wrap(x: np.ndarray, bits: int) -> np.ndarray:
    if x.dtype.kind == "f":
        x = np.rint(x)
    v = x.astype(np.int64)
    half = 1 << (bits - 1)
    return ((v + half) & ((1 << bits) - 1)) - half


def round_to(values: np.ndarray, dtype: DType) -> np.ndarray:
    """``values`` rounded to ``dtype`` (as the hardware stores them), returned
    in a numpy type that holds them exactly (float32 or int64)."""
    v = np.asarray(values)
    if dtype is DType.FP32:
        return v.astype(np.float32, copy=False)
    if dtype is DType.FP16:
        return v.astype(np.float16).astype(np.float32)
    if dtype is DType.BF16:
        return _bf16(v)
    if dtype is DType.INT8:
        return _wrap(v, 8)
    return _wrap(v, 32)


def needs_rounding(dtype: DType, storage: np.dtype) -> bool:
    """False when values already held in ``storage`` need no rounding to ``dtype``
    (fp32 values in a float32 memory); avoids a pass over the data."""
    return dtype is not DType.FP32 or storage != _F32


_F32 = np.dtype(np.float32)


def compute_type(dtype: DType) -> np.dtype:
    """The numpy type products are formed and accumulated in."""
    return np.dtype(np.int64) if dtype.is_int else np.dtype(np.float32)


def accumulate_wrap(values: np.ndarray, dtype: DType) -> np.ndarray:
    """Accumulator values as the drain writes them: int32 wrap for integer
    tiles, fp32 otherwise."""
    if dtype.is_int:
        return _wrap(values, 32)
    return values.astype(np.float32, copy=False)


def numpy_type(dtype: DType) -> np.dtype:
    """The numpy type results of ``dtype`` are returned in (bf16 as float32)."""
    return np.dtype({DType.FP32: np.float32, DType.FP16: np.float16, DType.BF16: np.float32,
                     DType.INT8: np.int8, DType.INT32: np.int32}[dtype])


class ContractPlan:
    """A pairwise contraction ``out[out_labels] = sum a[a_labels] * b[b_labels]``
    planned once for fixed shapes and run as one batched matrix product
    (BLAS for floating types).

    Labels in both operands and the output are batch, in both but not the
    output are summed, in one operand and the output are free; a label in one
    operand only and not in the output is summed on that operand first.
    Every output label must occur in an operand.  Both operands are brought
    to (batch, free, summed) order, so operands that already have their
    summed labels last and batch labels of size one are used without a copy
    (B enters the product transposed, which BLAS reads in place).  ``raw``
    returns the product in ``have`` order (batch, A-free, B-free), for
    callers that can arrange their output addresses in that order."""

    __slots__ = ("a_sum", "b_sum", "a_perm", "b_perm", "a_shape", "b_shape", "res_shape", "out_perm", "have")

    def __init__(self, a_shape: tuple[int, ...], a_labels: str, b_shape: tuple[int, ...], b_labels: str,
                 out_labels: str) -> None:
        size = dict(zip(a_labels, a_shape))
        size.update(zip(b_labels, b_shape))
        a_only = [c for c in a_labels if c not in b_labels and c not in out_labels]
        b_only = [c for c in b_labels if c not in a_labels and c not in out_labels]
        self.a_sum = tuple(a_labels.index(c) for c in a_only)
        self.b_sum = tuple(b_labels.index(c) for c in b_only)
        a_labels = "".join(c for c in a_labels if c not in a_only)
        b_labels = "".join(c for c in b_labels if c not in b_only)
        batch = [c for c in out_labels if c in a_labels and c in b_labels]
        summed = [c for c in a_labels if c in b_labels and c not in out_labels]
        a_free = [c for c in a_labels if c not in b_labels]
        b_free = [c for c in b_labels if c not in a_labels]

        def prod(cs: list[str]) -> int:
            p = 1
            for c in cs:
                p *= size[c]
            return p

        self.a_perm = tuple(a_labels.index(c) for c in batch + a_free + summed)
        self.b_perm = tuple(b_labels.index(c) for c in batch + b_free + summed)
        nb, nm, nk, nn = prod(batch), prod(a_free), prod(summed), prod(b_free)
        self.a_shape, self.b_shape = (nb, nm, nk), (nb, nn, nk)
        self.res_shape = tuple(size[c] for c in batch + a_free + b_free)
        self.have = "".join(batch + a_free + b_free)
        self.out_perm = tuple(self.have.index(c) for c in out_labels)

    def raw(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The product as a (batch, M, N) array, axes in ``have`` order."""
        if self.a_sum:
            a = a.sum(axis=self.a_sum)
        if self.b_sum:
            b = b.sum(axis=self.b_sum)
        at = a.transpose(self.a_perm).reshape(self.a_shape)
        bt = b.transpose(self.b_perm).reshape(self.b_shape)
        return np.matmul(at, bt.swapaxes(-1, -2))

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.raw(a, b).reshape(self.res_shape).transpose(self.out_perm)


def contract(a: np.ndarray, a_labels: str, b: np.ndarray, b_labels: str, out_labels: str) -> np.ndarray:
    """One-off :class:`ContractPlan` (see there)."""
    return ContractPlan(a.shape, a_labels, b.shape, b_labels, out_labels)(a, b)
