"""The fetta back end: tiles on contraction engines fed by Benes networks.

A block's tiles run as ``CTILE`` s, each after the ``DIST`` (operand
distribution networks) and ``RED`` (reduction network) configurations it
needs, emitted only when they change; blocks alternate their tile order
(serpentine) so the next block starts with the configuration the last one
ended with.  Staging slots get bank-tuned pitch paddings
(:mod:`tncc.passes.banks`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tncc.isa.arch import Arch
from tncc.isa.program import Instruction
from tncc.isa.table import Opcode, Unit
from tncc.passes.banks import step_uses, tune_deltas, weighted_passes, wide_room
from tncc.passes.layout import Layout, layout_with, stage_slacks
from tncc.passes.shape import View, plan_tile, tile_code
from tncc.passes.sync import NET_A, NET_B, RED_CFG
from tncc.passes.tiled_ir import DOUBLE_BUFFER, Block, IndexInfo, Tile, TiledStep
from tncc.plan import Plan

if TYPE_CHECKING:
    from tncc.passes.codegen import CodeGenerator


class FettaBackend:
    """:class:`~tncc.passes.backend.Backend` of the ``fetta`` kind."""

    kind = "fetta"
    tunes_banks = True
    loads_ahead = True
    co_schedules = True
    needs_scratch = False
    matrix_leaves = False

    def ones_words(self, plan: Plan) -> int:
        """One word (read with stride 0) when some step is unary."""
        return 1 if any(len(s.operands) == 1 for s in plan.steps) else 0

    def scratch_words(self, plan: Plan) -> int:
        return 0

    def scratch(self, ts: TiledStep) -> dict[str, int]:
        return {}

    def staging_layouts(self, ts: TiledStep, staged: list[int], shapes: dict[int, list[tuple[int, ...]]],
                        room: int, arch: Arch) -> tuple[dict[tuple[int, tuple[int, ...]], Layout], dict[int, int]]:
        """Each box shape's pitch paddings are tuned against the tiles of the
        blocks with that shape (``passes.banks``) within the slack the tiler
        budgeted; where conflicts remain and the staging area has room to
        spare, a tensor's slots take the wider paddings of
        ``banks.wide_room`` (largest saving first)."""
        banks, rports = arch.buffer.banks, arch.red.ports
        lays: dict[tuple[int, tuple[int, ...]], Layout] = {}
        saving: dict[int, float] = {}
        wide: dict[tuple[int, tuple[int, ...]], Layout] = {}
        for k in staged:
            saving[k] = 0.0
            for sh in shapes[k]:
                uses = step_uses(ts, k, rports, sh)
                d = tune_deltas(sh, uses, banks, rports, stage_slacks(sh, banks))
                lays[(k, sh)] = layout_with(sh, d)
                c, floor = weighted_passes(sh, d, uses, banks, rports)
                if c > floor and len(sh) > 1:
                    dw = tune_deltas(sh, uses, banks, rports, wide_room(sh, banks))
                    cw, _ = weighted_passes(sh, dw, uses, banks, rports)
                    if cw < c:
                        wide[(k, sh)] = layout_with(sh, dw)
                        saving[k] += c - cw
        words = {k: max(lays[(k, sh)].words for sh in shapes[k]) for k in staged}
        spare = room - DOUBLE_BUFFER * sum(words.values())
        for k in sorted(staged, key=lambda k: -saving[k]):
            if saving[k] <= 0:
                continue
            trial = {sh: wide.get((k, sh), lays[(k, sh)]) for sh in shapes[k]}
            more = max(t.words for t in trial.values()) - words[k]
            if DOUBLE_BUFFER * more <= spare:
                spare -= DOUBLE_BUFFER * more
                words[k] += more
                lays.update({(k, sh): t for sh, t in trial.items()})
        return lays, words

    def run_block(self, gen: "CodeGenerator", ts: TiledStep, block: Block, nblock: int, infos: dict[str, IndexInfo],
                  a: View, b: View, c: View, slots: dict[Any, Any], src: int) -> None:
        # Serpentine order: the next block starts with the tile shape this
        # one ended with, saving a network reconfiguration.
        tiles = block.tiles if nblock % 2 == 0 else tuple(reversed(block.tiles))
        for tile in tiles:
            self._ctile(gen, ts.number, tile, infos, a, b, c, src)

    def _ctile(self, gen: "CodeGenerator", number: int, tile: Tile, infos: dict[str, IndexInfo], a: View, b: View,
               c: View, src: int) -> None:
        # The tile's plan and the spans of its ranges depend only on its
        # shape and the views' strides (they repeat from tile to tile of
        # step ``number``): worked out once; only the addresses are new.
        key = (number, tile.dataflow, tile.tb, tile.tm, tile.tn, tile.tkk,
               tuple([(ax.index, ax.extent, ax.beats, ax.count) for ax in tile.axes]), a.strides, b.strides, c.strides)
        hit = gen.backend_memo.get(key)
        if hit is None:
            hit = gen.backend_memo[key] = (plan_tile(tile, infos, a, b, c, gen.arch),
                                           _span(a, tile), _span(b, tile), _span(c, tile))
        plan, span_a, span_b, span_c = hit
        start = {ax.index: ax.start for ax in tile.axes}
        a0, b0, c0 = a.address(start), b.address(start), c.address(start)
        code = tile_code(plan, tile, a0, b0, c0, gen.step_dtype(gen.tiled.steps[number]))
        e, cur = gen.e, gen.cur
        for key_, net, cfg, rng in (("A", 0, code.switch_a, NET_A), ("B", 1, code.switch_b, NET_B)):
            if cur[key_] is not cfg and cur[key_] != cfg:
                ins = Instruction.make(Opcode.DIST, src, net=net, cfg=e.ref("sw", cfg))
                e.emit(Unit.DIST, ins, [], [rng])
                cur[key_] = cfg
        if cur["R"] is not code.red and cur["R"] != code.red:
            e.emit(Unit.RED, Instruction.make(Opcode.RED, src, cfg=e.ref("red", code.red)), [], [RED_CFG])
            cur["R"] = code.red
        ra, rb, rc = (a0, a0 + span_a), (b0, b0 + span_b), (c0, c0 + span_c)
        gen.guard(rc)
        for desc in code.descs:
            ins = Instruction.make(Opcode.CTILE, src, tile=e.ref("tile", desc))
            e.emit(Unit.ARRAY, ins, [ra, rb, NET_A, NET_B, RED_CFG] + ([rc] if desc.accumulate else []), [rc],
                   [ra, rb])


def _span(v: View, tile: Tile) -> int:
    """How many words past its first one ``v``'s range in a tile reaches (see :func:`view_range`)."""
    return sum((ax.span - 1) * v.stride(ax.index) for ax in tile.axes)


def view_range(v: View, tile: Tile) -> tuple[int, int]:
    """The inclusive word range of ``v`` a tile touches."""
    start = {ax.index: ax.start for ax in tile.axes}
    lo = v.address(start)
    span = sum((ax.span - 1) * v.stride(ax.index) for ax in tile.axes)
    return (lo, lo + span)


FETTA = FettaBackend()

__all__ = ["FETTA", "FettaBackend", "view_range"]
