"""Tests of tncc.evaluation.api on real runs: comparisons and report tables."""

from __future__ import annotations

from pathlib import Path

import pytest

import tncc
from tncc.evaluation.api import rows, to_dataframe
from tncc.errors import TnccError

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "tt_linear.tn")


@pytest.fixture(scope="module")
def result():
    return tncc.compile(EXAMPLE, arch="systolic").run(seed=0)


def test_statement_rows_add_up_to_the_report(result) -> None:
    stmts = rows(result, by="statement")
    assert sum(r["macs"] for r in stmts) == result.report["macs"]
    assert sum(r["dram_bytes"] for r in stmts) == result.report["dram_bytes"]
    assert sum(r["energy_pj"] for r in stmts) == pytest.approx(result.report["energy_pj"])


def test_instruction_rows_come_from_the_emulator(result) -> None:
    ins = rows(result, by="instruction")
    assert len(ins) == result.report["instructions_executed"]
    assert sum(r["macs"] for r in ins) == result.report["macs"]
    assert {r["opcode"] for r in ins} >= {"LOAD", "GEMM", "SHAPE", "STORE"}
    with pytest.raises(TnccError):
        rows(result.report, by="instruction")  # the plain dict has only a count


def test_unit_and_energy_rows(result) -> None:
    units = {r["unit"]: r["busy_cycles"] for r in rows(result, by="unit")}
    assert units["ARRAY"] == result.report["array_cycles"]
    energy = rows(result, by="energy")
    assert sum(r["energy_pj"] for r in energy) == pytest.approx(result.report["energy_pj"])


def test_dataframe_of_a_report(result) -> None:
    pd = pytest.importorskip("pandas")
    df = to_dataframe(result, by="statement")
    assert isinstance(df, pd.DataFrame) and len(df) == len(result.report["statements"])
    (summary,) = rows(result)
    assert summary["cycles"] == result.report["cycles"]


def test_comparison_api() -> None:
    cmp = tncc.comparison(EXAMPLE, archs=["fetta", "systolic"], orders=["flops"], baseline=1)
    assert [r.config.label for r in cmp.results] == ["fetta/flops", "systolic/flops"]
    assert cmp.base.config.arch == "systolic"
    assert cmp.find("fetta", "flops").metrics.cycles == cmp.results[0].report["cycles"]
    assert "fetta/flops" in cmp.format()
