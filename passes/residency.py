"""Residency choice: which values stay in the buffer and which stream, solved with CP-SAT.

The greedy allocation (:func:`tncc.passes.alloc.plan_memory`) evicts the
largest live value whenever one does not fit, whatever streaming it costs.
This module chooses the streamed set on the machine's cost model instead:
one boolean per value (leaf, temporary, statement result or output) that
says it is resident, a capacity constraint per plan step over the values
live there (the operands and the result of a step coexist; lifetimes as
:func:`tncc.passes.alloc.collect_values` gives them), and an objective that
is the DMA cycles streaming each value adds (:func:`stream_cost`, from
:func:`tncc.isa.timing.dma_cycles`, the function the emulator charges):

* a streamed leaf is read once per step that reads it instead of loaded
  once: ``(reads - 1)`` transfers of its bytes more;
* a spilled temporary or statement result is written once by the step that
  makes it and read by every step that reads it: ``1 + reads`` transfers
  (resident, it never touches DRAM);
* a streamed output is stored in any case; it adds one read per later step
  that reads it.

What the model ignores (the tuner compiles both the greedy and the chosen
placement and keeps the one the exact program model says is faster, so
these only cost a missed gain, never a slower program): the tiler's
re-reads of a streamed operand within a step (an operand is reloaded when
an index it has changes in the block loop, ``passes.tile``), the extra
DRAM latency of each block rather than one per transfer, the overlap of
DMA with compute (a streamed value on a compute-bound step may be free),
bank-padding and layout effects, and fragmentation: the constraint counts
words per step, while the buffer needs contiguous ranges.  The chosen set
is placed first-fit; where fragmentation defeats that, the greedy rule
evicts from there on (:func:`tncc.passes.alloc.plan_memory`).

Solved with one worker under a deterministic time limit (reproducible
whatever the machine's load), hinted with the greedy choice (always
feasible), and memoised on the instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from tncc.isa.arch import Arch
from tncc.isa.timing import dma_cycles
from tncc.passes.memory_ir import Kind, Value
from tncc.plan import Plan

TIME_LIMIT = 2.0  # CP-SAT deterministic time units (about seconds) for one residency choice


@dataclass(frozen=True, slots=True)
class Candidate:
    """One value that may stream: the buffer ``words`` it reserves when
    resident, its lifetime ``first..last`` in plan steps (inclusive) and the
    modelled ``cost`` in cycles of streaming it."""

    words: int
    first: int
    last: int
    cost: int


def reads_by_value(plan: Plan) -> dict[str, int]:
    """How many steps of ``plan`` read each value (a step reading it twice counts once)."""
    reads: dict[str, int] = {}
    for step in plan.steps:
        for name in {op.value for op in step.operands}:
            reads[name] = reads.get(name, 0) + 1
    return reads


def stream_cost(v: Value, reads: int, arch: Arch) -> int:
    """DMA cycles that streaming ``v`` adds over keeping it resident (module doc)."""
    once = dma_cycles(arch, v.words * v.dtype.nbytes)
    if v.kind is Kind.LEAF:
        return max(0, reads - 1) * once
    if v.kind is Kind.OUTPUT:
        return reads * once
    return (1 + reads) * once


def candidates(plan: Plan, vals: Sequence[Value], words: dict[str, int], arch: Arch) -> tuple[Candidate, ...]:
    """The :class:`Candidate` of every value of ``vals``, in order; ``words``
    are the buffer words each reserves (its layout's)."""
    reads = reads_by_value(plan)
    return tuple(Candidate(words[v.name], v.first, v.last, stream_cost(v, reads.get(v.name, 0), arch))
                 for v in vals)


def streamed_cost(cands: Sequence[Candidate], streamed: Iterable[int]) -> int:
    """The objective: the summed cost of the streamed candidates (by position)."""
    return sum(cands[k].cost for k in set(streamed))


def fits(cands: Sequence[Candidate], resident: Iterable[int], capacity: int) -> bool:
    """Whether the resident candidates' words stay within ``capacity`` at every step."""
    res = set(resident)
    steps = {cands[k].first for k in res}
    return all(sum(cands[k].words for k in res if cands[k].first <= s <= cands[k].last) <= capacity
               for s in steps)


def choose_streamed(cands: tuple[Candidate, ...], capacity: int, hint: frozenset[int] = frozenset()
                    ) -> frozenset[int]:
    """The positions of the candidates to stream: a set whose resident rest
    fits ``capacity`` words at every step (:func:`fits`) with the least
    :func:`streamed_cost`, optimal when CP-SAT proves it within
    :data:`TIME_LIMIT`, else the best found (never worse than ``hint``, a
    streamed set that fits, when one is given)."""
    return _choose(cands, capacity, hint)


@lru_cache(maxsize=256)
def _choose(cands: tuple[Candidate, ...], capacity: int, hint: frozenset[int]) -> frozenset[int]:
    from ortools.sat.python import cp_model  # imported on first use: it is slow to load

    model = cp_model.CpModel()
    keep = [model.new_bool_var(f"r{k}") for k in range(len(cands))]
    for k, c in enumerate(cands):
        if c.words > capacity:
            model.add(keep[k] == 0)
    # The live set only grows at a lifetime's first step: checking those steps checks all.
    for s in sorted({c.first for c in cands}):
        live = [(c.words, keep[k]) for k, c in enumerate(cands) if c.first <= s <= c.last and c.words <= capacity]
        if sum(w for w, _ in live) > capacity:
            model.add(sum(w * x for w, x in live) <= capacity)
    # Keeping (not streaming) saves its cost: maximise the saving.  Values the
    # model calls free to stream (outputs no step reads) are left to the
    # solver: streamed, their stores overlap their step's compute.
    model.maximize(sum(c.cost * keep[k] for k, c in enumerate(cands)))
    hinted = bool(hint) and fits(cands, set(range(len(cands))) - hint, capacity)
    if hinted:
        for k, x in enumerate(keep):
            model.add_hint(x, 0 if k in hint else 1)
    solver = cp_model.CpSolver()
    # One worker under a deterministic limit: the same choice whatever the load.
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = TIME_LIMIT
    solver.parameters.max_time_in_seconds = 4 * TIME_LIMIT + 1
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Streaming everything always fits; only a run out of time gets here.
        return hint if hinted else frozenset(range(len(cands)))
    chosen = frozenset(k for k, x in enumerate(keep) if not solver.Value(x))
    if hinted and streamed_cost(cands, hint) < streamed_cost(cands, chosen):
        return hint
    return chosen
