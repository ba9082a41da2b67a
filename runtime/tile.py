"""The fetta contraction tile (``CTILE``): operand streams through the
distribution networks, lane products, reduction grouping and the drain.

A :class:`PreparedTile` is computed once per (tile descriptor, loaded
network configurations) and reused by every execution:

* each stream's port offsets are turned into the offset each port really
  receives: a word at ``port_offset(p)`` arrives on slot ``port_offset(p) mod
  banks`` in the conflict pass that carries it; port ``p`` takes from slot
  ``route[p]`` (the realised switch bits) in its own pass, so a wrong route
  delivers a wrong word, or zero when that slot carries nothing in the pass;
* the loop nest's A/B/C base offsets, conflict passes and drain addresses.

Execution gathers every beat of every loop point with one strided view or
fancy index per operand and computes the lane products with one batched
matrix product over the port data (loops that only advance A, or only B,
become free dimensions; reduce loops that keep C in place become summed
ones); a :class:`Chain` of executions accumulating into the same addresses
shares one product.  That fast path is
used only when the reduction configuration is the canonical grouping of
``TKK`` consecutive lanes and the drain addresses of distinct loop points are
distinct; otherwise the tile runs point by point, lane by lane, through
:func:`tncc.isa.networks.reduce` (so a wrong grouping gives wrong numbers).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from tncc.errors import TnccError
from tncc.isa import timing
from tncc.isa.arch import Arch
from tncc.isa.networks import reduce as red_reduce
from tncc.isa.program import RedConfig, Stream, TileDesc
from tncc.isa.timing import affine_offsets, drain_passes
from tncc.runtime.memory import Access, Memory, affine_range, injective
from tncc.runtime.numeric import ContractPlan, accumulate_wrap, compute_type, needs_rounding, round_to

LOOP_LABELS = "ABCDEFGH"


def structure_key(d: TileDesc) -> tuple:
    """Everything of a tile descriptor except its bases and accumulate flag: two
    descriptors with equal keys share one :class:`PreparedTile` (bank
    conflicts are invariant under the barrel rotation by the base)."""
    return (d.dtype, d.dataflow, d.tb, d.tm, d.tn, d.tkk, d.a.port_dims, d.a.beat_dims, d.b.port_dims,
            d.b.beat_dims, d.c.dims, d.loops)


@dataclass(frozen=True, slots=True)
class PortMap:
    """What each port of a stream receives: ``offsets[p]`` relative to the
    beat's base, valid where ``live[p]`` (else the port reads zero)."""

    offsets: np.ndarray
    live: np.ndarray
    passes: int


def port_map(stream: Stream, route: np.ndarray, banks: int) -> PortMap:
    """Offsets the ports of ``stream`` latch through a network realising
    ``route`` (port -> slot) on a ``banks``-bank buffer (docs/machine.md,
    "Bank conflicts")."""
    own = affine_offsets(stream.port_dims)
    by_slot: dict[int, list[int]] = {}
    rank = np.zeros(own.size, dtype=np.int64)
    for p, off in enumerate(own.tolist()):
        lst = by_slot.setdefault(off % banks, [])
        if off not in lst:
            lst.append(off)
        rank[p] = lst.index(off)
    offsets = np.zeros(own.size, dtype=np.int64)
    live = np.zeros(own.size, dtype=bool)
    for p in range(own.size):
        carried = by_slot.get(int(route[p]), [])
        if rank[p] < len(carried):
            offsets[p] = carried[rank[p]]
            live[p] = True
    passes = max((len(v) for v in by_slot.values()), default=1)
    return PortMap(offsets, live, passes)


class _Operand:
    """Precomputed gather of one operand: axes (kept loops, ports, beats),
    so the beats (the summed axis) come last.  When the route delivers every
    port its own word the addresses are the stream's affine pattern (a
    strided view); otherwise they are the offsets the ports really latch (an
    offset array; ports that latch nothing read zero)."""

    __slots__ = ("access", "rel", "lo", "hi", "live", "shape")

    def __init__(self, loop_dims: list[tuple[int, int]], stream: Stream, beat: np.ndarray, pm: PortMap,
                 shape: tuple[int, ...]) -> None:
        self.shape = shape
        own = affine_offsets(stream.port_dims)
        self.access: Access | None = None
        self.rel: np.ndarray | None = None
        self.live: np.ndarray | None = None
        if pm.live.all() and np.array_equal(pm.offsets, own):
            self.access = Access(loop_dims + list(stream.port_dims) + list(stream.beat_dims))
            self.lo, self.hi = self.access.lo, self.access.hi
            return
        loop = affine_offsets(loop_dims).reshape([c for c, _ in loop_dims])
        nl = loop.ndim
        self.rel = (loop.reshape(loop.shape + (1, 1)) + pm.offsets[pm.live].reshape((1,) * nl + (-1, 1))
                    + beat.reshape((1,) * nl + (1, -1)))
        self.lo = int(self.rel.min()) if self.rel.size else 0
        self.hi = int(self.rel.max()) if self.rel.size else 0
        self.live = None if pm.live.all() else pm.live

    def read(self, mem: Memory, base: int, where: object) -> np.ndarray:
        if self.access is not None:
            return mem.read(base, self.access, where)
        assert self.rel is not None
        vals = mem.read_rel(base, self.rel, self.lo, self.hi, where)
        if self.live is not None:
            full = np.zeros(vals.shape[:-2] + (self.live.size, vals.shape[-1]), dtype=vals.dtype)
            full[..., self.live, :] = vals
            vals = full
        return vals


class PreparedTile:
    """Everything about a CTILE that does not depend on memory contents or on
    the three base addresses."""

    def __init__(self, desc: TileDesc, route_a: np.ndarray, route_b: np.ndarray, red: RedConfig | None,
                 arch: Arch, where: object, vectorise: bool = True) -> None:
        self.desc = d = desc
        self.dtype = d.dtype
        self.ct = compute_type(d.dtype)
        banks = arch.buffer.banks
        self.ma = port_map(d.a, route_a, banks)
        self.mb = port_map(d.b, route_b, banks)
        self.beats = d.beats
        self.beat_a = affine_offsets(d.a.beat_dims)
        self.beat_b = affine_offsets(d.b.beat_dims)
        self.drain = affine_offsets(d.c.dims)
        self.counts = tuple(r[0] for r in d.loops)
        self.points = int(np.prod(self.counts)) if self.counts else 1
        self.words = d.tb * d.tm * d.tn
        self.pc = drain_passes(self.drain, arch.red.ports, banks)
        self.costs: dict[bool, timing.Cost] = {}  # by refill flag; filled by the emulator from the tile's class
        self.conflicts = d.beats * (max(self.ma.passes, self.mb.passes) - 1) + \
            -(-self.words // arch.red.ports) * (self.pc - 1)
        self.ports = d.a.ports + d.b.ports
        self.reduces = any(r[4] for r in d.loops)
        # Word ranges (relative to the bases) the whole loop nest reads and writes.
        self.a_span = affine_range([(r[0], r[1]) for r in d.loops] + list(d.a.beat_dims) + list(d.a.port_dims))
        self.b_span = affine_range([(r[0], r[2]) for r in d.loops] + list(d.b.beat_dims) + list(d.b.port_dims))
        self.c_span = affine_range([(r[0], r[3]) for r in d.loops] + list(d.c.dims))
        canonical = d.tkk == 1 or (red is not None and red.groups == (d.tkk,) * self.words)
        self.red = red
        self.lanes = timing.total_lanes(arch)
        if red is not None and d.tkk > 1 and sum(red.groups) > self.lanes:
            raise TnccError(f"the reduction configuration groups {sum(red.groups)} lanes, the array has "
                            f"{self.lanes}", where=str(where))
        self.fast = vectorise and canonical and self._fast_shape_ok()
        if self.fast:
            self._plan_fast()

    # -- structure -------------------------------------------------------------
    def _loop_offsets(self, which: int, keep: tuple[bool, ...], squeeze: bool = False) -> np.ndarray:
        """Base offsets of operand ``which`` (1=A, 2=B, 3=C) over the kept loops."""
        off = np.zeros([c if k else 1 for c, k in zip(self.counts, keep)], dtype=np.int64)
        for axis, (row, k) in enumerate(zip(self.desc.loops, keep)):
            if k:
                shape = [1] * len(self.counts)
                shape[axis] = row[0]
                off = off + (np.arange(row[0], dtype=np.int64) * row[which]).reshape(shape)
        if squeeze:
            off = off.reshape([c for c, k in zip(self.counts, keep) if k])
        return off

    def _fast_shape_ok(self) -> bool:
        loops = self.desc.loops
        for _, a, b, c, red in loops:
            if red and c != 0:
                return False  # a reduce loop that moves C: sequential semantics
            if a == 0 and b == 0:
                return False  # a loop that repeats the same products
        dims = [(r[0], r[3]) for r in loops if not r[4]] + list(self.desc.c.dims)
        if injective(dims):
            return True
        keep = tuple(not r[4] for r in loops)
        c_off = self._loop_offsets(3, keep).reshape(-1, 1) + self.drain.reshape(1, -1)
        return np.unique(c_off).size == c_off.size

    def _plan_fast(self) -> None:
        d, loops = self.desc, self.desc.loops
        n = len(loops)
        keep_a = tuple(r[1] != 0 for r in loops)
        keep_b = tuple(r[2] != 0 for r in loops)
        keep_c = tuple(not r[4] for r in loops)
        ca = tuple(c for c, k in zip(self.counts, keep_a) if k)
        cb = tuple(c for c, k in zip(self.counts, keep_b) if k)
        self.op_a = _Operand([(r[0], r[1]) for r in loops if r[1] != 0], d.a, self.beat_a, self.ma,
                             ca + (d.tb, d.tm, d.tkk, d.beats))
        self.op_b = _Operand([(r[0], r[2]) for r in loops if r[2] != 0], d.b, self.beat_b, self.mb,
                             cb + (d.tb, d.tn, d.tkk, d.beats))
        self.la = "".join(LOOP_LABELS[i] for i in range(n) if keep_a[i]) + "bikt"
        self.lb = "".join(LOOP_LABELS[i] for i in range(n) if keep_b[i]) + "bjkt"
        self.lc = "".join(LOOP_LABELS[i] for i in range(n) if keep_c[i]) + "bij"
        self._plans: dict[int, tuple[ContractPlan, np.ndarray]] = {}
        cc = tuple(c for c, k in zip(self.counts, keep_c) if k)
        self.rel_c_shaped = (self._loop_offsets(3, keep_c).reshape(-1, 1) + self.drain.reshape(1, -1)).reshape(
            cc + (d.tb, d.tm, d.tn))
        self.rel_c = self.rel_c_shaped.ravel()
        self.c_lo, self.c_hi = int(self.rel_c.min()), int(self.rel_c.max())

    def _plan(self, a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> tuple[ContractPlan, np.ndarray]:
        """The contraction for operands of these shapes (beats may be a
        multiple of the tile's when accumulations were deferred) and the
        drain offsets in the order the product comes out."""
        beats = a_shape[-1]
        hit = self._plans.get(beats)
        if hit is None:
            plan = ContractPlan(a_shape, self.la, b_shape, self.lb, self.lc)
            rel = self.rel_c_shaped.transpose([self.lc.index(c) for c in plan.have]).ravel()
            hit = self._plans[beats] = (plan, rel)
        return hit

    # -- functional execution --------------------------------------------------
    def _values(self, vals: np.ndarray) -> np.ndarray:
        """Operand words as the lanes see them: rounded to the tile's element
        type (a no-op for values stored in it) in the compute type."""
        if needs_rounding(self.dtype, vals.dtype):
            vals = round_to(vals, self.dtype)
        return vals.astype(self.ct, copy=False)

    def gather_into(self, mem: Memory, base: int, op: _Operand, out: np.ndarray, where: object) -> None:
        """One execution's operand (every beat of every loop point, as it
        reaches the lanes) written into ``out`` in the compute type."""
        acc = op.access
        if acc is not None and self.ct == mem.data.dtype and not needs_rounding(self.dtype, mem.data.dtype):
            rel = mem.touch(base + acc.lo, base + acc.hi, acc, where)
            src = mem.view(base, acc) if rel is None else mem.data[base + rel]
            np.copyto(out, src.reshape(op.shape))
            if mem.maybe_unwritten(out):
                op.read(mem, base, where)  # raises naming the first never-written word
            return
        np.copyto(out, self._values(op.read(mem, base, where)).reshape(op.shape))

    def check_drain(self, mem: Memory, c_base: int, where: object) -> None:
        """Range check of the drain addresses, ahead of a deferred drain."""
        mem.check_range(c_base + self.c_lo, c_base + self.c_hi, where)

    def run(self, mem: Memory, desc: TileDesc, where: object) -> None:
        """Execute the whole loop nest of ``desc`` (same structure as the
        prepared one; bases may differ) on ``mem`` (the buffer)."""
        if self.fast:
            chain = Chain(self, 1)
            chain.add(mem, desc, where)
            chain.drain(mem, desc.c.base, desc.accumulate, where)
        else:
            self._run_points(mem, desc, where)

    def _gather(self, mem: Memory, base: int, pm: PortMap, beat: np.ndarray, where: object) -> np.ndarray:
        idx = base + beat.reshape(-1, 1) + pm.offsets[pm.live].reshape(1, -1)
        vals = mem.read_index(idx, where)
        if not pm.live.all():
            full = np.zeros((beat.size, pm.live.size), dtype=vals.dtype)
            full[:, pm.live] = vals
            vals = full
        return self._values(vals)

    def _run_points(self, mem: Memory, d: TileDesc, where: object) -> None:
        """Reference semantics: loop point by loop point, lane by lane."""
        ct = compute_type(d.dtype)
        lanes_a, lanes_b = _lane_ports(d)
        for point in itertools.product(*(range(c) for c in self.counts)):
            ab, bb, cb = d.a.base, d.b.base, d.c.base
            add = d.accumulate
            for i, (_, sa, sb, sc, red) in zip(point, d.loops):
                ab, bb, cb = ab + i * sa, bb + i * sb, cb + i * sc
                add = add or (red and i != 0)
            a = self._gather(mem, ab, self.ma, self.beat_a, where)
            b = self._gather(mem, bb, self.mb, self.beat_b, where)
            prod = np.zeros((d.beats, self.lanes), dtype=ct)  # lanes the tile leaves idle hold zero
            prod[:, : lanes_a.size] = a[:, lanes_a] * b[:, lanes_b]
            if d.tkk > 1:
                if self.red is None:
                    raise TnccError("CTILE with tkk > 1 needs a reduction configuration (RED)", where=str(where))
                sums = red_reduce(self.red, prod).sum(axis=0)
                if sums.size < self.words:
                    raise TnccError(f"the reduction configuration forms {sums.size} groups, the tile drains "
                                    f"{self.words} accumulators", where=str(where))
                acc = sums[: self.words]
            else:  # tkk = 1: lane (b, i, j) is accumulator (b, i, j)
                acc = prod[:, : self.words].sum(axis=0)
            addrs = cb + self.drain
            if add:
                acc = acc + mem.read_index(addrs, where).astype(acc.dtype, copy=False)
            mem.write_index(addrs, accumulate_wrap(acc, d.dtype), where)


CHAIN_WORDS = 1 << 24  # operand words a chain may hold before it is drained


class Chain:
    """Executions of one fast tile that accumulate into the same addresses (a
    contracted range split across CTILEs), summed as one longer contraction.

    Operands are gathered straight into arrays laid out as the matrix
    product wants them (the beats of successive executions side by side), so
    a whole chain costs one gather per operand per execution and one
    product.  ``capacity`` executions fit; :meth:`add` returns False when
    full."""

    def __init__(self, tile: "PreparedTile", capacity: int) -> None:
        per = math.prod(tile.op_a.shape) + math.prod(tile.op_b.shape)
        self.capacity = max(1, min(capacity, CHAIN_WORDS // max(1, per)))
        self.tile = tile
        self.filled = 0
        total = tile.beats * self.capacity
        a_shape, b_shape = tile.op_a.shape[:-1] + (total,), tile.op_b.shape[:-1] + (total,)
        plan, _ = tile._plan(a_shape, b_shape)
        self.a, self.b = plan.alloc(a_shape, b_shape, tile.ct)

    def add(self, mem: Memory, desc: TileDesc, where: object) -> bool:
        if self.filled == self.capacity:
            return False
        t = self.tile
        lo = self.filled * t.beats
        t.gather_into(mem, desc.a.base, t.op_a, self.a[..., lo:lo + t.beats], where)
        t.gather_into(mem, desc.b.base, t.op_b, self.b[..., lo:lo + t.beats], where)
        self.filled += 1
        return True

    def drain(self, mem: Memory, c_base: int, accumulate: bool, where: object) -> None:
        """Sum the lane products of every execution added and drain them;
        adds to the buffer's values when ``accumulate``."""
        t = self.tile
        n = self.filled * t.beats
        a, b = (self.a, self.b) if self.filled == self.capacity else (self.a[..., :n], self.b[..., :n])
        plan, rel = t._plan(a.shape, b.shape)
        vals = plan.raw(a, b).reshape(-1)
        if accumulate:
            vals = vals + mem.read_rel(c_base, rel, t.c_lo, t.c_hi, where).astype(vals.dtype, copy=False)
        mem.write_rel(c_base, rel, t.c_lo, t.c_hi, accumulate_wrap(vals, t.desc.dtype), where)


def _lane_ports(d: TileDesc) -> tuple[np.ndarray, np.ndarray]:
    """A and B port of every lane ``(b, i, j, kk)`` (row-major): the CE grid's
    row and column buses."""
    b, i, j, k = np.meshgrid(np.arange(d.tb), np.arange(d.tm), np.arange(d.tn), np.arange(d.tkk), indexing="ij")
    pa = ((b * d.tm + i) * d.tkk + k).ravel()
    pb = ((b * d.tn + j) * d.tkk + k).ravel()
    return pa, pb
