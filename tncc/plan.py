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

from tncc.ir import Network


class Dataflow:
    """Names of the array dataflows (see docs/machine.md)."""

    OUTER = "outer"  # output-stationary outer product
    INNER = "inner"  # inner product with cross-CE reduction
    BATCH = "batch"  # batch-parallel outer products
    GEMM = "gemm"  # the systolic baseline (dataflow os/ws/is set by the arch)
    ALL = (OUTER, INNER, BATCH, GEMM)


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
    dataflow: str = ""

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
        from tncc.verify import verify_plan

        verify_plan(self)
