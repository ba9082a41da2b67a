"""Tests of tncc.evaluation.metrics: reading a run report into the figures a comparison shows."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_compare import report
from tncc.errors import TnccError
from tncc.evaluation.metrics import breakdown, metrics_from_report, records_summary, statement_result


@given(cycles=st.integers(0, 10**9), array=st.integers(0, 10**9), shape=st.integers(0, 10**9))
@settings(max_examples=200)
def test_breakdown_parts_add_up_and_stay_non_negative(cycles: int, array: int, shape: int) -> None:
    b = breakdown(cycles, array, shape)
    assert b.total == cycles
    assert min(b.compute, b.shaping, b.memory) >= 0
    assert b.compute == min(array, cycles)


def test_metrics_read_the_report() -> None:
    m = metrics_from_report(report(4000, 900, 2e7, shape=1500), clock_ghz=2.0)
    assert m.cycles == 4000 and m.energy_pj == 2e7 and m.dram_bytes == 4096 and m.peak_buffer_bytes == 2048
    assert m.latency_us == pytest.approx(2.0)  # 4000 cycles at 2 GHz
    assert m.edp == pytest.approx(20.0 * 2.0)  # 20 uJ x 2 us
    assert (m.breakdown.compute, m.breakdown.shaping, m.breakdown.memory) == (900, 1500, 1600)


def test_missing_report_key_is_named() -> None:
    bad = report(10, 5, 1.0)
    del bad["energy_pj"]
    with pytest.raises(TnccError) as err:
        metrics_from_report(bad, 1.0)
    assert "energy_pj" in str(err.value)


def test_statement_labels_map_to_results() -> None:
    results = {"y", "d_x"}
    assert statement_result("y", results) == "y"
    assert statement_result("d_x[b, i] = d_y[b, o] * w[i, o]", results) == "d_x"
    assert statement_result("z = a * b", results) is None
    assert statement_result(None, results) is None


def test_records_summary_reads_runtime_tuples() -> None:
    class Rep:
        statements = ("y[b] = x[b, i] * w[i]",)
        # (index, opcode, src, start, end, counters...) as the runtime records them
        records = [(0, "LOAD", 0, 0, 40, 0), (1, "SHAPE", 0, 40, 70, 0), (2, "GEMM", 0, 70, 100, 5),
                   (3, "STORE", 0xFFFF, 100, 120, 0)]

    out = records_summary(Rep())
    assert out["per_opcode"]["SHAPE"] == {"count": 1, "cycles": 30}
    assert out["instruction_records"][3] == {"opcode": "STORE", "statement": None, "start": 100, "end": 120}
    assert records_summary(object()) == {}
    m = metrics_from_report(report(120, 30, 1.0, instruction_records=out["instruction_records"]), 1.0)
    assert m.breakdown.shaping == 30


def test_peak_buffer_from_the_memory_plan() -> None:
    rep = report(10, 5, 1.0)
    del rep["peak_buffer_bytes"]
    rep.update(buffer_peak_words=1000, staging_words=24)
    assert metrics_from_report(rep, 1.0, word_bytes=4).peak_buffer_bytes == 4096
