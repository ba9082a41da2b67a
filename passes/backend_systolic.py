"""The systolic back end: a GEMM array behind row-major matrices.

Every step is a batch of GEMMs: operand A is copied by ``SHAPE`` into a
row-major ``[batch, left, contracted]`` matrix A' and operand B into
``[batch, contracted, right]`` (B') unless they already are; one ``GEMM``
runs per batch point; the result, computed as ``[batch, left, right]``
(C'), is copied into its layout when that differs.  A unary step multiplies
with the all-ones ``[K, 1]`` matrix; one without summation is a single
``SHAPE`` copy (a ``COPY`` tile).  Staging layouts are compact.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any, Iterator

from tncc.ir import DType
from tncc.isa.program import GemmDesc, Instruction
from tncc.isa.table import Dataflow, Opcode, Unit
from tncc.passes.emitter import copy_of
from tncc.passes.layout import Layout, compact
from tncc.passes.shape import View, gemm_extents, is_row_major
from tncc.passes.tile import classify
from tncc.passes.tiled_ir import Block, IndexInfo, IndexRole, TiledStep
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
            a = math.prod(ix.size for ix in infos if ix.role is not IndexRole.RIGHT)
            b = math.prod(ix.size for ix in infos if ix.role is not IndexRole.LEFT) if len(s.operands) > 1 else 0
            need = max(need, a + b + s.size(sizes))
        return need

    def staging_layouts(self, ts: TiledStep, staged: list[int], shapes: dict[int, list[tuple[int, ...]]],
                        room: int, arch: Any) -> tuple[dict[tuple[int, tuple[int, ...]], Layout], dict[int, int]]:
        lays = {(k, sh): compact(sh) for k in staged for sh in shapes[k]}
        words = {k: max(lays[(k, sh)].words for sh in shapes[k]) for k in staged}
        return lays, words

    def scratch(self, ts: TiledStep) -> dict[str, int]:
        """One matrix each for A', B' (none for a unary step) and C', as large as the largest block needs."""
        infos = ts.indices
        groups = {
            A_MATRIX: [ix.name for ix in infos if ix.role is not IndexRole.RIGHT],
            B_MATRIX: [ix.name for ix in infos if ix.role is not IndexRole.LEFT] if not ts.unary else [],
            C_MATRIX: list(ts.step.indices),
        }
        return {key: max(max(1, math.prod(b.extent(i) for i in ixs)) for b in ts.blocks)
                for key, ixs in groups.items()}

    def run_block(self, gen: "CodeGenerator", ts: TiledStep, block: Block, nblock: int, infos: dict[str, IndexInfo],
                  a: View, b: View, c: View, slots: dict[Any, Any], src: int) -> None:
        (tile,) = block.tiles
        step = ts.step
        box = {n: (s, e) for n, s, e in block.box}
        start = {n: s for n, s, _ in block.box}
        if tile.dataflow == Dataflow.COPY:
            ixs = list(step.indices)
            gen.copy(Opcode.SHAPE, copy_of(a.address(start), [a.stride(i) for i in ixs], c.address(start),
                                           [c.stride(i) for i in ixs], [box[i][1] for i in ixs],
                                           gen.values[step.result].dtype, src))
            return
        # An index an operand repeats (a diagonal) is one matrix dimension: its view sums the strides.
        a_ix = tuple(dict.fromkeys(step.operands[0].indices))
        b_ix = tuple(dict.fromkeys(step.operands[1].indices)) if len(step.operands) > 1 else ()
        batch = [i for i in a_ix if infos[i].role is IndexRole.BATCH]
        left = [i for i in a_ix if infos[i].role is IndexRole.LEFT]
        right = [i for i in b_ix if infos[i].role is IndexRole.RIGHT]
        con = [i for i in a_ix if infos[i].role is IndexRole.CONTRACTED] + [i for i in b_ix if infos[i].role is IndexRole.CONTRACTED and i not in a_ix]
        m, n, k = gemm_extents(tile, infos)
        ext = {i: box[i][1] for i in box}
        a_dtype = gen.values[step.operands[0].value].dtype
        # A' = [batch, left, con] row-major.
        am = self._as_matrix(gen, a, batch + left + con, ext, start, slots[A_MATRIX], a_dtype, src)
        if ts.unary:
            # The all-ones vector is already a row-major [K, 1] matrix.
            bm = View(gen.mem.ones_buf, tuple((i, s) for i, s in zip(con, compact(tuple(ext[i] for i in con)).strides)), tuple(start.items()))
        else:
            b_dtype = gen.values[step.operands[1].value].dtype
            bm = self._as_matrix(gen, b, batch + con + right, ext, start, slots[B_MATRIX], b_dtype, src)
        c_order = batch + left + right
        c_direct = is_row_major([ext[i] for i in c_order], [c.stride(i) for i in c_order])
        if c_direct:
            cm = c
        else:
            cm = View(slots[C_MATRIX], tuple(zip(c_order, compact(tuple(ext[i] for i in c_order)).strides)), tuple(start.items()))
        acc = tile.accumulate
        for point in _points([ext[i] for i in batch]):
            at = dict(start)
            for i, v in zip(batch, point):
                at[i] = start[i] + v
            aa, ba, ca = am.address(at), bm.address(at), cm.address(at)
            gen.guard((ca, ca + m * n - 1))
            g = GemmDesc(gen.dtype, m, n, k, aa, k, ba, n, ca, n, acc)
            ins = Instruction.make(Opcode.GEMM, src, gemm=gen.e.ref("gemm", g))
            reads = [(aa, aa + m * k - 1), (ba, ba + k * n - 1)] + ([(ca, ca + m * n - 1)] if acc else [])
            gen.e.emit(Unit.ARRAY, ins, reads, [(ca, ca + m * n - 1)])
        if not c_direct and block.last_k:
            gen.copy(Opcode.SHAPE, copy_of(cm.address(start), [cm.stride(i) for i in c_order], c.address(start),
                                           [c.stride(i) for i in c_order], [ext[i] for i in c_order],
                                           gen.values[step.result].dtype, src))

    @staticmethod
    def _as_matrix(gen: "CodeGenerator", v: View, order: list[str], ext: dict[str, int], start: dict[str, int],
                   scratch: int, dtype: DType, src: int) -> View:
        """``v`` if it is row-major in ``order`` over the block, else a SHAPE
        copy of it (broadcasting indices it lacks) into ``scratch``."""
        extents = [ext[i] for i in order]
        strides = [v.stride(i) for i in order]
        if is_row_major(extents, strides):
            return v
        lay = compact(tuple(extents))
        gen.copy(Opcode.SHAPE, copy_of(v.address(start), strides, scratch, lay.strides, extents, dtype, src))
        return View(scratch, tuple(zip(order, lay.strides)), tuple(start.items()))


def _points(counts: list[int]) -> Iterator[tuple[int, ...]]:
    return itertools.product(*(range(c) for c in counts))


SYSTOLIC = SystolicBackend()
