"""The machine objectives of the order search: a path scored by its modelled
cycles, energy or energy-delay product on an architecture.

A path is scored as the cheapest realisation of that one tree in the
candidate DAG (``passes.order.dag``, whose steps ``passes.order.hardware``
costs), chosen exactly by the bottom-up choice of ``passes.order.select``.
They sit above both, so the per-step costs never import the search that
uses them.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

from tncc.ir import DType
from tncc.isa.arch import Arch
from tncc.passes.order.dag import CandidateDag, Contraction
from tncc.passes.order.paths import SSAPath
from tncc.passes.order.select import _tree_dp, criterion


class MachineObjective:
    """Base of the machine objectives: a path's score is its modelled cost on
    ``arch`` with the best dataflow of every step and, on the systolic preset,
    the best producer/consumer layouts (leaves in their stored order, the
    result in ``output`` order), found exactly by the bottom-up choice over
    that one tree; infinite when some step cannot be blocked into the buffer.
    Same interface as :class:`tncc.passes.order.objectives.Objective`."""

    name = ""
    bottleneck = False

    def __init__(self, arch: Arch, dtype: DType = DType.FP32) -> None:
        self.arch = arch
        self.dtype = dtype

    def costs(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
              path: SSAPath) -> tuple[float, float]:
        """``(cycles, energy_pj)`` of the cheapest-in-cycles realisation of ``path``."""
        c = Contraction("out", tuple(f"in{k}" for k in range(len(inputs))), tuple(tuple(ix) for ix in inputs), tuple(output))
        dag = CandidateDag(sizes, self.arch, self.dtype)
        dag.add_tree(c, tuple(path))
        dag.finish()
        if dag.root_node("out") is None:
            return math.inf, math.inf  # some step cannot be blocked into the buffer
        chosen = _tree_dp(dag, criterion(dag, "energy" if self.name == "energy" else "cycles"))
        return (sum(dag.transitions[k].cycles for k in chosen), sum(dag.transitions[k].energy_pj for k in chosen))

    def weights(self, inputs: Sequence[tuple[str, ...]], sizes: Mapping[str, int]) -> tuple[int, int]:
        return 1, 0  # the exact tree search ranks candidates by MACs; the machine choice follows


class Cycles(MachineObjective):
    name = "cycles"

    def score(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
              path: SSAPath) -> float:
        return self.costs(inputs, output, sizes, path)[0]


class Energy(MachineObjective):
    name = "energy"

    def score(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
              path: SSAPath) -> float:
        return self.costs(inputs, output, sizes, path)[1]


class EDP(MachineObjective):
    """Energy-delay product of the cycle-optimal realisation (cycles x pJ)."""

    name = "edp"

    def score(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
              path: SSAPath) -> float:
        cyc, en = self.costs(inputs, output, sizes, path)
        return cyc * en
