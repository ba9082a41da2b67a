"""``tncc run`` and ``tncc compile`` back-end options: reports, exit codes,
inputs and outputs by .tn name, binary output, and every example on both
presets (the published-shape DeepOHeat networks are emulated in the
benchmark only: 3.7 G MACs each)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import tncc
from tncc.cli import main
from tncc.frontend import load_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.tn"))
BENCH_ONLY = {"deepoheat", "deepoheat_dx"}
KEYS = {"network", "arch", "cycles", "array_cycles", "macs", "utilization", "energy_pj", "dram_bytes", "match",
        "max_rel_err", "modelled_cycles", "modelled_energy_pj"}


def _networks():
    for path in EXAMPLES:
        for net in load_file(path):
            if net.name not in BENCH_ONLY:
                yield pytest.param(path, net.name, id=f"{path.stem}:{net.name}")


@pytest.mark.parametrize("arch", ["fetta", "systolic"])
@pytest.mark.parametrize("path,name", list(_networks()))
def test_example_runs_and_matches(path: Path, name: str, arch: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.json"
    rc = main(["run", str(path), "--network", name, "--arch", arch, "--json", str(report)])
    out = capsys.readouterr().out
    assert rc == 0, out
    rep = json.loads(report.read_text())
    assert KEYS <= set(rep) and rep["match"] is True and rep["network"] == name and rep["arch"] == arch
    assert rep["macs"] > 0 and 0 < rep["utilization"] <= 1 and rep["cycles"] >= rep["array_cycles"] > 0
    # the machine model's figures for the compiled program are the emulator's
    assert rep["modelled_cycles"] == rep["cycles"]
    assert rep["modelled_energy_pj"] == pytest.approx(rep["energy_pj"], rel=1e-12)
    if arch == "fetta":
        assert rep["shape_instructions"] == 0
    assert "MATCH" in out


def test_outputs_and_inputs_by_tn_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "examples" / "tt_linear.tn"
    (net,) = load_file(path)
    rng = np.random.default_rng(7)
    given = {t.name: rng.standard_normal(net.shape(t.name)).astype(np.float32) for t in net.leaves()}
    inp, out = tmp_path / "in.npz", tmp_path / "out.npz"
    np.savez(inp, **given)
    assert main(["run", str(path), "--inputs", str(inp), "--outputs", str(out)]) == 0
    got = dict(np.load(out))
    assert set(got) == set(net.outputs) and "d_g1" in got
    want = tncc.reference.evaluate(net, given)
    for name in net.outputs:
        scale = float(np.abs(want[name]).max())
        np.testing.assert_allclose(got[name], want[name], rtol=1e-4, atol=1e-5 * scale)
    capsys.readouterr()


def test_mismatch_exits_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import tncc.reference as ref

    real = ref.evaluate

    def wrong(net, inputs=None, **kw):
        return {k: v + 1.0 for k, v in real(net, inputs, **kw).items()}

    monkeypatch.setattr(ref, "evaluate", wrong)
    rc = main(["run", str(ROOT / "examples" / "matrix_chain.tn"), "--network", "matrix_square"])
    assert rc == 3 and "MISMATCH" in capsys.readouterr().out


def test_a_mismatch_in_infinities_alone_is_counted_in_the_headline(monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Where the two sides differ only by infinities (an fp16 temporary that
    overflowed in the emulator; here the reference is made infinite at three
    elements), the relative error over the elements finite in both is about
    0: the headline says how many elements differ, so it does not read as a
    near match."""
    import tncc.reference as ref

    real = ref.evaluate

    def finite_where_inf(net, inputs=None, **kw):
        out = real(net, inputs, **kw)
        return {k: np.where(np.arange(v.size).reshape(v.shape) < 3, np.inf, v) for k, v in out.items()}

    monkeypatch.setattr(ref, "evaluate", finite_where_inf)
    rc = main(["run", str(ROOT / "examples" / "matrix_chain.tn"), "--network", "matrix_square"])
    head = capsys.readouterr().out.splitlines()[0]
    assert rc == 3
    m = re.search(r"MISMATCH \(3 elements differ; max relative error (\S+) where both are finite\)", head)
    assert m is not None, head
    assert float(m.group(1)) < 1e-4  # the finite elements agree: only the count tells the mismatch


@pytest.mark.parametrize("argv,message", [
    (["run", "no-such-file.tn"], "no such file"),
    (["run", "examples/tt_linear.tn", "--arch", "nope"], "nope"),
    (["run", "examples/tt_linear.tn", "--inputs", "examples/tt_linear.tn"], "npz"),
])
def test_bad_input_exits_1(argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_wrong_input_shape_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = tmp_path / "in.npz"
    np.savez(inp, x=np.zeros((2, 2), dtype=np.float32))
    assert main(["run", str(ROOT / "examples" / "tt_linear.tn"), "--inputs", str(inp)]) == 1
    assert "shape" in capsys.readouterr().err


def test_compile_emits_every_backend_stage_and_binary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "examples" / "tt_linear.tn")
    for stage, marker in (("plan", "; plan of network"), ("tiled", "; tiled program"), ("asm", ".arch")):
        assert main(["compile", path, "--arch", "systolic", "--emit", stage]) == 0
        assert marker in capsys.readouterr().out
    out = tmp_path / "p.tnb"
    assert main(["compile", path, "-o", str(out)]) == 0
    prog = tncc.runtime.load(str(out))
    assert prog == tncc.compile(path).program  # the binary decodes to the program compiled in-process


def test_trace_is_chrome_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = tmp_path / "t.json"
    assert main(["run", str(ROOT / "examples" / "matrix_chain.tn"), "--network", "matrix_square",
                 "--trace", str(trace)]) == 0
    events = json.loads(trace.read_text())["traceEvents"]
    assert any(e.get("ph") == "X" for e in events)
    capsys.readouterr()


def test_api_run_result() -> None:
    c = tncc.compile(ROOT / "examples" / "matrix_chain.tn", arch="systolic", network="matrix_square")
    r = c.run(seed=5)
    assert r.match and r.max_rel_err < 1e-4 and set(r.outputs) == set(c.network.outputs)
    assert r.report["network"] == "matrix_square" and r.report["arch"] == "systolic"


@pytest.mark.parametrize("arch", ["fetta", "systolic"])
def test_compiled_binary_with_a_unary_step_runs_under_sim(tmp_path, arch):
    # A one-operand statement contracts with the program's `ones` constant;
    # the loader fills it, so `tncc sim` on the bare binary gives the sum.
    src = tmp_path / "colsum.tn"
    src.write_text("network colsum {\n  index i = 5, j = 7\n  input x[i, j]\n  s[j] = x[i, j]\n  output s\n}\n")
    tnb = tmp_path / "colsum.tnb"
    assert main(["compile", str(src), "--arch", arch, "-o", str(tnb)]) == 0
    x = np.arange(35, dtype=np.float32).reshape(5, 7) - 11.5
    np.savez(tmp_path / "in.npz", x=x)
    assert main(["sim", str(tnb), "--inputs", str(tmp_path / "in.npz"), "--outputs", str(tmp_path / "out.npz")]) == 0
    got = np.load(tmp_path / "out.npz")["s"]
    np.testing.assert_allclose(got, x.sum(axis=0), rtol=1e-6)
