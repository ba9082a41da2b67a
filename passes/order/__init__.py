"""CSSE: the contraction sequence search engine (network IR -> contraction plan).

Public entry points:

* :func:`plan_network` -- plan every statement of a network (forward and
  gradients jointly), optionally for a machine and under a memory budget;
* :func:`search` -- the best path for one contraction ``(inputs, output,
  sizes)``, with candidates and whether it is proven optimal;
* :data:`STRATEGIES`, :func:`register`, :func:`get_strategy` -- named
  strategies ``(inputs, output, sizes) -> SSA path``;
* objectives :class:`Macs`, :class:`PeakSize`, :class:`WriteVolume`,
  :class:`Combined`, and on a machine :class:`Cycles`, :class:`Energy`,
  :class:`EDP`; :func:`plan_costs` gives a plan's modelled cycles and energy;
* paths: :func:`ssa_to_linear` / :func:`linear_to_ssa` (opt_einsum's format),
  :func:`path_macs`, :func:`path_steps`.
"""

from tncc.passes.order.machine_objective import EDP, Cycles, Energy, MachineObjective
from tncc.passes.order.objectives import Combined, Macs, Objective, PeakSize, WriteVolume
from tncc.passes.order.paths import (
    PathError,
    left_to_right,
    linear_to_ssa,
    path_macs,
    path_peak,
    path_steps,
    path_writes,
    ssa_to_linear,
    validate_ssa,
)
from tncc.passes.order.planner import contractions, plan_network
from tncc.passes.order.search import EXACT_LIMIT, SearchResult, search
from tncc.passes.order.strategies import STRATEGIES, Strategy, get_strategy, register

__all__ = [
    "EDP", "Cycles", "Energy", "MachineObjective", "plan_costs", "Combined", "Macs", "Objective", "PeakSize", "WriteVolume", "PathError", "left_to_right", "linear_to_ssa",
    "path_macs", "path_peak", "path_steps", "path_writes", "ssa_to_linear", "validate_ssa", "contractions",
    "plan_network", "EXACT_LIMIT", "SearchResult", "search", "STRATEGIES", "Strategy", "get_strategy", "register",
]


def __getattr__(name: str) -> object:
    """``plan_costs`` on first use: the machine's cost model (``.hardware``)
    is not loaded by a search or a plan that needs no machine."""
    if name == "plan_costs":
        # start-up: a MAC-only `tncc plan` never costs a plan on a machine
        from tncc.passes.order.hardware import plan_costs

        return plan_costs
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
