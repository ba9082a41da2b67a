"""Stored layouts of tensors: per-axis word strides.

A :class:`Layout` is the address map of one stored tensor region: word
``base + sum(i_k * strides[k])`` holds the element with axis indices ``i``.
Axes are the tensor's own axes (declared order for leaves and statement
results, the step's index order for temporaries).

Two families are produced here:

* :func:`compact` - row-major and contiguous in a chosen axis order (DRAM
  symbols, and every buffer tensor on the systolic preset, whose GEMM needs
  contiguous row-major operands);
* :func:`banked` - row-major in a chosen axis order with row pitches padded
  to odd numbers (pitches of 8 words or more), so that ports walking an outer
  axis land in distinct banks.  Operand ports that walk an outer axis then read distinct
  banks, so beats stay conflict-free (``docs/machine.md``, "Bank conflicts").
  Used for every buffer tensor on the fetta preset: the padding costs at most
  one word per row and removes the ``pitch mod banks == 0`` pathology of
  power-of-two shapes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Layout:
    """``strides[k]`` words between consecutive values of axis ``k``;
    ``words`` is the extent of the address range used (base excluded)."""

    shape: tuple[int, ...]
    strides: tuple[int, ...]
    words: int

    def offset(self, index: tuple[int, ...]) -> int:
        return sum(i * s for i, s in zip(index, self.strides))

    def order(self) -> tuple[int, ...]:
        """Axes from outermost to innermost (by stride; ties keep axis order)."""
        return tuple(sorted(range(len(self.shape)), key=lambda k: (-self.strides[k], k)))

    def is_compact_in(self, order: tuple[int, ...]) -> bool:
        """True when the layout is contiguous row-major with axes in ``order``
        (axes of size 1 may be anywhere)."""
        return self.strides_equal(compact(self.shape, order))

    def strides_equal(self, other: "Layout") -> bool:
        return all(s1 == s2 or n == 1 for s1, s2, n in zip(self.strides, other.strides, self.shape))


def matrix_layout(shape: tuple[int, ...], cols: int) -> Layout:
    """A row-major matrix layout of ``shape`` whose last ``cols`` axes form a
    row, with the row pitch padded to an odd number of words (one word at
    most): consecutive rows then start in distinct banks of any power-of-two
    bank count, so a copy that writes (or reads) it down a column is free
    of bank conflicts.  At most one word per row more than compact."""
    row = math.prod(shape[len(shape) - cols:]) if cols else 1
    pitch = row + 1 if row > 1 and row % 2 == 0 else row
    strides = list(_compact(tuple(shape[len(shape) - cols:]), None).strides) if cols else []
    acc = pitch
    outer: list[int] = []
    for e in reversed(shape[:len(shape) - cols]):
        outer.append(acc)
        acc *= e
    strides = list(reversed(outer)) + strides
    rows = math.prod(shape[:len(shape) - cols])
    return Layout(tuple(shape), tuple(strides), max(1, (rows - 1) * pitch + row))


def matrix_words(rows: int, row: int) -> int:
    """Words :func:`matrix_layout` may take for ``rows`` rows of ``row`` words."""
    return rows * (row + 1 if row > 1 and row % 2 == 0 else row)


def compact(shape: tuple[int, ...], order: tuple[int, ...] | None = None) -> Layout:
    """Row-major contiguous layout; ``order`` lists axes outermost first
    (default: declared order)."""
    return _compact(tuple(shape), None if order is None else tuple(order))


@lru_cache(maxsize=4096)
def _compact(shape: tuple[int, ...], order: tuple[int, ...] | None) -> Layout:
    order = tuple(range(len(shape))) if order is None else tuple(order)
    assert sorted(order) == list(range(len(shape))), f"bad axis order {order} for rank {len(shape)}"
    strides = [0] * len(shape)
    acc = 1
    for k in reversed(order):
        strides[k] = acc
        acc *= shape[k]
    return Layout(tuple(shape), tuple(strides), max(1, math.prod(shape)))


def padded_pitch(pitch: int, banks: int) -> int:
    """The pitch to use for a row of ``pitch`` words: unchanged when already
    odd or shorter than 8 words (padding would cost more than 1/8 of the
    memory), otherwise the next odd number: ports that walk ``banks``
    consecutive rows of an odd pitch hit ``banks`` distinct banks (``banks``
    is a power of two).  ``banks`` is kept for callers that tune by it."""
    if pitch < 8 or pitch % 2 == 1:
        return pitch
    return pitch + 1


def banked(shape: tuple[int, ...], banks: int, order: tuple[int, ...] | None = None) -> Layout:
    """Row-major layout in ``order`` with bank-padded pitches (module doc)."""
    order = tuple(range(len(shape))) if order is None else tuple(order)
    strides = [0] * len(shape)
    acc = 1
    for k in reversed(order):
        strides[k] = acc
        acc = padded_pitch(acc * shape[k], banks) if shape[k] > 1 else acc
    words = 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    return Layout(tuple(shape), tuple(strides), max(1, words))


SLACK_WORDS = 8  # the padding any pitch may take
SLACK_ROW_SHARE = 32  # a long row may take up to 1/SLACK_ROW_SHARE of its length (at most a bank row)
STAGE_SHORT_SHARE = 4  # a staged block's short row: at most 1/STAGE_SHORT_SHARE of it (at least 2: an odd pitch)


def slacks(shape: tuple[int, ...], banks: int) -> tuple[int, ...]:
    """Paddings a bank-tuned layout may add to each pitch (axis ``k`` for
    ``k < rank - 1``): ``SLACK_WORDS``, or up to one bank row for long rows,
    at most a ``SLACK_ROW_SHARE``-th of the compact row length
    (``tncc.passes.banks``)."""
    out = []
    for k in range(len(shape) - 1):
        row = math.prod(shape[k + 1:])
        out.append(max(SLACK_WORDS, min(banks, row // SLACK_ROW_SHARE)))
    return tuple(out)


def layout_with(shape: tuple[int, ...], deltas: tuple[int, ...]) -> Layout:
    """Row-major in declared order; the pitch of axis ``k`` (``k < rank-1``)
    is the row length of the (padded) inner axes plus ``deltas[k]``."""
    r = len(shape)
    strides = [1] * r
    for k in range(r - 2, -1, -1):
        strides[k] = strides[k + 1] * shape[k + 1] + (deltas[k] if shape[k] > 1 else 0)
    words = 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    return Layout(tuple(shape), tuple(strides), max(1, words))


def stage_slacks(shape: tuple[int, ...], banks: int) -> tuple[int, ...]:
    """:func:`slacks` of a staged block: at most a ``STAGE_SHORT_SHARE``-th
    of a short row (at least 2, so that an odd pitch is in reach).  The
    tiler budgets every staged block with its paddings at their largest
    (:func:`staged_words`): the 8 words a resident tensor may take on rows
    of 8 words nearly doubled a small block's budget, and halved the
    blocks (and doubled the transfers) of programs at small buffers.  A
    resident tensor keeps the wider slack: it is tuned against every step
    that reads it, where a block's slot serves one step's tiles."""
    return tuple(min(s, max(2, math.prod(shape[k + 1:]) // STAGE_SHORT_SHARE)) for k, s in enumerate(slacks(shape, banks)))


@lru_cache(maxsize=65536)
def banked_words(shape: tuple[int, ...], banks: int) -> int:
    """Words to budget for a bank-tuned layout of ``shape`` (the layout with
    every padding at its largest: any tuned choice fits in it; cached: the
    order search asks for the same tensors many times)."""
    return layout_with(shape, tuple(s - 1 for s in slacks(shape, banks))).words


@lru_cache(maxsize=65536)
def staged_words(shape: tuple[int, ...], banks: int) -> int:
    """:func:`banked_words` of a staged block (:func:`stage_slacks`; cached:
    the blocking search asks for the same block shapes many times)."""
    return layout_with(shape, tuple(s - 1 for s in stage_slacks(shape, banks))).words


def sub_layout(layout: Layout, box: tuple[tuple[int, int], ...]) -> tuple[int, Layout]:
    """The region ``box`` (``(start, extent)`` per axis) of a stored tensor:
    its offset from the tensor's base and its layout (same strides)."""
    off = sum(st * s for (st, _), s in zip(box, layout.strides))
    shape = tuple(ext for _, ext in box)
    words = 1 + sum((n - 1) * s for n, s in zip(shape, layout.strides))
    return off, Layout(shape, layout.strides, max(1, words))
