"""The contraction plan: the network IR with an evaluation order chosen.

A plan is a list of *steps* in topological order.  Each step contracts one or
two *values* into a new value.  Values are the network's leaves (inputs,
params, upstream gradients; named as in the network) and the results of earlier
steps.  The last step of every statement produces a value named after the
statement's result, with the statement's index order; other steps produce
temporaries named ``%N``.  A temporary may be used by several statements (a
shared sub-contraction of a training step), which is why a plan is a DAG over
the whole network rather than one tree per statement.

A step's operands carry the index names under which the step sees each value
(positionally matching the value's axes).  Every index name is declared in
``plan.network.indices``.  The result indices of a step are the indices of its
operands that are still needed afterwards (by the statement's result or by a
later operand of the same statement); the others are summed.  MACs of a step
follow cotengra's ``total_flops`` convention: the product of the sizes of every
distinct index of its operands.

Produced by ``tncc.passes.order`` (CSSE); consumed by ``tncc.passes`` lowering.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from tncc.errors import VerifyError
from tncc.ir import Network, Role
from tncc.isa.table import Dataflow  # noqa: F401 (the one enum of dataflows; a step's dataflow is one)


@dataclass(frozen=True, slots=True)
class PlanOperand:
    value: str
    indices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Step:
    result: str
    indices: tuple[str, ...]
    operands: tuple[PlanOperand, ...]
    statement: str
    dataflow: str = ""  # a Dataflow (a str enum), or "" before the order search chose one

    def macs(self, sizes: dict[str, int]) -> int:
        seen: dict[str, None] = {}
        for op in self.operands:
            for i in op.indices:
                seen[i] = None
        return math.prod(sizes[i] for i in seen)

    def size(self, sizes: dict[str, int]) -> int:
        return math.prod(sizes[i] for i in self.indices)


@dataclass(frozen=True)
class Plan:
    network: Network
    steps: tuple[Step, ...]
    objective: str = "macs"
    proven_optimal: bool = False
    search_seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    def macs(self) -> int:
        sizes = self.network.sizes()
        return sum(s.macs(sizes) for s in self.steps)

    def verify(self) -> None:
        """Raise :class:`~tncc.errors.VerifyError` naming the first broken invariant."""
        verify_plan(self)

    def text(self) -> str:
        return format_plan(self)


def format_plan(plan: Plan) -> str:
    """Deterministic text of a plan (``tncc compile --emit plan``): one line
    per step, ``k: result[indices] = operands  (statement)  ; dataflow``."""
    lines = [f"; plan of network {plan.network.name}: {plan.macs()} MACs, objective {plan.objective}"]
    for k, st in enumerate(plan.steps):
        ops = " * ".join(f"{o.value}[{','.join(o.indices)}]" for o in st.operands)
        flow = f"  ; {st.dataflow}" if st.dataflow else ""
        lines.append(f"{k}: {st.result}[{','.join(st.indices)}] = {ops}  ({st.statement}){flow}")
    return "\n".join(lines) + "\n"


def verify_plan(plan: Plan) -> None:
    """Raise :class:`~tncc.errors.VerifyError` naming the first broken invariant:
    every value is defined once before it is used, operands have their value's
    rank, steps take one or two operands, result indices are distinct and come
    from the operands, a statement's final step keeps its index order, and every
    statement is computed."""
    net = plan.network
    sizes = net.sizes()
    values: dict[str, int] = {t.name: len(t.indices) for t in net.tensors if t.role in (Role.INPUT, Role.PARAM, Role.DELTA)}
    results = {st.result: st for st in net.statements}
    for k, step in enumerate(plan.steps):
        where = f"step {k} ({step.result})"
        if step.result in values:
            raise VerifyError(f"{where}: value defined twice")
        if not (1 <= len(step.operands) <= 2):
            raise VerifyError(f"{where}: steps take one or two operands")
        for op in step.operands:
            if op.value not in values:
                raise VerifyError(f"{where}: operand {op.value!r} not yet defined")
            if len(op.indices) != values[op.value]:
                raise VerifyError(f"{where}: rank mismatch for {op.value!r}")
            for i in op.indices:
                if i not in sizes:
                    raise VerifyError(f"{where}: undeclared index {i!r}")
        if len(set(step.indices)) != len(step.indices):
            raise VerifyError(f"{where}: repeated result index")
        present = {i for op in step.operands for i in op.indices}
        for i in step.indices:
            if i not in present:
                raise VerifyError(f"{where}: result index {i!r} is in no operand")
        if step.result in results:
            if step.indices != results[step.result].indices:
                raise VerifyError(f"{where}: final step must keep the statement's index order")
        values[step.result] = len(step.indices)
    for st in net.statements:
        if st.result not in values:
            raise VerifyError(f"statement {st.result!r} is never computed")
