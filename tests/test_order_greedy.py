"""The greedy order on a hyperedge shared by many tensors: the work is
counted (pairs scored, heap elements touched), never timed, and stays
near-linear in the tensors; the path stays valid."""

from __future__ import annotations

import heapq
import random
import types

import pytest

from tncc.passes.order import greedy as g
from tncc.passes.order.paths import validate_ssa


class _Counter:
    """heapq with every element it touches counted."""

    def __init__(self) -> None:
        self.work = 0

    def module(self) -> types.SimpleNamespace:
        def heapify(h: list) -> None:
            self.work += len(h)
            heapq.heapify(h)

        def nsmallest(k: int, it, key=None) -> list:
            items = list(it)
            self.work += len(items)
            return heapq.nsmallest(k, items, key=key)

        def counted(fn):
            def run(*a):
                self.work += 1
                return fn(*a)
            return run

        return types.SimpleNamespace(heapify=heapify, nsmallest=nsmallest, heappush=counted(heapq.heappush),
                                     heappop=counted(heapq.heappop))


@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_a_hyperedge_of_many_operands_costs_near_linear_work(temperature: float,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """``y[i] = x0[i] * ... * x(n-1)[i]``: every pair shares ``i``.  Scoring
    all pairs, or re-heapifying them per step, is quadratic or cubic in n."""
    n = 400
    inputs = [("i",)] * n
    counter, scored = _Counter(), [0]
    real = g._result

    def result(*a):
        scored[0] += 1
        return real(*a)

    monkeypatch.setattr(g, "heapq", counter.module())
    monkeypatch.setattr(g, "_result", result)
    rng = random.Random(0) if temperature else None
    path = g.greedy(inputs, ("i",), {"i": 4}, rng=rng, temperature=temperature)
    validate_ssa(path, n)
    assert len(path) == n - 1
    # each tensor scores at most MAX_NEIGHBOURS partners when made; all pairs would be n*n/2 = 80,000
    assert scored[0] <= 2 * g.MAX_NEIGHBOURS * 2 * n
    # a partial sort of each tensor's partners (n each, so n*n in all) plus log-time heap operations
    assert counter.work <= 2 * n * n + 40 * g.MAX_NEIGHBOURS * n


def test_small_networks_keep_every_pair() -> None:
    """Below the cap nothing changes: a chain's greedy path joins neighbours only."""
    inputs = [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")]
    path = g.greedy(inputs, ("a", "e"), {k: 4 for k in "abcde"})
    validate_ssa(path, 4)
    assert len(path) == 3


def test_a_solver_out_of_time_keeps_the_valid_starting_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """CP-SAT can run out of its deterministic time before confirming any
    choice on a model of thousands of candidates (1,000 operands on one
    index); the starting choice is valid, so the plan keeps it and the
    program still matches its reference."""
    from pathlib import Path

    from ortools.sat.python import cp_model

    import tncc

    monkeypatch.setattr(cp_model.CpSolver, "Solve", lambda self, model, *a, **k: cp_model.UNKNOWN)
    root = Path(__file__).resolve().parent.parent
    compiled = tncc.compile(str(root / "examples" / "tt_linear.tn"))
    assert compiled.run().match
