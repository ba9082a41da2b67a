"""Named contraction-order strategies, all of one signature:
``(inputs, output, sizes) -> SSA path``.

``register`` adds a strategy under a name; ``get_strategy`` looks one up.  A
strategy records the objective it is exact for (``proves``), so a caller can
say whether a path it returned is a proven optimum.  Registered here:

=========== ==========================================================
naive       left to right, ``((0, 1), (n, 2), ...)``
greedy      the deterministic greedy rule (:mod:`.greedy`)
exact       proven MAC optimum by the connected-subgraph DP (at most 24 inputs)
exact-size  proven minimum peak intermediate, then fewest MACs (subset DP, 14)
exact-write proven minimum write volume, then fewest MACs (at most 24 inputs)
heuristic   randomised greedy + subtree reconfiguration, naive as a floor
cotengra    cotengra's HyperOptimizer with a trial budget and a seed
            (:mod:`.hyperopt`), its tree polished by outer-product-aware
            subtree reconfiguration under tncc's objective, never worse than
            cotengra's tree, the greedy or the naive order (needs cotengra)
auto        exact up to 12 inputs; past that the connected-subgraph DP within
            its work budget (proven when it finishes), else the heuristic with
            cotengra's partition trees from 24 inputs
=========== ==========================================================

Every budget is counted in work, so each strategy gives the same path for the
same input on any machine.  A strategy may also register a ``search``
function, ``(inputs, output, sizes, objective, k, time_limit, seed) ->
SearchResult``, that searches under a given objective, lists its ``k`` best
trees and says when its wall-clock safety limit cut it short; the planner uses
it when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from tncc.errors import TnccError
from tncc.passes.order.greedy import greedy
from tncc.passes.order.hyperopt import hyper_search  # imports cotengra only when it runs
from tncc.passes.order.objectives import Macs, Objective, PeakSize, WriteVolume
from tncc.passes.order.paths import SSAPath, left_to_right
from tncc.passes.order.search import EXACT_LIMIT, SearchResult, search

StrategyFn = Callable[[Sequence[tuple[str, ...]], tuple[str, ...], Mapping[str, int]], SSAPath]
SearchFn = Callable[[Sequence[tuple[str, ...]], tuple[str, ...], Mapping[str, int], Objective, int, float, int],
                    SearchResult]


@dataclass(frozen=True, slots=True)
class Strategy:
    name: str
    fn: StrategyFn
    proves: str | None = None  # objective name the strategy is exact for
    max_inputs: int | None = None  # beyond this it does not prove anything
    search: SearchFn | None = None  # the objective-aware form, when the strategy has one

    def __call__(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]) -> SSAPath:
        return self.fn(inputs, output, sizes)


STRATEGIES: dict[str, Strategy] = {}


def register(name: str, proves: str | None = None, max_inputs: int | None = None,
             search: SearchFn | None = None) -> Callable[[StrategyFn], StrategyFn]:
    """Decorator: register ``fn`` as strategy ``name`` (replacing an older one)."""

    def deco(fn: StrategyFn) -> StrategyFn:
        STRATEGIES[name] = Strategy(name, fn, proves, max_inputs, search)
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
def naive(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]) -> SSAPath:
    return left_to_right(len(inputs))


@register("greedy")
def greedy_strategy(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]) -> SSAPath:
    return greedy(inputs, output, sizes)


EXACT_STRATEGY_LIMIT = 24


def _proven(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
            objective: Objective) -> SSAPath:
    _exact_only(inputs, EXACT_STRATEGY_LIMIT)
    r = search(inputs, output, sizes, objective, exact_limit=12, work=50_000_000, time_limit=3600.0)
    if not r.proven_optimal:
        raise TnccError(f"the exact search could not prove an optimum for these {len(inputs)} tensors within its "
                        "work budget; use 'auto' or 'heuristic'")
    return r.path


@register("exact", proves="macs", max_inputs=EXACT_STRATEGY_LIMIT)
def exact(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]) -> SSAPath:
    return _proven(inputs, output, sizes, Macs())


@register("exact-size", proves="size", max_inputs=14)
def exact_size(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]) -> SSAPath:
    _exact_only(inputs, 14)
    return search(inputs, output, sizes, PeakSize(), exact_limit=14).path


@register("exact-write", proves="write", max_inputs=EXACT_STRATEGY_LIMIT)
def exact_write(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]) -> SSAPath:
    return _proven(inputs, output, sizes, WriteVolume())


@register("heuristic")
def heuristic(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]) -> SSAPath:
    return search(inputs, output, sizes, Macs(), exact_limit=0).path


@register("cotengra", search=hyper_search)  # a TnccError naming what to install when cotengra is missing
def cotengra(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]) -> SSAPath:
    return hyper_search(inputs, output, sizes, Macs()).path


@register("auto", proves="macs", max_inputs=EXACT_LIMIT)
def auto(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]) -> SSAPath:
    return search(inputs, output, sizes, Macs()).path
