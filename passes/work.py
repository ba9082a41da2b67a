"""The work of a tiled step, in the terms of the machine's cost model.

:func:`step_work` turns the tiler's decisions for one step (its blocks and
tiles, and which of its tensors stream through staging slots) into a
:class:`tncc.isa.model.StepWork`: the tile runs or GEMMs, and the DRAM
transfers the lowering will issue for it.  The transfer rule is the
lowering's own (``passes.lower``): a streamed tensor's box is loaded when
the block loop comes to a box different from the previous one, or once per
distinct box when the tensor gets a slot per box (:func:`own_slots`); a
streamed result is stored once per distinct box.  Both the order search's
per-step costs and co-scheduling's pairing read this, so they see the
transfers the program will make.
"""

from __future__ import annotations

import math


from tncc.errors import TnccError
from tncc.isa.arch import Arch
from tncc.isa.model import StepWork, TileRun
from tncc.passes.shape import box_transfers
from tncc.passes.tile import (COPY, Budget, block_extents, block_order, block_shapes, classify, port_hint,
                              stream_visits, tile_block_fetta, tile_block_gemm)
from tncc.passes.tiled_ir import DOUBLE_BUFFER, SLOT_RESULT, Tile, TiledStep
from tncc.plan import Step



def own_slots(tensors: dict[int, tuple[int, int, int]], spare: int, result: int) -> set[int]:
    """The staged tensors that get a slot per distinct box (loaded once, never
    overwritten within the step): ``tensors`` maps each (operand position,
    ``result`` for the result) to (distinct boxes, their words, a slot's
    words); a tensor with more than two boxes qualifies while its boxes fit
    in ``spare`` words beyond its two slots, operands first, larger first."""
    out: set[int] = set()
    for k in sorted(tensors, key=lambda k: (k == result, -tensors[k][1])):
        boxes, need, words = tensors[k]
        if boxes > DOUBLE_BUFFER and need - DOUBLE_BUFFER * words <= spare:
            spare -= need - DOUBLE_BUFFER * words
            out.add(k)
    return out


def staged_transfers(ts: TiledStep, staged: tuple[bool, ...], budget: int) -> dict[int, list[int]]:
    """Words of every transfer of each streamed tensor (position 0, 1 for the
    operands, the last for the result) given ``budget`` words of staging."""
    ops = [op.indices for op in ts.step.operands] + [ts.step.indices]
    result = len(ops) - 1
    flags = list(staged[:len(ops) - 1]) + [staged[-1]]
    boxes = {k: [b.sub(ixs) for b in ts.blocks] for k, ixs in enumerate(ops) if flags[k] and ixs}
    size = {box: math.prod(e for _, e in box) for bs in boxes.values() for box in bs}
    distinct = {k: list(dict.fromkeys(bs)) for k, bs in boxes.items()}
    slot = {k: max(size[b] for b in bs) for k, bs in distinct.items()}
    own = own_slots({k: (len(distinct[k]), sum(size[b] for b in distinct[k]), slot[k]) for k in boxes},
                    budget - DOUBLE_BUFFER * sum(slot.values()), result)
    out: dict[int, list[int]] = {}
    for k, bs in boxes.items():
        if k in own or k == result:
            moved = distinct[k]
        else:
            moved = [box for n, box in enumerate(bs) if n == 0 or box != bs[n - 1]]
        out[k] = [size[box] for box in moved]
    return out


def step_work(ts: TiledStep, staged: tuple[bool, ...], budget: int, in_bytes: tuple[int, ...], out_bytes: int,
              whole_loads: tuple[int, ...] = (), whole_store: int = 0, shape_words: int = 0) -> StepWork:
    """The :class:`StepWork` of ``ts``: its tiles (fetta) or GEMMs (systolic),
    the transfers of its streamed tensors (``in_bytes`` per operand element,
    ``out_bytes`` per result element), plus whole-tensor loads of
    ``whole_loads`` bytes each and a store of ``whole_store`` bytes (resident
    leaves and outputs) and ``shape_words`` of SHAPE passes."""
    runs: list[TileRun] = []
    gemms: list[tuple[int, int, int, int]] = []
    for block in ts.blocks:
        shape_words += _tile_work(block.tiles, 1, runs, gemms)
    loads = [(b, 1) for b in whole_loads]
    stores = [(whole_store, 1)] if whole_store else []
    result = len(ts.step.operands)
    for k, words in staged_transfers(ts, staged, budget).items():
        if k == result:
            stores.extend((w * out_bytes, 1) for w in words)
        else:
            loads.extend((w * in_bytes[k], 1) for w in words)
    return StepWork(ts.macs, tuple(runs), tuple(gemms), shape_words, tuple(loads), tuple(stores))


def _tile_work(tiles: tuple[Tile, ...], times: int, runs: list[TileRun], gemms: list[tuple[int, int, int, int]]) -> int:
    """Append ``times`` runs of ``tiles`` to ``runs`` / ``gemms``; returns the
    words of the SHAPE copies among them."""
    words = 0
    for t in tiles:
        if t.dataflow == COPY:
            words += times * t.count * t.tm * t.tn
        elif t.dataflow == "gemm":
            gemms.append((t.tm, t.tn, t.beats, times * t.count))
        else:
            runs.append(TileRun(t.beats, t.tb * t.tm * t.tn, times * t.count,
                                t.beats * t.tb * t.tkk * (t.tm + t.tn)))
    return words


# A block must hold at least this fraction of one pass of the array: below it
# the step is all per-block overhead (and its blocks take minutes to emit).
# A sixteenth keeps steps a small buffer can still run well (a 16 KiB buffer
# on the systolic preset tiles some steps into blocks of a few dozen MACs).
BLOCK_FLOOR_DIVISOR = 16


def blocked_work(step: Step, sizes: dict[str, int], arch: Arch, budget: Budget, in_bytes: tuple[int, ...],
                 out_bytes: int, whole_loads: tuple[int, ...] = (), whole_store: int = 0,
                 shape_words: int = 0) -> tuple[str, StepWork]:
    """The tiler's dataflow and the :class:`StepWork` of ``step`` under
    ``budget``, in closed form: the same block extents and tile choice as
    ``passes.tile.tile_step``, but each distinct block shape (at most two
    extents per index: the block and the remainder) tiled once and counted
    by its multiplicity, and the transfers counted by the rule of
    :func:`staged_transfers` on the block loop order (free indices, then
    contracted ones, fastest last) without listing the blocks: a streamed
    operand is loaded again whenever an index it has changes, once per
    distinct box when its boxes get slots of their own, and a streamed
    result is stored once per distinct box."""
    infos = classify(step, sizes)
    unary = len(step.operands) == 1
    if any(budget.staged) or budget.scratch:
        ext = block_extents(step, infos, budget, arch, "a candidate step")
    else:
        ext = {ix.name: ix.size for ix in infos}
    block_macs = math.prod(ext.values())
    floor = arch.peak_macs_per_cycle // BLOCK_FLOOR_DIVISOR
    if block_macs < min(math.prod(ix.size for ix in infos), floor):
        # Blocks that cannot fill the array once: the step is then all
        # overhead (and the lowering would take minutes to emit its blocks
        # one by one); the buffer is reported as too small for it.
        raise TnccError(f"a block of this step holds {block_macs} MACs, less than one pass of the array "
                        f"({floor}): the buffer is too small for it")
    hint = port_hint(step)
    runs: list[TileRun] = []
    gemms: list[tuple[int, int, int, int]] = []
    dataflow = ""
    for box, times in block_shapes(infos, ext):
        # blocks after the first along a contracted index accumulate (their tile cost is the same)
        if arch.kind == "fetta":
            tiles = tile_block_fetta(arch, infos, box, False, hint)
        else:
            tiles = tile_block_gemm(infos, box, False, unary)
        dataflow = dataflow or tiles[0].dataflow
        shape_words += _tile_work(tiles, times, runs, gemms)
    nb = {ix.name: -(-ix.size // ext[ix.name]) for ix in infos}
    loads = [(b, 1) for b in whole_loads]
    stores = [(whole_store, 1)] if whole_store else []
    tensors = [tuple(op.indices) for op in step.operands]
    order = block_order(step, infos, ext, budget, arch)
    for k, (times, own) in stream_visits(step, infos, ext, budget, True, order).items():
        ixs = tensors[k]
        words = math.prod(sizes[i] for i in ixs)
        pieces = box_transfers([ext[i] for i in ixs], [sizes[i] for i in ixs])
        loads.extend(_spread(words * in_bytes[k] * (times // own), times * pieces))
    if budget.staged[SLOT_RESULT]:
        out = tuple(step.indices)
        stores.extend(_spread(math.prod(sizes[i] for i in out) * out_bytes,
                              math.prod(nb[i] for i in out) * box_transfers([ext[i] for i in out],
                                                                            [sizes[i] for i in out])))
    macs = math.prod(sizes[ix.name] for ix in infos)
    return dataflow, StepWork(macs, tuple(runs), tuple(gemms), shape_words, tuple(loads), tuple(stores))


def _spread(nbytes: int, transfers: int) -> list[tuple[int, int]]:
    """``transfers`` transfers moving ``nbytes`` bytes in all, as even as may
    be, as (bytes, count) pairs."""
    q, r = divmod(nbytes, transfers)
    return [(b, c) for b, c in ((q + 1, r), (q, transfers - r)) if c]
