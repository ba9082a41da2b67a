"""Reading plans back: per-statement paths, peak size and step rows."""

import os

import numpy as np

import tncc
from order_support import eval_path
from tncc.passes.order.paths import path_macs
from tncc.passes.order.planner import plan_network, resolve_arch
from tncc.passes.order.report import peak_size, statement_paths, step_rows
from tncc.reference import evaluate, random_inputs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_statement_paths_recompute_every_statement():
    net = tncc.load_network(os.path.join(ROOT, "examples", "ttm_linear.tn"))
    plan = plan_network(net)
    leaves = random_inputs(net, seed=3)
    want = evaluate(net, leaves, float64=True, keep_intermediates=True)
    sizes = net.sizes()
    for st in net.statements:
        path = statement_paths(plan)[st.result]
        inputs = [op.indices for op in st.operands]
        arrays = [np.asarray(leaves[op.tensor], dtype=np.float64) for op in st.operands]
        np.testing.assert_allclose(eval_path(inputs, st.indices, arrays, path), want[st.result], rtol=1e-9, atol=1e-9)
        # a statement's own tree costs at least what the joint plan spends on it alone
        assert path_macs(inputs, st.indices, sizes, path) >= sum(
            s.macs(sizes) for s in plan.steps if s.statement == st.result)


def test_rows_and_peak():
    net = tncc.load_network(os.path.join(ROOT, "examples", "tt_linear.tn"))
    arch = resolve_arch("fetta")
    plan = plan_network(net, objective="cycles", arch=arch)
    rows = step_rows(plan, arch)
    sizes = net.sizes()
    assert [r.macs for r in rows] == [s.macs(sizes) for s in plan.steps]
    assert max(r.size for r in rows) == peak_size(plan)
    assert all(r.cycles > 0 and r.dataflow for r in rows)
    for r, s in zip(rows, plan.steps):
        assert set(r.summed) == {i for op in s.operands for i in op.indices} - set(s.indices)
