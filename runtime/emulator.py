"""The emulator: the executable specification of the ISA.

One short method per opcode, registered from the opcode table (so every
opcode is either handled or reported as a bad opcode), bounds-checked
memories with written bits, a step limit, and opt-in tracing.  Functional
execution is in program order; the timing model (``tncc.isa.sched``)
overlaps the units as the semaphores allow.  No handler picks its cost: every
instruction's :class:`~tncc.isa.timing.Cost` comes from the cost function of
its opcode's timing class in the ISA table (``tncc.isa.timing.COST_BY_CLASS``),
applied to its resolved operands, and is charged to the unit the table
issues it on.

Usage::

    prog = tncc.runtime.load("model.tnb")
    res = tncc.runtime.Emulator(prog).run({"x": x}, seed=0, trace=True)
    res.outputs["y"], res.report.cycles, res.trace
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from tncc.errors import TnccError
from tncc.guard import check_emulator
from tncc.io import read_bytes, read_text
from tncc.isa import timing
from tncc.isa.arch import Arch, load_arch
from tncc.isa.asm import assemble
from tncc.isa.encoding import decode
from tncc.isa.networks import realize
from tncc.isa.program import Instruction, Program
from tncc.isa.sched import Scheduler
from tncc.isa.table import NO_SRC, TABLE, Opcode
from tncc.isa.timing import Cost, CostFn, Operands
from tncc.runtime.binding import bind_inputs, dram_words, read_outputs, storage_for
from tncc.runtime.hazards import SyncChecker
from tncc.runtime.memory import ACCESS_LIMIT, Access, Memory
from tncc.runtime.numeric import accumulate_wrap, compute_type, needs_rounding, round_to
from tncc.runtime.report import Record, Report
from tncc.runtime.tile import Chain, PreparedTile, structure_key

DEFAULT_STEP_LIMIT = 10_000_000
DRAM_LIMIT = 1 << 28  # words of DRAM the emulator allocates
SLOW_POINTS_LIMIT = 1 << 16  # loop points a tile may run through the lane-by-lane path

# The emulator's semantics, one handler per opcode: filled by ``_handles`` as
# the class body is read, checked against the ISA table by a test.
HANDLERS: dict[Opcode, Callable[..., Any]] = {}


def _handles(op: Opcode) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated method as the semantics of ``op``."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if op in HANDLERS:
            raise AssertionError(f"two handlers for {op.name}")
        HANDLERS[op] = fn
        return fn

    return register
OPNAMES: dict[Opcode, str] = {op: op.name for op in Opcode}


class Where:
    """The location of a fault, ``instruction N (OPCODE)``; built per
    instruction and only rendered when an error is raised."""

    __slots__ = ("idx", "op")

    def __init__(self, idx: int, op: Opcode) -> None:
        self.idx = idx
        self.op = op

    def __str__(self) -> str:
        return f"instruction {self.idx} ({OPNAMES[self.op]})"


def load(source: str | os.PathLike[str] | bytes | bytearray | Program) -> Program:
    """A program from ``.tnb`` bytes, a ``.tnb`` path, a text-assembly path
    (``.tns``/``.s``/``.asm``), or a :class:`Program` (returned as is)."""
    if isinstance(source, Program):
        return source

    if isinstance(source, (bytes, bytearray)):
        return decode(bytes(source), "<bytes>")

    path = os.fspath(source)
    if path.endswith((".tns", ".s", ".asm")):
        return assemble(read_text(path), path)
    return decode(read_bytes(path), path)


@dataclass(slots=True)
class _Pending:
    """A drain not yet performed: a :class:`~tncc.runtime.tile.Chain` of
    consecutive CTILEs of one structure that accumulate into the same
    addresses.  Any access to those addresses (the buffer's watch range),
    any other tile, and the end of the run perform it first, so every read
    sees program-order values; integer sums are exact (wrap-around is
    modular), floating sums differ from a strict chain only in rounding
    order."""

    chain: Chain
    c_base: int
    accumulate: bool
    where: Where


@dataclass(frozen=True, slots=True)
class Result:
    """Outputs by symbol name, the report, and the Chrome trace (or None)."""

    outputs: dict[str, np.ndarray]
    report: Report
    trace: list[dict[str, Any]] | None


class Emulator:
    """Runs ``program`` on ``arch`` (default: the arch the program names; a
    fingerprint mismatch is an error unless ``check_fingerprint=False``).
    ``vectorise=False`` runs every tile point by point, lane by lane through
    the reduction grouping (slow; the reference the fast path is tested
    against)."""

    def __init__(self, program: Program, arch: Arch | str | None = None, *, check_fingerprint: bool = True,
                 vectorise: bool = True) -> None:
        self.program = program
        self.vectorise = vectorise  # False: every tile lane by lane (the reference path, for testing)
        resolved = load_arch(program.arch_name if arch is None else arch) if not isinstance(arch, Arch) else arch
        self.arch = resolved
        if check_fingerprint and program.arch_fingerprint != resolved.fingerprint():
            raise TnccError(
                f"the program was compiled for arch `{program.arch_name}` (fingerprint "
                f"{program.arch_fingerprint:#010x}) but runs on `{resolved.name}` ({resolved.fingerprint():#010x}); "
                f"recompile, or override the check")
        self._memories: dict[str, Memory] = {}
        # Prepared tiles depend only on the program, the arch and the loaded
        # configurations, so they are kept across runs.
        self._tiles: dict[tuple, PreparedTile] = {}
        self._skeys: dict[int, tuple] = {}
        self._ctiles: tuple[dict[int, int], list[tuple[int, bool]]] | None = None
        self._handlers: dict[Opcode, Callable[[int, Instruction, Where], Record | None]] = {
            op: fn.__get__(self) for op, fn in HANDLERS.items()}
        # Costs: the cost function of each opcode's timing class (read when the
        # emulator is built), and per opcode its fields' names and the config
        # sections its ``ref`` fields index, to resolve operands.
        self._cost_fns: dict[Opcode, CostFn] = {
            op: timing.COST_BY_CLASS[s.timing_class] for op, s in TABLE.items()}
        self._fields: dict[Opcode, tuple[tuple[str, str | None], ...]] = {
            op: tuple((f.name, f.ref.value if f.ref is not None else None) for f in s.fields)
            for op, s in TABLE.items()}

    # -- the run -------------------------------------------------------------------
    def run(self, inputs: Mapping[str, np.ndarray] | None = None, seed: int = 0,
            step_limit: int = DEFAULT_STEP_LIMIT, trace: bool = False, check_sync: bool = False,
            strict_sync: bool = False) -> Result:
        """Execute until HALT; see the module doc.  Raises TnccError on every
        fault (naming the instruction index, opcode and address).
        ``check_sync`` counts sync hazards (``tncc.runtime.hazards``) in the
        report; ``strict_sync`` makes the first one an error."""
        prog, arch = self.program, self.arch
        storage = storage_for(prog)
        words = dram_words(prog)
        if words > DRAM_LIMIT:
            raise TnccError(f"the program's symbols span {words} DRAM words; the emulator models at most "
                            f"{DRAM_LIMIT}")
        check_emulator(prog, words, arch.buffer_words, storage.itemsize)
        self.dram = self._memory("DRAM", words, storage)
        self.buf = self._memory("buffer", arch.buffer_words, storage)
        bind_inputs(prog, self.dram, inputs, seed)
        self.sched = Scheduler(trace)
        self.routes: list[np.ndarray | None] = [None, None]
        self.route_ids: list[int] = [-1, -1]
        self.red_id = -1
        self.refill = True
        self._pending: _Pending | None = None
        self.buf.on_touch = self._flush
        self.sync = SyncChecker(strict_sync) if (check_sync or strict_sync) else None
        self._dma_costs: dict[tuple[int, ...], Cost] = {}
        self._dmas: dict[int, tuple[Access, Access, int, Any, int]] = {}
        records: list[Record] = []
        code = prog.instructions
        handlers = self._handlers
        steps = 0
        halted = False
        halt = Opcode.HALT
        append = records.append
        for idx, ins in enumerate(code):
            steps += 1
            op = ins.opcode
            if steps > step_limit:
                raise TnccError(f"step limit of {step_limit} instructions exceeded", where=str(Where(idx, op)))
            if op is halt:
                halted = True
                break
            handler = handlers.get(op)
            if handler is None:
                raise TnccError(f"bad opcode {int(op):#04x}: not executable", where=str(Where(idx, op)))
            rec = handler(idx, ins, Where(idx, op))
            if rec is not None:
                append(rec)
        if not halted:
            raise TnccError("the program ends without HALT", where=f"instruction {len(code)}")
        self._flush()
        report = Report(arch, prog.statements, records, self.sched.makespan(), self.sched.busy)
        if self.sync is not None:
            report.sync_hazards, report.sync_messages = self.sync.count, tuple(self.sync.hazards)
        outputs = read_outputs(prog, self.dram)
        return Result(outputs, report, self.sched.chrome_trace(prog.arch_name) if trace else None)

    def _memory(self, name: str, words: int, storage: np.dtype) -> Memory:
        """A cleared memory, reusing the previous run's storage when it fits
        (filling is much cheaper than first-touching fresh pages)."""
        old = self._memories.get(name)
        if old is not None and old.words == words and old.data.dtype == storage:
            old.clear()
            return old
        mem = self._memories[name] = Memory(name, words, storage)
        return mem

    def _flush(self) -> None:
        """Perform the pending (deferred) drain; see :class:`_Pending`."""
        pend = self._pending
        if pend is not None:
            self._pending = None
            self.buf.watch = None
            pend.chain.drain(self.buf, pend.c_base, pend.accumulate, pend.where)

    def _args(self, idx: int, ins: Instruction) -> dict[str, Any]:
        st = self.program.statements
        return {"instruction": idx, "statement": st[ins.src] if ins.src != NO_SRC and ins.src < len(st) else None}

    def _name(self, idx: int, ins: Instruction) -> str:
        st = self.program.statements
        text = f"{OPNAMES[ins.opcode]} #{idx}"
        return f"{text}: {st[ins.src]}" if ins.src != NO_SRC and ins.src < len(st) else text

    def _slice_info(self, idx: int, ins: Instruction) -> tuple[str, dict[str, Any]]:
        if self.sched.events is None:
            return "", {}
        return self._name(idx, ins), self._args(idx, ins)

    # -- costs ---------------------------------------------------------------------
    def _operands(self, ins: Instruction, **state: Any) -> dict[str, Any]:
        """The instruction's fields by name, ``ref`` fields resolved to the
        config records they index, plus the machine ``state`` its timing
        class's cost depends on."""
        prog = self.program
        ops = {name: (getattr(prog, ref)[v] if ref is not None else v)
               for (name, ref), v in zip(self._fields[ins.opcode], ins.fields)}
        ops.update(state)
        return ops

    def _cost(self, op: Opcode, operands: Operands) -> Cost:
        """The cost of an ``op`` instruction: its timing class's function."""
        return self._cost_fns[op](self.arch, operands)

    def _charge(self, idx: int, ins: Instruction, cost: Cost) -> tuple[int, int, tuple[int, int, int, int]]:
        """Schedule ``cost`` on the unit the table issues ``ins`` on: (start,
        end, busy cycles per unit)."""
        unit = TABLE[ins.opcode].unit(ins.fields)
        name, args = self._slice_info(idx, ins)
        s, e = self.sched.charge(unit, cost, name, args)
        return s, e, cost.busy_by_unit(unit)

    # -- control -------------------------------------------------------------------
    @_handles(Opcode.NOP)
    def _op_nop(self, idx: int, ins: Instruction, where: Where) -> None:
        self._charge(idx, ins, self._cost(ins.opcode, {}))
        return None

    @_handles(Opcode.HALT)
    def _op_halt(self, idx: int, ins: Instruction, where: Where) -> None:  # handled by run()
        return None

    @_handles(Opcode.SIGNAL)
    def _op_signal(self, idx: int, ins: Instruction, where: Where) -> Record:
        _, _, busy = self._charge(idx, ins, self._cost(ins.opcode, self._operands(ins)))
        t = self.sched.signal(ins.fields[0], ins.fields[1])
        return Record(idx, "SIGNAL", ins.src, t, t, busy=busy)

    @_handles(Opcode.WAIT)
    def _op_wait(self, idx: int, ins: Instruction, where: Where) -> Record:
        name, args = self._slice_info(idx, ins)
        s, e = self.sched.wait(ins.fields[0], ins.fields[1], where, name, args)
        _, e2, busy = self._charge(idx, ins, self._cost(ins.opcode, self._operands(ins)))
        return Record(idx, "WAIT", ins.src, s, max(e, e2), busy=busy)

    # -- DMA -------------------------------------------------------------------------
    def _dma_plan(self, desc_i: int) -> tuple[Access, Access, int, Any, int]:
        hit = self._dmas.get(desc_i)
        if hit is None:
            d = self.program.dmas[desc_i]
            hit = (Access([(e, f) for e, f, _ in d.dims]), Access([(e, t) for e, _, t in d.dims]),
                   d.elements, d.dtype, d.elements * d.dtype.nbytes)
            self._dmas[desc_i] = hit
        return hit

    def _dma_cost(self, ins: Instruction, desc_i: int, src: int, dst: int, shape: bool) -> Cost:
        """The instruction's cost by its timing class; a pure function of the
        descriptor (and, for SHAPE, of the bases modulo the banks), so kept."""
        banks = self.arch.buffer.banks
        key = (ins.opcode, desc_i, src % banks, dst % banks) if shape else (ins.opcode, desc_i)
        hit = self._dma_costs.get(key)
        if hit is None:
            hit = self._dma_costs[key] = self._cost(ins.opcode, self._operands(ins))
        return hit

    def _dma(self, idx: int, ins: Instruction, src_mem: Memory, src: int, dst_mem: Memory, dst: int,
             desc_i: int, shape: bool, where: Where) -> Record:
        src_acc, dst_acc, n, dtype, nbytes = self._dma_plan(desc_i)
        if needs_rounding(dtype, src_mem.data.dtype):
            dst_mem.write(dst, dst_acc, round_to(src_mem.read(src, src_acc, where), dtype), where)
        else:
            src_mem.copy_to(dst_mem, src, src_acc, dst, dst_acc, where)
        s, e, busy = self._charge(idx, ins, self._dma_cost(ins, desc_i, src, dst, shape))
        if self.sync is not None:
            self.sync.access(src_mem is self.buf, False, src + src_acc.lo, src + src_acc.hi, s, e, idx, where,
                             src_mem.name)
            self.sync.access(dst_mem is self.buf, True, dst + dst_acc.lo, dst + dst_acc.hi, s, e, idx, where,
                             dst_mem.name)
        if shape:
            return Record(idx, "SHAPE", ins.src, s, e, buffer_words=2 * n, busy=busy)
        return Record(idx, OPNAMES[ins.opcode], ins.src, s, e, dram_bytes=nbytes, buffer_words=n, busy=busy)

    @_handles(Opcode.LOAD)
    def _op_load(self, idx: int, ins: Instruction, where: Where) -> Record:
        dram, buf, desc = ins.fields
        return self._dma(idx, ins, self.dram, dram, self.buf, buf, desc, False, where)

    @_handles(Opcode.STORE)
    def _op_store(self, idx: int, ins: Instruction, where: Where) -> Record:
        buf, dram, desc = ins.fields
        return self._dma(idx, ins, self.buf, buf, self.dram, dram, desc, False, where)

    @_handles(Opcode.SHAPE)
    def _op_shape(self, idx: int, ins: Instruction, where: Where) -> Record:
        src, dst, desc_i = ins.fields
        return self._dma(idx, ins, self.buf, src, self.buf, dst, desc_i, True, where)

    # -- networks ------------------------------------------------------------------------
    @_handles(Opcode.DIST)
    def _op_dist(self, idx: int, ins: Instruction, where: Where) -> Record:
        net, cfg_i = ins.fields
        cfg = self.program.switches[cfg_i]
        if self.arch.kind != "fetta":
            raise TnccError(f"DIST needs a fetta architecture; `{self.arch.name}` has no distribution network",
                            where=str(where))
        if cfg.ports != self.arch.dist.ports:
            raise TnccError(f"switch configuration {cfg_i} is for {cfg.ports} ports, the network has "
                            f"{self.arch.dist.ports}", where=str(where))
        self.routes[net] = realize(cfg)
        self.route_ids[net] = cfg_i
        self.refill = True
        s, e, busy = self._charge(idx, ins, self._cost(ins.opcode, self._operands(ins)))
        return Record(idx, "DIST", ins.src, s, e, reconfigs=1, busy=busy)

    @_handles(Opcode.RED)
    def _op_red(self, idx: int, ins: Instruction, where: Where) -> Record:
        if self.arch.kind != "fetta":
            raise TnccError(f"RED needs a fetta architecture; `{self.arch.name}` has no reduction network",
                            where=str(where))
        self.red_id = ins.fields[0]
        self.refill = True
        s, e, busy = self._charge(idx, ins, self._cost(ins.opcode, self._operands(ins)))
        return Record(idx, "RED", ins.src, s, e, reconfigs=1, busy=busy)

    # -- the array -------------------------------------------------------------------------
    def _prepared(self, idx: int, ins: Instruction, where: Where) -> PreparedTile:
        tile_i = ins.fields[0]
        skey = self._skeys.get(tile_i)
        if skey is None:
            skey = self._skeys[tile_i] = structure_key(self.program.tiles[tile_i])
        key = (skey, self.route_ids[0], self.route_ids[1], self.red_id)
        hit = self._tiles.get(key)
        if hit is not None:
            return hit
        arch, d = self.arch, self.program.tiles[tile_i]
        if arch.kind != "fetta":
            raise TnccError(f"CTILE needs a fetta architecture, not `{arch.name}` ({arch.kind})", where=str(where))
        if self.routes[0] is None or self.routes[1] is None:
            raise TnccError("CTILE before both distribution networks (A and B) were configured by DIST",
                            where=str(where))
        ports, lanes = arch.dist.ports, timing.total_lanes(arch)
        problems = []
        if d.a.ports > ports or d.b.ports > ports:
            problems.append(f"streams use {d.a.ports} and {d.b.ports} ports, the networks have {ports}")
        if d.tb * d.tm * d.tn * d.tkk > lanes:
            problems.append(f"tile needs {d.tb * d.tm * d.tn * d.tkk} lanes, the array has {lanes}")
        if d.tkk > 1 and d.tb * d.tm * d.tn > arch.red.ports:
            problems.append(f"tile drains {d.tb * d.tm * d.tn} sums, the reduction network has {arch.red.ports}")
        if d.tkk > 1 and self.red_id < 0:
            problems.append("tile reduces across lanes (tkk > 1) but no reduction configuration (RED) is loaded")
        points = math.prod(r[0] for r in d.loops)
        if not problems and points * d.beats * (d.a.ports + d.b.ports) > ACCESS_LIMIT:
            problems.append(f"{points} loop points of {d.beats} beats are more than the emulator models in one "
                            f"instruction")
        if problems:
            raise TnccError(f"tile descriptor {tile_i}: " + "; ".join(problems), where=str(where))
        red = self.program.reds[self.red_id] if self.red_id >= 0 else None
        hit = PreparedTile(d, self.routes[0], self.routes[1], red, arch, str(where), self.vectorise)
        if not hit.fast and points > SLOW_POINTS_LIMIT:
            raise TnccError(f"tile descriptor {tile_i} needs the lane-by-lane path (a non-canonical reduction "
                            f"grouping or overlapping drains) for {points} loop points, more than the emulator "
                            f"runs ({SLOW_POINTS_LIMIT})", where=str(where))
        self._tiles[key] = hit
        return hit

    @_handles(Opcode.CTILE)
    def _op_ctile(self, idx: int, ins: Instruction, where: Where) -> Record:
        pt = self._prepared(idx, ins, where)
        d = self.program.tiles[ins.fields[0]]
        if pt.fast:
            pend = self._pending
            if not (pend is not None and pend.chain.tile is pt and pend.c_base == d.c.base and d.accumulate
                    and not self._reads_pending(pt, d) and pend.chain.add(self.buf, d, where)):
                self._flush()
                pt.check_drain(self.buf, d.c.base, where)
                chain = Chain(pt, self._chain_length(idx, d))
                chain.add(self.buf, d, where)
                self._pending = _Pending(chain, d.c.base, d.accumulate, where)
                self.buf.watch = (d.c.base + pt.c_lo, d.c.base + pt.c_hi)
        else:
            self._flush()
            pt.run(self.buf, d, where)
        n, refill = pt.points, self.refill
        self.refill = False
        cost = pt.costs.get(refill)  # a pure function of the prepared tile and the refill flag
        if cost is None:
            cost = pt.costs[refill] = self._cost(ins.opcode, self._operands(
                ins, passes=(pt.ma.passes, pt.mb.passes, pt.pc), points=n, refill=refill))
        s, e, busy = self._charge(idx, ins, cost)
        if self.sync is not None:
            # Operands are read from the start; the accumulators reach C only
            # in the drains, the first after the fill and one front phase.
            drain_from = min(e, s + cost.fill + cost.front)
            for base, (lo, hi), write, t0 in ((d.a.base, pt.a_span, False, s), (d.b.base, pt.b_span, False, s),
                                              (d.c.base, pt.c_span, True, drain_from)):
                self.sync.access(1, write, base + lo, base + hi, t0, e, idx, where, "buffer")
        macs, words, hops = timing.tile_events(self.arch, n, pt.beats, pt.ports, pt.words, d.tkk,
                                               d.accumulate or pt.reduces)
        return Record(idx, "CTILE", ins.src, s, e, macs=macs, buffer_words=words, hops=hops,
                      conflicts=n * pt.conflicts, busy=busy)

    def _reads_pending(self, pt: PreparedTile, d: Any) -> bool:
        """Whether the tile's operands overlap the pending drain's words."""
        w = self.buf.watch
        if w is None:
            return False
        return any(base + lo <= w[1] and base + hi >= w[0]
                   for base, (lo, hi) in ((d.a.base, pt.a_span), (d.b.base, pt.b_span)))

    def _chain_length(self, idx: int, d: Any) -> int:
        """How many CTILEs from ``idx`` on may join one accumulation chain: the
        following CTILEs of the same structure that accumulate into the same
        addresses, up to the next one that does not or a reconfiguration.
        An upper bound (a flush may end the chain early); it sizes the
        chain's operand arrays."""
        if self._ctiles is None:
            self._ctiles = self._index_ctiles()
        order, barrier = self._ctiles
        code, tiles = self.program.instructions, self.program.tiles
        key = self._skeys[code[idx].fields[0]]
        n = 1
        j = order[idx] + 1
        while j < len(barrier) and n < 256 and not barrier[j][1]:
            t = code[barrier[j][0]].fields[0]
            t2 = tiles[t]
            if not (t2.accumulate and t2.c.base == d.c.base and
                    (self._skeys.get(t) or self._skeys.setdefault(t, structure_key(t2))) == key):
                break
            n += 1
            j += 1
        return n

    def _index_ctiles(self) -> tuple[dict[int, int], list[tuple[int, bool]]]:
        """The CTILEs in program order: instruction index -> position, and per
        position (instruction index, whether a reconfiguration, GEMM or HALT
        comes between it and the previous CTILE).  Built once per program."""
        order: dict[int, int] = {}
        rows: list[tuple[int, bool]] = []
        barrier = False
        stops = (Opcode.DIST, Opcode.RED, Opcode.GEMM, Opcode.HALT)
        for i, ins in enumerate(self.program.instructions):
            op = ins.opcode
            if op is Opcode.CTILE:
                order[i] = len(rows)
                rows.append((i, barrier))
                barrier = False
            elif op in stops:
                barrier = True
        return order, rows

    @_handles(Opcode.GEMM)
    def _op_gemm(self, idx: int, ins: Instruction, where: Where) -> Record:
        arch = self.arch
        if arch.kind != "systolic":
            raise TnccError(f"GEMM needs a systolic architecture, not `{arch.name}` ({arch.kind})", where=str(where))
        g = self.program.gemms[ins.fields[0]]
        ct = compute_type(g.dtype)
        a = self.buf.read_affine(g.a, [(g.m, g.lda), (g.k, 1)], where)
        b = self.buf.read_affine(g.b, [(g.k, g.ldb), (g.n, 1)], where)
        if needs_rounding(g.dtype, self.buf.data.dtype):
            a, b = round_to(a, g.dtype), round_to(b, g.dtype)
        c = np.matmul(a.astype(ct, copy=False), b.astype(ct, copy=False))
        if g.accumulate:
            c = c + self.buf.read_affine(g.c, [(g.m, g.ldc), (g.n, 1)], where).astype(ct, copy=False)
        self.buf.write_affine(g.c, [(g.m, g.ldc), (g.n, 1)], accumulate_wrap(c, g.dtype), where)
        s, e, busy = self._charge(idx, ins, self._cost(ins.opcode, self._operands(ins)))
        if self.sync is not None:
            for base, rows_, ld, cols_, write in ((g.a, g.m, g.lda, g.k, False), (g.b, g.k, g.ldb, g.n, False),
                                                  (g.c, g.m, g.ldc, g.n, True)):
                self.sync.access(1, write, base, base + (rows_ - 1) * ld + cols_ - 1, s, e, idx, where, "buffer")
        macs, words = timing.gemm_events(arch, g.m, g.n, g.k, g.accumulate)
        return Record(idx, "GEMM", ins.src, s, e, macs=macs, buffer_words=words, busy=busy)
