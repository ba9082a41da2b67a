"""Training-step accounting: which work is the forward pass and which the
backward pass, and what reusing forward intermediates in the backward pass
costs and saves.

A network with ``grad`` holds the forward statements (``grad_of is None``) and
one derived statement per gradient (``grad_of == (y, x)``).  The order search
plans them jointly, so a temporary ``%N`` computed for the forward output may
also feed a gradient: that is *reuse*.  This module measures it on the plan
alone, before any code exists:

* :func:`phase_of_statement` / :func:`step_phases` -- the phase of each
  statement and each plan step (a step belongs to the statement it was
  planned for, so shared temporaries count where they are computed);
* :func:`unshared_plan` -- the same plan with every temporary that feeds
  several statements recomputed separately for each of them (what a compiler
  that plans each network alone would do);
* :func:`peak_live_bytes` -- the largest number of bytes of intermediate
  values alive at once in a plan's step order;
* :func:`reuse_summary` -- the joint plan against its unshared twin: MACs
  saved, bytes kept alive from the forward pass for the backward pass, and
  the change in peak intermediate memory.

The runtime's per-statement report figures are split into phases by
:func:`split_by_phase`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Mapping

from tncc.ir import Network
from tncc.plan import Plan, PlanOperand, Step


class Phase(enum.Enum):
    FORWARD = "forward"
    BACKWARD = "backward"


def phase_of_statement(net: Network, result: str) -> Phase:
    """The phase of the statement computing ``result``: backward exactly when
    the statement was derived from a ``grad``."""
    return Phase.BACKWARD if net.statement(result).grad_of is not None else Phase.FORWARD


def has_gradients(net: Network) -> bool:
    return any(st.grad_of is not None for st in net.statements)


def step_phases(plan: Plan) -> tuple[Phase, ...]:
    """The phase of every step of ``plan`` (by the statement it was planned for)."""
    return tuple(phase_of_statement(plan.network, s.statement) for s in plan.steps)


def _value_bytes(plan: Plan, step: Step) -> int:
    net = plan.network
    # Temporaries and results of an int8 network are int32 accumulators.
    itemsize = net.dtype.accumulator.nbytes if net.dtype.is_int else net.dtype.nbytes
    return step.size(net.sizes()) * itemsize


def peak_live_bytes(plan: Plan) -> int:
    """The peak, over the plan's steps in order, of the bytes of step results
    alive at once.  A value is alive from the step that produces it through
    the last step that reads it (a value nobody reads -- an output -- only
    during its own step, since it is then stored off chip).  Leaves are not
    counted: they are the same for every plan of a network."""
    last_use: dict[str, int] = {}
    for k, s in enumerate(plan.steps):
        for op in s.operands:
            last_use[op.value] = k
    live = 0
    peak = 0
    frees: dict[int, int] = {}
    for k, s in enumerate(plan.steps):
        nbytes = _value_bytes(plan, s)
        live += nbytes
        peak = max(peak, live)
        end = last_use.get(s.result, k)
        frees[end] = frees.get(end, 0) + nbytes
        live -= frees.pop(k, 0)
    return peak


def _consumer_statements(plan: Plan) -> dict[str, set[str]]:
    users: dict[str, set[str]] = {}
    for s in plan.steps:
        for op in s.operands:
            users.setdefault(op.value, set()).add(s.statement)
    return users


def unshared_plan(plan: Plan) -> Plan:
    """``plan`` with every temporary that feeds steps of several statements
    recomputed once per statement (fresh ``%N`` names), so no statement reads
    a temporary planned for another.  Statement results stay shared: a user
    who names an intermediate asked for it to be reused.  The result passes
    ``Plan.verify`` and computes the same values."""
    producer = {s.result: s for s in plan.steps}
    statements = {st.result for st in plan.network.statements}
    fresh = 1 + max((int(s.result[1:]) for s in plan.steps if s.result.startswith("%") and s.result[1:].isdigit()), default=-1)
    out: list[Step] = []
    done: dict[tuple[str, str], str] = {}  # (statement, original value) -> name in out

    def emit(value: str, owner: str) -> str:
        nonlocal fresh
        if value not in producer or value in statements:
            return value  # a leaf or a user-named tensor, computed by its own statement
        key = (owner, value)
        if key in done:
            return done[key]
        src = producer[value]
        ops = tuple(PlanOperand(emit(op.value, owner), op.indices) for op in src.operands)
        name = f"%{fresh}"
        fresh += 1
        out.append(Step(name, src.indices, ops, owner, src.dataflow))
        done[key] = name
        return name

    for s in plan.steps:
        if s.result not in statements:
            continue  # temporaries are emitted on demand, per statement
        ops = tuple(PlanOperand(emit(op.value, s.statement), op.indices) for op in s.operands)
        out.append(Step(s.result, s.indices, ops, s.statement, s.dataflow))
    result = Plan(plan.network, tuple(out), plan.objective, False, plan.search_seconds,
                  plan.notes + ("shared temporaries recomputed per statement",))
    result.verify()
    return result


@dataclass(frozen=True, slots=True)
class ReuseSummary:
    """The joint plan against the same plan without cross-statement reuse.

    ``kept_bytes``: bytes of forward-phase values that backward-phase steps
    read (what must stay alive between the passes).  ``shared_values``: the
    temporaries read by more than one statement."""

    macs: int
    macs_unshared: int
    peak_bytes: int
    peak_bytes_unshared: int
    kept_bytes: int
    shared_values: tuple[str, ...]
    forward_macs: int
    backward_macs: int

    @property
    def macs_saved(self) -> int:
        return self.macs_unshared - self.macs

    @property
    def extra_peak_bytes(self) -> int:
        """Positive when reuse costs memory, negative when it saves some."""
        return self.peak_bytes - self.peak_bytes_unshared

    def to_dict(self) -> dict[str, object]:
        return {
            "macs": self.macs, "macs_unshared": self.macs_unshared, "macs_saved": self.macs_saved,
            "peak_bytes": self.peak_bytes, "peak_bytes_unshared": self.peak_bytes_unshared,
            "extra_peak_bytes": self.extra_peak_bytes, "kept_bytes": self.kept_bytes,
            "shared_values": list(self.shared_values),
            "forward_macs": self.forward_macs, "backward_macs": self.backward_macs,
        }

    def format(self) -> str:
        lines = [
            f"forward {self.forward_macs:,} MACs, backward {self.backward_macs:,} MACs",
            f"reuse of {len(self.shared_values)} shared intermediate(s) saves {self.macs_saved:,} MACs "
            f"({self.macs_unshared:,} without reuse)",
            f"forward values kept for the backward pass: {self.kept_bytes:,} bytes",
            f"peak intermediate memory {self.peak_bytes:,} bytes with reuse, {self.peak_bytes_unshared:,} without "
            f"({'+' if self.extra_peak_bytes >= 0 else '-'}{abs(self.extra_peak_bytes):,} bytes)",
        ]
        return "\n".join(lines)


def reuse_summary(plan: Plan) -> ReuseSummary:
    """Measure what cross-statement reuse in ``plan`` saves and costs."""
    net = plan.network
    sizes = net.sizes()
    phases = step_phases(plan)
    producer_phase = {s.result: ph for s, ph in zip(plan.steps, phases)}
    kept: dict[str, int] = {}
    for s, ph in zip(plan.steps, phases):
        if ph is not Phase.BACKWARD:
            continue
        for op in s.operands:
            if producer_phase.get(op.value) is Phase.FORWARD:
                kept[op.value] = _value_bytes(plan, next(p for p in plan.steps if p.result == op.value))
    users = _consumer_statements(plan)
    statements = {st.result for st in net.statements}
    shared = tuple(v for v, who in users.items() if len(who) > 1 and v.startswith("%") and v not in statements)
    twin = unshared_plan(plan)
    fwd = sum(s.macs(sizes) for s, ph in zip(plan.steps, phases) if ph is Phase.FORWARD)
    return ReuseSummary(
        macs=plan.macs(), macs_unshared=twin.macs(),
        peak_bytes=peak_live_bytes(plan), peak_bytes_unshared=peak_live_bytes(twin),
        kept_bytes=sum(kept.values()), shared_values=shared,
        forward_macs=fwd, backward_macs=plan.macs() - fwd,
    )


def split_by_phase(net: Network, per_statement: Mapping[str, Mapping[str, float]]) -> dict[Phase, dict[str, float]]:
    """Sum per-statement figures (keyed by statement result name; any numeric
    fields) into forward and backward totals.  Names that are not statements
    of ``net`` (e.g. the runtime's bucket for unattributed instructions) are
    left out; the caller can report them separately."""
    out: dict[Phase, dict[str, float]] = {Phase.FORWARD: {}, Phase.BACKWARD: {}}
    results = {st.result for st in net.statements}
    for name, figures in per_statement.items():
        if name not in results:
            continue
        bucket = out[phase_of_statement(net, name)]
        for key, val in figures.items():
            if isinstance(val, (int, float)) and not isinstance(val, bool):
                bucket[key] = bucket.get(key, 0) + val
    return out
