"""Element types as the hardware holds them, and the array's arithmetic.

Memories hold one element per word.  Values are kept in a numpy array whose
type can represent every element type the program uses exactly (float32 when
only fp32/fp16/bf16 occur, int64 when only integers occur, float64 for a
mix).  Rounding is the project's one definition, :mod:`tncc.dtypes`
(round-to-nearest-even for fp32/fp16/bf16, two's-complement wrap-around for
int8/int32), so the emulator and the numpy reference agree bit for bit on
what a stored value is.

Products accumulate in fp32 (floating types; fp16 and bf16 products are
exact in fp32) or int32 with wrap-around (integer types, computed in int64 and
wrapped, which is the same modulo 2^32).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from tncc import dtypes
from tncc.ir import DType

_F32 = np.dtype(np.float32)
_I64 = np.dtype(np.int64)


def storage_type(types: Iterable[DType]) -> np.dtype:
    """The numpy type a memory uses to hold every element type in ``types``."""
    kinds = {d.is_int for d in types}
    if kinds == {True}:
        return _I64
    if kinds == {False} or not kinds:
        return _F32
    return np.dtype(np.float64)


def round_to(values: np.ndarray, dtype: DType) -> np.ndarray:
    """``values`` rounded to ``dtype`` as the hardware stores them
    (:func:`tncc.dtypes.round_to`), in a numpy type that a memory holding
    ``dtype`` can take without conversion loss (float32 or an integer type)."""
    out = dtypes.round_to(values, dtype)
    return out.astype(_F32) if out.dtype == np.float16 else out


def needs_rounding(dtype: DType, storage: np.dtype) -> bool:
    """False when values already held in ``storage`` need no rounding to ``dtype``
    (fp32 values in a float32 memory); avoids a pass over the data."""
    return dtype is not DType.FP32 or storage != _F32


def compute_type(dtype: DType) -> np.dtype:
    """The numpy type products are formed and accumulated in."""
    return dtypes.compute_dtype(dtype)


def accumulate_wrap(values: np.ndarray, dtype: DType) -> np.ndarray:
    """Accumulator values as the drain writes them: int32 (wrapped) for
    integer tiles, fp32 otherwise."""
    if dtype.is_int:
        return dtypes.round_to(values, DType.INT32)
    return values.astype(_F32, copy=False)


def numpy_type(dtype: DType) -> np.dtype:
    """The numpy type results of ``dtype`` are returned in (bf16 as float32)."""
    return dtypes.numpy_storage_dtype(dtype)


class ContractPlan:
    """A pairwise contraction ``out[out_labels] = sum a[a_labels] * b[b_labels]``
    planned once for fixed shapes and run as one batched matrix product
    (BLAS for floating types).

    Labels in both operands and the output are batch, in both but not the
    output are summed, in one operand and the output are free; a label in one
    operand only and not in the output is summed on that operand first.
    Every output label must occur in an operand.  Both operands are brought
    to (batch, M, K) and (batch, K, N) order; operands allocated by
    :meth:`alloc` already are, so the product reads them without a copy.  ``raw``
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
        self.b_perm = tuple(b_labels.index(c) for c in batch + summed + b_free)
        nb, nm, nk, nn = prod(batch), prod(a_free), prod(summed), prod(b_free)
        self.a_shape, self.b_shape = (nb, nm, nk), (nb, nk, nn)
        self.res_shape = tuple(size[c] for c in batch + a_free + b_free)
        self.have = "".join(batch + a_free + b_free)
        self.out_perm = tuple(self.have.index(c) for c in out_labels)

    def raw(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The product as a (batch, M, N) array, axes in ``have`` order."""
        if self.a_sum:
            a = a.sum(axis=self.a_sum)
        if self.b_sum:
            b = b.sum(axis=self.b_sum)
        # reshape copies unless the operand is already laid out in this order
        # (numpy's matmul reaches BLAS reliably only with C-ordered operands;
        # a transposed view can fall to its slow generic loop).
        at = a.transpose(self.a_perm).reshape(self.a_shape)
        bt = b.transpose(self.b_perm).reshape(self.b_shape)
        nb, nm, nk = self.a_shape
        nn = self.b_shape[2]
        if nb == 1:  # numpy's stacked matmul is several times slower than the 2-D one
            return np.matmul(at[0], bt[0]).reshape(1, nm, nn)
        if nb <= 64 and nm * nk * nn >= 1 << 16:
            out = np.empty((nb, nm, nn), dtype=np.result_type(at, bt))
            for i in range(nb):
                np.matmul(at[i], bt[i], out=out[i])
            return out
        return np.matmul(at, bt)

    def alloc(self, a_shape: tuple[int, ...], b_shape: tuple[int, ...], dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """Empty operands of these shapes (label order), stored in the order
        :meth:`raw` wants them, so filling them and calling ``raw`` copies
        nothing more.  Plain arrays when an operand is pre-summed."""
        def make(shape: tuple[int, ...], perm: tuple[int, ...], presummed: bool) -> np.ndarray:
            if presummed:
                return np.empty(shape, dtype=dtype)
            stored = np.empty([shape[p] for p in perm], dtype=dtype)
            return stored.transpose(np.argsort(perm))
        return make(a_shape, self.a_perm, bool(self.a_sum)), make(b_shape, self.b_perm, bool(self.b_sum))

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.raw(a, b).reshape(self.res_shape).transpose(self.out_perm)


def contract(a: np.ndarray, a_labels: str, b: np.ndarray, b_labels: str, out_labels: str) -> np.ndarray:
    """One-off :class:`ContractPlan` (see there)."""
    return ContractPlan(a.shape, a_labels, b.shape, b_labels, out_labels)(a, b)
