"""Code generation: the tiled plan and the memory plan become an ISA program.

For every step, in plan order:

1. resident leaves used for the first time are loaded whole (``LOAD``);
2. for every block, operands that live in DRAM are loaded into their staging
   slot (two slots per tensor, alternated, so the DMA fills one while the
   array reads the other; a sub-box equal to the previous block's is reused;
   when all of a tensor's boxes fit, each has a slot of its own and is
   loaded once);
3. fetta: for every tile the distribution networks and the reduction network
   are (re)configured when their configuration changes (``DIST``, ``RED``)
   and the tile runs (``CTILE``); systolic: operands are copied into
   row-major ``[batch, M, K]`` / ``[batch, K, N]`` matrices by ``SHAPE``
   when their layout is not already that, one ``GEMM`` runs per batch point,
   and the result is copied into its layout by ``SHAPE`` when that differs;
4. DRAM-resident results are stored block by block, each after the next
   block's loads; a step's last stores and resident outputs wait for the
   next loads too (deferred stores).

Loads of a later step are issued ahead where the DMA would otherwise idle
(``_prefetch``, ``_lookahead``), and a DMA-bound step may run block by
block together with an independent compute-bound one (:func:`co_schedule`;
``docs/lowering.md``, "Overlap").
Synchronisation comes from :class:`tncc.passes.sync.SyncTracker`: each
instruction declares the buffer ranges it reads and writes.  Every
instruction carries the index of the ``.tn`` statement it was generated for.
Config records are deduplicated.  :func:`lower_plan` lowers the options a
plan has (staging share, wide paddings, lookahead, co-scheduled pairs) and
keeps the one with the fewest modelled cycles (:mod:`tncc.passes.estimate`);
:class:`tncc.passes.options.LoweringOptions` forces any of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from tncc.ir import DType
from tncc.isa.program import GemmDesc, Instruction, Program, Symbol
from tncc.errors import Diagnostic, TnccError
from tncc.isa.table import CONFIG_INDEX_BITS, NO_SRC, Opcode, Unit
from tncc.passes.alloc import ONES, Kind, MemoryPlan
from tncc.passes.layout import Layout, compact, layout_with
from tncc.passes.shape import View, copy_descs, gemm_extents, is_row_major, lower_tile, words_spanned
from tncc.passes.sync import NET_A, NET_B, RED_CFG, SyncTracker
from tncc.passes.estimate import estimate_cycles
from tncc.passes.options import DEFAULT as DEFAULT_OPTIONS, LoweringOptions
from tncc.passes.tile import COPY
from tncc.passes.tiled_ir import Block, IndexInfo, Role, Tile, TiledProgram, TiledStep
from tncc.plan import Plan


CONFIG_INDEX_MAX = (1 << CONFIG_INDEX_BITS) - 1
_TABLE_NAMES = {"dma": "DMA", "sw": "switch", "red": "reduction", "tile": "tile", "gemm": "GEMM"}


class CannotExpress(Exception):
    """The ISA cannot encode what a step needs (a descriptor table past its
    index field); :meth:`_Lowering.run` names the statement."""


@dataclass
class _Emitter:
    """Instruction stream under construction with deduplicated config tables."""

    sync: SyncTracker = field(default_factory=SyncTracker)
    code: list[Instruction] = field(default_factory=list)
    tables: dict[str, dict[Any, int]] = field(default_factory=lambda: {k: {} for k in ("dma", "sw", "red", "tile", "gemm")})
    shapes: int = 0
    where: list[int] = field(default_factory=lambda: [-1])  # seq of an access -> its index in code

    def ref(self, kind: str, rec: Any) -> int:
        t = self.tables[kind]
        if rec not in t:
            if len(t) > CONFIG_INDEX_MAX:
                raise CannotExpress(f"it needs more than {CONFIG_INDEX_MAX + 1:,} distinct {_TABLE_NAMES[kind]} "
                                    f"descriptors, and instructions index them with {CONFIG_INDEX_BITS}-bit fields")
            t[rec] = len(t)
        return t[rec]

    def emit(self, unit: Unit, ins: Instruction, reads: list, writes: list, early_reads: list | None = None) -> None:
        self.code.extend(self.sync.access(unit, reads, writes, ins.src, early_reads))
        self.where.append(len(self.code))
        self.code.append(ins)

    def finish(self) -> list[Instruction]:
        """The stream with the early SIGNALs (``SyncTracker.early``) placed
        right after the instructions they follow."""
        after: dict[int, list[Instruction]] = {self.where[seq]: sigs for seq, sigs in self.sync.early.items()}
        if not after:
            return self.code
        out: list[Instruction] = []
        for k, ins in enumerate(self.code):
            out.append(ins)
            sigs = after.get(k)
            if sigs:
                out.extend(sigs)
        return out

    def records(self, kind: str) -> tuple:
        return tuple(self.tables[kind])


def _rng(base: int, extents: list[int], strides: list[int]) -> tuple[int, int]:
    lo = base + sum((e - 1) * s for e, s in zip(extents, strides) if s < 0)
    return (lo, lo + words_spanned(extents, strides) - 1)


def symbol_name(value: str) -> str:
    """DRAM symbol of a value: its name, temporaries ``%N`` as ``tmp.N``."""
    return "tmp." + value[1:] if value.startswith("%") else value


def _tensor_view(base: int, layout: Layout, indices: tuple[str, ...], origin: tuple[tuple[str, int], ...] = ()) -> View:
    strides: dict[str, int] = {}
    for i, s in zip(indices, layout.strides):
        strides[i] = strides.get(i, 0) + s  # a repeated index walks the diagonal
    return View(base, tuple(strides.items()), tuple(dict(origin).items()))


@dataclass
class _StepState:
    """A step's staging: slot addresses, box layouts, the box each operand's
    current slot holds and which of its two slots is current."""

    slots: dict[Any, Any]
    layouts: dict[tuple[int, tuple[int, ...]], Layout]
    fixed: dict[int, dict[tuple, int]]  # tensors with a slot per box: box -> address
    span: tuple[int, int]  # the staging words the step's slots occupy, [lo, hi)
    last_box: dict[int, tuple] = field(default_factory=dict)
    loaded: set[tuple[int, tuple]] = field(default_factory=set)  # (tensor, box) in a fixed slot
    slot_of: dict[int, int] = field(default_factory=lambda: {0: 1, 1: 1, 2: 1})


class _Lowering:
    def __init__(self, plan: Plan, tiled: TiledProgram, mem: MemoryPlan, arch: Any, lookahead: bool = False,
                 pairs: dict[int, int] | None = None, prefetch: bool = True, defer: bool = True) -> None:
        self.plan, self.tiled, self.mem, self.arch = plan, tiled, mem, arch
        self.lookahead = lookahead  # see _lookahead
        self.prefetch = prefetch  # see _prefetch
        self.defer = defer  # stores wait for the next loads (see _blocks); else each goes out when complete
        # Co-scheduled steps (see co_schedule): step s -> step t run block by
        # block together, each in its own half of the staging area.
        self.pairs = dict(pairs or {})
        self.regions: dict[int, tuple[int, int]] = {}
        half = mem.stage_words // 2
        for a, b in self.pairs.items():
            self.regions[a] = (mem.stage_base, mem.stage_base + half)
            self.regions[b] = (mem.stage_base + half, mem.stage_base + mem.stage_words)
        self.pairing = False
        # The steps in the order they run: a pair's second step right after
        # its first.  Loads issued ahead (``_load_ahead``) reason about the
        # steps that run in between, which are not those numbered in between.
        later = set(self.pairs.values())
        self.order: list[int] = []
        for ts in tiled.steps:
            if ts.number not in later:
                self.order.append(ts.number)
                if ts.number in self.pairs:
                    self.order.append(self.pairs[ts.number])
        self.position = {k: n for n, k in enumerate(self.order)}
        self.net = plan.network
        self.e = _Emitter()
        self.values = {v.name: v for v in mem.values}
        self.places = {p.value: p for p in mem.placements}
        self.loaded: set[str] = set()
        self.fetta = arch.kind == "fetta"
        self.cur = {"A": None, "B": None, "R": None}
        self.stmt_index = {st.result: k for k, st in enumerate(self.net.statements)}
        self.dtype = DType.INT32 if self.net.dtype.is_int else self.net.dtype
        # Stores of a step's last results, held back until the next step's
        # first operands are loaded (``_copy`` arguments); see ``_flush``.
        self.deferred: list[tuple] = []
        self.parity = 0  # staging slots of alternate steps sit at opposite ends of the area
        self.states: dict[int, _StepState] = {}  # staging of each step, made when first needed
        self.prefetched: set[int] = set()  # steps whose first block was loaded during earlier steps
        self.last_span = (0, 0)  # staging words of the last streaming step emitted

    # -- data movement -----------------------------------------------------------------
    def _copy(self, op: Opcode, src_base: int, src_strides: list[int], dst_base: int, dst_strides: list[int],
              extents: list[int], dtype: DType, src: int) -> None:
        if self.deferred and (op is not Opcode.LOAD or self._clashes(src_base, src_strides, dst_base, dst_strides,
                                                                      extents)):
            self._flush()
        for fo, to, desc in copy_descs(extents, src_strides, dst_strides, dtype):
            d = self.e.ref("dma", desc)
            sub = [row[0] for row in desc.dims]
            if op is Opcode.LOAD:
                ins = Instruction.make(op, src, dram=src_base + fo, buf=dst_base + to, desc=d)
                self.e.emit(Unit.DMA, ins, [], [_rng(dst_base + to, sub, [r[2] for r in desc.dims])])
            elif op is Opcode.STORE:
                ins = Instruction.make(op, src, buf=src_base + fo, dram=dst_base + to, desc=d)
                self.e.emit(Unit.DMA, ins, [_rng(src_base + fo, sub, [r[1] for r in desc.dims])], [])
            else:
                ins = Instruction(op, (src_base + fo, dst_base + to, d), src)  # fields src, dst, desc
                self.e.shapes += 1
                self.e.emit(Unit.DMA, ins, [_rng(src_base + fo, sub, [r[1] for r in desc.dims])],
                            [_rng(dst_base + to, sub, [r[2] for r in desc.dims])])

    def _clashes(self, dram: int, dram_strides: list[int], buf: int, buf_strides: list[int],
                 extents: list[int]) -> bool:
        """Would a load of this box overtake a deferred store it depends on:
        read DRAM words the store writes, or overwrite buffer words it reads?
        (The DMA runs its queue in order, so the sync pairs cannot see this.)"""
        d = _rng(dram, extents, dram_strides)
        b = _rng(buf, extents, buf_strides)
        for sbuf, sstrides, sdram, sdstrides, sext, _, _ in self.deferred:
            sd = _rng(sdram, sext, sdstrides)
            sb = _rng(sbuf, sext, sstrides)
            if (d[0] <= sd[1] and sd[0] <= d[1]) or (b[0] <= sb[1] and sb[0] <= b[1]):
                return True
        return False

    def _guard(self, write: tuple[int, int]) -> None:
        """Before an instruction writes buffer words ``write``: emit the
        deferred stores that read any of them (program order is the
        semantics; the sync pairs only add the waiting)."""
        for sbuf, sstrides, _, _, sext, _, _ in self.deferred:
            sb = _rng(sbuf, sext, sstrides)
            if sb[0] <= write[1] and write[0] <= sb[1]:
                self._flush()
                return

    def _flush(self) -> None:
        """Emit the deferred stores."""
        stores, self.deferred = self.deferred, []
        for args in stores:
            self._copy(Opcode.STORE, *args)

    def _load_whole(self, name: str, src: int) -> None:
        v, p = self.values[name], self.places[name]
        self._copy(Opcode.LOAD, p.dram, list(p.dram_layout.strides), p.buf, list(p.layout.strides), list(v.shape), v.dtype, src)

    # -- the program ---------------------------------------------------------------------
    def run(self) -> Program:
        if self.mem.ones_words:
            self._copy(Opcode.LOAD, self.mem.ones_dram, [1], self.mem.ones_buf, [1], [self.mem.ones_words], self.dtype, NO_SRC)
        for k in self.order:
            ts = self.tiled.steps[k]
            try:
                if k in self.pairs:
                    self._pair(ts, self.tiled.steps[self.pairs[k]])
                elif k not in self.regions:
                    self._step(ts)
            except CannotExpress as exc:
                st = next((s for s in self.net.statements if s.result == ts.step.statement), None)
                raise TnccError(Diagnostic(
                    f"a program the machine cannot express: statement '{ts.step.statement}' is tiled into "
                    f"{len(ts.blocks):,} blocks and {exc}; give it smaller indices or split the statement",
                    span=st.span if st is not None else None,
                    where=None if st is not None and st.span is not None else f"statement {ts.step.statement}",
                )) from None
        self._flush()
        self.e.code.append(Instruction.make(Opcode.HALT))
        return Program(
            arch_name=self.arch.name, arch_fingerprint=self.arch.fingerprint(), instructions=tuple(self.e.finish()),
            dmas=self.e.records("dma"), switches=self.e.records("sw"), reds=self.e.records("red"),
            tiles=self.e.records("tile"), gemms=self.e.records("gemm"), symbols=self._symbols(),
            statements=tuple(self._statement_text(st) for st in self.net.statements),
        )

    def _statement_text(self, st) -> str:
        ops = " * ".join(f"{o.tensor}[{', '.join(o.indices)}]" for o in st.operands)
        loc = f"  # {st.span.file}:{st.span.line}" if st.span is not None else ""
        return f"{st.result}[{', '.join(st.indices)}] = {ops}{loc}"

    def _symbols(self) -> tuple[Symbol, ...]:
        syms = []
        for v in self.mem.values:
            p = self.places[v.name]
            if p.dram is not None:
                syms.append(Symbol(symbol_name(v.name), p.role, v.dtype, v.shape, p.dram, p.dram_layout.strides))
        if self.mem.ones_words:
            from tncc.isa.program import SymbolRole

            syms.append(Symbol(ONES, SymbolRole.ONES, self.dtype, (self.mem.ones_words,), self.mem.ones_dram, (1,)))
        return tuple(syms)

    # -- one step ------------------------------------------------------------------------
    def _operands(self, ts: TiledStep, block: Block, st: "_StepState", src: int, only_fixed: bool = False) -> list[View]:
        """Views of a block's operands, loading each DRAM-resident one into
        its staging slot unless the slot already holds that box (with
        ``only_fixed``, just the boxes that have slots of their own)."""
        views: list[View] = []
        for k, op in enumerate(ts.step.operands):
            p = self.places[op.value]
            if p.resident:
                views.append(_tensor_view(p.buf, p.layout, op.indices))
                continue
            box = block.sub(op.indices)
            lay = st.layouts[(k, tuple(e for _, e in box))]
            if k in st.fixed:
                addr = st.fixed[k][box]
                load = (k, box) not in st.loaded
                st.loaded.add((k, box))
            elif only_fixed:
                continue
            else:
                load = st.last_box.get(k) != box
                if load:
                    st.slot_of[k] ^= 1
                    st.last_box[k] = box
                addr = st.slots[k][st.slot_of[k]]
            if load:
                off = sum(s * stride for (s, _), stride in zip(box, p.dram_layout.strides))
                self._copy(Opcode.LOAD, p.dram + off, list(p.dram_layout.strides), addr,
                           list(lay.strides), [e for _, e in box], self.values[op.value].dtype, src)
            views.append(_tensor_view(addr, lay, op.indices, tuple((i, s) for i, (s, _) in zip(op.indices, box))))
        return views

    def _state(self, ts: TiledStep) -> "_StepState":
        st = self.states.get(ts.number)
        if st is None:
            st = self.states[ts.number] = _StepState(*self._slots(ts))
        return st

    def _prefetch(self, at: int) -> None:
        """Before step ``at`` runs: if it and the steps up to the next step
        that stages anything touch no staging slot (fetta, everything
        resident), load that step's first block now, so its DMA overlaps
        their compute (its slots are its own; sync orders the rest)."""
        if (self.prefetch and self.fetta and not self.pairing and at not in self.prefetched
                and not self._staged(self.tiled.steps[at])):
            self._load_ahead(at, self.last_span)

    def _lookahead(self, at: int) -> None:
        """While staged step ``at`` runs (its first operands loaded): load the
        first block of the next staged step now, so the DMA fetches it under
        ``at``'s compute (when its slots lie clear of ``at``'s)."""
        if self.fetta and not self.pairing:
            self._load_ahead(at, self._state(self.tiled.steps[at]).span)

    def _load_ahead(self, at: int, busy: tuple[int, int]) -> None:
        """Load the first block (and every box with a slot of its own) of the
        first staged step to run after step ``at``, during ``at``, unless: it
        is co-scheduled (its slots are a half-area the pair shares), a step
        in between loads a leaf (needed sooner; a later step tries again),
        one in between (or ``at``) produces what it reads from DRAM, or its
        slots overlap ``busy`` (slots maybe still in use: the load would hold
        the DMA queue).  "In between" is in the order the steps run
        (``self.order``): a co-scheduled pair runs its second step early, and
        a step scanned by number would miss that its loads land in staging
        words the pair reuses before the step ahead reads them."""
        steps, order = self.tiled.steps, self.order
        p = self.position[at]
        q = p + 1
        while q < len(order) and not self._staged(steps[order[q]]):
            q += 1
        if q >= len(order):
            return
        j = order[q]
        if j in self.prefetched or j in self.regions:
            return
        if any(self._loads_leaf(steps[k]) for k in order[p + 1:q]):
            return
        ts = steps[j]
        made = {steps[k].step.result for k in order[p:q]}
        if any(self.values[op.value].kind is not Kind.LEAF and not self.places[op.value].resident
               and op.value in made for op in ts.step.operands):
            return
        st, src = self._state(ts), self.stmt_index.get(ts.step.statement, NO_SRC)
        if self._overlaps(st.span, busy):
            return
        self.prefetched.add(j)
        self._operands(ts, ts.blocks[0], st, src)
        for block in ts.blocks[1:]:
            self._operands(ts, block, st, src, only_fixed=True)

    @staticmethod
    def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return a[0] < b[1] and b[0] < a[1]

    def _loads_leaf(self, ts: TiledStep) -> bool:
        return any(self.values[op.value].kind is Kind.LEAF and self.places[op.value].resident
                   and op.value not in self.loaded for op in ts.step.operands)

    def _staged(self, ts: TiledStep) -> bool:
        return any(not self.places[v].resident for v in [op.value for op in ts.step.operands] + [ts.step.result])

    def _step(self, ts: TiledStep) -> None:
        for _ in self._blocks(ts):
            pass

    def _pair(self, a: TiledStep, b: TiledStep) -> None:
        """Steps ``a`` and ``b`` block by block, interleaved in proportion to
        their block counts, so one's DMA traffic overlaps the other's tiles."""
        self.pairing = True
        runs = [(self._blocks(a), len(a.blocks)), (self._blocks(b), len(b.blocks))]
        done = [0, 0]
        while runs[0] or runs[1]:
            k = min((k for k in (0, 1) if runs[k]), key=lambda k: (done[k] + 1) / runs[k][1])
            try:
                next(runs[k][0])
                done[k] += 1
            except StopIteration:
                runs[k] = None
        self.pairing = False
        spans = [self._state(a).span, self._state(b).span]
        self.last_span = (min(x[0] for x in spans), max(x[1] for x in spans))

    def _blocks(self, ts: TiledStep):
        """Emit step ``ts``, yielding after each block."""
        step = ts.step
        src = self.stmt_index.get(step.statement, NO_SRC)
        for op in step.operands:
            p = self.places[op.value]
            if self.values[op.value].kind is Kind.LEAF and p.resident and op.value not in self.loaded:
                self._load_whole(op.value, src)
                self.loaded.add(op.value)
        self._prefetch(ts.number)
        infos = {ix.name: ix for ix in ts.indices}
        st = self._state(ts)
        if self._staged(ts):
            self.last_span = st.span
        slots, stage_lay, slot_of = st.slots, st.layouts, st.slot_of
        cview: View | None = None
        pending: tuple | None = None
        for nblock, block in enumerate(ts.blocks):
            before = len(self.e.code)
            views = self._operands(ts, block, st, src)
            if nblock == 0 and self.lookahead and self._staged(ts):
                self._lookahead(ts.number)
            # Software pipelining: the previous block's result (and the
            # previous steps' last ones) are stored after this block's
            # operands are loaded, so the DMA queue prefetches instead of
            # waiting for the array.  A block that loads nothing leaves them
            # deferred: the next loads go first (the DMA idles meanwhile).
            if len(self.e.code) != before:
                self._flush()
            if pending is not None:
                self._copy(Opcode.STORE, *pending)
                pending = None
            if len(views) == 1:
                views.append(View(self.mem.ones_buf, ()))
            pc = self.places[step.result]
            cbox = block.sub(step.indices)
            if pc.resident:
                cview = _tensor_view(pc.buf, pc.layout, step.indices)
            elif block.first_k:
                if 2 in st.fixed:
                    addr = st.fixed[2][cbox]
                else:
                    slot_of[2] ^= 1
                    addr = slots[2][slot_of[2]]
                lay = stage_lay[(2, tuple(e for _, e in cbox))]
                cview = _tensor_view(addr, lay, step.indices, tuple((i, s) for i, (s, _) in zip(step.indices, cbox)))
            assert cview is not None
            if self.fetta:
                # Serpentine order: the next block starts with the tile shape
                # this one ended with, saving a network reconfiguration.
                tiles = block.tiles if nblock % 2 == 0 else tuple(reversed(block.tiles))
                for tile in tiles:
                    self._ctile(tile, infos, views[0], views[1], cview, src)
            else:
                self._systolic_block(ts, block, infos, views[0], views[1], cview, slots, src)
            if not pc.resident and block.last_k:
                lay_strides = [cview.stride(i) for i in step.indices]
                off = sum(s * st for (s, _), st in zip(cbox, pc.dram_layout.strides))
                pending = (cview.base, lay_strides, pc.dram + off, list(pc.dram_layout.strides),
                           [e for _, e in cbox], self.values[step.result].dtype, src)
                if not self.defer:
                    self._copy(Opcode.STORE, *pending)
                    pending = None
            yield
        if pending is not None:
            self.deferred.append(pending)
        if pc.resident and self.values[step.result].kind is Kind.OUTPUT:
            v = self.values[step.result]
            store = (pc.buf, list(pc.layout.strides), pc.dram, list(pc.dram_layout.strides), list(v.shape), v.dtype,
                     src)
            if self.defer:
                self.deferred.append(store)
            else:
                self._copy(Opcode.STORE, *store)

    def _slots(self, ts: TiledStep) -> tuple[dict[Any, Any], dict[tuple[int, tuple[int, ...]], Layout],
                                             dict[int, dict[tuple, int]], tuple[int, int]]:
        """Staging slot addresses: two per DRAM-resident tensor (A, B, C) and,
        systolic, one scratch matrix each for A', B', C'; the layout of each
        (tensor, block box shape); and the tensors with one slot per box
        (``fixed``: box -> address).

        Fetta: each box shape's pitch paddings are tuned against the tiles of
        the blocks with that shape (``passes.banks``) within the slack the
        tiler budgeted; where conflicts remain and the staging area has room
        to spare, a tensor's slots take the wider paddings of
        ``banks.wide_room`` (largest saving first)."""
        lo, hi = self.regions.get(ts.number, (self.mem.stage_base, self.mem.stage_base + self.mem.stage_words))
        base = lo
        step = ts.step
        tensors = [op.indices for op in step.operands] + ([()] if len(step.operands) == 1 else []) + [step.indices]
        values = [op.value for op in step.operands] + ([None] if len(step.operands) == 1 else []) + [step.result]
        staged = [k for k, val in enumerate(values) if val is not None and not self.places[val].resident]
        shapes = {k: sorted({tuple(e for _, e in b.sub(tensors[k])) for b in ts.blocks}) for k in staged}
        lays: dict[tuple[int, tuple[int, ...]], Layout] = {}
        if self.fetta:
            from tncc.passes.banks import step_uses, tune_deltas, weighted_passes, wide_room

            banks, rports = self.arch.buffer.banks, self.arch.red.ports
            saving: dict[int, float] = {}
            wide: dict[tuple[int, tuple[int, ...]], Layout] = {}
            for k in staged:
                saving[k] = 0.0
                for sh in shapes[k]:
                    uses = step_uses(ts, k, rports, sh)
                    d = tune_deltas(sh, uses, banks, rports)
                    lays[(k, sh)] = layout_with(sh, d)
                    c, floor = weighted_passes(sh, d, uses, banks, rports)
                    if c > floor and len(sh) > 1:
                        dw = tune_deltas(sh, uses, banks, rports, wide_room(sh, banks))
                        cw, _ = weighted_passes(sh, dw, uses, banks, rports)
                        if cw < c:
                            wide[(k, sh)] = layout_with(sh, dw)
                            saving[k] += c - cw
            words = {k: max(lays[(k, sh)].words for sh in shapes[k]) for k in staged}
            spare = (hi - lo) - 2 * sum(words.values())
            for k in sorted(staged, key=lambda k: -saving[k]):
                if saving[k] <= 0:
                    continue
                trial = {sh: wide.get((k, sh), lays[(k, sh)]) for sh in shapes[k]}
                more = max(t.words for t in trial.values()) - words[k]
                if 2 * more <= spare:
                    spare -= 2 * more
                    words[k] += more
                    lays.update({(k, sh): t for sh, t in trial.items()})
        else:
            lays = {(k, sh): compact(sh) for k in staged for sh in shapes[k]}
            words = {k: max(lays[(k, sh)].words for sh in shapes[k]) for k in staged}
        scratch: dict[str, int] = {}
        if not self.fetta:
            infos = ts.indices
            groups = {
                "A'": [ix.name for ix in infos if ix.role is not Role.RIGHT],
                "B'": [ix.name for ix in infos if ix.role is not Role.LEFT] if not ts.unary else [],
                "C'": list(step.indices),
            }
            scratch = {key: max(max(1, math.prod(b.extent(i) for i in ixs)) for b in ts.blocks)
                       for key, ixs in groups.items()}
        # Dedicated slots: when all of a tensor's distinct boxes fit next to
        # the rest, each box gets its own slot, loaded once (a box the block
        # loop revisits is not reloaded) and never overwritten within the
        # step, so its loads can run arbitrarily far ahead of the array.
        boxes = {k: list(dict.fromkeys(b.sub(tensors[k]) for b in ts.blocks)) for k in staged}
        need = {k: sum(lays[(k, tuple(e for _, e in bx))].words for bx in boxes[k]) for k in staged}
        spare = (hi - lo) - 2 * sum(words.values()) - sum(scratch.values())
        own = own_slots({k: (len(boxes[k]), need[k], words[k]) for k in staged}, spare, 2)
        fixed: dict[int, dict[tuple, int]] = {k: {} for k in staged if k in own}
        total = sum(need[k] if k in fixed else 2 * words[k] for k in staged) + sum(scratch.values())
        if words and ts.number not in self.regions:
            # Alternate ends: the next step's first loads then land clear of
            # this step's last slots, and can overtake its last stores.
            self.parity ^= 1
            if self.parity:
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
                base += 2 * words[k]
        for key, w in scratch.items():
            slots[key] = base
            base += w
        assert base <= hi, "staging area overflow"
        return slots, lays, fixed, (base - total, base)

    # -- fetta ------------------------------------------------------------------------------
    def _ctile(self, tile: Tile, infos: dict[str, IndexInfo], a: View, b: View, c: View, src: int) -> None:
        code = lower_tile(tile, infos, a, b, c, self.dtype, self.arch)
        for key, net, cfg, rng in (("A", 0, code.switch_a, NET_A), ("B", 1, code.switch_b, NET_B)):
            if self.cur[key] != cfg:
                ins = Instruction.make(Opcode.DIST, src, net=net, cfg=self.e.ref("sw", cfg))
                self.e.emit(Unit.DIST, ins, [], [rng])
                self.cur[key] = cfg
        if self.cur["R"] != code.red:
            self.e.emit(Unit.RED, Instruction.make(Opcode.RED, src, cfg=self.e.ref("red", code.red)), [], [RED_CFG])
            self.cur["R"] = code.red
        ra = self._view_range(a, tile)
        rb = self._view_range(b, tile)
        rc = self._view_range(c, tile)
        self._guard(rc)
        for desc in code.descs:
            ins = Instruction.make(Opcode.CTILE, src, tile=self.e.ref("tile", desc))
            self.e.emit(Unit.ARRAY, ins, [ra, rb, NET_A, NET_B, RED_CFG] + ([rc] if desc.accumulate else []), [rc],
                        [ra, rb])

    @staticmethod
    def _view_range(v: View, tile: Tile) -> tuple[int, int]:
        start = {ax.index: ax.start for ax in tile.axes}
        lo = v.address(start)
        span = sum((ax.span - 1) * v.stride(ax.index) for ax in tile.axes)
        return (lo, lo + span)

    # -- systolic -----------------------------------------------------------------------------
    def _systolic_block(self, ts: TiledStep, block: Block, infos, a: View, b: View, c: View, slots, src: int) -> None:
        (tile,) = block.tiles
        step = ts.step
        box = {n: (s, e) for n, s, e in block.box}
        start = {n: s for n, s, _ in block.box}
        if tile.dataflow == COPY:
            ixs = list(step.indices)
            self._copy(Opcode.SHAPE, a.address(start), [a.stride(i) for i in ixs], c.address(start),
                       [c.stride(i) for i in ixs], [box[i][1] for i in ixs], self.values[step.result].dtype, src)
            return
        # An index an operand repeats (a diagonal) is one matrix dimension: its view sums the strides.
        a_ix = tuple(dict.fromkeys(step.operands[0].indices))
        b_ix = tuple(dict.fromkeys(step.operands[1].indices)) if len(step.operands) > 1 else ()
        batch = [i for i in a_ix if infos[i].role is Role.BATCH]
        left = [i for i in a_ix if infos[i].role is Role.LEFT]
        right = [i for i in b_ix if infos[i].role is Role.RIGHT]
        con = [i for i in a_ix if infos[i].role is Role.CONTRACTED] + [i for i in b_ix if infos[i].role is Role.CONTRACTED and i not in a_ix]
        m, n, k = gemm_extents(tile, infos)
        ext = {i: box[i][1] for i in box}
        a_dtype = self.values[step.operands[0].value].dtype
        # A' = [batch, left, con] row-major.
        am = self._as_matrix(a, batch + left + con, ext, start, slots["A'"], a_dtype, src)
        if ts.unary:
            # The all-ones vector is already a row-major [K, 1] matrix.
            bm = View(self.mem.ones_buf, tuple((i, s) for i, s in zip(con, compact(tuple(ext[i] for i in con)).strides)), tuple(start.items()))
        else:
            b_dtype = self.values[step.operands[1].value].dtype
            bm = self._as_matrix(b, batch + con + right, ext, start, slots["B'"], b_dtype, src)
        c_order = batch + left + right
        c_direct = is_row_major([ext[i] for i in c_order], [c.stride(i) for i in c_order])
        if c_direct:
            cm = c
        else:
            cm = View(slots["C'"], tuple(zip(c_order, compact(tuple(ext[i] for i in c_order)).strides)), tuple(start.items()))
        acc = tile.accumulate
        for point in _points([ext[i] for i in batch]):
            at = dict(start)
            for i, v in zip(batch, point):
                at[i] = start[i] + v
            aa, ba, ca = am.address(at), bm.address(at), cm.address(at)
            self._guard((ca, ca + m * n - 1))
            g = GemmDesc(self.dtype, m, n, k, aa, k, ba, n, ca, n, acc)
            ins = Instruction.make(Opcode.GEMM, src, gemm=self.e.ref("gemm", g))
            reads = [(aa, aa + m * k - 1), (ba, ba + k * n - 1)] + ([(ca, ca + m * n - 1)] if acc else [])
            self.e.emit(Unit.ARRAY, ins, reads, [(ca, ca + m * n - 1)])
        if not c_direct and block.last_k:
            self._copy(Opcode.SHAPE, cm.address(start), [cm.stride(i) for i in c_order], c.address(start),
                       [c.stride(i) for i in c_order], [ext[i] for i in c_order], self.values[step.result].dtype, src)

    def _as_matrix(self, v: View, order: list[str], ext: dict[str, int], start: dict[str, int], scratch: int,
                   dtype: DType, src: int) -> View:
        """``v`` if it is row-major in ``order`` over the block, else a SHAPE
        copy of it (broadcasting indices it lacks) into ``scratch``."""
        extents = [ext[i] for i in order]
        strides = [v.stride(i) for i in order]
        if is_row_major(extents, strides):
            return v
        lay = compact(tuple(extents))
        self._copy(Opcode.SHAPE, v.address(start), strides, scratch, list(lay.strides), extents, dtype, src)
        return View(scratch, tuple(zip(order, lay.strides)), tuple(start.items()))


def own_slots(tensors: dict[int, tuple[int, int, int]], spare: int, result: int) -> set[int]:
    """The staged tensors that get a slot per distinct box (loaded once, never
    overwritten within the step): ``tensors`` maps each (operand position,
    ``result`` for the result) to (distinct boxes, their words, a slot's
    words); a tensor with more than two boxes qualifies while its boxes fit
    in ``spare`` words beyond its two slots, operands first, larger first."""
    out: set[int] = set()
    for k in sorted(tensors, key=lambda k: (k == result, -tensors[k][1])):
        boxes, need, words = tensors[k]
        if boxes > 2 and need - 2 * words <= spare:
            spare -= need - 2 * words
            out.add(k)
    return out


def _points(counts: list[int]):
    import itertools

    return itertools.product(*(range(c) for c in counts))


def lower(plan: Plan, tiled: TiledProgram, mem: MemoryPlan, arch: Any) -> tuple[Program, int]:
    """The program for ``plan`` and the number of SHAPE instructions in it."""
    lw = _Lowering(plan, tiled, mem, arch)
    prog = lw.run()
    return prog, lw.e.shapes


@dataclass(frozen=True)
class Lowered:
    """Everything the back end decided for one plan: the memory plan, the
    tiled IR and the program, plus counts the report uses."""

    memory: MemoryPlan
    tiled: TiledProgram
    program: Program
    shapes: int  # SHAPE instructions (0 on fetta by construction)
    sync_pairs: int
    placed: MemoryPlan | None = None  # the memory plan before layout tuning (to lower it again)
    # What this program was lowered with, every field decided: the staging
    # share, whether any tensor reserved wide paddings, the code generator's
    # switches, and whether any steps are co-scheduled (``pairs``: s -> t).
    chosen: LoweringOptions | None = None
    pairs: tuple[tuple[int, int], ...] = ()


def _ones_words(plan: Plan, arch: Any) -> int:
    """Length of the all-ones constant: one word on fetta (read with stride
    0), the longest summed range of a unary step on systolic (a [K, 1]
    matrix), 0 when no step needs it."""
    sizes = plan.network.sizes()
    unary = [s for s in plan.steps if len(s.operands) == 1]
    if not unary:
        return 0
    if arch.kind == "fetta":
        return 1
    need = 1
    for s in unary:
        summed = [i for i in s.operands[0].indices if i not in s.indices]
        need = max(need, math.prod(sizes[i] for i in summed) if summed else 1)
    return need


def _scratch_words(plan: Plan, arch: Any) -> int:
    """Systolic: the largest reshaping working set of any step (A', B', C')."""
    if arch.kind == "fetta":
        return 0
    from tncc.passes.tile import classify

    sizes = plan.network.sizes()
    need = 0
    for s in plan.steps:
        infos = classify(s, sizes)
        a = math.prod(ix.size for ix in infos if ix.role is not Role.RIGHT)
        b = math.prod(ix.size for ix in infos if ix.role is not Role.LEFT) if len(s.operands) > 1 else 0
        need = max(need, a + b + s.size(sizes))
    return need


def lower_plan(plan: Plan, arch: Any, options: LoweringOptions | None = None) -> Lowered:
    """Memory planning, tiling, shaping and code generation for ``plan`` on
    ``arch`` (``tncc.isa.arch.Arch``).

    Where a choice trades one cost against another, each option is lowered
    and the program with fewer modelled cycles (``passes.estimate``) kept:
    when some tensor streams from DRAM, the share of the buffer given to
    staging (fewer spills against fewer reloads; a half, then on fetta a
    quarter, a sixth, an eighth while each is cheaper than the last); on
    fetta the wide bank paddings of small tensors when their larger
    reservation changes what spills, the lookahead, and co-scheduled pairs
    of steps (the last two for programs of at most ``OPTION_LIMIT``
    instructions).  ``options`` forces any of these choices (and the
    prefetch and deferred stores, otherwise always taken); see
    :class:`~tncc.passes.options.LoweringOptions`."""
    from tncc.passes.alloc import STAGE_SHARE

    opts = options if options is not None else DEFAULT_OPTIONS
    cycles: dict[int, int] = {}

    def cost(low: Lowered) -> int:
        if id(low) not in cycles:
            cycles[id(low)] = estimate_cycles(low.program, arch)
        return cycles[id(low)]

    memo: dict = {}
    if opts.stage_share is not None:
        base, more = _lower_with(plan, arch, opts.stage_share, memo, opts)
    else:
        base, more = _lower_with(plan, arch, 2, memo, opts)
        share = STAGE_SHARE.get(arch.kind, 2)
        words = arch.buffer.bytes // arch.buffer.word_bytes
        while share <= MAX_STAGE_SHARE and base.memory.streamed:
            # A smaller staging area only helps if some streamed tensor could then
            # stay; keep shrinking it (a quarter, a sixth, ...) while that pays.
            room = words * (share - 1) // share
            if not any(base.memory.value(v).words <= room for v in base.memory.streamed):
                break
            other = _lower_with(plan, arch, share, memo, opts)
            if cost(other[0]) >= cost(base):
                break
            base, more = other
            share += 2
    # The wide-padding alternatives of the better staging share only.
    options_ = [base] + more()
    best = options_[0] if len(options_) == 1 else min(options_, key=cost)
    if arch.kind != "fetta" or not best.memory.streamed:
        return best
    small = len(best.program.instructions) <= OPTION_LIMIT
    # Loading the next streamed step's first block under the current one
    # moves DMA work earlier: it helps where the DMA idles, delays where it
    # is the bottleneck, so it is kept when the model says so.  (Forced, it
    # is already in every program _finish made.)
    if opts.lookahead is None and small:
        ahead = _generate(plan, arch, best.memory, best.tiled, best.placed, None, True, opts)
        best = min((best, ahead), key=cost)
    # Steps whose bottlenecks differ (one waits on DMA, the other on the
    # array) run together where that is safe; kept if the model says so.
    if opts.co_schedule or (opts.co_schedule is None and small):
        co = co_schedule(plan, best.tiled, best.placed, arch, memo, best.memory)
        if co is not None:
            paired = _finish(plan, arch, co[2], co[0], co[1], opts)
            best = paired if opts.co_schedule else min((best, paired), key=cost)
    return best


def _flags(opts: LoweringOptions) -> dict[str, bool]:
    """The code generator's switches for ``opts`` (forced off, or on)."""
    return {"prefetch": opts.prefetch is not False, "defer": opts.deferred_stores is not False}


def _lower_with(plan: Plan, arch: Any, stage_share: int, memo: dict | None = None,
                opts: LoweringOptions = DEFAULT_OPTIONS) -> tuple[Lowered, Callable[[], list[Lowered]]]:
    """The lowering with ``1/stage_share`` of the buffer for staging (on
    fetta with the wide paddings where they cost no spill), and a function
    giving the alternatives whose wide paddings do change what spills
    (``opts.wide_paddings`` forced: all of them, or none, and no
    alternative)."""
    from tncc.passes.alloc import plan_memory

    mem = plan_memory(plan, arch, _ones_words(plan, arch), _scratch_words(plan, arch), stage_share)
    tiled = _tile(plan, arch, mem, memo)
    if arch.kind != "fetta" or opts.wide_paddings is False:
        return _finish(plan, arch, mem, tiled, opts=opts), list
    from tncc.passes.banks import wide_candidates

    saving = wide_candidates(tiled, mem, arch)
    if not saving:
        return _finish(plan, arch, mem, tiled, opts=opts), list

    def place(names: frozenset[str]) -> MemoryPlan:
        return plan_memory(plan, arch, _ones_words(plan, arch), _scratch_words(plan, arch), stage_share, names)

    def same(m: MemoryPlan) -> bool:  # the tiling depends only on what streams and on the staging area
        return m.streamed == mem.streamed and m.stage_words == mem.stage_words

    mem_w = place(frozenset(saving))
    if same(mem_w):
        return _finish(plan, arch, mem_w, tiled, opts=opts), list
    if opts.wide_paddings:
        return _finish(plan, arch, mem_w, _tile(plan, arch, mem_w, memo), opts=opts), list
    # The wide reservations together cost a spill: take them one by one
    # (largest saving first) while none does; all of them is the alternative.
    chosen, mem_c = frozenset(), mem
    for name in sorted(saving, key=lambda n: -saving[n])[:WIDE_TRIALS]:
        trial = place(chosen | {name})
        if same(trial):
            chosen, mem_c = chosen | {name}, trial
    return _finish(plan, arch, mem_c, tiled, opts=opts), lambda: [
        _finish(plan, arch, mem_w, _tile(plan, arch, mem_w, memo), opts=opts)]


CO_WINDOW = 6  # steps ahead searched for a partner
CO_TRIALS = 6  # allocations redone while choosing pairs
CO_MARGIN = 1.1  # a step is DMA-bound (compute-bound) when that side is this much the larger


def co_schedule(plan: Plan, tiled: TiledProgram, mem: MemoryPlan, arch: Any,
                memo: dict | None = None, tuned: MemoryPlan | None = None,
                ) -> tuple[TiledProgram, dict[int, int], MemoryPlan] | None:
    """Pairs of steps to run block by block together (fetta): a DMA-bound
    step s and a compute-bound step t (either first, t within
    ``CO_WINDOW`` steps after s), t moved up to run with s.  t may not read
    anything the steps still running between them produce, and the memory
    is allocated again with t's values live from s on (so moving t cannot
    overwrite or read anything the allocation did not expect); a pair whose
    allocation streams more (but outputs nothing reads) is dropped.  Both
    steps are re-tiled for half of
    the staging area each.  With ``tuned`` (``mem`` after layout tuning),
    the tensors resident there reserve just their tuned layouts in the
    allocations redone (``plan_memory(fixed=)``): the room for any tuning
    would otherwise overflow the buffer where a tuned layout fits.  Returns
    the re-tiled program, the pairs and the memory plan, or None."""
    from tncc.passes.alloc import plan_memory

    if arch.kind != "fetta" or not mem.stage_words:
        return None
    steps = tiled.steps
    places = {p.value: p for p in mem.placements}
    nbytes = (DType.INT32 if plan.network.dtype.is_int else plan.network.dtype).nbytes

    def dma(ts: TiledStep, budget: int) -> float:
        """Modelled DMA cycles of a step given ``budget`` words of staging: a
        box is moved when the block loop comes to it, or once if its tensor
        gets a slot per box (the rule of ``_Lowering._slots``, on compact
        boxes)."""
        ops = [(op.indices, op.value) for op in ts.step.operands] + [(ts.step.indices, ts.step.result)]
        staged = {k: [b.sub(ixs) for b in ts.blocks] for k, (ixs, value) in enumerate(ops)
                  if not places[value].resident}
        size = {box: math.prod(e for _, e in box) for boxes in staged.values() for box in boxes}
        distinct = {k: list(dict.fromkeys(boxes)) for k, boxes in staged.items()}
        words = {k: max(size[b] for b in boxes) for k, boxes in distinct.items()}
        own = own_slots({k: (len(distinct[k]), sum(size[b] for b in distinct[k]), words[k]) for k in staged},
                        budget - 2 * sum(words.values()), len(ops) - 1)
        cycles = 0.0
        for k, boxes in staged.items():
            moved = distinct[k] if k in own else [box for n, box in enumerate(boxes) if n == 0 or box != boxes[n - 1]]
            cycles += sum(arch.dram.latency + size[box] * nbytes / arch.dram.bytes_per_cycle for box in moved)
        return cycles

    def compute(ts: TiledStep) -> float:
        return ts.macs / arch.peak_macs_per_cycle

    # A paired step is tiled for half of the staging area: smaller blocks
    # can re-read an operand the whole area streamed once.
    halved = [_tile_step(plan, arch, mem, k, mem.stage_words // 2, memo) for k in range(len(steps))]
    cost = {ts.number: (dma(ts, mem.stage_words), compute(ts)) for ts in steps}
    paired = {ts.number: dma(ts, mem.stage_words // 2) for ts in halved}
    read = {op.value for ts in steps for op in ts.step.operands}
    fixed = {p.value: p.layout for p in tuned.placements if p.resident} if tuned is not None else None

    def place(early: dict[str, int]) -> MemoryPlan:
        return plan_memory(plan, arch, _ones_words(plan, arch), _scratch_words(plan, arch), mem.share, mem.wide,
                           early, fixed)

    def same_traffic(m: MemoryPlan) -> bool:
        """Nothing more streams but outputs no step reads (stored once
        either way), and the staging area is the same."""
        more = set(m.streamed) - set(mem.streamed)
        return m.stage_words == mem.stage_words and all(
            m.value(v).kind is Kind.OUTPUT and v not in read for v in more)

    cands = []
    for s in range(len(steps)):
        for t in range(s + 1, min(len(steps), s + 1 + CO_WINDOW)):
            (ds, cs), (dt, ct) = cost[s], cost[t]
            if not (ds > CO_MARGIN * cs and ct > CO_MARGIN * dt or cs > CO_MARGIN * ds and dt > CO_MARGIN * ct):
                continue
            gain = max(ds, cs) + max(dt, ct) - max(paired[s] + paired[t], cs + ct)
            if gain > 0:
                cands.append((-gain, s, t))
    # Pairs by the overlap they promise (the DMA-bound step's excess traffic
    # that the compute-bound one's spare DMA time can absorb), largest first.
    # t moves up to s past the steps between them that still run there (not
    # themselves moved before s): none may produce what t reads.  Each pair
    # is kept if the allocation redone with t's values live from s on moves
    # no more traffic (at most CO_TRIALS tries).
    pairs: dict[int, int] = {}
    at: dict[int, int] = {}  # moved step -> the position it runs at
    early: dict[str, int] = {}
    trials = CO_TRIALS
    for _, s, t in sorted(cands):
        if s in pairs or s in at or t in pairs or t in at:
            continue
        between = [k for k in range(s, t) if at.get(k, k) >= s]
        made = {steps[k].step.result for k in between}
        if any(op.value in made for op in steps[t].step.operands):
            continue
        grown = dict(early)
        for v in {op.value for op in steps[t].step.operands} | {steps[t].step.result}:
            grown[v] = min(grown.get(v, s), s)
        if trials <= 0:
            break
        trials -= 1
        if same_traffic(place(grown)):
            pairs[s] = t
            at[t] = s
            early = grown
    if not pairs:
        return None
    moved = place(early)
    if not same_traffic(moved):
        return None
    mem = moved
    half = mem.stage_words // 2
    new = [_tile_step(plan, arch, mem, k, mem.stage_words, memo) for k in range(len(steps))]
    for s, t in pairs.items():
        for k in (s, t):
            new[k] = _tile_step(plan, arch, mem, k, half, memo)
    return TiledProgram(tuple(new), tiled.arch_name), pairs, mem


OPTION_LIMIT = 20_000  # instructions: larger programs skip the lookahead and co-scheduling options (seconds each)
MAX_STAGE_SHARE = 8  # the smallest staging area tried is 1/8 of the buffer
WIDE_TRIALS = 4  # tensors tried one by one for the wide paddings when all of them together cost a spill


def _tile(plan: Plan, arch: Any, mem: MemoryPlan, memo: dict | None = None) -> TiledProgram:
    """Tile every step for ``mem``'s staging area; ``memo`` keeps tiled
    steps by (step, budget) across the lowering options of one plan."""
    return TiledProgram(tuple(_tile_step(plan, arch, mem, k, mem.stage_words, memo) for k in range(len(plan.steps))),
                        arch.name)


def _tile_step(plan: Plan, arch: Any, mem: MemoryPlan, k: int, words: int, memo: dict | None) -> TiledStep:
    """Step ``k`` tiled with ``words`` of staging."""
    from tncc.passes.tile import Budget, tile_step
    from tncc.passes.tiled_ir import verify_tiled_step

    step = plan.steps[k]
    places = {p.value: p for p in mem.placements}
    staged = [not places[op.value].resident for op in step.operands]
    if len(staged) == 1:
        staged.append(False)
    staged.append(not places[step.result].resident)
    budget = Budget(words, tuple(staged), arch.kind != "fetta")
    ts = memo.get((k, budget)) if memo is not None else None
    if ts is None:
        st = plan.network.statement(step.statement) if step.statement in {s.result for s in plan.network.statements} else None
        ts = tile_step(k, step, plan.network.sizes(), arch, budget, _where(st, step))
        verify_tiled_step(ts, max_points=1 << 16)
        if memo is not None:
            memo[(k, budget)] = ts
    return ts


def _finish(plan: Plan, arch: Any, mem: MemoryPlan, tiled: TiledProgram,
            pairs: dict[int, int] | None = None, opts: LoweringOptions | None = None) -> Lowered:
    """Layout tuning (fetta) and code generation (with the lookahead only
    where ``opts`` forces it)."""
    opts = opts if opts is not None else DEFAULT_OPTIONS
    placed = mem
    if arch.kind == "fetta":
        from tncc.passes.banks import retile, tune_layouts

        mem = tune_layouts(tiled, mem, arch)
        tiled = retile(tiled, mem, arch)
    return _generate(plan, arch, mem, tiled, placed, pairs, opts.lookahead is True, opts)


def _generate(plan: Plan, arch: Any, mem: MemoryPlan, tiled: TiledProgram, placed: MemoryPlan,
              pairs: dict[int, int] | None, lookahead: bool, opts: LoweringOptions) -> Lowered:
    """Code generation for a tuned memory plan and its tiling."""
    flags = _flags(opts)
    lw = _Lowering(plan, tiled, mem, arch, lookahead=lookahead, pairs=pairs, **flags)
    prog = lw.run()
    chosen = LoweringOptions(stage_share=mem.share, wide_paddings=bool(mem.wide), lookahead=lookahead,
                             prefetch=flags["prefetch"], deferred_stores=flags["defer"], co_schedule=bool(pairs))
    return Lowered(mem, tiled, prog, lw.e.shapes, lw.e.sync.pairs, placed, chosen, tuple(sorted((pairs or {}).items())))


def _where(st: Any, step: Any) -> str:
    if st is not None and st.span is not None:
        return f"{st.span.file}:{st.span.line}:{st.span.column}: statement `{st.result}`"
    return f"statement `{step.statement}`"


def format_memory(mem: MemoryPlan) -> str:
    """Deterministic text of a memory plan (part of ``--emit tiled``)."""
    lines = [f"; memory: staging {mem.stage_words} words at {mem.stage_base}, peak resident {mem.peak_words} words,"
             f" DRAM {mem.dram_words} words"]
    places = {p.value: p for p in mem.placements}
    for v in mem.values:
        p = places[v.name]
        where = f"buffer {p.buf} strides {p.layout.strides}" if p.resident else "DRAM (streamed)"
        dram = f" dram {p.dram}" if p.dram is not None else ""
        lines.append(f";   {v.name:<12} {v.kind.value:<7} {str(v.shape):<20} steps {v.first}..{v.last}  {where}{dram}")
    if mem.spilled:
        lines.append(f"; spilled to DRAM: {', '.join(mem.spilled)}")
    return "\n".join(lines) + "\n"
