"""Tests of tncc.evaluation.training: phases, the unshared twin of a joint plan, peak
live memory and the reuse summary."""

from __future__ import annotations

import numpy as np
import pytest

from irbuild import make_network
from tncc.ir import GradSpec, Network, Role
from tncc.plan import Plan, PlanOperand, Step
from tncc.evaluation.training import Phase, peak_live_bytes, reuse_summary, split_by_phase, step_phases, unshared_plan

P = PlanOperand


def tt_step() -> Network:
    """A two-core TT layer y[b,o] = x[b,i] g1[i,r] g2[r,o] and its three gradients."""
    return make_network(
        [("y", ("b", "o"), [("x", ("b", "i")), ("g1", ("i", "r")), ("g2", ("r", "o"))]),
         ("d_x", ("b", "i"), [("d_y", ("b", "o")), ("g1", ("i", "r")), ("g2", ("r", "o"))]),
         ("d_g1", ("i", "r"), [("x", ("b", "i")), ("d_y", ("b", "o")), ("g2", ("r", "o"))]),
         ("d_g2", ("r", "o"), [("x", ("b", "i")), ("d_y", ("b", "o")), ("g1", ("i", "r"))])],
        {"x": (("b", "i"), Role.INPUT), "g1": (("i", "r"), Role.PARAM), "g2": (("r", "o"), Role.PARAM),
         "d_y": (("b", "o"), Role.INPUT)},
        {"b": 3, "i": 4, "r": 2, "o": 5},
        ("y", "d_x", "d_g1", "d_g2"),
        grads=(GradSpec("y", ("x", "g1", "g2")),),
        grad_of={"d_x": ("y", "x"), "d_g1": ("y", "g1"), "d_g2": ("y", "g2")},
    )


def joint_plan(net: Network) -> Plan:
    """W = g1 g2 is merged once and reused by y and d_x; x g1 is reused by d_g2."""
    steps = (
        Step("%0", ("i", "o"), (P("g1", ("i", "r")), P("g2", ("r", "o"))), "y"),
        Step("y", ("b", "o"), (P("x", ("b", "i")), P("%0", ("i", "o"))), "y"),
        Step("d_x", ("b", "i"), (P("d_y", ("b", "o")), P("%0", ("i", "o"))), "d_x"),
        Step("%1", ("b", "r"), (P("d_y", ("b", "o")), P("g2", ("r", "o"))), "d_g1"),
        Step("d_g1", ("i", "r"), (P("x", ("b", "i")), P("%1", ("b", "r"))), "d_g1"),
        Step("%2", ("b", "r"), (P("x", ("b", "i")), P("g1", ("i", "r"))), "d_g2"),
        Step("d_g2", ("r", "o"), (P("%2", ("b", "r")), P("d_y", ("b", "o"))), "d_g2"),
    )
    plan = Plan(net, steps)
    plan.verify()
    return plan


def evaluate_plan(plan: Plan, leaves: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Evaluate a plan step by step with pairwise numpy einsum (test oracle)."""
    vals = dict(leaves)
    letters: dict[str, str] = {}

    def sub(ixs: tuple[str, ...]) -> str:
        return "".join(letters.setdefault(i, chr(ord("a") + len(letters))) for i in ixs)

    for s in plan.steps:
        eq = ",".join(sub(op.indices) for op in s.operands) + "->" + sub(s.indices)
        vals[s.result] = np.einsum(eq, *(vals[op.value] for op in s.operands))
    return vals


def random_leaves(net: Network, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {t.name: rng.standard_normal(net.shape(t.name)) for t in net.leaves()}


def test_step_phases_follow_grad_of() -> None:
    plan = joint_plan(tt_step())
    assert step_phases(plan) == (Phase.FORWARD, Phase.FORWARD) + (Phase.BACKWARD,) * 5


def test_unshared_plan_recomputes_shared_temporaries_and_agrees() -> None:
    plan = joint_plan(tt_step())
    twin = unshared_plan(plan)
    users: dict[str, set[str]] = {}
    for s in twin.steps:
        for op in s.operands:
            if op.value.startswith("%"):
                users.setdefault(op.value, set()).add(s.statement)
    assert all(len(v) == 1 for v in users.values())
    sizes = plan.network.sizes()
    merged = plan.steps[0].macs(sizes)
    assert twin.macs() == plan.macs() + merged  # %0 computed a second time for d_x
    leaves = random_leaves(plan.network)
    a, b = evaluate_plan(plan, leaves), evaluate_plan(twin, leaves)
    for out in plan.network.outputs:
        np.testing.assert_allclose(a[out], b[out], rtol=1e-12)


def test_unshared_plan_is_identity_without_sharing() -> None:
    plan = joint_plan(tt_step())
    twin = unshared_plan(unshared_plan(plan))
    assert twin.macs() == unshared_plan(plan).macs()


def test_peak_live_bytes_by_hand() -> None:
    plan = joint_plan(tt_step())
    f = 4  # fp32
    # step: live values after the step (bytes)
    # 0 %0(20)              -> peak 20
    # 1 y(15) + %0          -> 35, y freed (never read)
    # 2 d_x(12) + %0        -> 32, both freed
    # 3 %1(6)               -> 6
    # 4 d_g1(8) + %1        -> 14
    # 5 %2(6)               -> 6
    # 6 d_g2(10) + %2       -> 16
    assert peak_live_bytes(plan) == 35 * f


def test_peak_live_bytes_matches_brute_force_liveness() -> None:
    plan = unshared_plan(joint_plan(tt_step()))
    sizes = plan.network.sizes()
    n = len(plan.steps)
    last = {s.result: max([k for k, t in enumerate(plan.steps) if any(o.value == s.result for o in t.operands)], default=j)
            for j, s in enumerate(plan.steps)}
    brute = max(sum(4 * s.size(sizes) for j, s in enumerate(plan.steps) if j <= k <= last[s.result]) for k in range(n))
    assert peak_live_bytes(plan) == brute


def test_reuse_summary() -> None:
    plan = joint_plan(tt_step())
    r = reuse_summary(plan)
    sizes = plan.network.sizes()
    assert r.shared_values == ("%0",)
    assert r.macs_saved == plan.steps[0].macs(sizes)
    assert r.kept_bytes == 4 * 4 * 5  # %0[i,o] stays alive for d_x
    assert r.forward_macs + r.backward_macs == plan.macs()
    assert r.forward_macs == sum(s.macs(sizes) for s in plan.steps[:2])
    assert r.peak_bytes == peak_live_bytes(plan)
    assert r.peak_bytes_unshared == peak_live_bytes(unshared_plan(plan))
    d = r.to_dict()
    assert d["macs_saved"] == r.macs_saved and d["extra_peak_bytes"] == r.extra_peak_bytes
    assert "saves" in r.format()


def test_split_by_phase_sums_statement_figures() -> None:
    net = tt_step()
    per = {"y": {"cycles": 10, "energy_pj": 1.5}, "d_x": {"cycles": 7, "energy_pj": 0.5},
           "d_g1": {"cycles": 3, "name": "skip me", "flag": True}, "(none)": {"cycles": 99}}
    split = split_by_phase(net, per)
    assert split[Phase.FORWARD] == {"cycles": 10, "energy_pj": 1.5}
    assert split[Phase.BACKWARD] == {"cycles": 10, "energy_pj": 0.5}


@pytest.mark.parametrize("dtype_bytes", [4])
def test_int8_values_count_as_int32(dtype_bytes: int) -> None:
    import dataclasses

    from tncc.ir import DType

    net = dataclasses.replace(tt_step(), dtype=DType.INT8)
    plan = dataclasses.replace(joint_plan(tt_step()), network=net)
    assert peak_live_bytes(plan) == 35 * dtype_bytes
