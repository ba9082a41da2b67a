"""The tiled IR: every plan step cut into buffer blocks and array tiles.

This is the level between the contraction plan (``tncc.plan``) and the ISA
program.  It says *which iteration points* every array operation covers, not
yet where the data lives (that is ``tncc.passes.shape`` and
``tncc.passes.alloc``).

A step ``C[out] = A[ia] * B[ib]`` (or ``C[out] = A[ia]`` for a unary step,
which is lowered as a product with an implicit all-ones operand) iterates over
the *step space*: every distinct index of its operands.  Each index has an
:class:`IndexRole`: batch (in A, B and C), left (A and C), right (B and C) or
contracted (not in C; possibly in only one operand: an A-only or B-only
summed index is folded into the contracted range, the other operand reading
it with stride 0, so no pre-reduction pass is needed).

The step space is cut into :class:`Block` s (boxes that fit the buffer when a
tensor lives in DRAM), each block into :class:`Tile` s.  A tile is one array
operation (a ``CTILE`` or, on the systolic preset, one or more ``GEMM`` s):
along each index it covers ``count`` loop iterations of ``beats`` beats of
``extent`` points, i.e. the index range

    start + c * (beats * extent) + t * extent + e,   c < count, t < beats, e < extent

where ``extent`` is the part spread over array ports (its :class:`Group`
says which port group), ``beats`` the part walked by beats (contracted
indices only) and ``count`` the part walked by the tile's loop nest.

Invariant (checked by :func:`verify_tiled_step` and property-tested): the
tiles of a step cover every point of the step space exactly once.
"""

from __future__ import annotations

import enum
import itertools
import math
from dataclasses import dataclass
from typing import Iterator

from tncc.errors import VerifyError
from tncc.plan import Step


class IndexRole(enum.Enum):
    """How an index of a step's space relates to the step's tensors (not to be
    confused with :class:`tncc.ir.Role`, a tensor's role in the network)."""

    BATCH = "batch"  # in A, B and C
    LEFT = "left"  # in A and C
    RIGHT = "right"  # in B and C
    CONTRACTED = "contracted"  # not in C (in A, B or both)


Role = IndexRole  # the name the tiled IR used first; new code says IndexRole


class Group(enum.Enum):
    """The port group an index's in-tile extent is spread over."""

    B = "b"
    M = "m"
    N = "n"
    K = "k"


ROLE_GROUP = {IndexRole.BATCH: Group.B, IndexRole.LEFT: Group.M, IndexRole.RIGHT: Group.N,
              IndexRole.CONTRACTED: Group.K}

SLOT_A, SLOT_B, SLOT_RESULT = 0, 1, 2
"""Positions of a step's tensors wherever they are listed together (staging
slots, a :class:`~tncc.passes.tile.Budget`'s ``staged``, bank uses): operand
A, operand B (the implicit all-ones vector of a unary step) and the result."""
OPERAND_SLOTS = SLOT_RESULT  # a step has at most two operands; a unary one's B is left empty
DOUBLE_BUFFER = 2  # staging slots of a streamed tensor: one is loaded while the array reads the other


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """How one index of the step space relates to the step's tensors."""

    name: str
    size: int
    role: IndexRole
    in_a: bool
    in_b: bool


@dataclass(frozen=True, slots=True)
class TileAxis:
    index: str
    start: int
    extent: int  # points spread over ports (or, for a GEMM, over the matrix dimension)
    beats: int = 1  # repetitions walked by beats (contracted indices)
    count: int = 1  # repetitions walked by the tile's loop nest

    @property
    def span(self) -> int:
        return self.extent * self.beats * self.count


@dataclass(frozen=True, slots=True)
class Tile:
    """One array operation.  ``axes`` has one entry per index of the step
    space, in the step's index order; ``tb, tm, tn, tkk`` are the products of
    the extents of the B, M, N and K groups, ``beats`` the product of beats.
    ``accumulate`` makes the first drain add to the result (the contracted
    range was split across blocks)."""

    dataflow: str
    axes: tuple[TileAxis, ...]
    tb: int
    tm: int
    tn: int
    tkk: int
    beats: int
    accumulate: bool = False

    def axis(self, index: str) -> TileAxis:
        for ax in self.axes:
            if ax.index == index:
                return ax
        raise KeyError(index)

    @property
    def count(self) -> int:
        return math.prod(ax.count for ax in self.axes)

    @property
    def macs(self) -> int:
        return self.count * self.beats * self.tb * self.tm * self.tn * self.tkk


@dataclass(frozen=True, slots=True)
class Block:
    """A box of the step space: ``box`` holds ``(index, start, extent)`` in the
    step's index order.  ``first_k``: no earlier block of the same result
    region (drains overwrite); ``last_k``: the result region is complete after
    this block (a DRAM-resident result is stored)."""

    box: tuple[tuple[str, int, int], ...]
    tiles: tuple[Tile, ...]
    first_k: bool = True
    last_k: bool = True

    def sub(self, indices: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
        """``(start, extent)`` of each of ``indices``: a tensor's box."""
        at = {name: (st, ext) for name, st, ext in self.box}
        return tuple(at[i] for i in indices)

    def extent(self, index: str) -> int:
        for name, _, ext in self.box:
            if name == index:
                return ext
        raise KeyError(index)

    def start(self, index: str) -> int:
        for name, st, _ in self.box:
            if name == index:
                return st
        raise KeyError(index)


@dataclass(frozen=True, slots=True)
class TiledStep:
    """One plan step, blocked and tiled.  ``number`` is its position in the
    plan; ``unary`` marks a one-operand step (B is the implicit ones)."""

    number: int
    step: Step
    indices: tuple[IndexInfo, ...]
    dataflow: str
    blocks: tuple[Block, ...]
    unary: bool = False

    def info(self, index: str) -> IndexInfo:
        for ix in self.indices:
            if ix.name == index:
                return ix
        raise KeyError(index)

    def group(self, role: IndexRole) -> tuple[IndexInfo, ...]:
        return tuple(ix for ix in self.indices if ix.role is role)

    @property
    def macs(self) -> int:
        return sum(t.macs for b in self.blocks for t in b.tiles)


@dataclass(frozen=True, slots=True)
class TiledProgram:
    steps: tuple[TiledStep, ...]
    arch_name: str

    def text(self) -> str:
        return format_tiled(self)

    def verify(self, max_points: int = 1 << 16) -> None:
        """Raise :class:`~tncc.errors.VerifyError` unless steps are numbered
        in order and every step's tiles cover its step space exactly once
        (:func:`verify_tiled_step`, point by point up to ``max_points``)."""
        for k, ts in enumerate(self.steps):
            if ts.number != k:
                raise VerifyError(f"step {k} is numbered {ts.number}")
            verify_tiled_step(ts, max_points)


# -- iteration --------------------------------------------------------------------


def axis_points(ax: TileAxis) -> range:
    """Index values an axis covers (contiguous by construction)."""
    return range(ax.start, ax.start + ax.span)


def tile_boxes(tile: Tile) -> Iterator[tuple[tuple[int, int], ...]]:
    """Every loop iteration of ``tile`` as a box ``((lo, hi), ...)`` per axis:
    the points one execution of the tile (all its beats) covers."""
    ranges = []
    for ax in tile.axes:
        width = ax.extent * ax.beats
        ranges.append([(ax.start + c * width, ax.start + (c + 1) * width) for c in range(ax.count)])
    yield from itertools.product(*ranges)


def verify_tiled_step(ts: TiledStep, max_points: int = 1 << 22) -> None:
    """Raise :class:`~tncc.errors.VerifyError` unless the tiles of ``ts`` cover the step space
    exactly once (point by point when the space has at most ``max_points``
    points, otherwise by volume and containment)."""
    import numpy as np

    names = [ix.name for ix in ts.indices]
    sizes = [ix.size for ix in ts.indices]
    volume = math.prod(sizes)
    covered = 0
    hits = np.zeros(sizes, dtype=np.int32) if volume <= max_points else None
    for block in ts.blocks:
        if tuple(n for n, _, _ in block.box) != tuple(names):
            raise VerifyError(f"step {ts.number}: block box indices")
        for tile in block.tiles:
            if tuple(ax.index for ax in tile.axes) != tuple(names):
                raise VerifyError(f"step {ts.number}: tile axes")
            for ax, (_, bst, bext) in zip(tile.axes, block.box):
                if not (ax.extent >= 1 and ax.beats >= 1 and ax.count >= 1):
                    raise VerifyError(f"step {ts.number}: empty axis {ax}")
                if not (bst <= ax.start and ax.start + ax.span <= bst + bext):
                    raise VerifyError(f"step {ts.number}: tile leaves its block on {ax.index}")
            covered += math.prod(ax.span for ax in tile.axes)
            if hits is not None:
                hits[tuple(slice(ax.start, ax.start + ax.span) for ax in tile.axes)] += 1
    if covered != volume:
        raise VerifyError(f"step {ts.number}: tiles cover {covered} points of {volume}")
    if hits is not None:
        if not (int(hits.min(initial=1)) == 1 and int(hits.max(initial=1)) == 1):
            raise VerifyError(f"step {ts.number}: a point is covered twice or never")


# -- text form --------------------------------------------------------------------


def _axis_text(ax: TileAxis) -> str:
    parts = [f"{ax.index}@{ax.start}:{ax.extent}"]
    if ax.beats > 1:
        parts.append(f"x{ax.beats}b")
    if ax.count > 1:
        parts.append(f"x{ax.count}L")
    return "".join(parts)


def format_tiled(tp: TiledProgram) -> str:
    """Deterministic text form (``tncc compile --emit tiled``)."""
    lines = [f"; tiled program for arch {tp.arch_name}"]
    for ts in tp.steps:
        ops = " * ".join(f"{o.value}[{','.join(o.indices)}]" for o in ts.step.operands)
        lines.append(f"step {ts.number}: {ts.step.result}[{','.join(ts.step.indices)}] = {ops}  ; {ts.dataflow}")
        roles = ", ".join(f"{ix.name}={ix.size}:{ix.role.value}" for ix in ts.indices)
        lines.append(f"  indices {roles}")
        for block in ts.blocks:
            box = " ".join(f"{n}[{s}:{s + e}]" for n, s, e in block.box)
            flags = ("" if block.first_k else " acc") + ("" if block.last_k else " partial")
            lines.append(f"  block {box}{flags}")
            for t in block.tiles:
                axes = " ".join(_axis_text(ax) for ax in t.axes if ax.span > 1 or ax.start)
                lines.append(
                    f"    tile {t.dataflow} tb={t.tb} tm={t.tm} tn={t.tn} tkk={t.tkk} beats={t.beats}"
                    f" count={t.count}{' acc' if t.accumulate else ''}  {axes}"
                )
    return "\n".join(lines) + "\n"
