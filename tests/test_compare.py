"""Tests of the comparison engine (tncc.evaluation.compare, tncc.evaluation.compare_format).

The first part checks the data model and every output form on reports made
here; the second runs real programs through the compiler and emulator and
checks that each comparison column equals what ``tncc run`` reports."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from tncc.evaluation.compare import (
    run_comparison,
    Comparison,
    Config,
    configs,
    result_of_run,
    split_list,
)
from tncc.evaluation.compare_format import format_comparison, plot_png, to_csv, to_json, to_rows
from tncc.errors import TnccError


def report(cycles: int, array: int, energy: float, shape: int = 0, **extra: object) -> dict[str, object]:
    r: dict[str, object] = {"network": "n", "arch": "a", "cycles": cycles, "array_cycles": array, "macs": 1000,
                            "utilization": array / max(cycles, 1), "energy_pj": energy, "dram_bytes": 4096,
                            "match": True, "max_rel_err": 1e-7, "peak_buffer_bytes": 2048}
    if shape:
        r["per_opcode"] = {"SHAPE": {"count": 2, "cycles": shape}}
    r.update(extra)
    return r


def comparison() -> Comparison:
    rows = [
        result_of_run(Config("fetta", "csse"), report(1000, 800, 5e6), 1.0, None),
        result_of_run(Config("systolic", "csse"), report(4000, 900, 2e7, shape=1500), 1.0, None),
        result_of_run(Config("systolic", "naive"), report(8000, 1200, 3e7, shape=9000), 2.0, None),
    ]
    return Comparison("n", tuple(rows))


def test_split_list_keeps_overrides_together() -> None:
    assert split_list("fetta,systolic", ()) == ("fetta", "systolic")
    assert split_list(["fetta", "systolic:rows=32,cols=32"], ()) == ("fetta", "systolic:rows=32,cols=32")
    assert split_list("fetta, fetta ,x.toml", ()) == ("fetta", "x.toml")
    assert split_list(None, ("fetta",)) == ("fetta",)
    with pytest.raises(TnccError):
        split_list(",", ())


def test_unknown_order_is_a_clear_error() -> None:
    with pytest.raises(TnccError) as err:
        configs(["fetta"], ["csse", "fastest"])
    assert "fastest" in str(err.value) and "csse, flops, naive" in str(err.value)


def test_ratios_divide_by_the_baseline() -> None:
    cmp = comparison()
    assert cmp.ratio(0, "cycles") == 1.0
    assert cmp.ratio(1, "cycles") == 4.0
    assert cmp.ratio(1, "energy_uj") == pytest.approx(4.0)
    # EDP ratio = energy ratio x latency ratio (row 2 runs at 2 GHz).
    assert cmp.ratio(2, "edp") == pytest.approx(cmp.ratio(2, "energy_uj") * cmp.ratio(2, "latency_us"))
    assert cmp.ratio(2, "latency_us") == pytest.approx(4.0)
    other = Comparison("n", cmp.results, baseline=1)
    assert other.ratio(0, "cycles") == pytest.approx(0.25)


def test_zero_baseline_ratio() -> None:
    rows = (result_of_run(Config("a", "csse"), report(10, 5, 0.0), 1.0, None),
            result_of_run(Config("b", "csse"), report(10, 5, 3.0), 1.0, None))
    cmp = Comparison("n", rows)
    assert math.isinf(cmp.ratio(1, "energy_uj"))
    assert json.loads(to_json(cmp))["configs"][1]["ratio_energy_uj"] is None


def test_table_names_every_config_and_ratio() -> None:
    text = format_comparison(comparison())
    for label in ("fetta/csse", "systolic/csse", "systolic/naive"):
        assert label in text
    assert "4.00x" in text and "8.00x" in text
    assert "4,000" in text
    lines = text.splitlines()
    assert len({len(line) for line in lines[1:3]}) == 1  # header and rule line up


def test_csv_and_json_carry_the_report_figures() -> None:
    cmp = comparison()
    rows = list(csv.DictReader(io.StringIO(to_csv(cmp))))
    assert [r["config"] for r in rows] == ["fetta/csse", "systolic/csse", "systolic/naive"]
    for row, res in zip(rows, cmp.results):
        assert int(row["cycles"]) == res.report["cycles"]
        assert float(row["energy_pj"]) == res.report["energy_pj"]
        assert int(row["dram_bytes"]) == res.report["dram_bytes"]
        assert int(row["compute_cycles"]) + int(row["shaping_cycles"]) + int(row["memory_cycles"]) == int(row["cycles"])
    data = json.loads(to_json(cmp))
    assert data["baseline"] == "fetta/csse"
    assert [c["cycles"] for c in data["configs"]] == [1000, 4000, 8000]
    assert data["configs"][1]["breakdown"] == {"compute": 900, "shaping": 1500, "memory": 1600}
    assert to_rows(cmp)[2]["ratio_cycles"] == 8.0


def test_mismatch_is_shown() -> None:
    rows = (result_of_run(Config("a", "csse"), report(10, 5, 1.0, match=False, max_rel_err=0.5), 1.0, None),)
    cmp = Comparison("n", rows)
    assert not cmp.all_match
    assert "NO (0.5)" in format_comparison(cmp)


def test_plot_is_a_png() -> None:
    pytest.importorskip("matplotlib")
    png = plot_png(comparison())
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


def test_plot_without_matplotlib_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def fake(name: str, *a: object, **k: object) -> object:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(TnccError) as err:
        plot_png(comparison())
    assert "matplotlib" in str(err.value)


def runtime_style_report() -> dict[str, object]:
    """A report in the runtime's layout: statements and instruction records."""
    ins = [
        {"opcode": "LOAD", "statement": "y", "start": 0, "end": 50},
        {"opcode": "SHAPE", "statement": "y", "start": 50, "end": 80},
        {"opcode": "GEMM", "statement": "y", "start": 80, "end": 200},
        {"opcode": "SIGNAL", "statement": "d_x", "start": 0, "end": 0},
        {"opcode": "GEMM", "statement": "d_x[b,i] = d_y[b,o] * %0[i,o]", "start": 200, "end": 260},
        {"opcode": "SHAPE", "statement": "d_g1", "start": 210, "end": 230},
        {"opcode": "GEMM", "statement": "d_g2", "start": 260, "end": 400},
        {"opcode": "STORE", "statement": None, "start": 400, "end": 420},
    ]
    stmts = [
        {"statement": "y", "macs": 100, "dram_bytes": 64, "energy_pj": 10.0, "busy": {"ARRAY": 120, "DMA": 80}},
        {"statement": "d_x[b,i] = d_y[b,o] * %0[i,o]", "macs": 50, "dram_bytes": 0, "energy_pj": 4.0, "busy": {"ARRAY": 60}},
        {"statement": "d_g1", "macs": 0, "dram_bytes": 0, "energy_pj": 1.0, "busy": {"DMA": 20}},
        {"statement": "d_g2", "macs": 70, "dram_bytes": 32, "energy_pj": 6.0, "busy": {"ARRAY": 140}},
        {"statement": None, "macs": 0, "dram_bytes": 16, "energy_pj": 2.0, "busy": {"DMA": 20}},
    ]
    return report(420, 320, 23.0, statements=stmts, instructions=ins)


def test_runtime_style_report_gives_shaping_and_phases() -> None:
    from test_training import joint_plan, tt_step

    plan = joint_plan(tt_step())
    res = result_of_run(Config("systolic", "csse"), runtime_style_report(), 1.0, plan)
    m = res.metrics
    assert m.breakdown.shaping == 50  # two SHAPE records, 30 + 20 cycles
    assert m.breakdown.compute == 320 and m.breakdown.total == 420
    ph = {p.phase: p for p in m.phases}
    assert ph["forward"].cycles == 200 and ph["forward"].array_cycles == 120
    assert ph["forward"].macs == 100 and ph["forward"].energy_pj == 10.0
    assert ph["backward"].cycles == 400 - 200  # SIGNAL records do not open the span
    assert ph["backward"].array_cycles == 200 and ph["backward"].macs == 120
    assert res.reuse is not None and res.reuse.shared_values == ("%0",)
    text = format_comparison(Comparison("n", (res,)))
    assert "fwd span" in text and "MACs saved" in text
    data = json.loads(to_json(Comparison("n", (res,))))
    assert data["configs"][0]["phases"]["backward"]["macs"] == 120
    assert data["configs"][0]["reuse"]["macs_saved"] == res.reuse.macs_saved


def test_comparison_methods_and_dataframe(tmp_path) -> None:
    from tncc.evaluation.api import rows

    cmp = comparison()
    assert cmp.format() == format_comparison(cmp)
    assert cmp.to_rows() == to_rows(cmp) == rows(cmp)
    df = cmp.to_dataframe()
    pd = pytest.importorskip("pandas")
    assert isinstance(df, pd.DataFrame)
    assert list(df["cycles"]) == [1000, 4000, 8000]
    assert list(df["ratio_cycles"]) == [1.0, 4.0, 8.0]
    if pytest.importorskip("matplotlib"):
        cmp.plot(tmp_path / "c.png")
        assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_report_tables() -> None:
    from tncc.evaluation.api import rows

    rep = runtime_style_report()
    rep["unit_busy"] = {"DMA": 100, "ARRAY": 320}
    rep["energy_by_component_pj"] = {"mac": 20.0, "dram": 3.0}
    stmts = rows(rep, by="statement")
    assert len(stmts) == 5 and stmts[0]["busy.ARRAY"] == 120
    assert len(rows(rep, by="instruction")) == 8
    units = rows(rep, by="unit")
    assert units[1] == {"unit": "ARRAY", "busy_cycles": 320, "busy_share": 320 / 420}
    assert sum(r["energy_pj"] for r in rows(rep, by="energy")) == 23.0
    (summary,) = rows(rep)
    assert summary["cycles"] == 420 and "statements" not in summary
    with pytest.raises(TnccError):
        rows(rep, by="bogus")
    with pytest.raises(TnccError):
        rows(object())


def test_pandas_absent_gives_plain_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from tncc.evaluation.api import to_dataframe

    real = builtins.__import__

    def fake(name: str, *a: object, **k: object) -> object:
        if name == "pandas":
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    out = to_dataframe(comparison())
    assert isinstance(out, list) and out[1]["config"] == "systolic/csse"


# -- end to end: compare against `tncc run` ------------------------------------

from pathlib import Path  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _needs_compiler() -> None:
    import tncc

    if not hasattr(tncc, "compile"):
        pytest.skip("the compiler driver (tncc.compile) is not available")


def test_compare_columns_equal_run_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _needs_compiler()
    import tncc
    from tncc.cli import main
    from tncc.isa.arch import load_arch

    path = str(EXAMPLES / "tt_linear.tn")
    assert main(["compare", path, "--arch", "fetta,systolic", "--order", "csse,flops,naive", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["config"] for c in data["configs"]] == [f"{a}/{o}" for a in ("fetta", "systolic")
                                                      for o in ("csse", "flops", "naive")]
    for row in data["configs"]:
        if row["order"] == "csse":
            # The hardware-aware order: `tncc run` has no --objective, so use the API.
            rep = tncc.compile(path, arch=row["arch"], order="csse", objective="cycles").run(seed=0).report
        else:
            # flops = run's search with the MAC objective; naive = run --order naive.
            out = tmp_path / f"{row['config'].replace('/', '_')}.json"
            order = ["--order", "csse", "--objective", "macs"] if row["order"] == "flops" else ["--order", "naive"]
            assert main(["run", path, "--arch", row["arch"], *order, "--json", str(out)]) == 0
            capsys.readouterr()
            rep = json.loads(out.read_text())
        for key in ("cycles", "macs", "dram_bytes"):
            assert row[key] == rep[key], (row["config"], key)
        assert row["energy_pj"] == pytest.approx(rep["energy_pj"], rel=1e-12)
        assert row["utilization"] == pytest.approx(rep["utilization"], rel=1e-12)
        assert row["compute_cycles"] == min(rep["array_cycles"], rep["cycles"])
        clock = load_arch(row["arch"]).clock_ghz
        assert row["latency_us"] == pytest.approx(rep["cycles"] / (clock * 1e3))
        assert row["edp"] == pytest.approx(rep["energy_pj"] * 1e-6 * row["latency_us"])
        assert row["match"] is True
    # The training step's phases account for every MAC of the run.
    for row in data["configs"]:
        assert row["phases"]["forward"]["macs"] + row["phases"]["backward"]["macs"] == row["macs"]
        assert row["reuse"] is not None
    # Ratios are consistent with the figures.
    base = data["configs"][0]
    for row in data["configs"]:
        assert row["ratio_cycles"] == pytest.approx(row["cycles"] / base["cycles"])


def test_fetta_needs_no_shaping_and_systolic_does() -> None:
    _needs_compiler()
    cmp = run_comparison(str(EXAMPLES / "tt_linear.tn"), ("fetta", "systolic"), ("csse",), progress=False)
    fetta, systolic = cmp.results
    assert fetta.metrics.breakdown.shaping == 0
    assert systolic.metrics.breakdown.shaping > 0


def test_compare_command_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _needs_compiler()
    from tncc.cli import main

    path = str(EXAMPLES / "tt_linear.tn")
    csv_out, json_out = tmp_path / "c.csv", tmp_path / "c.json"
    assert main(["compare", path, "--csv", str(csv_out), "--json", str(json_out), "--baseline", "systolic"]) == 0
    text = capsys.readouterr().out
    assert "ratios are row / systolic/csse" in text and "fwd span" in text
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text())))
    data = json.loads(json_out.read_text())
    assert [r["config"] for r in rows] == [c["config"] for c in data["configs"]] == ["fetta/csse", "systolic/csse"]
    assert float(rows[1]["ratio_cycles"]) == 1.0


def test_compare_command_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tncc.cli import main

    path = str(EXAMPLES / "tt_linear.tn")
    assert main(["compare", path, "--arch", "fetta,tpu9000"]) == 1
    assert "tpu9000" in capsys.readouterr().err
    assert main(["compare", path, "--order", "best"]) == 1
    assert "best" in capsys.readouterr().err
    assert main(["compare", str(tmp_path / "nope.tn")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["compare", path, "--baseline", "gpu"]) == 1
    assert "gpu" in capsys.readouterr().err
    bad = tmp_path / "in.npz"
    import numpy as np

    np.savez(bad, x=np.zeros((2, 2)))
    assert main(["compare", path, "--inputs", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "`x` expects shape" in err and "missing `g1`" in err
    assert not (tmp_path / "out.json").exists()


def test_baseline_names() -> None:
    from tncc.cli.commands.compare import baseline_index

    cfgs = configs(["fetta", "systolic:dataflow=os", "my/arch.toml"], ["csse", "naive"])
    assert baseline_index(cfgs, None) == 0
    assert baseline_index(cfgs, "systolic") == 2
    assert baseline_index(cfgs, "systolic/naive") == 3
    assert baseline_index(cfgs, "systolic:dataflow=os/naive") == 3
    assert baseline_index(cfgs, "fetta/naive") == 1
    assert baseline_index(cfgs, "arch/naive") == 5
    assert baseline_index(cfgs, "my/arch.toml") == 4
    with pytest.raises(TnccError):
        baseline_index(cfgs, "tpu")


def test_compare_command_plot(tmp_path: Path) -> None:
    _needs_compiler()
    pytest.importorskip("matplotlib")
    from tncc.cli import main

    out = tmp_path / "b.png"
    assert main(["compare", str(EXAMPLES / "tt_linear.tn"), "--plot", str(out), "--csv", "-"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["b.png"]  # no temporary left behind


def test_a_configuration_that_cannot_run_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    """A machine whose buffer cannot hold any order of the layer fails alone:
    the other configurations are still compared, and the baseline falls
    back to the first one that ran."""
    _needs_compiler()
    from tncc.cli import main

    tiny = "fetta:buffer.banks=16,buffer.bytes=128"
    path = str(EXAMPLES / "tt_linear.tn")
    assert main(["compare", path, "--arch", f"{tiny},systolic", "--json", "-"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [c["config"] for c in data["configs"]] == ["systolic/csse"]
    assert data["baseline"] == "systolic/csse"
    assert data["failures"][0]["config"] == f"{tiny}/csse" and "buffer" in data["failures"][0]["error"]


def test_no_reuse_twin_is_measured() -> None:
    """The no-reuse twin runs the same trees with shared temporaries
    recomputed: it matches numpy, does exactly the MACs the plan analysis
    predicts, and shares nothing."""
    _needs_compiler()
    cmp = run_comparison(str(EXAMPLES / "tt_linear.tn"), ("fetta",), ("csse",), progress=False, no_reuse=True)
    shared, alone = cmp.results
    assert (shared.config.label, alone.config.label) == ("fetta/csse", "fetta/csse-noreuse")
    assert alone.metrics.match
    assert alone.metrics.macs == shared.reuse.macs_unshared > shared.metrics.macs
    assert alone.reuse.shared_values == () and alone.reuse.macs_saved == 0
    bwd = {r.config.label: {p.phase: p for p in r.metrics.phases}["backward"] for r in cmp.results}
    assert bwd["fetta/csse-noreuse"].macs > bwd["fetta/csse"].macs
