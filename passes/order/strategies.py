"""Named contraction-order strategies, all of one signature:
``(inputs, output, sizes) -> SSA path``.

``register`` adds a strategy under a name; ``get_strategy`` looks one up.  A
strategy records the objective it is exact for (``proves``), so a caller can
say whether a path it returned is a proven optimum.  Registered here:

=========== ==========================================================
naive       left to right, ``((0, 1), (n, 2), ...)``
greedy      the deterministic greedy rule (:mod:`.greedy`)
exact       proven MAC optimum by subset DP (at most 14 inputs)
exact-size  proven minimum peak intermediate, then fewest MACs
exact-write proven minimum write volume, then fewest MACs
heuristic   randomised greedy + subtree reconfiguration (10 s limit)
auto        exact up to 12 inputs; 13 to 16 exact when the DP finishes in half
            the time limit, else the heuristic; the heuristic beyond
=========== ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from tncc.errors import TnccError
from tncc.passes.order.greedy import greedy
from tncc.passes.order.objectives import Macs, PeakSize, WriteVolume
from tncc.passes.order.paths import SSAPath, left_to_right
from tncc.passes.order.search import EXACT_LIMIT, search

StrategyFn = Callable[[Sequence[tuple[str, ...]], tuple[str, ...], Mapping[str, int]], SSAPath]


@dataclass(frozen=True, slots=True)
class Strategy:
    name: str
    fn: StrategyFn
    proves: str | None = None  # objective name the strategy is exact for
    max_inputs: int | None = None  # beyond this it does not prove anything

    def __call__(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]) -> SSAPath:
        return self.fn(inputs, output, sizes)


STRATEGIES: dict[str, Strategy] = {}


def register(name: str, proves: str | None = None, max_inputs: int | None = None) -> Callable[[StrategyFn], StrategyFn]:
    """Decorator: register ``fn`` as strategy ``name`` (replacing an older one)."""

    def deco(fn: StrategyFn) -> StrategyFn:
        STRATEGIES[name] = Strategy(name, fn, proves, max_inputs)
        return fn

    return deco


def get_strategy(name: str) -> Strategy:
    try:
        return STRATEGIES[name]
    except KeyError:
        raise TnccError(f"unknown strategy {name!r}; expected one of {', '.join(sorted(STRATEGIES))}") from None


def _exact_only(inputs: Sequence[tuple[str, ...]], limit: int) -> None:
    if len(inputs) > limit:
        raise TnccError(f"the exact strategy handles at most {limit} tensors, this contraction has {len(inputs)}; "
                        "use 'auto' or 'heuristic'")


@register("naive")
def naive(inputs, output, sizes):
    return left_to_right(len(inputs))


@register("greedy")
def greedy_strategy(inputs, output, sizes):
    return greedy(inputs, output, sizes)


@register("exact", proves="macs", max_inputs=14)
def exact(inputs, output, sizes):
    _exact_only(inputs, 14)
    return search(inputs, output, sizes, Macs(), exact_limit=14).path


@register("exact-size", proves="size", max_inputs=14)
def exact_size(inputs, output, sizes):
    _exact_only(inputs, 14)
    return search(inputs, output, sizes, PeakSize(), exact_limit=14).path


@register("exact-write", proves="write", max_inputs=14)
def exact_write(inputs, output, sizes):
    _exact_only(inputs, 14)
    return search(inputs, output, sizes, WriteVolume(), exact_limit=14).path


@register("heuristic")
def heuristic(inputs, output, sizes):
    return search(inputs, output, sizes, Macs(), exact_limit=0).path


@register("auto", proves="macs", max_inputs=EXACT_LIMIT)
def auto(inputs, output, sizes):
    return search(inputs, output, sizes, Macs()).path
