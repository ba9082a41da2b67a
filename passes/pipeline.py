"""Passes, and the pipeline that runs them.

A pass is a small frozen dataclass: its fields are its options, its class
attribute ``name`` is what ``tncc compile --print-after`` calls it, and its
one method ``apply(ir, ctx)`` returns new IR without changing its input.
Every IR level a pass returns has a ``verify()`` that raises
:class:`~tncc.errors.VerifyError`; :class:`Pipeline` runs the passes in
order, verifies after each one (when ``ctx.verify``), names the pass whose
output broke an invariant, and hands each result to an observer (which is
how ``--print-after`` and ``--emit`` see the IR between passes).

The passes of the compiler, in order (``tncc.driver`` puts them together
with the front end):

* :class:`Order` -- network IR -> contraction plan (``passes.order``);
* :class:`Lower` -- contraction plan -> :class:`~tncc.passes.lower.Lowered`
  (memory plan, tiled program and machine program, the lowering options
  chosen by the modelled cycles).
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Protocol, Sequence

from tncc.errors import TnccError, VerifyError
from tncc.guard import check_plan
from tncc.ir import Network
from tncc.isa.arch import Arch
from tncc.passes.lower import Lowered, lower_plan
from tncc.passes.options import LoweringOptions
from tncc.passes.order.planner import DEFAULT_TIME_LIMIT, plan_network
from tncc.passes.order.strategies import STRATEGIES
from tncc.plan import Plan


class IR(Protocol):
    """What every IR level offers the pipeline."""

    def verify(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PassContext:
    """What every pass may read: the target machine, and whether the
    pipeline verifies the IR after each pass."""

    arch: Arch
    verify: bool = True


class Pass(abc.ABC):
    """One compiler pass (module doc).  Subclasses are frozen dataclasses
    whose fields are the pass's options."""

    name: ClassVar[str]

    @abc.abstractmethod
    def apply(self, ir: Any, ctx: PassContext) -> Any:
        """The IR after this pass; ``ir`` itself is left unchanged."""


Observer = Callable[[str, Any], None]


@dataclass(frozen=True)
class Pipeline:
    """Passes run in order over one IR value."""

    passes: tuple[Pass, ...]

    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.passes)

    def run(self, ir: Any, ctx: PassContext, after: Observer | None = None, until: str | None = None) -> Any:
        """Apply every pass (up to and including ``until``) to ``ir``.  With
        ``ctx.verify`` each result is verified; a broken invariant raises
        :class:`VerifyError` naming the pass.  ``after(name, ir)`` sees each
        pass's result."""
        for p in self.passes:
            ir = p.apply(ir, ctx)
            if ctx.verify:
                verify_after(p.name, ir)
            if after is not None:
                after(p.name, ir)
            if p.name == until:
                break
        return ir


def verify_after(pass_name: str, ir: IR) -> None:
    """``ir.verify()``, with a failure naming the pass that produced ``ir``."""
    try:
        ir.verify()
    except VerifyError as exc:
        raise VerifyError(exc.message, pass_name=pass_name) from exc


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
    """Contraction plan -> memory plan, tiled program and machine program
    (:func:`tncc.passes.lower.lower_plan`: of the lowering options it tries,
    the one with the fewest modelled cycles).

    Leaves behind: a :class:`~tncc.passes.lower.Lowered` whose memory plan,
    tiled program and program each pass their ``verify()``; the program
    computes every output of the plan's network."""

    name: ClassVar[str] = "lower"
    options: LoweringOptions | None = None  # forced choices (None: the lowering weighs them all)

    def apply(self, ir: Plan, ctx: PassContext) -> Lowered:
        check_plan(ir)  # no intermediate wider than numpy's arrays
        return lower_plan(ir, ctx.arch, self.options)


def default_passes(order: str = "csse", objective: str | None = None, time_limit: float = DEFAULT_TIME_LIMIT,
                   lowering: LoweringOptions | None = None) -> Pipeline:
    """The compiler's pipeline after the front end."""
    return Pipeline((Order(order, objective, time_limit), Lower(lowering)))


def pass_names() -> Sequence[str]:
    return default_passes().names()
