"""The systolic back end: a GEMM array behind row-major matrices.

Every step is a batch of GEMMs: operand A is copied by ``SHAPE`` into a
row-major ``[batch, left, contracted]`` matrix A' and operand B into
``[batch, contracted, right]`` (B') unless the GEMM can read them in place
(:func:`matrix_ld`: at every batch point, contiguous columns and rows at one
pitch); one ``GEMM`` runs per batch point; the result, computed as
``[batch, left, right]`` (C'), is copied into its layout when that differs.
A unary step multiplies with the all-ones ``[K, 1]`` matrix; one without
summation is a single ``SHAPE`` copy (a ``COPY`` tile).  Staging slots are
compact in the order of the matrix each staged tensor becomes, so the DMA
reshapes while it moves a box (``docs/lowering.md``, "The fetta / systolic
contrast").
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from tncc.ir import DType
from tncc.isa.arch import Arch
from tncc.isa.program import GemmDesc, Instruction
from tncc.isa.table import Dataflow, Opcode, Unit
from tncc.passes.emitter import Copy, copy_of
from tncc.passes.layout import Layout, compact, matrix_layout, matrix_words
from tncc.passes.shape import View, contracted_order, gemm_extents, gemm_orders, matrix_ld
from tncc.passes.tile import classify
from tncc.passes.tiled_ir import Block, IndexInfo, IndexRole, Tile, TiledStep
from tncc.plan import Plan

if TYPE_CHECKING:
    from tncc.passes.codegen import CodeGenerator

A_MATRIX, B_MATRIX, C_MATRIX = "A'", "B'", "C'"  # the scratch matrices of a step's reshaped operands and result


class SystolicBackend:
    """:class:`~tncc.passes.backend.Backend` of the ``systolic`` kind."""

    kind = "systolic"
    tunes_banks = False
    loads_ahead = False
    co_schedules = False
    needs_scratch = True
    matrix_leaves = True

    def ones_words(self, plan: Plan) -> int:
        """The longest summed range of a unary step (a ``[K, 1]`` matrix), 0 when none is unary."""
        sizes = plan.network.sizes()
        unary = [s for s in plan.steps if len(s.operands) == 1]
        if not unary:
            return 0
        need = 1
        for s in unary:
            summed = [i for i in s.operands[0].indices if i not in s.indices]
            need = max(need, math.prod(sizes[i] for i in summed) if summed else 1)
        return need

    def scratch_words(self, plan: Plan) -> int:
        """The largest reshaping working set of any step (A', B', C')."""
        sizes = plan.network.sizes()
        need = 0
        for s in plan.steps:
            infos = classify(s, sizes)
            size = {ix.name: ix.size for ix in infos}
            con = [ix.name for ix in infos if ix.role is IndexRole.CONTRACTED]
            right = [ix.name for ix in infos if ix.role is IndexRole.RIGHT]

            def words(ixs: list[str], row: list[str]) -> int:
                return matrix_words(math.prod(size[i] for i in ixs if i not in row), math.prod(size[i] for i in row))

            a = words([ix.name for ix in infos if ix.role is not IndexRole.RIGHT], con)
            b = words([ix.name for ix in infos if ix.role is not IndexRole.LEFT], right) if len(s.operands) > 1 else 0
            need = max(need, a + b + words(list(s.indices), right))
        return need

    def staging_layouts(self, ts: TiledStep, staged: list[int], shapes: dict[int, list[tuple[int, ...]]],
                        room: int, arch: Arch) -> tuple[dict[tuple[int, tuple[int, ...]], Layout], dict[int, int]]:
        """Compact, in the order of the GEMM matrix each staged tensor
        becomes (:func:`gemm_orders`): A as ``[batch, left, contracted]``, B
        as ``[batch, contracted, right]``, the result as ``[batch, left,
        right]``.  The DMA then reshapes while it moves the box (it still
        walks DRAM in DRAM order; only the buffer addresses it writes or
        reads are permuted), and the GEMM reads and writes the slot in place:
        the box is not copied into its matrix by a SHAPE pass after the load
        (nor out of one before the store)."""
        orders = gemm_orders(ts.step)
        tensors = [op.indices for op in ts.step.operands] + ([()] if ts.unary else []) + [ts.step.indices]
        lays: dict[tuple[int, tuple[int, ...]], Layout] = {}
        for k in staged:
            order = orders.get(k)
            perm = None if order is None else tuple(tensors[k].index(i) for i in order)
            for sh in shapes[k]:
                lays[(k, sh)] = compact(sh, perm)
        words = {k: max(lays[(k, sh)].words for sh in shapes[k]) for k in staged}
        return lays, words

    def scratch(self, ts: TiledStep) -> dict[str, int]:
        """One matrix each for A', B' (none for a unary step) and C', as large as the largest block needs."""
        infos = ts.indices
        right = {ix.name for ix in infos if ix.role is IndexRole.RIGHT}
        con = {ix.name for ix in infos if ix.role is IndexRole.CONTRACTED}
        groups = {  # (indices, those forming a row) of each reshaped matrix
            A_MATRIX: ([ix.name for ix in infos if ix.role is not IndexRole.RIGHT], con),
            B_MATRIX: ([ix.name for ix in infos if ix.role is not IndexRole.LEFT] if not ts.unary else [], right),
            C_MATRIX: (list(ts.step.indices), right),
        }
        return {key: max(max(1, _matrix_words(b, ixs, row)) for b in ts.blocks)
                for key, (ixs, row) in groups.items()}

    def run_block(self, gen: "CodeGenerator", ts: TiledStep, block: Block, nblock: int, infos: dict[str, IndexInfo],
                  a: View, b: View, c: View, slots: dict[Any, Any], src: int) -> None:
        (tile,) = block.tiles
        step = ts.step
        start = {n: s for n, s, _ in block.box}
        if tile.dataflow == Dataflow.COPY:
            box = {n: (s, e) for n, s, e in block.box}
            ixs = list(step.indices)
            gen.copy(Opcode.SHAPE, copy_of(a.address(start), [a.stride(i) for i in ixs], c.address(start),
                                           [c.stride(i) for i in ixs], [box[i][1] for i in ixs],
                                           gen.values[step.result].dtype, src))
            return
        # Everything but the addresses depends only on the block's extents and
        # the views' strides, which repeat from block to block: worked out once.
        key = (ts.number, tuple([e for _, _, e in block.box]), tile.tm, tile.tn, tile.beats, a.strides, b.strides,
               c.strides)
        geo = gen.backend_memo.get(key)
        if geo is None:
            geo = gen.backend_memo[key] = _gemms(gen, ts, tile, infos, a, b, c, {n: e for n, _, e in block.box})
        m, n, k = geo.m, geo.n, geo.k
        starts = tuple(start.items())
        # A' = [batch, left, con] row-major.
        aa0 = _place(gen, ts.number, step.operands[0].value, a, geo.a, start, slots[A_MATRIX], geo.a_dtype, src)
        if geo.b is None or geo.b_dtype is None:  # unary: the all-ones vector is already a row-major [K, 1] matrix
            ba0 = View(gen.mem.ones_buf, geo.ones, starts).address(start)
        else:
            ba0 = _place(gen, ts.number, step.operands[1].value, b, geo.b, start, slots[B_MATRIX], geo.b_dtype, src)
        gen.issue_ahead()  # the operands are in place: later leaves load under the GEMMs
        ca0 = c.address(start) if geo.c_lay is None else slots[C_MATRIX]
        lda, ldb, ldc = geo.a.ld, (geo.b.ld if geo.b is not None else n), geo.ldc
        acc = tile.accumulate
        dtype, e = gen.step_dtype(ts), gen.e
        for da, db, dc in geo.points:
            aa, ba, ca = aa0 + da, ba0 + db, ca0 + dc
            c_rng = (ca, ca + (m - 1) * ldc + n - 1)
            gen.guard(c_rng)
            g = e.ref_values("gemm", (dtype, m, n, k, aa, lda, ba, ldb, ca, ldc, acc), GemmDesc)
            ins = Instruction.make(Opcode.GEMM, src, gemm=g)
            reads = [(aa, aa + (m - 1) * lda + k - 1), (ba, ba + (k - 1) * ldb + n - 1)] + ([c_rng] if acc else [])
            e.emit(Unit.ARRAY, ins, reads, [c_rng])
        if geo.c_lay is not None and block.last_k:
            gen.copy(Opcode.SHAPE, Copy(ca0, tuple(geo.c_lay.strides), c.address(start), geo.c_view_strides, geo.c_extents,
                                        gen.values[step.result].dtype, src))


@dataclass(frozen=True, slots=True)
class _Matrix:
    """How a block's operand becomes a GEMM matrix ``[batch, rows, cols]``:
    read in place (``lay`` None) or copied by a SHAPE into the step's
    scratch matrix in the layout ``lay`` (rows at an odd pitch:
    ``layout.matrix_layout``, the copy runs free of bank conflicts).  ``ld``
    is the matrix's leading dimension; ``order``, ``extents`` and
    ``strides`` the copy's indices, extents and source strides."""

    ld: int
    lay: Layout | None
    order: tuple[str, ...] = ()
    extents: tuple[int, ...] = ()
    strides: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class _Gemms:
    """A block's GEMMs but for its addresses (the same for every block of a
    step with its extents and operand views' strides): the GEMM shape, how A
    and B (None: the all-ones vector of a unary step, with the strides
    ``ones`` of its view) become matrices, C' (``c_lay`` None: the GEMMs
    write the result's view in place; else a scratch matrix in ``c_lay``
    copied out over ``c_order`` after the block's last GEMM), and the
    address offsets of A', B' and C' at each batch point."""

    m: int
    n: int
    k: int
    a: _Matrix
    a_dtype: DType
    b: _Matrix | None
    b_dtype: DType | None
    ones: tuple[tuple[str, int], ...]
    ldc: int
    c_lay: Layout | None
    c_order: tuple[str, ...]
    c_extents: tuple[int, ...]
    c_view_strides: tuple[int, ...]
    points: tuple[tuple[int, int, int], ...]


def _gemms(gen: "CodeGenerator", ts: TiledStep, tile: Tile, infos: dict[str, IndexInfo], a: View, b: View,
           c: View, ext: dict[str, int]) -> _Gemms:
    """The :class:`_Gemms` of a block of extents ``ext`` with operand views ``a``, ``b`` and result view ``c``."""
    step = ts.step
    # An index an operand repeats (a diagonal) is one matrix dimension: its view sums the strides.
    a_ix = tuple(dict.fromkeys(step.operands[0].indices))
    b_ix = tuple(dict.fromkeys(step.operands[1].indices)) if len(step.operands) > 1 else ()
    batch = [i for i in a_ix if infos[i].role is IndexRole.BATCH]
    left = [i for i in a_ix if infos[i].role is IndexRole.LEFT]
    right = [i for i in b_ix if infos[i].role is IndexRole.RIGHT]
    m, n, k = gemm_extents(tile, infos)
    con = contracted_order(a, b, a_ix, b_ix, infos, batch, left, right, ext, ts.unary)
    am = _matrix(a, batch, left, con, ext)
    a_strides = a.strides if am.lay is None else tuple(zip(am.order, am.lay.strides))
    ones: tuple[tuple[str, int], ...] = ()
    bm: _Matrix | None = None
    b_dtype = None
    if ts.unary:
        ones = tuple((i, s) for i, s in zip(con, compact(tuple(ext[i] for i in con)).strides))
        b_strides = ones
    else:
        bm = _matrix(b, batch, con, right, ext)
        b_strides = b.strides if bm.lay is None else tuple(zip(bm.order, bm.lay.strides))
        b_dtype = gen.values[step.operands[1].value].dtype
    c_order = tuple(batch + left + right)
    c_ld = matrix_ld(c, left, right, ext)
    c_lay = None
    if c_ld is not None:
        ldc, c_strides = c_ld, c.strides
    else:
        c_lay = matrix_layout(tuple(ext[i] for i in c_order), len(right))
        c_strides = tuple(zip(c_order, c_lay.strides))
        ldc = c_lay.strides[len(c_order) - len(right) - 1] if len(c_order) > len(right) else n
    points = tuple((_offset(a_strides, batch, pt), _offset(b_strides, batch, pt), _offset(c_strides, batch, pt))
                   for pt in _points([ext[i] for i in batch]))
    return _Gemms(m, n, k, am, gen.values[step.operands[0].value].dtype, bm, b_dtype, ones, ldc, c_lay, c_order,
                  tuple(ext[i] for i in c_order), tuple(c.stride(i) for i in c_order), points)


def _matrix(v: View, batch: list[str], rows: list[str], cols: list[str], ext: dict[str, int]) -> _Matrix:
    """How the view ``v`` of a block becomes the matrix ``[batch, rows, cols]``:
    in place if at every batch point it is a row-major ``[rows, cols]``
    matrix over the block (:func:`matrix_ld`), else by a SHAPE copy
    (broadcasting indices it lacks) as ``[batch, rows, cols]``."""
    ld = matrix_ld(v, rows, cols, ext)
    if ld is not None:
        return _Matrix(ld, None)
    order = tuple(batch + rows + cols)
    extents = tuple(ext[i] for i in order)
    lay = matrix_layout(extents, len(cols))
    ld = lay.strides[len(order) - len(cols) - 1] if len(order) > len(cols) else math.prod(ext[i] for i in cols)
    return _Matrix(ld, lay, order, extents, tuple(v.stride(i) for i in order))


def _place(gen: "CodeGenerator", number: int, value: str, v: View, mat: _Matrix, start: dict[str, int], scratch: int,
           dtype: DType, src: int) -> int:
    """The address of the matrix ``mat`` of block view ``v`` (of operand
    ``value`` of step ``number``) at the block's start: ``v``'s own, or
    ``scratch`` after copying ``v`` there.  The copy is left out when
    ``scratch`` already holds that matrix: an earlier block of the step
    copied the same box of the same value (a value never changes once
    computed, and nothing else writes a step's scratch while it runs), as
    when the block loop walks an index the operand lacks."""
    if mat.lay is None:
        return v.address(start)
    held = (value, tuple((i, start[i], e) for i, e in zip(mat.order, mat.extents)), mat.lay.strides)
    if gen.scratch_holds.get((number, scratch)) != held:
        gen.copy(Opcode.SHAPE, Copy(v.address(start), mat.strides, scratch, tuple(mat.lay.strides), mat.extents,
                                    dtype, src))
        gen.scratch_holds[(number, scratch)] = held
    return scratch


def _offset(strides: tuple[tuple[str, int], ...], batch: list[str], point: tuple[int, ...]) -> int:
    """How far a view with ``strides`` moves from the block's start to the
    batch point ``point`` (as :meth:`View.address` sums, every entry of an index)."""
    at = dict(zip(batch, point))
    return sum(at[n] * s for n, s in strides if n in at)


def _matrix_words(block: Block, ixs: list[str], row: set[str]) -> int:
    """Words of a block's reshaped matrix over ``ixs`` with rows of ``row``."""
    return matrix_words(math.prod(block.extent(i) for i in ixs if i not in row),
                        math.prod(block.extent(i) for i in ixs if i in row))


def _points(counts: list[int]) -> Iterator[tuple[int, ...]]:
    return itertools.product(*(range(c) for c in counts))


SYSTOLIC = SystolicBackend()
