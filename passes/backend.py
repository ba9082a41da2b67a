"""What differs between the two machines the code generator targets.

The shared code generator (:mod:`tncc.passes.codegen`), the staging of
streamed tensors (:mod:`tncc.passes.staging`) and the lowering's option
search (:mod:`tncc.passes.tuner`) ask a :class:`Backend` wherever the
machines differ, instead of branching on ``arch.kind``:

* :class:`~tncc.passes.backend_fetta.FettaBackend` -- contraction engines
  fed by Benes networks: ``DIST``/``RED``/``CTILE``, bank-tuned layouts,
  loads issued ahead, co-scheduling;
* :class:`~tncc.passes.backend_systolic.SystolicBackend` -- a GEMM array:
  operands reshaped into row-major matrices by ``SHAPE``, one ``GEMM`` per
  batch point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from tncc.isa.arch import Arch
from tncc.passes.backend_fetta import FETTA
from tncc.passes.backend_systolic import SYSTOLIC
from tncc.passes.layout import Layout
from tncc.passes.shape import View
from tncc.passes.tiled_ir import Block, IndexInfo, TiledStep
from tncc.plan import Plan

if TYPE_CHECKING:
    from tncc.passes.codegen import CodeGenerator


class Backend(Protocol):
    """The machine-specific half of the lowering (module doc)."""

    kind: str  # the ``arch.kind`` it serves
    tunes_banks: bool  # bank-tuned layouts and their wide paddings (passes.banks)
    loads_ahead: bool  # a later step's first block may be loaded ahead (prefetch, lookahead)
    co_schedules: bool  # a DMA-bound step may run alongside a compute-bound one
    needs_scratch: bool  # every block needs reshaping room (Budget.scratch)
    matrix_leaves: bool  # resident leaves may be kept in the order their GEMMs read (passes.leaf_layouts)

    def ones_words(self, plan: Plan) -> int:
        """Length of the all-ones constant unary steps contract with (0 when none needs it)."""
        ...

    def scratch_words(self, plan: Plan) -> int:
        """Staging words every step needs at least, whatever streams."""
        ...

    def staging_layouts(self, ts: TiledStep, staged: list[int], shapes: dict[int, list[tuple[int, ...]]],
                        room: int, arch: Arch) -> tuple[dict[tuple[int, tuple[int, ...]], Layout], dict[int, int]]:
        """The layout of every (slot position, box shape) of the staged
        tensors, and the words a slot of each takes, within ``room`` words."""
        ...

    def scratch(self, ts: TiledStep) -> dict[str, int]:
        """Named scratch areas (words) a step needs beside its slots."""
        ...

    def run_block(self, gen: "CodeGenerator", ts: TiledStep, block: Block, nblock: int, infos: dict[str, IndexInfo],
                  a: View, b: View, c: View, slots: dict[Any, Any], src: int) -> None:
        """Emit the array work of block number ``nblock`` of ``ts`` on operand
        views ``a``, ``b`` and result view ``c``."""
        ...


def backend_for(arch: Arch) -> Backend:
    """The back end of ``arch.kind``."""
    return FETTA if arch.kind == FETTA.kind else SYSTOLIC
