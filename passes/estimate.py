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

A *network*'s lower bound (:func:`lower_bound`) holds for every order and
every lowering: no program runs faster than its proven-minimal MACs at the
array's peak, nor than its compulsory DRAM traffic (every input read once,
every output written once) at the DRAM's bandwidth.  Set beside a plan's
cycles it shows what any reordering could still gain.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
import math
from typing import TYPE_CHECKING, Iterator, Mapping, Sequence

from tncc.ir import Network, Role
from tncc.isa.arch import Arch
from tncc.isa.model import program_cost, program_cycles
from tncc.isa.program import Program
from tncc.passes.diagonal import expand_diagonals
from tncc.plan import Plan

if TYPE_CHECKING:
    from tncc.passes.lower import Lowered

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


_LOWERED: list[OrderedDict[tuple[int, tuple[object, ...], Arch], tuple[Plan, "Lowered"]]] = []


@contextmanager
def reusing_lowerings() -> Iterator[None]:
    """Within this context, :func:`lowered_for` keeps what it lowers (the
    last :data:`CACHE_PLANS` plans), so compiling the plan the search chose
    does not lower it again; outside, every call lowers afresh."""
    _LOWERED.append(OrderedDict())
    try:
        yield
    finally:
        _LOWERED.pop()


def lowered_for(plan: Plan, arch: Arch) -> "Lowered":
    """``lower_plan(plan, arch)``, reused inside :func:`reusing_lowerings`
    (keyed by the network object, the steps and the architecture)."""
    # cycle: the lowering's tuner costs its options with this module
    from tncc.passes.lower import lower_plan

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


@dataclass(frozen=True, slots=True)
class LowerBound:
    """Cycles no program for a network can beat on a machine (:func:`lower_bound`)."""

    macs: int  # fewest MACs of any order (proven, or a weaker bound where a search is not)
    proven: bool  # every statement's minimal MACs proven by the exact search
    compute: int  # ``macs`` at the array's peak
    dram_bytes: int  # compulsory traffic
    dma: int  # ``dram_bytes`` at the DRAM's bandwidth, plus one transfer's latency
    cycles: int  # the larger of the two


def lower_bound(net: Network, arch: Arch, time_limit: float = 10.0) -> LowerBound:
    """A lower bound of the cycles of any plan of ``net`` on ``arch``.

    *Compute*: every plan does at least as many MACs as the cheapest tree of
    each of its statements alone (the steps a statement depends on form a
    tree of it, shared values included), and every statement's result is
    made by a step of its own that does at least its size in MACs; so at
    least the larger of the largest minimum and the sum of result sizes.
    Minima come from the exact search (``passes.order.search``); where it is
    not proven (past its operand limit) a statement counts only its result
    size.  The array does at most ``peak_macs_per_cycle`` MACs a cycle.

    *Memory*: every input a statement reads is loaded from DRAM at least
    once in its element type, every output stored at least once in the type
    of results (the accumulator's for integer networks), and the DMA unit
    moves ``dram.bytes_per_cycle`` bytes a cycle, paying the DRAM latency at
    least once."""
    # cycle: the order search compiles its candidates through the lowering, which imports this module
    from tncc.passes.order.objectives import Macs
    from tncc.passes.order.planner import contractions
    from tncc.passes.order.search import search

    sizes = net.sizes()
    expanded = expand_diagonals(net)
    esizes = expanded.sizes()
    proven = True
    most = 0
    for c in contractions(expanded):
        r = search(c.inputs, c.output, esizes, Macs(), 1, time_limit=time_limit)
        if r.proven_optimal:
            most = max(most, min(score for score, _ in r.candidates))
        else:
            proven = False
    results = sum(_elements(st.indices, sizes) for st in net.statements)
    macs = max(most, results)
    read = {op.tensor for st in net.statements for op in st.operands}
    item = net.dtype.nbytes
    out_item = net.dtype.accumulator.nbytes if net.dtype.is_int else item
    nbytes = sum(_elements(net.tensor(t.name).indices, sizes) * item for t in net.tensors
                 if t.role in (Role.INPUT, Role.PARAM) and t.name in read)
    nbytes += sum(_elements(net.tensor(o).indices, sizes) * out_item for o in net.outputs)
    compute = -(-macs // arch.peak_macs_per_cycle)
    dma = arch.dram.latency + -(-nbytes // arch.dram.bytes_per_cycle) if nbytes else 0
    return LowerBound(macs, proven, compute, nbytes, dma, max(compute, dma))


def _elements(indices: Sequence[str], sizes: Mapping[str, int]) -> int:
    """Elements over the distinct ``indices`` (a repeated index, a diagonal,
    counts once: what must move at the least)."""
    return math.prod(sizes[i] for i in set(indices))


def estimate_plan(plan: Plan, arch: Arch) -> PlanEstimate:
    """The cycles of ``plan`` on ``arch`` as compiled (module doc)."""
    low = lowered_for(plan, arch)
    cost = program_cost(low.program, arch)
    names = [st.result for st in plan.network.statements]  # the program's src indexes these
    shares = cost.statement_cycles()
    return PlanEstimate(cost.cycles, tuple((names[src], c) for src, c in sorted(shares.items())))
