"""Objectives that score a contraction path, kept separate from the strategies
that search for one.

Every objective has ``score(inputs, output, sizes, path) -> number`` (lower is
better).  The exact search handles two shapes of objective: *additive* ones
(:meth:`Objective.weights` gives ``(wm, ws)``: each step costs ``wm * MACs +
ws * result size``) and the *bottleneck* one (peak intermediate size).  The
machine objectives (cycles, energy, EDP) live in
:mod:`tncc.passes.order.machine_objective`, because they need an architecture and are
applied to a candidate list rather than inside the DP.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Mapping, Sequence

from tncc.errors import TnccError
from tncc.passes.order.paths import SSAPath, path_macs, path_peak, path_writes


class Objective(ABC):
    """Base class.  ``name`` is the command-line spelling."""

    name = ""
    bottleneck = False

    @abstractmethod
    def score(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
              path: SSAPath) -> int:
        """The objective's value of ``path``."""

    @abstractmethod
    def weights(self, inputs: Sequence[tuple[str, ...]], sizes: Mapping[str, int]) -> tuple[int, int]:
        """``(wm, ws)`` of the additive form; bottleneck objectives give their
        tie-break weights (MACs)."""


class Macs(Objective):
    """Total multiply-accumulates (cotengra ``total_flops`` convention)."""

    name = "macs"

    def score(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
              path: SSAPath) -> int:
        return path_macs(inputs, output, sizes, path)

    def weights(self, inputs: Sequence[tuple[str, ...]], sizes: Mapping[str, int]) -> tuple[int, int]:
        return 1, 0


def _macs_ceiling(inputs: Sequence[tuple[str, ...]], sizes: Mapping[str, int]) -> int:
    """A number larger than the MACs of any tree: each of the ``n - 1`` steps
    does at most the product of all index sizes."""
    every = {i for ix in inputs for i in ix}
    return max(1, len(inputs) - 1) * math.prod(sizes[i] for i in every) + 1


class WriteVolume(Objective):
    """Elements written by all steps (every intermediate and the result), ties
    broken by MACs.  The lexicographic order is encoded exactly as ``writes *
    C + MACs`` with ``C`` above any tree's MACs."""

    name = "write"

    def score(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
              path: SSAPath) -> int:
        return path_writes(inputs, output, sizes, path) * _macs_ceiling(inputs, sizes) + path_macs(inputs, output, sizes, path)

    def weights(self, inputs: Sequence[tuple[str, ...]], sizes: Mapping[str, int]) -> tuple[int, int]:
        return 1, _macs_ceiling(inputs, sizes)


class PeakSize(Objective):
    """The largest tensor any step produces, ties broken by MACs (encoded as
    ``peak * C + MACs`` like :class:`WriteVolume`)."""

    name = "size"
    bottleneck = True

    def score(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
              path: SSAPath) -> int:
        return path_peak(inputs, output, sizes, path) * _macs_ceiling(inputs, sizes) + path_macs(inputs, output, sizes, path)

    def weights(self, inputs: Sequence[tuple[str, ...]], sizes: Mapping[str, int]) -> tuple[int, int]:
        return 1, 0


class Combined(Objective):
    """``macs_weight * MACs + write_weight * writes`` with integer weights: a
    trade-off between compute and memory traffic, searched exactly."""

    name = "combined"

    def __init__(self, macs_weight: int = 1, write_weight: int = 1) -> None:
        if macs_weight < 0 or write_weight < 0 or macs_weight + write_weight == 0:
            raise TnccError("objective weights must be non-negative and not both zero")
        self.wm = int(macs_weight)
        self.ws = int(write_weight)

    def score(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
              path: SSAPath) -> int:
        return self.wm * path_macs(inputs, output, sizes, path) + self.ws * path_writes(inputs, output, sizes, path)

    def weights(self, inputs: Sequence[tuple[str, ...]], sizes: Mapping[str, int]) -> tuple[int, int]:
        return self.wm, self.ws


STRUCTURAL: dict[str, type[Objective]] = {"macs": Macs, "write": WriteVolume, "size": PeakSize}
MACHINE = ("cycles", "energy", "edp")
NAMES = tuple(STRUCTURAL) + MACHINE


def structural_objective(name: str) -> Objective:
    """The objective named ``name`` among macs, size and write."""
    try:
        return STRUCTURAL[name]()
    except KeyError:
        raise TnccError(f"unknown objective {name!r}; expected one of {', '.join(NAMES)}") from None
