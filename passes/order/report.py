"""Reading a plan back: per-statement contraction paths (opt_einsum format is
an export of these), peak intermediate size, and per-step figures for
reports and the ``tncc plan`` command."""

from __future__ import annotations

from dataclasses import dataclass

from tncc.isa.arch import Arch
from tncc.passes.order.paths import SSAPath, validate_ssa
from tncc.plan import Plan


def statement_paths(plan: Plan) -> dict[str, SSAPath]:
    """For every statement, the SSA path over its operands (in the
    statement's operand order) that the plan's steps compute, following
    shared temporaries into the steps that made them."""
    producer = {s.result: s for s in plan.steps}
    out: dict[str, SSAPath] = {}
    for st in plan.network.statements:
        free: dict[tuple, list[int]] = {}
        for k, op in enumerate(st.operands):
            free.setdefault((op.tensor, tuple(op.indices)), []).append(k)
        n = len(st.operands)
        path: list[tuple[int, int]] = []
        counter = [n]

        def walk(value: str, indices: tuple[str, ...], top: bool = False) -> int:
            key = (value, tuple(indices))
            if not top and key in free and free[key]:
                return free[key].pop(0)
            step = producer[value]
            ids = [walk(op.value, op.indices) for op in step.operands]
            if len(ids) == 1:
                return ids[0]
            path.append((ids[0], ids[1]))
            counter[0] += 1
            return counter[0] - 1

        walk(st.result, st.indices, top=True)
        out[st.result] = validate_ssa(path, n)
    return out


def peak_size(plan: Plan) -> int:
    """Elements of the largest value any step produces."""
    sizes = plan.network.sizes()
    return max((s.size(sizes) for s in plan.steps), default=0)


@dataclass(frozen=True, slots=True)
class StepRow:
    result: str
    operands: tuple[str, ...]
    summed: tuple[str, ...]
    macs: int
    size: int
    dataflow: str
    cycles: int | None


def step_rows(plan: Plan, arch: Arch | None = None) -> list[StepRow]:
    """One row per step; ``cycles`` from the machine model when ``arch`` is given."""
    if arch is not None:
        # start-up: the machine's cost model loads only when rows are costed on an arch
        from tncc.passes.order.hardware import step_cycles
    sizes = plan.network.sizes()
    rows = []
    for s in plan.steps:
        kept = set(s.indices)
        summed = tuple(dict.fromkeys(i for op in s.operands for i in op.indices if i not in kept))
        ops = tuple(f"{op.value}[{','.join(op.indices)}]" for op in s.operands)
        cyc = step_cycles(plan, s, arch) if arch is not None else None
        rows.append(StepRow(s.result, ops, summed, s.macs(sizes), s.size(sizes), s.dataflow, cyc))
    return rows
