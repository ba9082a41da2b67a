"""Tests of tncc.evaluation.planning: order names, step shapes, step costs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tncc.errors import TnccError
from tncc.isa.arch import load_arch
from tncc.plan import PlanOperand, Step
from tncc.evaluation.planning import compile_args, load_network, plan_for_order, step_cost_function, step_shape

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "tt_linear.tn")
SIZES = {"b": 2, "i": 3, "j": 5, "k": 7, "s": 11}


def test_step_shape_classifies_indices() -> None:
    # C[b,i,j] = A[b,i,k,s] * B[b,k,j]: b batch, i left, j right, k and s (A-only) contracted.
    step = Step("C", ("b", "i", "j"), (PlanOperand("A", ("b", "i", "k", "s")), PlanOperand("B", ("b", "k", "j"))), "C")
    assert step_shape(step, SIZES) == (2, 3, 5, 7 * 11)
    outer = Step("O", ("i", "j"), (PlanOperand("x", ("i",)), PlanOperand("y", ("j",))), "O")
    assert step_shape(outer, SIZES) == (1, 3, 5, 1)
    unary = Step("u", ("i",), (PlanOperand("A", ("i", "k")),), "u")
    assert step_shape(unary, SIZES) == (1, 3, 1, 7)
    # b*m*n*k is the step's MAC count in every case.
    for s in (step, outer, unary):
        b, m, n, k = step_shape(s, SIZES)
        assert b * m * n * k == s.macs(SIZES)


def test_order_names() -> None:
    assert compile_args("csse") == ("csse", "cycles")
    assert compile_args("flops") == ("csse", "macs")
    assert compile_args("naive") == ("naive", "macs")
    with pytest.raises(TnccError):
        compile_args("fastest")


def test_plans_per_order() -> None:
    net = load_network(EXAMPLE)
    arch = load_arch("fetta")
    flops = plan_for_order(net, "flops", arch)
    naive = plan_for_order(net, "naive", arch)
    assert flops.macs() <= naive.macs()
    cost = step_cost_function(flops, arch)
    figures = [cost(s) for s in flops.steps]
    assert all(f["cycles"] > 0 and f["energy pJ"] > 0 for f in figures if f)
