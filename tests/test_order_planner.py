"""plan_network on every example and on training steps: plans verify, compute
the reference's values step by step, share work between the forward and the
gradient statements, and respect a memory budget."""

import dataclasses
import glob
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as hst

import tncc
from order_support import eval_plan, network_of, random_problem
from tncc.errors import TnccError
from tncc.passes.order.planner import contractions, plan_network
from tncc.passes.order.report import statement_paths
from tncc.passes.order.search import search
from tncc.reference import evaluate, random_inputs
from tncc.evaluation.training import unshared_plan

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NETWORKS = [(os.path.basename(f), net) for f in sorted(glob.glob(os.path.join(ROOT, "examples", "*.tn")))
            for net in tncc.load_file(f)]
IDS = [f"{f}:{n.name}" for f, n in NETWORKS]


def _check_values(net, plan):
    leaves = random_inputs(net, seed=1)
    want = evaluate(net, leaves, float64=True, keep_intermediates=True)
    got = eval_plan(plan, {k: v.astype(np.float64) for k, v in leaves.items()})
    for st in net.statements:
        np.testing.assert_allclose(got[st.result], want[st.result], rtol=1e-8, atol=1e-8 * (1 + np.abs(want[st.result]).max()))


def _separate_macs(net):
    return sum(search(c.inputs, c.output, net.sizes()).score for c in contractions(net))


def _small(net, cap=6):
    """The same network with every index at most ``cap`` (fast numerics)."""
    return dataclasses.replace(net, indices=tuple(dataclasses.replace(ix, size=min(ix.size, cap)) for ix in net.indices))


@pytest.mark.parametrize("net", [n for _, n in NETWORKS], ids=IDS)
def test_every_example_plans_verifies_and_evaluates(net):
    if max(math.prod(net.shape(t.name)) for t in net.tensors) > 200_000:
        net = _small(net)
    plan = plan_network(net, time_limit=5.0)
    plan.verify()
    _check_values(net, plan)
    # the joint plan never costs more than the proven per-statement optima
    assert plan.macs() <= _separate_macs(net)
    paths = statement_paths(plan)
    assert set(paths) == {st.result for st in net.statements}


TRAINING = [n for _, n in NETWORKS if any(st.grad_of for st in n.statements) and len(n.statements) <= 8]


@pytest.mark.parametrize("net", TRAINING, ids=[n.name for n in TRAINING])
def test_training_step_shares_work(net):
    plan = plan_network(net, time_limit=5.0)
    # every training example has partial products worth sharing between its networks
    assert plan.macs() < _separate_macs(net)
    users = {}
    for s in plan.steps:
        for op in s.operands:
            if op.value.startswith("%"):
                users.setdefault(op.value, set()).add(s.statement)
    assert any(len(u) > 1 for u in users.values())
    # recomputing every shared temporary per statement undoes the saving
    assert unshared_plan(plan).macs() > plan.macs()


def test_tt_layer_training_step_reuses_partial_products():
    net = tncc.load_network(os.path.join(ROOT, "examples", "tt_linear.tn"))
    plan = plan_network(net)
    assert plan.macs() < _separate_macs(net)
    _check_values(net, plan)


@pytest.mark.parametrize("budget", [0, 4096])
def test_memory_budget_limits_kept_shared_values(budget):
    net = tncc.load_network(os.path.join(ROOT, "examples", "ttm_linear.tn"))
    free = plan_network(net)
    tight = plan_network(net, memory_budget=budget)
    tight.verify()
    _check_values(net, tight)
    assert free.macs() <= tight.macs() <= _separate_macs(net)
    item = net.dtype.nbytes
    sizes = net.sizes()
    users = {}
    for s in tight.steps:
        for op in s.operands:
            users.setdefault(op.value, set()).add(s.result)
    kept = sum(s.size(sizes) * item for s in tight.steps
               if s.result.startswith("%") and len(users.get(s.result, ())) > 1)
    assert kept <= budget


def test_random_networks_plan_and_evaluate():
    rng = np.random.default_rng(11)
    for n in (1, 2, 5, 9):
        inputs, output, sizes = random_problem(rng, n, max_size=3)
        net = network_of(inputs, output, sizes)
        plan = plan_network(net)
        assert plan.proven_optimal
        _check_values(net, plan)


def test_heuristic_plans_are_marked_unproven():
    inputs, output, sizes = random_problem(np.random.default_rng(2), 18, max_size=2, hyper=False)
    plan = plan_network(network_of(inputs, output, sizes), time_limit=2.0)
    plan.verify()
    assert not plan.proven_optimal


def test_named_strategies_and_errors():
    net = tncc.load_network(os.path.join(ROOT, "examples", "ttm_linear.tn"))
    assert plan_network(net, strategy="naive").macs() >= plan_network(net).macs()
    with pytest.raises(TnccError, match="unknown strategy"):
        plan_network(net, strategy="nope")
    with pytest.raises(TnccError, match="needs an architecture"):
        plan_network(net, objective="cycles")
    with pytest.raises(TnccError, match="unknown objective"):
        plan_network(net, objective="speed")


def test_public_api():
    net = tncc.load_network(os.path.join(ROOT, "examples", "ttm_linear.tn"))
    plan = tncc.plan_network(net, objective="size")
    plan.verify()
    assert plan.objective == "size"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hst.integers(2, 6), hst.integers(0, 2**31 - 1), hst.sampled_from([None, 0]))
def test_random_training_steps_are_correct_and_never_dearer(n, seed, budget):
    from tncc.frontend.grad import expand_grads
    from tncc.ir import GradSpec

    # no index summed inside one tensor alone: the gradient would be a broadcast
    inputs, output, sizes = random_problem(np.random.default_rng(seed), n, max_size=3, dangling=False)
    base = network_of(inputs, output, sizes)
    net = expand_grads(dataclasses.replace(base, grads=(GradSpec("y", tuple(f"t{k}" for k in range(n))),)))
    plan = plan_network(net, memory_budget=budget)
    plan.verify()
    _check_values(net, plan)
    assert plan.macs() <= _separate_macs(net)


def test_weighted_objective_instance():
    from tncc.passes.order.objectives import Combined

    net = tncc.load_network(os.path.join(ROOT, "examples", "ttm_linear.tn"))
    sizes = net.sizes()
    macs_plan = plan_network(net)
    heavy = plan_network(net, objective=Combined(1, 1000))
    heavy.verify()
    writes = lambda p: sum(s.size(sizes) for s in p.steps)  # noqa: E731
    assert heavy.objective == "combined"
    assert writes(heavy) <= writes(macs_plan)
    assert 1 * heavy.macs() + 1000 * writes(heavy) <= 1 * macs_plan.macs() + 1000 * writes(macs_plan)


@pytest.mark.parametrize("arch", [None, "fetta", "systolic"])
def test_repeated_operands_and_duplicate_statements(arch):
    from irbuild import make_network
    from tncc.ir import Role

    net = make_network(
        [("s", (), [("a", ("i",)), ("a", ("i",))]),
         ("y", ("k",), [("w", ("i", "j")), ("w", ("i", "j")), ("b", ("j", "k")), ("a", ("i",))]),
         ("z", ("k",), [("w", ("i", "j")), ("w", ("i", "j")), ("b", ("j", "k")), ("a", ("i",))])],
        {"a": (("i",), Role.INPUT), "w": (("i", "j"), Role.PARAM), "b": (("j", "k"), Role.PARAM)},
        {"i": 3, "j": 4, "k": 5}, ("s", "y", "z"))
    plan = plan_network(net, arch=arch)
    plan.verify()
    _check_values(net, plan)
    if arch is not None:
        assert all(s.dataflow for s in plan.steps)
    # z equals y: it is copied, not recomputed
    assert plan.macs() < 2 * sum(s.macs(net.sizes()) for s in plan.steps if s.statement == "y")
