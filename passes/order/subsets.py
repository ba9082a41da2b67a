"""Bitmask bookkeeping shared by the exact searches.

Tensors are bits of a *subset* mask, indices are bits of an *index* mask.  For
every subset ``S`` of the inputs, ``res[S]`` is the index mask of the tensor
that contracting ``S`` produces: the indices of ``S`` that some tensor outside
``S`` or the output still needs (a singleton keeps all its indices, because
contracting a leaf with anything reads all of them).  The cost of contracting
``S1`` with ``S2`` then depends only on ``res[S1] | res[S2]``, which is what
makes dynamic programming over subsets exact for hyperedges and outer products
alike.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence


def bits(mask: int) -> list[int]:
    """The positions of the set bits of ``mask``, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def index_numbers(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...]) -> dict[str, int]:
    """Each index's bit position: in order of first appearance in the inputs,
    then the output's own."""
    names: dict[str, int] = {}
    for ix in inputs:
        for i in ix:
            names.setdefault(i, len(names))
    for i in output:
        names.setdefault(i, len(names))
    return names


class MaskProducts:
    """Products of index sizes over bit masks of indices, memoised.  Masks
    are read a byte at a time through per-byte product tables: windows of
    big networks have tens of indices and nearly every mask is new.
    ``cache`` is open to hot loops that look a mask up before calling."""

    __slots__ = ("sizes", "cache", "_chunks")

    def __init__(self, sizes: Sequence[int]):
        self.sizes = tuple(sizes)
        self.cache: dict[int, int] = {0: 1}
        self._chunks: list[list[int] | None] = [None] * ((len(self.sizes) + 7) // 8)

    def prod(self, mask: int) -> int:
        """Product of the sizes of the indices in ``mask``."""
        p = self.cache.get(mask)
        if p is None:
            p = 1
            m = mask
            k = 0
            chunks = self._chunks
            while m:
                b = m & 255
                if b:
                    t = chunks[k]
                    if t is None:
                        t = chunks[k] = self._chunk(k)
                    p *= t[b]
                m >>= 8
                k += 1
            self.cache[mask] = p
        return p

    def _chunk(self, k: int) -> list[int]:
        """Products of the sizes of indices ``8k .. 8k + 7`` for every byte."""
        sizes = self.sizes[8 * k:8 * k + 8]
        t = [1] * 256
        for b in range(1, 1 << len(sizes)):
            low = b & -b
            t[b] = t[b ^ low] * sizes[low.bit_length() - 1]
        return t


class SubsetTable:
    """Per-subset result masks and a memoised size product for ``n`` inputs.

    Memory and set-up time are ``O(2^n)``; callers keep ``n`` in the exact range."""

    __slots__ = ("n", "names", "sizes", "tmask", "outmask", "res", "_prod", "prod", "full")

    def __init__(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]):
        names = index_numbers(inputs, output)
        self.names = tuple(names)
        self.sizes = tuple(int(sizes[i]) for i in self.names)
        self.n = n = len(inputs)
        self.tmask = tuple(sum(1 << names[i] for i in set(ix)) for ix in inputs)
        self.outmask = sum(1 << names[i] for i in set(output))
        self.full = (1 << n) - 1
        union = [0] * (1 << n)
        for s in range(1, 1 << n):
            low = s & -s
            union[s] = union[s ^ low] | self.tmask[low.bit_length() - 1]
        full, outmask = self.full, self.outmask
        res = [0] * (1 << n)
        for s in range(1, 1 << n):
            if s & (s - 1):
                res[s] = union[s] & (union[full ^ s] | outmask)
            else:
                res[s] = union[s]
        self.res = res
        products = MaskProducts(self.sizes)
        self._prod = products.cache
        self.prod = products.prod

    def indices(self, mask: int) -> tuple[str, ...]:
        return tuple(self.names[b] for b in range(len(self.names)) if mask >> b & 1)

    def bits(self, subset: int) -> tuple[int, ...]:
        return tuple(b for b in range(self.n) if subset >> b & 1)


def log_prod(sizes: Sequence[int]) -> float:
    return sum(math.log2(s) for s in sizes)
