"""The evaluation tools' view of the front end and the order search: load a
network, plan it under one of the named orders, and cost a plan's steps on an
architecture with the machine's own estimate.

The named orders are the columns a researcher compares:

* ``csse``  -- the hardware-aware search (modelled cycles on the arch);
* ``flops`` -- the MAC-optimal order, blind to the machine;
* ``naive`` -- each statement's operands contracted left to right.

The order search is :func:`tncc.plan_network`, reached through the
compiler's own ``make_plan``; this module only maps the names onto its
``order`` and ``objective`` arguments, so a plan drawn by ``tncc viz`` is
the plan ``tncc compare`` measures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Mapping

import tncc
from tncc.compiled import make_plan
from tncc.errors import TnccError
from tncc.ir import Network
from tncc.passes.order.hardware import step_estimate
from tncc.plan import Plan, Step

if TYPE_CHECKING:
    from tncc.isa.arch import Arch

# order name -> (order, objective) arguments of tncc.compile / make_plan
ORDER_ARGS: dict[str, tuple[str, str]] = {
    "csse": ("csse", "cycles"),
    "flops": ("csse", "macs"),
    "naive": ("naive", "macs"),
}


def compile_args(order: str) -> tuple[str, str]:
    """``(order, objective)`` for ``tncc.compile`` of the named order."""
    try:
        return ORDER_ARGS[order]
    except KeyError:
        raise TnccError(f"unknown order {order!r}: expected one of {', '.join(ORDER_ARGS)}", where="--order") from None


def load_network(path: str, name: str | None = None) -> Network:
    """The network ``name`` (or the only one) of the ``.tn`` file at ``path``."""
    return tncc.load_network(path, name)


def plan_for_order(net: Network, order: str, arch: Arch) -> Plan:
    """Plan ``net`` under the named order for ``arch`` (an ``Arch``), exactly
    as ``tncc.compile`` plans it."""
    strategy, objective = compile_args(order)
    plan = make_plan(net, arch, strategy, objective)
    plan.verify()
    return plan


def step_shape(step: Step, sizes: Mapping[str, int]) -> tuple[int, int, int, int]:
    """``(b, m, n, k)`` of a pairwise step: the products of the batch (both
    operands and the result), left-free, right-free and contracted index
    sizes.  An index summed inside one operand only counts as contracted (it
    is folded into the contracted range).  A unary step is ``(1, size, 1, k)``
    with ``k`` the product of its summed indices."""
    res = set(step.indices)
    if len(step.operands) == 1:
        (only,) = step.operands
        summed = [i for i in only.indices if i not in res]
        return 1, _prod(sizes, res), 1, _prod(sizes, summed)
    a, b = (set(op.indices) for op in step.operands)
    batch = a & b & res
    left = (a - b) & res
    right = (b - a) & res
    contracted = (a | b) - res
    return _prod(sizes, batch), _prod(sizes, left), _prod(sizes, right), _prod(sizes, contracted)


def _prod(sizes: Mapping[str, int], names: Iterable[str]) -> int:
    out = 1
    for i in names:
        out *= sizes[i]
    return out


def step_cost_function(plan: Plan, arch: Arch) -> Callable[[Step], dict[str, float]]:
    """A function giving each step's modelled cycles and energy on ``arch``,
    from the order search's per-step cost (``passes.order.hardware``, the
    machine's cost model applied to the step's tiling), for labelling
    pictures.  Steps that cannot be tiled into the buffer are labelled with
    what is known."""
    def cost(step: Step) -> dict[str, float]:
        try:
            est = step_estimate(plan, step, arch)
        except TnccError:
            return {}
        return {"cycles": est.cycles, "energy pJ": est.energy_pj}

    return cost
