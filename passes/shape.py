"""Shaping: turn tiles into the machine's address streams, switch words and
reduction groupings, and (systolic) into explicit reshaping copies.

On the fetta preset a tensor is never rearranged in memory.  For each tile:

* each operand is a :class:`View` (base address and one word stride per
  index; stride 0 where the operand lacks the index, which makes the
  distribution network multicast: outer products, hyperedges, A-only /
  B-only summed indices and the all-ones operand of unary steps);
* its ports enumerate (b, i, kk) and its beats the rest of the contracted
  range, each index contributing one ``(extent, stride)`` dim (adjacent
  dims merged when the strides allow);
* the port -> slot mapping ``src(p) = port_offset(p) mod banks`` is routed
  on the Benes-copy-Benes network by ``tncc.isa.networks.route_multicast``
  (looping algorithm);
* the drain writes the accumulators in whatever layout the result has, so
  any permutation of the result's indices is free;
* the reduction grouping sums ``TKK`` consecutive lanes (inner dataflow) or
  keeps every lane (outer, batch).

On the systolic preset the GEMM needs ``A[M,K]``, ``B[K,N]``, ``C[M,N]``
row-major and contiguous: :func:`matrix_ld` says when an operand must
first be copied by a ``SHAPE`` (a permuting, possibly broadcasting
copy) and :func:`copy_descs` builds the DMA-style descriptors for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Sequence

from tncc.errors import TnccError
from tncc.ir import DType
from tncc.isa.arch import Arch
from tncc.isa.networks import red_config, route_multicast
from tncc.isa.program import MAX_DIMS, MAX_LOOPS, DmaDesc, Drain, RedConfig, Stream, SwitchConfig, TileDesc
from tncc.isa.table import Dataflow
from tncc.isa.timing import affine_offsets, banked_access_cycles
from tncc.passes.tiled_ir import ROLE_GROUP, Group, IndexInfo, Role, Tile, TileAxis
from tncc.plan import Step


@dataclass(frozen=True, slots=True)
class View:
    """Where a block of a tensor is: element with index values ``v`` at
    ``base + sum((v[i] - origin[i]) * strides[i])``; indices the tensor lacks
    have stride 0."""

    base: int
    strides: tuple[tuple[str, int], ...]
    origin: tuple[tuple[str, int], ...] = ()

    def stride(self, index: str) -> int:
        for n, s in self.strides:
            if n == index:
                return s
        return 0

    def address(self, point: dict[str, int]) -> int:
        org = dict(self.origin) if self.origin else _NO_ORIGIN
        addr = self.base
        for n, s in self.strides:
            v = point.get(n)
            if v is not None:
                addr += (v - org.get(n, 0)) * s
        return addr


_NO_ORIGIN: dict[str, int] = {}


def merge_dims(dims: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Drop extent-1 dims and merge neighbours whose strides chain
    (``outer stride == inner extent * inner stride`` for every stride
    column); the row-major enumeration is unchanged."""
    out: list[tuple[int, ...]] = []
    for extent, *strides in dims:
        if extent == 1:
            continue
        if out:
            prev_extent, *prev_strides = out[-1]
            if all(ps == extent * s for ps, s in zip(prev_strides, strides)):
                out[-1] = (prev_extent * extent, *strides)
                continue
        out.append((extent, *strides))
    return out


def merge_pairs(dims: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """:func:`merge_dims` of ``(extent, stride)`` dims."""
    return [(e, st) for e, st in merge_dims(dims)]


def _group_axes(tile: Tile, infos: dict[str, IndexInfo], group: Group, key_view: View) -> list[TileAxis]:
    axes = [ax for ax in tile.axes if ROLE_GROUP[infos[ax.index].role] is group and ax.extent > 1]
    # Outermost stride first so neighbouring dims merge.
    return sorted(axes, key=lambda ax: -abs(key_view.stride(ax.index)))


@dataclass(frozen=True, slots=True)
class TileCode:
    """One tile lowered: descriptors for each unrolled point of the loops
    beyond ``MAX_LOOPS``, plus the networks' configurations."""

    descs: tuple[TileDesc, ...]
    switch_a: SwitchConfig
    switch_b: SwitchConfig
    red: RedConfig
    port_offsets: tuple[tuple[int, ...], tuple[int, ...]]


def _offsets(dims: list[tuple[int, int]]) -> list[int]:
    offs = [0]
    for ext, stride in dims:
        offs = [o + k * stride for o in offs for k in range(ext)]
    return offs


def _route(dims: list[tuple[int, int]], arch: Arch) -> tuple[SwitchConfig, tuple[int, ...]]:
    ports, banks = arch.dist.ports, arch.buffer.banks
    if banks > ports:
        raise TnccError(f"the buffer has {banks} banks but the distribution network only {ports} input slots",
                        where="arch key buffer.banks")
    return _route_cached(tuple(tuple(d) for d in dims), ports, banks)


@lru_cache(maxsize=4096)
def _route_cached(dims: tuple[tuple[int, int], ...], ports: int, banks: int) -> tuple[SwitchConfig, tuple[int, ...]]:
    """Route ``src(p) = port_offset(p) mod banks`` (unused ports: don't care)."""
    offs = _offsets(list(dims))
    src = [o % banks for o in offs] + [-1] * (ports - len(offs))
    return route_multicast(src, ports), tuple(offs)


@lru_cache(maxsize=1024)
def _red(tkk: int, lanes: int) -> RedConfig:
    """The reduction grouping of ``lanes`` groups of ``tkk`` lanes (immutable,
    so one object serves every tile of that shape)."""
    return red_config((tkk,) * lanes)


def lower_tile(tile: Tile, infos: dict[str, IndexInfo], a: View, b: View, c: View, dtype: DType, arch: Arch) -> TileCode:
    """The tile descriptor(s) and network configurations of one fetta tile."""
    start = {ax.index: ax.start for ax in tile.axes}
    return tile_code(plan_tile(tile, infos, a, b, c, arch), tile, a.address(start), b.address(start), c.address(start),
                     dtype)


def plan_tile(tile: Tile, infos: dict[str, IndexInfo], a: View, b: View, c: View, arch: Arch) -> "_TilePlan":
    """Everything of :func:`lower_tile` but the base addresses: it depends
    only on the tile's shape and the views' strides, which repeat from tile
    to tile (computed once for each)."""
    ports, banks = arch.dist.ports, arch.buffer.banks
    if banks > ports:
        raise TnccError(f"the buffer has {banks} banks but the distribution network only {ports} input slots",
                        where="arch key buffer.banks")
    shape = _TileShape(tile.dataflow, tile.tb, tile.tm, tile.tn, tile.tkk,
                       tuple(_AxisShape(ax.index, ax.extent, ax.beats, ax.count, infos[ax.index].role)
                             for ax in tile.axes))
    return _tile_plan(shape, a.strides, b.strides, c.strides, ports, banks)


def tile_code(plan: "_TilePlan", tile: Tile, a0: int, b0: int, c0: int, dtype: DType) -> TileCode:
    """:func:`lower_tile` from the tile's :func:`plan_tile` and the addresses
    of its operands' and result's first elements."""
    descs = tuple(_tile_desc(dtype, plan.flow, tile.tb, tile.tm, tile.tn, tile.tkk, a0 + pt.a_offset, plan.a_ports,
                             plan.a_beats, b0 + pt.b_offset, plan.b_ports, plan.b_beats, c0 + pt.c_offset, plan.drain,
                             tile.accumulate or pt.reduction_started, plan.inner)
                  for pt in plan.points)
    return TileCode(descs, plan.sw_a, plan.sw_b, plan.red, plan.offsets)


@dataclass(frozen=True, slots=True)
class _AxisShape:
    """One tile axis as the address-independent plan sees it (hashable: a
    key of :func:`_tile_plan`'s cache)."""

    index: str
    extent: int  # points spread over ports
    beats: int  # repetitions walked by beats
    count: int  # repetitions walked by the tile's loop nest
    role: Role


@dataclass(frozen=True, slots=True)
class _TileShape:
    """Everything of a tile but its addresses: the cache key of a plan."""

    dataflow: str
    tb: int
    tm: int
    tn: int
    tkk: int
    axes: tuple[_AxisShape, ...]


@dataclass(frozen=True, slots=True)
class _Loop:
    """One loop of a tile descriptor: ``count`` trips, each moving the A, B
    and C addresses by their steps; ``reduces`` when it walks a contracted
    index (its trips accumulate into the same outputs)."""

    count: int
    a_step: int
    b_step: int
    c_step: int
    reduces: bool

    def row(self) -> tuple[int, int, int, int, bool]:
        """The ``TileDesc.loops`` row: ``(count, a_step, b_step, c_step, reduce)``."""
        return (self.count, self.a_step, self.b_step, self.c_step, self.reduces)


@dataclass(frozen=True, slots=True)
class _Point:
    """One unrolled point of the loops beyond ``MAX_LOOPS``: the address
    offsets of its descriptor and whether an earlier point already started
    the reduction it continues (so it must accumulate)."""

    a_offset: int
    b_offset: int
    c_offset: int
    reduction_started: bool


@dataclass(frozen=True, slots=True)
class _TilePlan:
    """The address-independent part of a lowered tile."""

    flow: Dataflow
    a_ports: tuple[tuple[int, int], ...]
    a_beats: tuple[tuple[int, int], ...]
    b_ports: tuple[tuple[int, int], ...]
    b_beats: tuple[tuple[int, int], ...]
    drain: tuple[tuple[int, int], ...]
    inner: tuple[tuple[int, int, int, int, bool], ...]  # the descriptor's loop rows (:meth:`_Loop.row`)
    points: tuple[_Point, ...]  # one descriptor per unrolled point
    sw_a: SwitchConfig
    sw_b: SwitchConfig
    red: RedConfig
    offsets: tuple[tuple[int, ...], tuple[int, ...]]


@lru_cache(maxsize=1 << 14)
def _tile_desc(dtype: DType, flow: Dataflow, tb: int, tm: int, tn: int, tkk: int, a0: int, a_ports: tuple[tuple[int, int], ...],
               a_beats: tuple[tuple[int, int], ...], b0: int, b_ports: tuple[tuple[int, int], ...], b_beats: tuple[tuple[int, int], ...], c0: int,
               drain: tuple[tuple[int, int], ...], accumulate: bool, loops: tuple[tuple[int, int, int, int, bool], ...]) -> TileDesc:
    return TileDesc(dtype=dtype, dataflow=flow, tb=tb, tm=tm, tn=tn, tkk=tkk,
                    a=Stream(a0, a_ports, a_beats), b=Stream(b0, b_ports, b_beats), c=Drain(c0, drain),
                    accumulate=accumulate, loops=loops)


def _first(strides: tuple[tuple[str, int], ...]) -> dict[str, int]:
    """``View.stride`` as a dict: the first stride of each index."""
    out: dict[str, int] = {}
    for n, st in strides:
        out.setdefault(n, st)
    return out


@lru_cache(maxsize=4096)
def _tile_plan(shape: _TileShape, a_strides: tuple[tuple[str, int], ...], b_strides: tuple[tuple[str, int], ...],
               c_strides: tuple[tuple[str, int], ...], ports: int, banks: int) -> _TilePlan:
    axes = shape.axes
    sa, sb, sc = _first(a_strides), _first(b_strides), _first(c_strides)

    def group(g: Group, key: dict[str, int]) -> list[_AxisShape]:
        out = [ax for ax in axes if ROLE_GROUP[ax.role] is g and ax.extent > 1]
        # Outermost stride first so neighbouring dims merge.
        return sorted(out, key=lambda ax: -abs(key.get(ax.index, 0)))

    gb = group(Group.B, sa)
    gm = group(Group.M, sa)
    gn = group(Group.N, sb)
    gk = group(Group.K, sa if any(sa.get(ax.index, 0) for ax in axes) else sb)
    a_ports = merge_pairs([(ax.extent, sa.get(ax.index, 0)) for ax in gb + gm + gk])
    b_ports = merge_pairs([(ax.extent, sb.get(ax.index, 0)) for ax in gb + gn + gk])
    drain = merge_pairs([(ax.extent, sc.get(ax.index, 0)) for ax in gb + gm + gn])
    beat_axes = [ax for ax in axes if ax.beats > 1]
    a_beats = merge_pairs([(ax.beats, ax.extent * sa.get(ax.index, 0)) for ax in beat_axes])
    b_beats = merge_pairs([(ax.beats, ax.extent * sb.get(ax.index, 0)) for ax in beat_axes])
    for what, dims in (("A ports", a_ports), ("B ports", b_ports), ("drain", drain), ("A beats", a_beats), ("B beats", b_beats)):
        assert len(dims) <= MAX_DIMS, f"tile {what} need {len(dims)} dims"
    loop_axes = [ax for ax in axes if ax.count > 1]
    # Reduce loops innermost keeps each output's partial sums adjacent in time.
    loop_axes.sort(key=lambda ax: ax.role is Role.CONTRACTED)
    loops = [_Loop(ax.count, ax.extent * ax.beats * sa.get(ax.index, 0), ax.extent * ax.beats * sb.get(ax.index, 0),
                   ax.extent * ax.beats * sc.get(ax.index, 0), ax.role is Role.CONTRACTED) for ax in loop_axes]
    sw_a, offs_a = _route_cached(tuple(tuple(d) for d in a_ports), ports, banks)
    sw_b, offs_b = _route_cached(tuple(tuple(d) for d in b_ports), ports, banks)
    red = _red(shape.tkk, shape.tb * shape.tm * shape.tn)
    # Loops beyond MAX_LOOPS (outermost first) are unrolled into descriptors.
    outer, inner = loops[: max(0, len(loops) - MAX_LOOPS)], loops[max(0, len(loops) - MAX_LOOPS):]
    points = []
    for point in _points([lp.count for lp in outer]):
        points.append(_Point(sum(k * lp.a_step for k, lp in zip(point, outer)),
                             sum(k * lp.b_step for k, lp in zip(point, outer)),
                             sum(k * lp.c_step for k, lp in zip(point, outer)),
                             any(k and lp.reduces for k, lp in zip(point, outer))))
    return _TilePlan(Dataflow(shape.dataflow), tuple(a_ports), tuple(a_beats), tuple(b_ports), tuple(b_beats),
                     tuple(drain), tuple(lp.row() for lp in inner), tuple(points), sw_a, sw_b, red,
                     (tuple(offs_a), tuple(offs_b)))


def _points(counts: list[int]) -> Iterator[tuple[int, ...]]:
    if not counts:
        yield ()
        return
    import itertools

    yield from itertools.product(*(range(c) for c in counts))


# -- strided copies (DMA and SHAPE) -----------------------------------------------------


SHAPE_ORDER_LIMIT = 1 << 16  # words up to which a SHAPE's enumeration order is chosen by its costed passes


def shape_order(extents: list[int], from_strides: list[int], to_strides: list[int], banks: int) -> list[int]:
    """The enumeration order of a buffer-to-buffer copy (a permutation of its
    dims) with the fewest modelled cycles (``tncc.isa.timing``'s SHAPE cost:
    per consecutive chunk of ``banks`` reads, then of writes, as many cycles
    as the most words in one bank): a copy moves a set of elements, so any
    dim may run innermost; the given order is kept on ties and for copies
    past :data:`SHAPE_ORDER_LIMIT` words."""
    return list(_shape_order(tuple(extents), tuple(from_strides), tuple(to_strides), banks))


@lru_cache(maxsize=4096)
def _shape_order(extents: tuple[int, ...], fs: tuple[int, ...], ts: tuple[int, ...], banks: int) -> tuple[int, ...]:
    n = len(extents)
    base = tuple(range(n))
    if math.prod(extents) > SHAPE_ORDER_LIMIT or n < 2:
        return base

    def cost(order: tuple[int, ...]) -> int:
        reads = affine_offsets([(extents[d], fs[d]) for d in order])
        writes = affine_offsets([(extents[d], ts[d]) for d in order])
        return banked_access_cycles(reads, banks) + banked_access_cycles(writes, banks)

    best, best_cost = base, cost(base)
    for inner in range(n - 1):  # each other dim innermost, the rest in order
        order = tuple(d for d in base if d != inner) + (inner,)
        c = cost(order)
        if c < best_cost:
            best, best_cost = order, c
    return best


@dataclass(frozen=True, slots=True)
class CopyPiece:
    """One descriptor of a strided copy: ``desc`` run from ``from_offset``
    words past the copy's source base to ``to_offset`` words past its
    destination base."""

    from_offset: int
    to_offset: int
    desc: DmaDesc


@dataclass(frozen=True, slots=True)
class _CopyDim:
    """One merged dim of a copy: ``extent`` points, ``from_stride`` and
    ``to_stride`` words apart in the source and the destination."""

    extent: int
    from_stride: int
    to_stride: int


def copy_descs(extents: list[int], from_strides: list[int], to_strides: list[int], dtype: DType) -> list[CopyPiece]:
    """Descriptors of a strided copy of the box ``extents`` from one address
    map to another, as :class:`CopyPiece` s: one when
    the merged copy has at most ``MAX_DIMS`` dims, otherwise one per point of
    the smallest dims beyond ``MAX_DIMS``."""
    return list(_copy_descs(tuple(extents), tuple(from_strides), tuple(to_strides), dtype))


@lru_cache(maxsize=4096)
def _copy_descs(extents: tuple[int, ...], from_strides: tuple[int, ...], to_strides: tuple[int, ...],
                dtype: DType) -> tuple[CopyPiece, ...]:
    """:func:`copy_descs`, cached (copies of one shape repeat block after block)."""
    merged = merge_dims([(e, f, t) for e, f, t in zip(extents, from_strides, to_strides)])
    dims = [_CopyDim(e, f, t) for e, f, t in merged] or [_CopyDim(1, 1, 1)]
    # A copy moves a set of elements, so any dims may be unrolled: unroll the
    # smallest ones (fewest instructions), keep the others in order.
    extra = max(0, len(dims) - MAX_DIMS)
    unroll = set(sorted(range(len(dims)), key=lambda d: (dims[d].extent, d))[:extra])
    lead = [d for k, d in enumerate(dims) if k in unroll]
    tail = [d for k, d in enumerate(dims) if k not in unroll]
    desc = DmaDesc(tuple((d.extent, d.from_stride, d.to_stride) for d in tail), dtype)
    out = []
    for point in _points([d.extent for d in lead]):
        fo = sum(k * d.from_stride for k, d in zip(point, lead))
        to = sum(k * d.to_stride for k, d in zip(point, lead))
        out.append(CopyPiece(fo, to, desc))
    return tuple(out)


def box_transfers(box: Sequence[int], full: Sequence[int]) -> int:
    """DMA transfers (:func:`copy_descs` pieces) that move the block ``box``
    of a tensor stored row-major with extents ``full`` (same axis order) to
    or from a compact slot: the dims whose strides chain on both sides merge,
    and beyond ``MAX_DIMS`` the smallest are unrolled, one transfer a point.
    (The blocking's cost model asks for the same boxes many times: cached.)"""
    return _box_transfers(tuple(box), tuple(full))


@lru_cache(maxsize=65536)
def _box_transfers(box: tuple[int, ...], full: tuple[int, ...]) -> int:
    dram, inner = [], 1
    for f in reversed(full):
        dram.append(inner)
        inner *= f
    slot, inner = [], 1
    for e in reversed(box):
        slot.append(inner)
        inner *= e
    merged = merge_dims(list(zip(box, reversed(dram), reversed(slot))))
    extra = len(merged) - MAX_DIMS
    return math.prod(sorted(e for e, _, _ in merged)[:extra]) if extra > 0 else 1


def words_spanned(extents: list[int], strides: list[int]) -> int:
    return 1 + sum((e - 1) * abs(s) for e, s in zip(extents, strides))


def is_row_major(extents: list[int], strides: list[int]) -> bool:
    """Contiguous row-major in the given axis order (size-1 axes ignored)."""
    acc = 1
    for e, s in reversed(list(zip(extents, strides))):
        if e == 1:
            continue
        if s != acc:
            return False
        acc *= e
    return True


def gemm_extents(tile: Tile, infos: dict[str, IndexInfo]) -> tuple[int, int, int]:
    m = math.prod(ax.extent for ax in tile.axes if infos[ax.index].role is Role.LEFT)
    n = math.prod(ax.extent for ax in tile.axes if infos[ax.index].role is Role.RIGHT)
    k = math.prod(ax.beats for ax in tile.axes if infos[ax.index].role is Role.CONTRACTED)
    return m, n, k


def gemm_orders(step: Step) -> dict[int, tuple[str, ...]]:
    """The axis order (outermost first) in which each tensor of ``step`` is
    the row-major matrix the systolic GEMM reads or writes, by position (0
    is A, 1 is B, 2 the result; ``passes.staging``'s slot positions): A as
    ``[batch, left, contracted]``, B as ``[batch, contracted, right]``, the
    result as :func:`~tncc.passes.alloc.natural_order`, the contracted indices in A's order
    (those only B has after them).  A tensor that repeats an index (a
    diagonal read) is never such a matrix; a unary step without summation
    (a copy) has none."""
    a_ix = step.operands[0].indices
    b_ix = step.operands[1].indices if len(step.operands) > 1 else ()
    a, b, out = set(a_ix), set(b_ix), set(step.indices)
    con = list(dict.fromkeys([i for i in a_ix if i not in out] + [i for i in b_ix if i not in out]))
    if len(step.operands) == 1 and not con:
        return {}
    batch = [i for i in dict.fromkeys(a_ix) if i in out and i in b]
    left = [i for i in dict.fromkeys(a_ix) if i in out and i not in b]
    right = [i for i in dict.fromkeys(b_ix) if i in out and i not in a]
    orders: dict[int, tuple[str, ...]] = {}
    for k, (ixs, order) in enumerate([(a_ix, batch + left + con), (b_ix, batch + con + right),
                                      (step.indices, batch + left + right)]):
        if k == 1 and len(step.operands) == 1:
            continue
        mine = tuple(i for i in order if i in ixs)
        if len(set(ixs)) == len(ixs) and sorted(mine) == sorted(ixs):
            orders[k] = mine
    return orders


def matrix_ld(v: View, rows: list[str], cols: list[str], ext: dict[str, int]) -> int | None:
    """The leading dimension with which ``v``, over a block of extents
    ``ext``, is at every batch point a row-major ``[rows, cols]`` matrix the
    GEMM reads in place, or ``None`` when it is not one.  The columns must be
    contiguous in ``cols`` order; the rows may sit at any pitch at least a
    row long, in ``rows`` order (a block of a larger matrix, a matrix inside
    a tensor whose batch indices lie between its axes).  Batch indices are
    free: one GEMM runs per batch point, at its own address."""
    col_ext = [ext[i] for i in cols]
    if not is_row_major(col_ext, [v.stride(i) for i in cols]):
        return None
    width = math.prod(col_ext)
    outer = [(ext[i], v.stride(i)) for i in rows if ext[i] > 1]
    if not outer:
        return width
    ld = outer[-1][1]
    if ld < width or not is_row_major([e for e, _ in outer], [s // ld if s % ld == 0 else -1 for _, s in outer]):
        return None
    return ld


def contracted_order(a: View, b: View, a_ix: tuple[str, ...], b_ix: tuple[str, ...],
                      infos: dict[str, IndexInfo], batch: list[str], left: list[str], right: list[str],
                      ext: dict[str, int], unary: bool) -> list[str]:
    """The order of the contracted indices, shared by the columns of A'
    and the rows of B': A's own order, unless B's order lets fewer words
    be reshaped (A must be reshaped anyway while B is a ready matrix in
    its order, or both are ready in their own orders and A is the
    smaller): one SHAPE instead of two."""
    con_a = [i for i in a_ix if infos[i].role is Role.CONTRACTED] + \
        [i for i in b_ix if infos[i].role is Role.CONTRACTED and i not in a_ix]
    if unary:
        return con_a
    con_b = [i for i in b_ix if infos[i].role is Role.CONTRACTED] + [i for i in con_a if i not in b_ix]
    if con_b == con_a:
        return con_a
    words_a = math.prod(ext[i] for i in batch + left + con_a)
    words_b = math.prod(ext[i] for i in batch + con_a + right)

    def reshaped(con: list[str]) -> int:
        return (words_a if matrix_ld(a, left, con, ext) is None else 0) + \
            (words_b if matrix_ld(b, con, right, ext) is None else 0)

    return con_b if reshaped(con_b) < reshaped(con_a) else con_a
