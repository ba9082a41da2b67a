"""``tncc plan``: the table, the JSON contract and clean errors."""

import json
import os

import opt_einsum as oe
import pytest

import tncc
from tncc.cli import main
from tncc.passes.order.paths import linear_to_ssa, path_macs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TTM = os.path.join(ROOT, "examples", "ttm_linear.tn")


def test_table_lists_steps_totals_and_verdict(capsys):
    assert main(["plan", TTM, "--arch", "systolic"]) == 0
    out = capsys.readouterr().out
    assert "gemm" in out and "total MACs" in out and "naive" in out and "greedy" in out
    assert "modelled cycles" in out
    assert "proven optimal" in out


def test_json_contract(capsys):
    assert main(["plan", TTM, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    for key in ("macs", "peak_size", "path", "proven_optimal", "search_seconds"):
        assert key in doc
    net = tncc.load_network(TTM)
    assert doc["macs"] <= doc["greedy"]["macs"] and doc["macs"] <= doc["naive"]["macs"]
    st = net.statements[0]
    inputs = [op.indices for op in st.operands]
    # the exported path is opt_einsum's format: opt_einsum accepts it as given
    letters = {i: chr(97 + k) for k, i in enumerate(net.sizes())}
    eq = ",".join("".join(letters[i] for i in ix) for ix in inputs) + "->" + "".join(letters[i] for i in st.indices)
    shapes = [tuple(net.size(i) for i in ix) for ix in inputs]
    path, _ = oe.contract_path(eq, *shapes, shapes=True, optimize=[tuple(p) for p in doc["path"]])
    assert [tuple(p) for p in path] == [tuple(p) for p in doc["path"]]
    ssa = linear_to_ssa(doc["path"], len(inputs))
    assert path_macs(inputs, st.indices, net.sizes(), ssa) > 0
    assert set(doc["paths"]) == {s.result for s in net.statements}


@pytest.mark.parametrize("argv,code,msg", [
    (["plan", "missing.tn"], 1, "no such file"),
    (["plan", TTM, "--strategy", "bogus"], 1, "unknown strategy"),
    (["plan", TTM, "--objective", "cycles"], 1, "needs an architecture"),
    (["plan", TTM, "--arch", "nosuch"], 1, ""),
    (["plan", TTM, "--k-best", "0"], 1, "--k-best"),
])
def test_errors_exit_cleanly(capsys, argv, code, msg):
    assert main(argv) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err and msg in err


def test_bad_objective_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plan", TTM, "--objective", "speed"])
    assert exc.value.code == 2


def test_a_baseline_that_does_not_fit_is_reported_not_fatal(capsys, monkeypatch):
    # A baseline order whose steps cannot be tiled into the buffer (the
    # per-step model raises, as it does for a step that cannot be blocked
    # into the staging area) is reported as not fitting, and the command
    # still prints the plan.  The tiler blocks the naive order of tt_linear
    # even into a 512-byte buffer, so the machine model is made to refuse
    # the naive plan (its 14M MACs) alone.
    from tncc.errors import TnccError
    from tncc.passes.order import hardware

    real = hardware.plan_costs

    def refuse_naive(plan, arch):
        if plan.macs() > 1_000_000:
            raise TnccError("a step of this plan does not fit the buffer")
        return real(plan, arch)

    monkeypatch.setattr(hardware, "plan_costs", refuse_naive)
    path = os.path.join(ROOT, "examples", "tt_linear.tn")
    assert main(["plan", path, "--arch", "fetta", "--objective", "energy"]) == 0
    out = capsys.readouterr().out
    assert "naive does not fit" in out and "\nproven optimal for energy" in out
    assert "greedy does not fit" not in out
