"""The compiler's passes between the network and the machine program.

A pass is a small frozen dataclass with one method ``apply(ir, ctx)``; the
interface and the :class:`Pipeline` that runs passes, verifies after each
and shows each result to ``--print-after`` are described in
:mod:`tncc.passes.framework`.

The passes of the compiler, in order (``tncc.driver`` puts them together
with the front end):

* :class:`Order` -- network IR -> contraction plan (``passes.order``);
* :class:`Lower` -- contraction plan -> :class:`~tncc.passes.lower.Lowered`
  (memory plan, tiled program and machine program, the lowering options
  chosen by the modelled cycles), by the tuner running the lowering's
  passes (``memory``, ``tile``, ``tune``, ``codegen``;
  :mod:`tncc.passes.lowering_passes`) per candidate.

The pass interface and :class:`Pipeline` are re-exported here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

from tncc.errors import TnccError
from tncc.guard import check_plan
from tncc.ir import Network
from tncc.passes.estimate import lowered_for
from tncc.passes.framework import IR, Observer, Pass, PassContext, Pipeline, verify_after
from tncc.passes.lower import Lowered, lower_plan
from tncc.passes.lowering_passes import CodeGen, PlanMemory, Tile, TuneLayouts
from tncc.passes.options import LoweringOptions
from tncc.passes.order.planner import DEFAULT_TIME_LIMIT, plan_network
from tncc.passes.order.strategies import STRATEGIES
from tncc.plan import Plan

__all__ = ["IR", "LOWERING_PASSES", "Lower", "ORDER_OBJECTIVES", "Observer", "Order", "Pass", "PassContext",
           "Pipeline", "default_passes", "pass_names", "verify_after"]


# -- the compiler's passes ------------------------------------------------------------

ORDER_OBJECTIVES = {"csse": "cycles", "flops": "macs"}
"""Orders that run the search, with their default objectives: ``csse`` is the
hardware-aware choice (modelled cycles), ``flops`` the MAC-optimal order."""


@dataclass(frozen=True)
class Order(Pass):
    """Network IR -> contraction plan for ``ctx.arch``.

    ``order`` is ``csse`` (exact search, then the hardware-aware choice;
    objective ``cycles`` unless given), ``flops`` (the same search for the
    fewest MACs) or a registered strategy (``naive``, ``greedy``, ...;
    objective ``macs``).  ``time_limit``: about the seconds the search may
    take (:data:`~tncc.passes.order.planner.DEFAULT_TIME_LIMIT`).

    Leaves behind: a plan that passes :meth:`Plan.verify` and has a dataflow
    on every step."""

    name: ClassVar[str] = "order"
    order: str = "csse"
    objective: str | None = None
    time_limit: float = DEFAULT_TIME_LIMIT

    def apply(self, ir: Network, ctx: PassContext) -> Plan:
        if self.order in ORDER_OBJECTIVES:
            strategy, objective = "auto", self.objective or ORDER_OBJECTIVES[self.order]
        elif self.order in STRATEGIES:
            strategy, objective = self.order, self.objective or "macs"
        else:
            names = ", ".join([*ORDER_OBJECTIVES, *sorted(s for s in STRATEGIES if s != "auto")])
            raise TnccError(f"unknown order {self.order!r}: expected one of {names}", where="--order")
        if not (math.isfinite(self.time_limit) and self.time_limit > 0):  # NaN compares false both ways
            raise TnccError(f"the order search's time limit must be a positive number of seconds, got "
                            f"{self.time_limit}", where="--time-limit")
        return plan_network(ir, objective, ctx.arch, strategy=strategy, time_limit=self.time_limit)


@dataclass(frozen=True)
class Lower(Pass):
    """Contraction plan -> memory plan, tiled program and machine program:
    the tuner (:func:`tncc.passes.tuner.lower_plan`) runs the lowering's
    passes (:mod:`tncc.passes.lowering_passes`: ``memory``, ``tile``,
    ``tune``, ``codegen``) once per candidate
    :class:`~tncc.passes.options.LoweringOptions` and keeps the one with
    the fewest modelled cycles.  Its :meth:`trace` is the kept candidate's
    records, so the pipeline verifies and shows each of those passes'
    results for the program compiled (the candidates dropped are not
    verified: ``lower_plan(verify=True)`` does that).

    Leaves behind: a :class:`~tncc.passes.lowered.Lowered` whose memory
    plan, tiled program and program each pass their ``verify()``; the
    program computes every output of the plan's network."""

    name: ClassVar[str] = "lower"
    options: LoweringOptions | None = None  # forced choices (None: the lowering weighs them all)

    def apply(self, ir: Plan, ctx: PassContext) -> Lowered:
        check_plan(ir)  # no intermediate wider than numpy's arrays
        if self.options is None:  # the order search may have lowered this plan already
            return lowered_for(ir, ctx.arch)
        return lower_plan(ir, ctx.arch, self.options)

    def trace(self, result: Lowered) -> tuple[tuple[str, Any], ...]:
        """The kept candidate's ``memory``, ``tile``, ``tune`` and
        ``codegen`` results."""
        return (*result.trace(), (CodeGen.name, result))


def default_passes(order: str = "csse", objective: str | None = None, time_limit: float = DEFAULT_TIME_LIMIT,
                   lowering: LoweringOptions | None = None) -> Pipeline:
    """The compiler's pipeline after the front end."""
    return Pipeline((Order(order, objective, time_limit), Lower(lowering)))


LOWERING_PASSES: tuple[str, ...] = (PlanMemory.name, Tile.name, TuneLayouts.name, CodeGen.name)
"""The passes :class:`Lower` runs per candidate, in order (its :meth:`Lower.trace`)."""


def pass_names() -> Sequence[str]:
    """Every pass name the pipeline reports a result under, in order: the
    lowering's inner passes come before ``lower`` itself."""
    names: list[str] = []
    for name in default_passes().names():
        names += LOWERING_PASSES if name == Lower.name else ()
        names.append(name)
    return tuple(names)
