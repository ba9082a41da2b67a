"""Lowering: a contraction plan becomes a memory plan, a tiled program and an ISA program.

The ``lower`` pass (:class:`tncc.passes.pipeline.Lower`) calls
:func:`lower_plan`.  The work is spread over modules of one concept each:

* :mod:`tncc.passes.tuner` -- :func:`lower_plan`: lowers every option a
  choice allows (staging share, wide paddings, lookahead, co-scheduled
  pairs) and keeps the one with the fewest modelled cycles;
  :class:`~tncc.passes.options.LoweringOptions` forces any of them;
* :mod:`tncc.passes.lowering_passes` -- the passes each option runs:
  ``memory`` (:mod:`tncc.passes.alloc`), ``tile``
  (:mod:`tncc.passes.tile`), ``tune`` (bank layouts and re-tiling,
  :mod:`tncc.passes.banks`), ``codegen``; their records (:class:`Lowered`
  and the ones before it) are :mod:`tncc.passes.lowered`'s;
* :mod:`tncc.passes.codegen` -- the shared code generator (data movement,
  deferred stores, loads issued ahead, block loop), with
  :mod:`tncc.passes.emitter` (the instruction stream and its config tables)
  and :mod:`tncc.passes.staging` (staging slots);
* :mod:`tncc.passes.backend_fetta` and :mod:`tncc.passes.backend_systolic`
  -- what differs between the machines (:mod:`tncc.passes.backend`);
* :mod:`tncc.passes.coschedule` -- pairs of steps that run together.

This module keeps the names other code imported from it.
"""

from __future__ import annotations

from tncc.passes.codegen import CodeGenerator, lower
from tncc.passes.coschedule import CO_MARGIN, CO_TRIALS, CO_WINDOW, co_schedule
from tncc.passes.emitter import symbol_name
from tncc.passes.lowered import Lowered
from tncc.passes.memory_ir import format_memory
from tncc.passes.work import own_slots
from tncc.passes.tuner import MAX_STAGE_SHARE, OPTION_LIMIT, WIDE_TRIALS, lower_plan

__all__ = ["CO_MARGIN", "CO_TRIALS", "CO_WINDOW", "CodeGenerator", "Lowered", "MAX_STAGE_SHARE", "OPTION_LIMIT",
           "WIDE_TRIALS", "co_schedule", "format_memory", "lower", "lower_plan", "own_slots", "symbol_name"]
