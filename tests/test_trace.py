"""The emulator's Chrome trace is valid trace-event JSON (the format Perfetto
and chrome://tracing load): metadata naming one track per unit, complete
("X") slices with integer times, and no two slices of one track overlapping.
Checked on hand-built programs for both presets and on compiled examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tncc.ir import DType
from tncc.isa.arch import load_arch
from tncc.runtime import Emulator
from tncc.runtime.programs import fetta_gemm, gemm_inputs, systolic_gemm
from tncc.isa.sched import UNITS

ROOT = Path(__file__).resolve().parent.parent


def check_chrome_trace(events: Any) -> dict[int, list[tuple[int, int, str]]]:
    """Assert the trace is well formed; return each track's slices (start, end, name)."""
    text = json.dumps(events)  # must serialise as plain JSON
    events = json.loads(text)
    assert isinstance(events, list) and events
    names: dict[int, str] = {}
    tracks: dict[int, list[tuple[int, int, str]]] = {}
    for ev in events:
        assert isinstance(ev, dict) and isinstance(ev.get("ph"), str) and "pid" in ev
        if ev["ph"] == "M":
            if ev["name"] == "thread_name":
                assert ev["tid"] not in names, "two names for one track"
                names[ev["tid"]] = ev["args"]["name"]
            continue
        assert ev["ph"] == "X", f"unexpected phase {ev['ph']!r}"
        for key in ("name", "ts", "dur", "tid"):
            assert key in ev, f"slice without {key}: {ev}"
        assert isinstance(ev["ts"], int) and isinstance(ev["dur"], int)
        assert ev["ts"] >= 0 and ev["dur"] > 0
        tracks.setdefault(ev["tid"], []).append((ev["ts"], ev["ts"] + ev["dur"], ev["name"]))
    assert sorted(names.values()) == sorted(UNITS), "one named track per unit"
    for tid, slices in tracks.items():
        assert tid in names, f"slice on unnamed track {tid}"
        slices.sort()
        for (s0, e0, _), (s1, e1, _) in zip(slices, slices[1:]):
            assert s1 >= e0, f"overlapping slices on {names[tid]}: [{s0},{e0}) and [{s1},{e1})"
    return tracks


@pytest.mark.parametrize("preset", ["fetta", "systolic"])
def test_hand_built_gemm_trace(preset: str) -> None:
    arch = load_arch(preset)
    make = fetta_gemm if preset == "fetta" else systolic_gemm
    prog = make(arch, 64, 32, 48, DType.FP32)
    res = Emulator(prog, arch).run(gemm_inputs(64, 32, 48, DType.FP32), trace=True)
    tracks = check_chrome_trace(res.trace)
    array = UNITS.index("ARRAY")
    # The ARRAY track's working slices (not the WAITs) cover the report's
    # array busy cycles (a CTILE slice also spans its pipeline fill).
    work = [e - s for s, e, name in tracks.get(array, []) if not name.startswith("WAIT")]
    assert sum(work) >= res.report.array_cycles > 0
    # No slice ends after the makespan.
    assert max(e for sl in tracks.values() for _, e, _ in sl) <= res.report.cycles


def test_checker_rejects_overlap() -> None:
    meta = [{"name": "thread_name", "ph": "M", "pid": 0, "tid": i, "args": {"name": u}} for i, u in enumerate(UNITS)]
    bad = meta + [{"name": "a", "ph": "X", "pid": 0, "tid": 0, "ts": 0, "dur": 10},
                  {"name": "b", "ph": "X", "pid": 0, "tid": 0, "ts": 5, "dur": 10}]
    with pytest.raises(AssertionError):
        check_chrome_trace(bad)


@pytest.mark.parametrize("preset", ["fetta", "systolic"])
def test_compiled_example_trace(preset: str, tmp_path: Path) -> None:
    """`tncc run --trace` writes a trace file Perfetto loads: the JSON object
    form with ``traceEvents``; its slices cover the run."""
    from tncc.cli import main

    out = tmp_path / "trace.json"
    rep = tmp_path / "report.json"
    path = str(ROOT / "examples" / "tt_linear.tn")
    assert main(["run", path, "--arch", preset, "--trace", str(out), "--json", str(rep)]) == 0
    doc = json.loads(out.read_text())
    assert isinstance(doc, dict) and set(doc) >= {"traceEvents"}
    tracks = check_chrome_trace(doc["traceEvents"])
    report = json.loads(rep.read_text())
    assert max(e for sl in tracks.values() for _, e, _ in sl) <= report["cycles"]
    # Every slice names its source statement (or is plain bookkeeping).
    names = [n for sl in tracks.values() for _, _, n in sl]
    assert any(": y[" in n or ": d_" in n for n in names)
