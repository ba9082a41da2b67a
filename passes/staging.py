"""Staging: where a step's DRAM-resident tensors sit in the buffer while it runs.

Once anything streams, part of the buffer is the staging area
(``MemoryPlan.stage_base``/``stage_words``).  A step gives every tensor it
streams (operand A, operand B, the result) two slots, alternated block by
block so the DMA fills one while the array reads the other; a tensor whose
distinct boxes all fit beside the rest gets one slot per box instead
(loaded once, never overwritten within the step: :func:`own_slots`).  The
systolic back end adds a scratch matrix each for the reshaped A', B', C'.
The layout of every (tensor, box shape) comes from the back end
(:meth:`Backend.staging_layouts`: bank-tuned on fetta, compact on systolic).

Slots of alternate steps sit at opposite ends of the area, so a step's
first loads land clear of the previous step's last slots; co-scheduled
steps each get half of the area (their ``region``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tncc.errors import VerifyError
from tncc.ir import DType
from tncc.isa.arch import Arch
from tncc.passes.emitter import tensor_view
from tncc.passes.layout import Layout
from tncc.passes.memory_ir import Placement
from tncc.passes.shape import View
from tncc.passes.tiled_ir import DOUBLE_BUFFER, SLOT_A, SLOT_B, SLOT_RESULT, Block, TiledStep
from tncc.passes.work import own_slots

if TYPE_CHECKING:
    from tncc.passes.backend import Backend

__all__ = ["SLOT_A", "SLOT_B", "SLOT_RESULT", "BlockTensor", "StepState", "step_slots"]  # the slots are tiled_ir's, named here too

Box = tuple[tuple[int, int], ...]  # (start, extent) per axis of a tensor
LayoutKey = tuple[int, tuple[int, ...]]  # (slot position, box extents)


@dataclass
class StepState:
    """A step's staging: slot addresses, box layouts, the box each operand's
    current slot holds and which of its two slots is current."""

    slots: dict[Any, Any]
    layouts: dict[LayoutKey, Layout]
    fixed: dict[int, dict[Box, int]]  # tensors with a slot per box: box -> address
    span: tuple[int, int]  # the staging words the step's slots occupy, [lo, hi)
    last_box: dict[int, Box] = field(default_factory=dict)
    loaded: set[tuple[int, Box]] = field(default_factory=set)  # (tensor, box) in a fixed slot
    slot_of: dict[int, int] = field(default_factory=lambda: {SLOT_A: 1, SLOT_B: 1, SLOT_RESULT: 1})


@dataclass(slots=True)
class BlockTensor:
    """One tensor of a step (an operand or the result) as the code
    generator addresses it block after block: what is the same for every
    block, worked out once per step."""

    value: str
    indices: tuple[str, ...]
    view: View | None  # a resident tensor's view (the same in every block); None when it streams
    at: tuple[int, ...] | None  # where each index sits in a block's box (None: looked up by name)
    dram: int  # a streamed tensor's DRAM symbol: address and strides
    dram_strides: tuple[int, ...]
    dtype: DType
    unique: bool  # no repeated index (a view's origin is then the box's starts as they are)
    # By box extents: the staging layout and the strides of the view of a box in it.
    layouts: dict[tuple[int, ...], tuple[Layout, tuple[tuple[str, int], ...]]] = field(default_factory=dict)

    @classmethod
    def of(cls, value: str, indices: tuple[str, ...], place: Placement, dtype: DType,
           names: tuple[str, ...] | None) -> "BlockTensor":
        """The tensor ``value`` with ``indices`` placed at ``place``;
        ``names``: the step's indices in the order every block's box lists
        them (None when some block's box does not)."""
        view = tensor_view(*place.buffer_copy(), indices) if place.resident else None
        dram = 0
        strides: tuple[int, ...] = ()
        if not place.resident:
            dram, dlay, _ = place.dram_symbol()
            strides = tuple(dlay.strides)
        at = None if names is None else tuple(names.index(i) for i in indices)
        return cls(value, indices, view, at, dram, strides, dtype, len(set(indices)) == len(indices))

    def box(self, block: Block) -> Box:
        """``block.sub(indices)``: the tensor's box in ``block``."""
        if self.at is None:
            return block.sub(self.indices)
        b = block.box
        return tuple([(b[p][1], b[p][2]) for p in self.at])

    def layout(self, st: StepState, slot: int, box: Box) -> tuple[Layout, tuple[tuple[str, int], ...]]:
        """The staging layout of ``box`` (slot position ``slot`` of step
        state ``st``) and the strides of its view."""
        shape = tuple([e for _, e in box])
        hit = self.layouts.get(shape)
        if hit is None:
            lay = st.layouts[(slot, shape)]
            hit = self.layouts[shape] = (lay, tensor_view(0, lay, self.indices).strides)
        return hit

    def block_view(self, addr: int, strides: tuple[tuple[str, int], ...], box: Box) -> View:
        """The view of ``box`` staged at ``addr`` (``tensor_view`` with the box's starts as origin)."""
        if self.unique:
            return View(addr, strides, tuple(zip(self.indices, [st for st, _ in box])))
        return View(addr, strides, tuple(dict(zip(self.indices, [st for st, _ in box])).items()))


def block_boxes(ts: TiledStep, indices: tuple[str, ...]) -> list[Box]:
    """``block.sub(indices)`` of every block of ``ts``, in block order."""
    names = tuple(ix.name for ix in ts.indices)
    if not all(i in names for i in indices):
        return [b.sub(indices) for b in ts.blocks]
    at = tuple(names.index(i) for i in indices)
    out = []
    for b in ts.blocks:
        box = b.box
        # The boxes of blocks list the step's indices in its order (tiled_ir.Block).
        if len(box) != len(names) or any(box[p][0] != i for p, i in zip(at, indices)):
            out.append(b.sub(indices))
        else:
            out.append(tuple([(box[p][1], box[p][2]) for p in at]))
    return out


def step_slots(ts: TiledStep, places: dict[str, Placement], region: tuple[int, int], alternate: bool,
               backend: "Backend", arch: Arch) -> tuple[dict[Any, Any], dict[LayoutKey, Layout],
                                                       dict[int, dict[Box, int]], tuple[int, int]]:
    """Staging slot addresses of step ``ts`` within ``region`` (``[lo, hi)``):
    two per DRAM-resident tensor (by slot position) and the back end's
    scratch areas (by name); the layout of each (tensor, block box shape);
    and the tensors with one slot per box (``fixed``: box -> address); and
    the span the slots occupy.  ``alternate``: place them at the region's
    far end (the caller alternates steps)."""
    lo, hi = region
    base = lo
    step = ts.step
    tensors = [op.indices for op in step.operands] + ([()] if len(step.operands) == 1 else []) + [step.indices]
    values = [op.value for op in step.operands] + ([None] if len(step.operands) == 1 else []) + [step.result]
    staged = [k for k, val in enumerate(values) if val is not None and not places[val].resident]
    # Each staged tensor's distinct boxes, in the order blocks first reach them.
    boxes = {k: list(dict.fromkeys(block_boxes(ts, tensors[k]))) for k in staged}
    shapes = {k: sorted({tuple(e for _, e in bx) for bx in boxes[k]}) for k in staged}
    lays, words = backend.staging_layouts(ts, staged, shapes, hi - lo, arch)
    scratch = backend.scratch(ts)
    # Dedicated slots: when all of a tensor's distinct boxes fit next to
    # the rest, each box gets its own slot, loaded once (a box the block
    # loop revisits is not reloaded) and never overwritten within the
    # step, so its loads can run arbitrarily far ahead of the array.
    need = {k: sum(lays[(k, tuple(e for _, e in bx))].words for bx in boxes[k]) for k in staged}
    spare = (hi - lo) - DOUBLE_BUFFER * sum(words.values()) - sum(scratch.values())
    own = own_slots({k: (len(boxes[k]), need[k], words[k]) for k in staged}, spare, SLOT_RESULT)
    fixed: dict[int, dict[Box, int]] = {k: {} for k in staged if k in own}
    total = sum(need[k] if k in fixed else DOUBLE_BUFFER * words[k] for k in staged) + sum(scratch.values())
    if alternate:
        base = hi - total
    slots: dict[Any, Any] = {}
    for k in range(len(values)):
        if k not in words:
            slots[k] = (None, None)
        elif k in fixed:
            for bx in boxes[k]:
                fixed[k][bx] = base
                base += lays[(k, tuple(e for _, e in bx))].words
            slots[k] = (None, None)
        else:
            slots[k] = (base, base + words[k])
            base += DOUBLE_BUFFER * words[k]
    for key, w in scratch.items():
        slots[key] = base
        base += w
    if base > hi:
        raise VerifyError(f"step {ts.number}: its staging slots need {base - lo} words, the area has {hi - lo}")
    return slots, lays, fixed, (base - total, base)
