"""The report (totals, per unit, per instruction, per statement, energy) and
the Chrome trace (one track per unit, slices that never overlap)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from tncc.cli import main
from tncc.errors import TnccError
from tncc.isa.arch import load_arch
from tncc.isa.encoding import encode
from tncc.isa.table import Opcode
from tncc.runtime import Emulator
from tncc.ir import DType
from tncc.runtime.programs import fetta_gemm, gemm_inputs, route_for, systolic_gemm

FETTA = load_arch("fetta")


def _two_statement_gemm():
    """The GEMM program with its stores attributed to a second statement."""
    prog = fetta_gemm(FETTA, 64, 64, 64, mb=32, nb=32, kb=32)
    code = tuple(dataclasses.replace(i, src=1) if i.opcode is Opcode.STORE else i for i in prog.instructions)
    return dataclasses.replace(prog, instructions=code, statements=prog.statements + ("store C",))


@pytest.mark.parametrize("make", [_two_statement_gemm, lambda: systolic_gemm(load_arch("systolic"), 32, 48, 16)])
def test_trace_is_chrome_json_with_one_track_per_unit_and_no_overlaps(make) -> None:
    prog = make()
    res = Emulator(prog).run(trace=True)
    events = json.loads(json.dumps({"traceEvents": res.trace}))["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert sorted(names.values()) == ["ARRAY", "DIST", "DMA", "RED"]
    slices = [e for e in events if e["ph"] == "X"]
    assert slices
    for tid in names:
        track = sorted((e for e in slices if e["tid"] == tid), key=lambda e: e["ts"])
        for a, b in zip(track, track[1:]):
            assert a["ts"] + a["dur"] <= b["ts"], (a, b)
    for e in slices:
        assert e["dur"] > 0 and isinstance(e["ts"], int)
        assert f"#{e['args']['instruction']}" in e["name"]
        assert e["args"]["statement"] in prog.statements
    assert max(e["ts"] + e["dur"] for e in slices) <= res.report.cycles


def test_report_totals_units_and_statements() -> None:
    prog = _two_statement_gemm()
    rep = Emulator(prog).run().report
    d = rep.to_dict()
    for key in ("cycles", "array_cycles", "macs", "utilization", "energy_pj", "dram_bytes"):
        assert key in d
    assert d["macs"] == 64 ** 3
    assert d["array_cycles"] == rep.unit_busy["ARRAY"] == 64 ** 3 // 256  # one beat per cycle, all lanes busy
    assert d["utilization"] == pytest.approx(64 ** 3 / (256 * d["cycles"]))
    assert d["dram_bytes"] == 4 * sum(i.opcode in (Opcode.LOAD, Opcode.STORE) and prog.dmas[i.desc].elements
                                      for i in prog.instructions)
    assert d["energy_pj"] == pytest.approx(sum(d["energy_by_component_pj"].values()))
    assert d["reconfigurations"] == 2
    stmts = {s["statement"]: s for s in d["statements"]}
    assert set(stmts) == {"C[m, n] = A[m, k] * B[k, n]", "store C"}
    assert stmts["store C"]["macs"] == 0 and stmts["store C"]["dram_bytes"] == 64 * 64 * 4
    assert sum(s["energy_pj"] for s in d["statements"]) == pytest.approx(d["energy_pj"])
    assert len(d["instructions"]) == d["instructions_executed"]
    assert all(0 <= i["start"] <= i["end"] <= d["cycles"] for i in d["instructions"])
    assert "utilisation" in rep.format() and "store C" in rep.format()
    json.loads(rep.to_json())


def test_units_overlap_so_cycles_are_below_the_sum_of_busy_cycles() -> None:
    rep = Emulator(fetta_gemm(FETTA, 128, 128, 128, mb=64, nb=64, kb=32)).run().report
    assert rep.cycles < rep.unit_busy["DMA"] + rep.unit_busy["ARRAY"]
    assert rep.cycles >= max(rep.unit_busy.values())


def test_bank_conflicts_cost_cycles_are_counted_and_stay_correct() -> None:
    prog = fetta_gemm(FETTA, 32, 32, 32, mb=32, nb=32, kb=32)
    # Store A's block rows 32 words apart (no padding): the 16 A ports fall
    # into two banks, 8 distinct words each, so every beat takes 8 passes.
    load_a = prog.dmas[0]
    dmas = (dataclasses.replace(load_a, dims=((32, 32, 32), (32, 1, 1))),) + prog.dmas[1:]
    tiles = tuple(dataclasses.replace(t, a=dataclasses.replace(t.a, port_dims=((t.tm, 32),)),
                                      loops=((2, 16 * 32) + t.loops[0][2:],) + t.loops[1:]) for t in prog.tiles)
    switches = (route_for(tiles[0].a, 64, 64),) + prog.switches[1:]
    slow = dataclasses.replace(prog, dmas=dmas, tiles=tiles, switches=switches)
    inp = gemm_inputs(32, 32, 32, DType.FP32)
    ok, bad = Emulator(prog).run(inp), Emulator(slow).run(inp)
    np.testing.assert_allclose(bad.outputs["C"], ok.outputs["C"], rtol=1e-6)
    assert ok.report.totals.conflicts == 0
    assert bad.report.totals.conflicts == 4 * 32 * 7  # 4 tiles x 32 beats x 7 extra passes
    assert bad.report.unit_busy["DIST"] - 16 == 8 * (ok.report.unit_busy["DIST"] - 16)
    assert bad.report.cycles > ok.report.cycles


def test_cli_writes_outputs_report_and_trace(tmp_path) -> None:
    prog = fetta_gemm(FETTA, 32, 32, 32, mb=32, nb=32, kb=32)
    f = tmp_path / "g.tnb"
    f.write_bytes(encode(prog))
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((32, 32)).astype(np.float32), rng.standard_normal((32, 32)).astype(np.float32)
    np.savez(tmp_path / "in.npz", A=a, B=b)
    rc = main(["sim", str(f), "--inputs", str(tmp_path / "in.npz"), "--outputs", str(tmp_path / "out.npz"),
               "--json", str(tmp_path / "r.json"), "--trace", str(tmp_path / "t.json"), "--quiet"])
    assert rc == 0
    with np.load(tmp_path / "out.npz") as z:
        np.testing.assert_allclose(z["C"], a @ b, rtol=1e-4, atol=1e-4)
    rep = json.loads((tmp_path / "r.json").read_text())
    assert rep["macs"] == 32 ** 3
    assert json.loads((tmp_path / "t.json").read_text())["traceEvents"]


def test_missing_synchronisation_is_a_sync_hazard() -> None:
    prog = fetta_gemm(FETTA, 32, 32, 32, mb=32, nb=32, kb=32)
    assert Emulator(prog).run(check_sync=True).report.sync_hazards == 0
    # Without the ARRAY's WAIT the tile starts at cycle 0, while its operands are still loading.
    code = [i for i in prog.instructions if not (i.opcode is Opcode.WAIT and i.unit == 2)]
    racy = dataclasses.replace(prog, instructions=tuple(code))
    rep = Emulator(racy).run(check_sync=True).report
    assert rep.sync_hazards and "(CTILE)" in rep.sync_messages[0] and "missing SIGNAL/WAIT" in rep.sync_messages[0]
    assert rep.to_dict()["sync_hazards"] == rep.sync_hazards
    with pytest.raises(TnccError, match=r"instruction \d+ \(CTILE\).*buffer words"):
        Emulator(racy).run(strict_sync=True)
    assert Emulator(racy).run().report.sync_hazards is None  # not checked by default
