"""Modelled cycles of a program and of a plan, from the machine's one model.

A *program*'s cycles come from :func:`tncc.isa.model.program_cost`: every
instruction through its timing class, the units overlapping through the
program's own semaphores; on programs the emulator accepts it equals the
emulated makespan (a test holds them equal).  The lowering uses it to keep
the cheaper of the programs it can write for one plan.

A *plan*'s cycles (:func:`estimate_plan`) are those of the program the
lowering writes for it: the same memory planning, tiling, bank tuning and
code generation, then the program model.  That is the only figure within a
known bound of the machine (equal to it), so the order search's final
choice between candidate plans and ``tncc plan --json``'s
``modelled_cycles`` use it.  While compiling, the lowered results are
kept (:func:`reusing_lowerings`) so that the chosen plan is not lowered twice.

The per-step sum the CP-SAT stage minimises (``passes.order.hardware``)
is cheaper and coarser; its bounds against this figure are stated there.

A *network*'s lower bound of any order is in ``passes.bound``: it runs the
order search, which costs its candidates with this module.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from tncc.isa.arch import Arch
from tncc.isa.model import program_cost, program_cycles
from tncc.isa.program import Program
from tncc.passes.lower import Lowered, lower_plan
from tncc.passes.tuner import program_score
from tncc.plan import Plan

CACHE_PLANS = 16  # lowered plans kept (the candidates of one search and the plan compiled next)


def estimate_cycles(program: Program, arch: Arch) -> int:
    """The makespan the emulator would report for ``program`` on ``arch``."""
    return program_cycles(program, arch)


@dataclass(frozen=True, slots=True)
class PlanEstimate:
    """Modelled cycles of a plan and each statement's share of them (by the
    statement's result name; see :meth:`tncc.isa.model.ProgramCost.statement_cycles`)."""

    cycles: int
    statements: tuple[tuple[str, int], ...]


_LOWERED: list[OrderedDict[tuple[int, tuple[object, ...], Arch], tuple[Plan, Lowered]]] = []


@contextmanager
def reusing_lowerings(join: bool = False) -> Iterator[None]:
    """Within this context, :func:`lowered_for` keeps what it lowers (the
    last :data:`CACHE_PLANS` plans), so compiling the plan the search chose
    does not lower it again; outside, every call lowers afresh.  ``join``:
    inside such a context already, keep using its lowerings."""
    if join and _LOWERED:
        yield
        return
    _LOWERED.append(OrderedDict())
    try:
        yield
    finally:
        _LOWERED.pop()


def lowered_for(plan: Plan, arch: Arch) -> Lowered:
    """``lower_plan(plan, arch)``, reused inside :func:`reusing_lowerings`
    (keyed by the network object, the steps and the architecture)."""
    if not _LOWERED:
        return lower_plan(plan, arch)
    cache = _LOWERED[-1]
    key = (id(plan.network), plan.steps, arch)
    hit = cache.get(key)
    if hit is not None and hit[0].network is plan.network:
        cache.move_to_end(key)
        return hit[1]
    low = lower_plan(plan, arch)
    cache[key] = (plan, low)  # the plan keeps its network alive, so its id stays unique
    while len(cache) > CACHE_PLANS:
        cache.popitem(last=False)
    return low


def estimate_plan(plan: Plan, arch: Arch) -> PlanEstimate:
    """The cycles of ``plan`` on ``arch`` as compiled (module doc)."""
    low = lowered_for(plan, arch)
    cost = program_cost(low.program, arch)
    names = [st.result for st in plan.network.statements]  # the program's src indexes these
    shares = cost.statement_cycles()
    return PlanEstimate(cost.cycles, tuple((names[src], c) for src, c in sorted(shares.items())))


def plan_score(plan: Plan, arch: Arch) -> tuple[float, ...]:
    """What the lowering minimised for ``plan``, of the program it writes
    (``passes.tuner.program_score`` by the plan's objective: the cycles, or
    the energy or energy-delay product then the cycles; the cycles last)."""
    return program_score(lowered_for(plan, arch).program, arch, plan.objective)
