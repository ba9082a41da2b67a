"""Code generation: a plan, its tiling and its memory plan become one ISA program.

For every step, in the order steps run:

1. resident leaves used for the first time are loaded whole (``LOAD``);
2. for every block, operands that live in DRAM are loaded into their staging
   slot (two slots per tensor, alternated, so the DMA fills one while the
   array reads the other; a sub-box equal to the previous block's is reused;
   when all of a tensor's boxes fit, each has a slot of its own and is
   loaded once: :mod:`tncc.passes.staging`);
3. the back end emits the block's array work (:mod:`tncc.passes.backend`:
   ``DIST``/``RED``/``CTILE`` on fetta, ``SHAPE`` and ``GEMM`` on systolic);
4. DRAM-resident results are stored block by block, each after the next
   block's loads; a step's last stores and resident outputs wait for the
   next loads too (deferred stores).

Loads of a later step are issued ahead where the DMA would otherwise idle
(``_prefetch``, ``_lookahead``; with ``leaves_ahead``, a resident leaf whose
memory plan makes it live before its first use is loaded whole during the
step its lifetime starts at: ``issue_ahead``), and co-scheduled pairs of steps
(:mod:`tncc.passes.coschedule`) run block by block together, each in its
own half of the staging area (``docs/lowering.md``, "Overlap").
Synchronisation comes from :class:`tncc.passes.sync.SyncTracker`: each
instruction declares the buffer ranges it reads and writes.  Every
instruction carries the index of the ``.tn`` statement it was generated for.
Config records are deduplicated (:class:`tncc.passes.emitter.Emitter`).
"""

from __future__ import annotations

from typing import Any, Iterator

from tncc.errors import Diagnostic, TnccError, VerifyError
from tncc.ir import DType, Statement
from tncc.isa.arch import Arch
from tncc.isa.program import Instruction, Program, Symbol, SymbolRole
from tncc.isa.table import NO_SRC, Opcode, Unit
from tncc.passes.backend import backend_for
from tncc.passes.emitter import CannotExpress, Copy, Emitter, buffer_range, copy_of, symbol_name
from tncc.passes.memory_ir import ONES, Kind, MemoryPlan
from tncc.passes.shape import View, copy_descs, shape_order
from tncc.passes.staging import SLOT_RESULT, BlockTensor, StepState, step_slots
from tncc.passes.tiled_ir import Block, TiledProgram, TiledStep
from tncc.plan import Plan


class CodeGenerator:
    """One program from a plan, its tiling and its memory plan (module doc);
    the machine-specific half is :attr:`backend`'s."""

    def __init__(self, plan: Plan, tiled: TiledProgram, mem: MemoryPlan, arch: Arch, lookahead: bool = False,
                 pairs: dict[int, int] | None = None, prefetch: bool = True, defer: bool = True,
                 leaves_ahead: bool = False) -> None:
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
        self.e = Emitter()
        self.values = {v.name: v for v in mem.values}
        self.places = {p.value: p for p in mem.placements}
        self.loaded: set[str] = set()
        self.backend = backend_for(arch)
        self.cur: dict[str, Any] = {"A": None, "B": None, "R": None}  # network configs in force (DIST A, DIST B, RED)
        self.stmt_index = {st.result: k for k, st in enumerate(self.net.statements)}
        self.dtype = self.net.dtype.stored
        self._step_dtypes: dict[int, DType] = {}
        # Stores of a step's last results, held back until the next step's
        # first operands are loaded; see ``_flush``.
        self.deferred: list[Copy] = []
        self.parity = 0  # staging slots of alternate steps sit at opposite ends of the area
        self.states: dict[int, StepState] = {}  # staging of each step, made when first needed
        self.prefetched: set[int] = set()  # steps whose first block was loaded during earlier steps
        self.last_span = (0, 0)  # staging words of the last streaming step emitted
        # What a back end's scratch matrix holds, by (step, address): a block
        # whose reshaped operand is already there needs no copy (systolic).
        self.scratch_holds: dict[tuple[int, int], Any] = {}
        # Resident leaves loaded during an earlier step than the first that
        # reads them (the step their memory plan's lifetime starts at), by
        # that step; ``pending_ahead`` those of the step being emitted.
        self.ahead: dict[int, list[str]] = {}
        if leaves_ahead:
            self.ahead = self._leaves_ahead()
        self.pending_ahead: list[tuple[str, int]] = []
        # What copy emits for a copy shape (see _pieces), by (opcode, extents, strides, dtype).
        self.pieces: dict[tuple[Any, ...], list[tuple[int, int, int, int, int, int, int]]] = {}
        self.tensors: dict[int, tuple[list[BlockTensor], BlockTensor]] = {}  # by step number, see _tensors
        # What a back end works out once for blocks alike but for their addresses (its own keys and records).
        self.backend_memo: dict[Any, Any] = {}

    # -- data movement -----------------------------------------------------------------
    def copy(self, op: Opcode, c: Copy) -> None:
        """Emit ``c`` as ``op`` (``LOAD``, ``STORE`` or ``SHAPE``): one
        instruction per descriptor it needs.  A store, a shape, or a load
        that would overtake a deferred store it depends on first flushes
        the deferred stores."""
        if self.deferred and (op is not Opcode.LOAD or self._clashes(c)):
            self._flush()
        key = (op, c.extents, c.src_strides, c.dst_strides, c.dtype)
        pieces = self.pieces.get(key)
        if pieces is None:
            pieces = self.pieces[key] = self._pieces(op, c)
        src_base, dst_base, src = c.src_base, c.dst_base, c.src
        emit = self.e.emit
        for fo, to, d, from_lo, from_hi, to_lo, to_hi in pieces:
            f, t = src_base + fo, dst_base + to
            if op is Opcode.LOAD:
                ins = Instruction.make(op, src, dram=f, buf=t, desc=d)
                emit(Unit.DMA, ins, [], [(t + to_lo, t + to_hi)])
            elif op is Opcode.STORE:
                ins = Instruction.make(op, src, buf=f, dram=t, desc=d)
                emit(Unit.DMA, ins, [(f + from_lo, f + from_hi)], [])
            else:
                ins = Instruction.make(op, src, sbuf=f, dbuf=t, desc=d)
                self.e.shapes += 1
                emit(Unit.DMA, ins, [(f + from_lo, f + from_hi)], [(t + to_lo, t + to_hi)])

    def _pieces(self, op: Opcode, c: Copy) -> list[tuple[int, int, int, int, int, int, int]]:
        """What :meth:`copy` emits for copies of ``c``'s shape, strides and
        dtype (they repeat block after block): per descriptor, its source
        and destination offsets, its index in the DMA table, and the word
        ranges it reads and writes relative to its source and destination
        addresses (``buffer_range``)."""
        extents, src_strides, dst_strides = list(c.extents), list(c.src_strides), list(c.dst_strides)
        if op is Opcode.SHAPE:  # the enumeration order with the fewest bank conflicts
            order = shape_order(extents, src_strides, dst_strides, self.arch.buffer.banks)
            extents, src_strides, dst_strides = ([v[d] for d in order] for v in (extents, src_strides, dst_strides))
        out = []
        for piece in copy_descs(extents, src_strides, dst_strides, c.dtype):
            desc = piece.desc
            d = self.e.ref("dma", desc)
            # DmaDesc dims rows are (extent, from_stride, to_stride).
            sub = [extent for extent, _, _ in desc.dims]
            from_rng = buffer_range(0, sub, [stride for _, stride, _ in desc.dims])
            to_rng = buffer_range(0, sub, [stride for _, _, stride in desc.dims])
            out.append((piece.from_offset, piece.to_offset, d, *from_rng, *to_rng))
        return out

    def _clashes(self, load: Copy) -> bool:
        """Would ``load`` overtake a deferred store it depends on: read DRAM
        words the store writes, or overwrite buffer words it reads?  (The
        DMA runs its queue in order, so the sync pairs cannot see this.)"""
        d = load.src_range()
        b = load.dst_range()
        for store in self.deferred:
            sd = store.dst_range()
            sb = store.src_range()
            if (d[0] <= sd[1] and sd[0] <= d[1]) or (b[0] <= sb[1] and sb[0] <= b[1]):
                return True
        return False

    def guard(self, write: tuple[int, int]) -> None:
        """Before an instruction writes buffer words ``write``: emit the
        deferred stores that read any of them (program order is the
        semantics; the sync pairs only add the waiting)."""
        for store in self.deferred:
            sb = store.src_range()
            if sb[0] <= write[1] and write[0] <= sb[1]:
                self._flush()
                return

    def _flush(self) -> None:
        """Emit the deferred stores."""
        stores, self.deferred = self.deferred, []
        for store in stores:
            self.copy(Opcode.STORE, store)

    def _load_whole(self, name: str, src: int) -> None:
        v, p = self.values[name], self.places[name]
        (dram, dlay, _), (buf, lay) = p.dram_symbol(), p.buffer_copy()
        self.copy(Opcode.LOAD, copy_of(dram, dlay.strides, buf, lay.strides, v.shape, v.dtype, src))

    def _leaves_ahead(self) -> dict[int, list[str]]:
        """Resident leaves live from a step that runs before the first step
        reading them, by that step (none in a co-scheduled pair, whose
        steps share the staging area and already load their leaves early)."""
        first_use: dict[str, int] = {}
        for n, k in enumerate(self.order):
            for op in self.tiled.steps[k].step.operands:
                first_use.setdefault(op.value, n)
        out: dict[int, list[str]] = {}
        for v in self.mem.values:
            p = self.places[v.name]
            if v.kind is not Kind.LEAF or not p.resident or v.name not in first_use or v.first not in self.position:
                continue
            if self.position[v.first] < first_use[v.name] and v.first not in self.regions:
                out.setdefault(v.first, []).append(v.name)
        return out

    def issue_ahead(self) -> None:
        """Load the leaves the current step loads ahead (``ahead``), once:
        a back end calls it once a block's operands are in place and before
        anything that waits for the array, so the loads run under its GEMMs
        instead of queueing behind its result's reshapes and stores."""
        pending, self.pending_ahead = self.pending_ahead, []
        for name, src in pending:
            if name not in self.loaded:
                self._load_whole(name, src)
                self.loaded.add(name)

    # -- the program ---------------------------------------------------------------------
    def run(self) -> Program:
        if self.mem.ones_words:
            self.copy(Opcode.LOAD, copy_of(self.mem.ones_dram, [1], self.mem.ones_buf, [1], [self.mem.ones_words],
                                           self.dtype, NO_SRC))
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

    def _statement_text(self, st: Statement) -> str:
        ops = " * ".join(f"{o.tensor}[{', '.join(o.indices)}]" for o in st.operands)
        loc = f"  # {st.span.file}:{st.span.line}" if st.span is not None else ""
        return f"{st.result}[{', '.join(st.indices)}] = {ops}{loc}"

    def _symbols(self) -> tuple[Symbol, ...]:
        syms = []
        for v in self.mem.values:
            p = self.places[v.name]
            if p.dram is not None:
                dram, dlay, role = p.dram_symbol()
                syms.append(Symbol(symbol_name(v.name), role, v.dtype, v.shape, dram, dlay.strides))
        if self.mem.ones_words:
            syms.append(Symbol(ONES, SymbolRole.ONES, self.dtype, (self.mem.ones_words,), self.mem.ones_dram, (1,)))
        return tuple(syms)

    # -- one step ------------------------------------------------------------------------
    def _operands(self, ts: TiledStep, block: Block, st: StepState, src: int, only_fixed: bool = False) -> list[View]:
        """Views of a block's operands, loading each DRAM-resident one into
        its staging slot unless the slot already holds that box (with
        ``only_fixed``, just the boxes that have slots of their own)."""
        views: list[View] = []
        for k, t in enumerate(self._tensors(ts)[0]):
            if t.view is not None:  # resident
                views.append(t.view)
                continue
            box = t.box(block)
            lay, strides = t.layout(st, k, box)
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
                off = sum(s * stride for (s, _), stride in zip(box, t.dram_strides))
                self.copy(Opcode.LOAD, Copy(t.dram + off, t.dram_strides, addr, tuple(lay.strides),
                                            tuple([e for _, e in box]), t.dtype, src))
            views.append(t.block_view(addr, strides, box))
        return views

    def _tensors(self, ts: TiledStep) -> tuple[list[BlockTensor], BlockTensor]:
        """Step ``ts``'s operands and result as its block loop reads them
        (computed once per step)."""
        hit = self.tensors.get(ts.number)
        if hit is None:
            names = tuple(ix.name for ix in ts.indices)
            # The boxes of blocks list the step's indices in its order
            # (tiled_ir.Block); looked up by name where a block does not.
            ordered = all(tuple(n for n, _, _ in b.box) == names for b in ts.blocks)
            step = ts.step
            ops = [BlockTensor.of(op.value, op.indices, self.places[op.value], self.values[op.value].dtype,
                                  names if ordered else None) for op in step.operands]
            res = BlockTensor.of(step.result, step.indices, self.places[step.result], self.values[step.result].dtype,
                                 names if ordered else None)
            hit = self.tensors[ts.number] = (ops, res)
        return hit

    def step_dtype(self, ts: TiledStep) -> DType:
        """The element type step ``ts``'s tiles or GEMMs compute in: the
        network's (int32 for int8), except that on an fp16/bf16 network a step
        reading a statement's temporary (held in fp32, ``passes.alloc``) reads
        its operands in fp32, so that a statement is computed in fp32 and only
        its result is rounded to the declared type (docs/language.md)."""
        hit = self._step_dtypes.get(ts.number)
        if hit is None:
            wide = self.dtype.accumulator
            hit = wide if any(self.values[op.value].dtype is wide for op in ts.step.operands) else self.dtype
            self._step_dtypes[ts.number] = hit
        return hit

    def _state(self, ts: TiledStep) -> StepState:
        st = self.states.get(ts.number)
        if st is None:
            region = self.regions.get(ts.number, (self.mem.stage_base, self.mem.stage_base + self.mem.stage_words))
            alternate = False
            if self._staged(ts) and ts.number not in self.regions:
                # Alternate ends: the next step's first loads then land clear of
                # this step's last slots, and can overtake its last stores.
                self.parity ^= 1
                alternate = bool(self.parity)
            st = self.states[ts.number] = StepState(*step_slots(ts, self.places, region, alternate, self.backend,
                                                                self.arch))
        return st

    def _prefetch(self, at: int) -> None:
        """Before step ``at`` runs: if it and the steps up to the next step
        that stages anything touch no staging slot (fetta, everything
        resident), load that step's first block now, so its DMA overlaps
        their compute (its slots are its own; sync orders the rest)."""
        if (self.prefetch and self.backend.loads_ahead and not self.pairing and at not in self.prefetched
                and not self._staged(self.tiled.steps[at])):
            self._load_ahead(at, self.last_span)

    def _lookahead(self, at: int) -> None:
        """While staged step ``at`` runs (its first operands loaded): load the
        first block of the next staged step now, so the DMA fetches it under
        ``at``'s compute (when its slots lie clear of ``at``'s)."""
        if self.backend.loads_ahead and not self.pairing:
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

    def _reader_src(self, name: str) -> int:
        """The statement of the first step (in running order) that reads ``name``."""
        for k in self.order:
            step = self.tiled.steps[k].step
            if any(op.value == name for op in step.operands):
                return self.stmt_index.get(step.statement, NO_SRC)
        return NO_SRC

    def _staged(self, ts: TiledStep) -> bool:
        return any(not self.places[v].resident for v in [op.value for op in ts.step.operands] + [ts.step.result])

    def _step(self, ts: TiledStep) -> None:
        for _ in self._blocks(ts):
            pass

    def _pair(self, a: TiledStep, b: TiledStep) -> None:
        """Steps ``a`` and ``b`` block by block, interleaved in proportion to
        their block counts, so one's DMA traffic overlaps the other's tiles."""
        self.pairing = True
        runs: list[tuple[Iterator[None], int] | None] = [(self._blocks(a), len(a.blocks)),
                                                         (self._blocks(b), len(b.blocks))]
        done = [0, 0]
        while runs[0] or runs[1]:
            live = [(k, r) for k, r in enumerate(runs) if r is not None]
            k, run = min(live, key=lambda kr: (done[kr[0]] + 1) / kr[1][1])
            try:
                next(run[0])
                done[k] += 1
            except StopIteration:
                runs[k] = None
        self.pairing = False
        spans = [self._state(a).span, self._state(b).span]
        self.last_span = (min(x[0] for x in spans), max(x[1] for x in spans))

    def _blocks(self, ts: TiledStep) -> Iterator[None]:
        """Emit step ``ts``, yielding after each block."""
        step = ts.step
        src = self.stmt_index.get(step.statement, NO_SRC)
        for op in step.operands:
            p = self.places[op.value]
            if self.values[op.value].kind is Kind.LEAF and p.resident and op.value not in self.loaded:
                self._load_whole(op.value, src)
                self.loaded.add(op.value)
        self.pending_ahead = [(name, self._reader_src(name)) for name in self.ahead.get(ts.number, ())]
        self._prefetch(ts.number)
        infos = {ix.name: ix for ix in ts.indices}
        st = self._state(ts)
        if self._staged(ts):
            self.last_span = st.span
        slots, slot_of = st.slots, st.slot_of
        res = self._tensors(ts)[1]
        fixed_result = st.fixed.get(SLOT_RESULT)
        ones = View(self.mem.ones_buf, ())
        cview: View | None = None
        pending: Copy | None = None
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
                self.copy(Opcode.STORE, pending)
                pending = None
            if len(views) == 1:
                views.append(ones)
            if res.view is not None:  # resident
                cview = res.view
            else:
                cbox = res.box(block)
                if block.first_k:
                    if fixed_result is not None:
                        addr = fixed_result[cbox]
                    else:
                        slot_of[SLOT_RESULT] ^= 1
                        addr = slots[SLOT_RESULT][slot_of[SLOT_RESULT]]
                    _, strides = res.layout(st, SLOT_RESULT, cbox)
                    cview = res.block_view(addr, strides, cbox)
            if cview is None:  # a result block that is not first_k follows the one that set the view
                raise VerifyError(f"step {ts.number}: block {nblock} accumulates into a result no block started")
            self.backend.run_block(self, ts, block, nblock, infos, views[0], views[1], cview, slots, src)
            self.issue_ahead()  # where the back end did not
            if res.view is None and block.last_k:
                lay_strides = tuple([cview.stride(i) for i in step.indices])
                off = sum(s * stride for (s, _), stride in zip(cbox, res.dram_strides))
                pending = Copy(cview.base, lay_strides, res.dram + off, res.dram_strides,
                               tuple([e for _, e in cbox]), res.dtype, src)
                if not self.defer:
                    self.copy(Opcode.STORE, pending)
                    pending = None
            yield
        if pending is not None:
            self.deferred.append(pending)
        pc = self.places[step.result]
        if pc.resident and self.values[step.result].kind is Kind.OUTPUT:
            v = self.values[step.result]
            (buf, lay), (dram, dlay, _) = pc.buffer_copy(), pc.dram_symbol()
            store = copy_of(buf, lay.strides, dram, dlay.strides, v.shape, v.dtype, src)
            if self.defer:
                self.deferred.append(store)
            else:
                self.copy(Opcode.STORE, store)


def lower(plan: Plan, tiled: TiledProgram, mem: MemoryPlan, arch: Arch) -> tuple[Program, int]:
    """The program for ``plan`` and the number of SHAPE instructions in it."""
    lw = CodeGenerator(plan, tiled, mem, arch)
    prog = lw.run()
    return prog, lw.e.shapes

