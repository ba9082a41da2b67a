"""Bounds-checked word memories (DRAM and the buffer) that know which words
were never written.

Every access is vectorised.  An :class:`Access` (a base-relative affine
pattern: ``(extent, stride)`` dims enumerated row-major, as DMA descriptors,
streams and drains describe them) is prepared once and applied at any base:
large patterns whose addresses are distinct become strided numpy views,
others a gather/scatter with a precomputed offset array.  Range checks use
the pattern's precomputed offset range.

Never-written words hold a *sentinel* bit pattern that no stored value can
have (a signalling-NaN payload in floating memories, a value outside the
int32 range in integer ones), so the written-bit check of a read is one
comparison over the values already gathered; a hit raises
:class:`~tncc.errors.TnccError` naming the instruction (``where``: any object
whose ``str`` names it, rendered only on a fault) and the first offending
address.  Values entering the machine from outside (inputs)
are checked not to carry the sentinel.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from tncc.errors import TnccError
from tncc.isa.timing import affine_offsets  # noqa: F401  (re-exported: the memories address by it)

Dims = Sequence[tuple[int, int]]
VIEW_MIN = 4096  # patterns at least this large use strided views (no offset arrays)
ACCESS_LIMIT = 1 << 26  # words one instruction may touch through repeated addresses

_SENTINEL = {
    np.dtype(np.float32): (np.uint32, 0x7FA5A5A5),
    np.dtype(np.float64): (np.uint64, 0x7FF4A5A5A5A5A5A5),
    np.dtype(np.int64): (np.int64, -(1 << 62) - 0x5A5A),
}


_INT_FLOOR = -(1 << 31)  # no stored integer is below this (int8 and int32 values only)


def affine_range(dims: Dims) -> tuple[int, int]:
    """Lowest and highest offset of an affine pattern."""
    lo = hi = 0
    for extent, stride in dims:
        span = (extent - 1) * stride
        if span < 0:
            lo += span
        else:
            hi += span
    return lo, hi


def injective(dims: Dims) -> bool:
    """True when an affine pattern touches every address at most once (a
    sufficient test: strides sorted by size each clear the span below)."""
    span = 0
    for extent, stride in sorted(((e, abs(s)) for e, s in dims if e > 1), key=lambda d: d[1]):
        if stride <= span:
            return False
        span += stride * (extent - 1)
    return True


class Access:
    """A prepared affine pattern (see the module doc)."""

    __slots__ = ("dims", "shape", "size", "lo", "hi", "view", "rel")

    def __init__(self, dims: Dims) -> None:
        self.dims = tuple((int(e), int(s)) for e, s in dims)
        self.shape = tuple(e for e, _ in self.dims)
        self.size = math.prod(self.shape)
        self.lo, self.hi = affine_range(self.dims)
        self.view = self.size >= VIEW_MIN and injective(self.dims)
        # An in-range pattern of distinct words is as small as the memory; only
        # one that repeats words can be huge, and it is refused when used.
        small = self.size <= ACCESS_LIMIT
        self.rel = affine_offsets(self.dims) if not self.view and small else None


class Memory:
    """``words`` words of one element each (see the module doc)."""

    __slots__ = ("name", "data", "words", "_bits", "_sentinel", "_float", "watch", "on_touch")

    def __init__(self, name: str, words: int, storage: np.dtype) -> None:
        self.name = name
        self.words = int(words)
        storage = np.dtype(storage)
        self._bits, self._sentinel = _SENTINEL[storage]
        self._float = storage.kind == "f"
        self.data = np.empty(self.words, dtype=storage)
        # A watched address range: any access overlapping it first calls
        # ``on_touch`` (the emulator's deferred accumulation flushes there).
        self.watch: tuple[int, int] | None = None
        self.clear()
        self.on_touch: Callable[[], None] | None = None

    def clear(self) -> None:
        """Every word back to never-written (reusing the storage)."""
        self.data.view(self._bits).fill(self._sentinel)
        self.watch = None

    # -- checks ---------------------------------------------------------------
    def _range(self, lo: int, hi: int, where: object, what: str) -> None:
        if lo < 0 or hi >= self.words:
            bad = lo if lo < 0 else hi
            raise TnccError(f"{what} {self.name} word {bad:#x}, outside 0x0..{max(self.words - 1, 0):#x}",
                            where=str(where))
        w = self.watch
        if w is not None and lo <= w[1] and hi >= w[0] and self.on_touch is not None:
            self.on_touch()

    def check_range(self, lo: int, hi: int, where: object) -> None:
        """Fault unless ``lo..hi`` lies inside the memory."""
        if lo < 0 or hi >= self.words:
            self._range(lo, hi, where, "writes")

    def unwritten(self, vals: np.ndarray) -> np.ndarray:
        """Mask of the values that are the never-written sentinel."""
        return np.ascontiguousarray(vals).view(self._bits) == self._sentinel

    def _maybe_unwritten(self, vals: np.ndarray) -> bool:
        """Cheap screen: False guarantees no sentinel among ``vals``.  The
        floating sentinel is a NaN, so values without a NaN are clear;
        the integer one lies below every int32, so does a minimum above it."""
        if not vals.size:
            return False
        if self._float:
            return bool(np.isnan(vals).any())
        return int(vals.min()) < _INT_FLOOR

    def _check(self, vals: np.ndarray, base: int, acc: Access | None, rel: np.ndarray | None, where: object) -> None:
        # ``vals`` is always a fresh contiguous array here (a gather or a copy).
        if self._maybe_unwritten(vals) and self._sentinel in vals.view(self._bits):
            bad = self.unwritten(vals)
            offs = rel if rel is not None else (acc.rel if acc is not None and acc.rel is not None
                                                else affine_offsets(acc.dims if acc else ()))
            first = base + int(np.asarray(offs).ravel()[int(np.argmax(bad.ravel()))])
            raise TnccError(f"reads {self.name} word {first:#x}, which was never written", where=str(where))

    def _offsets(self, acc: Access, where: object) -> np.ndarray | None:
        """The offset array that addresses ``acc`` (None when it is a strided
        view); faults when the pattern repeats more words than are modelled."""
        if acc.view:
            return None
        if acc.rel is None:
            raise TnccError(f"touches {acc.size} {self.name} words (repeating addresses), more than the emulator "
                            f"models in one instruction ({ACCESS_LIMIT})", where=str(where))
        return acc.rel

    def _view(self, base: int, acc: Access) -> np.ndarray:
        item = self.data.itemsize
        return np.ndarray(acc.shape, dtype=self.data.dtype, buffer=self.data, offset=base * item,
                          strides=tuple(s * item for _, s in acc.dims))

    # -- prepared affine access -------------------------------------------------
    def read(self, base: int, acc: Access, where: object) -> np.ndarray:
        """Values at ``base + pattern`` (flat, row-major enumeration)."""
        self._range(base + acc.lo, base + acc.hi, where, "reads")
        rel = self._offsets(acc, where)
        vals = self._view(base, acc).flatten() if rel is None else self.data[base + rel]
        self._check(vals, base, acc, None, where)
        return vals

    def write(self, base: int, acc: Access, values: np.ndarray, where: object) -> None:
        """Store ``values`` (flat, row-major enumeration) at ``base + pattern``;
        repeated addresses keep the last value."""
        self._range(base + acc.lo, base + acc.hi, where, "writes")
        rel = self._offsets(acc, where)
        if rel is None:
            self._view(base, acc)[...] = values.reshape(acc.shape)
        else:
            self.data[base + rel] = values

    def touch(self, lo: int, hi: int, acc: Access, where: object) -> np.ndarray | None:
        """Range and size checks of a read of ``acc`` spanning ``lo..hi``
        (and the watch hook), for callers that then read :meth:`view` or
        ``data`` themselves; the offset array that addresses ``acc`` (None
        when it is a strided view)."""
        self._range(lo, hi, where, "reads")
        return self._offsets(acc, where)

    def view(self, base: int, acc: Access) -> np.ndarray:
        """The strided view of an injective pattern (checked by :meth:`touch`)."""
        return self._view(base, acc)

    def maybe_unwritten(self, vals: np.ndarray) -> bool:
        """False guarantees ``vals`` holds no never-written word."""
        return self._maybe_unwritten(vals) and bool(self.unwritten(vals).any())

    def copy_to(self, dst: "Memory", src_base: int, src_acc: Access, dst_base: int, dst_acc: Access,
                where: object) -> None:
        """``dst.write(dst_base, dst_acc, self.read(src_base, src_acc))`` for
        values that need no conversion; two strided views copy directly
        (no intermediate array) and the written check runs on the copy."""
        if not (src_acc.view and dst_acc.view and self.data.dtype == dst.data.dtype):
            dst.write(dst_base, dst_acc, self.read(src_base, src_acc, where), where)
            return
        self._range(src_base + src_acc.lo, src_base + src_acc.hi, where, "reads")
        dst._range(dst_base + dst_acc.lo, dst_base + dst_acc.hi, where, "writes")
        out = dst._view(dst_base, dst_acc)
        out[...] = self._view(src_base, src_acc).reshape(dst_acc.shape)
        if self._maybe_unwritten(out) and self._sentinel in out.view(self._bits):
            self._check(self._view(src_base, src_acc).flatten(), src_base, src_acc, None, where)

    # -- offset arrays -------------------------------------------------------------
    def read_rel(self, base: int, rel: np.ndarray, lo: int, hi: int, where: object) -> np.ndarray:
        """Values at ``base + rel`` (``rel``'s range ``lo..hi`` known)."""
        self._range(base + lo, base + hi, where, "reads")
        vals = self.data[base + rel]
        self._check(vals, base, None, rel, where)
        return vals

    def write_rel(self, base: int, rel: np.ndarray, lo: int, hi: int, values: np.ndarray, where: object) -> None:
        self._range(base + lo, base + hi, where, "writes")
        self.data[base + rel] = values

    def read_index(self, addrs: np.ndarray, where: object) -> np.ndarray:
        if not addrs.size:
            return self.data[addrs]
        return self.read_rel(0, addrs, int(addrs.min()), int(addrs.max()), where)

    def write_index(self, addrs: np.ndarray, values: np.ndarray, where: object) -> None:
        if addrs.size:
            self.write_rel(0, addrs, int(addrs.min()), int(addrs.max()), values, where)

    # -- whole patterns (inputs and outputs) ------------------------------------------
    def read_affine(self, base: int, dims: Dims, where: object) -> np.ndarray:
        acc = Access(dims)
        return self.read(base, acc, where).reshape(acc.shape)

    def write_affine(self, base: int, dims: Dims, values: np.ndarray, where: object) -> None:
        acc = Access(dims)
        vals = np.asarray(values).reshape(-1).astype(self.data.dtype, copy=False)
        if self.unwritten(vals).any():
            raise TnccError(f"{self.name} value carries the reserved never-written bit pattern", where=str(where))
        self.write(base, acc, vals, where)
