"""tncc sweep: every point equals `tncc run --json`, resuming computes only
what is missing, failures are recorded, a dead worker loses nothing, and
spec errors name their line.

One local Dask cluster of two worker processes (no dashboard) serves the
module; it is closed at the end, and a test checks no worker outlives it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from tncc.cli import main  # noqa: E402
from tncc.errors import TnccError  # noqa: E402
from tncc.evaluation.sweep import load_spec, run_sweep  # noqa: E402
from tncc.evaluation.sweep.locate import key_line  # noqa: E402
from tncc.evaluation.sweep.store import read_record, record_path  # noqa: E402

# Two tiny programs (generated and a file) on both presets at two buffer
# sizes; 256 bytes holds no contraction order of the TT layer (the outer
# product may still block into it), so some of those points fail.
SPEC = """\
name = "tiny"
seed = 3
workloads = ["outer.tn"]

[[generate]]
family = "tt_linear"
layer = "attention"
r = 2
tokens = 1
grad = false

[arch]
base = ["fetta", "systolic"]
buffer.bytes = [256, 65536]
"""

OUTER = """\
network outer {
  dtype fp32
  index i = 8, o = 8
  input x[i]
  input g[o]
  dw[i, o] = x * g
  output dw
}
"""

# Keys of the run report that measure this machine, not the program.
TIMING_KEYS = {"compile_seconds"}


@pytest.fixture(scope="module")
def scheduler() -> Any:
    from distributed import Client

    from tncc.evaluation.sweep.engine import local_cluster

    import dask

    before = _children()  # earlier tests' helpers (process pools) are not ours to check
    # A point may kill its worker once and still finish; twice and it is lost
    # (Dask's default allows three deaths, which would cost more restarts).
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = local_cluster(2)  # no dashboard, loopback only, free ports
    client = Client(cluster)
    try:
        yield cluster.scheduler_address
    finally:
        client.close()
        cluster.close()
    _assert_no_children(before)


def _children() -> set[int]:
    """Live processes this test process started, except multiprocessing's
    resource tracker (a helper that lives as long as this process)."""
    import psutil

    out = set()
    for c in psutil.Process().children(recursive=True):
        try:
            if c.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(c.cmdline()):
                out.add(c.pid)
        except psutil.NoSuchProcess:
            pass
    return out


def _assert_no_children(keep: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    """Every process started since ``keep`` was taken (nannies, workers) has exited."""
    deadline = time.monotonic() + 10
    while (alive := _children() - keep) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive, f"processes left running: {[_cmdline(pid) for pid in sorted(alive)]}"


def _cmdline(pid: int) -> str:
    import psutil

    try:
        return f"{pid}: {' '.join(psutil.Process(pid).cmdline())[:120]}"
    except psutil.Error:
        return f"{pid}: (gone)"


def _spec(folder: Path, text: str = SPEC) -> Path:
    (folder / "outer.tn").write_text(OUTER)
    path = folder / "sweep.toml"
    path.write_text(text)
    return path


def _settle(address: str) -> None:
    """Wait until the cluster runs nothing (tasks of a stopped sweep finish on their own)."""
    from distributed import Client

    def executing(dask_worker: Any) -> int:
        # A cancelled task leaves the scheduler at once but runs to its end on
        # the worker (a running function cannot be interrupted).
        return len(getattr(dask_worker, "active_threads", {}) or {})

    with Client(address, timeout="10s") as c:
        deadline = time.monotonic() + 60
        while (any(c.processing().values()) or any(c.run(executing).values())) and time.monotonic() < deadline:
            time.sleep(0.1)


@pytest.fixture(scope="module")
def swept(scheduler: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("sweep")
    spec = _spec(folder)
    return spec, folder / "out", run_sweep(spec, folder / "out", scheduler=scheduler, progress=False)


def test_every_point_equals_tncc_run_json(swept: Any, tmp_path: Path) -> None:
    spec_path, out, result = swept
    ok = [r for r in result.records if r["status"] == "ok"]
    failed = [r for r in result.records if r["status"] == "error"]
    assert len(result.records) == 8 and len(ok) >= 4 and len(ok) + len(failed) == 8
    for rec in ok:
        p = rec["point"]
        report = tmp_path / "run.json"
        argv = ["run", p["file"], "--arch", p["arch"], "--order", p["order"], "--objective", p["objective"],
                "--seed", str(p["seed"]), "--json", str(report)]
        assert main(argv) == 0
        want = json.loads(report.read_text())
        got = rec["report"]
        assert set(got) == set(want)  # every key of tncc run --json
        for key in set(want) - TIMING_KEYS:
            assert got[key] == want[key], (p["workload"], p["arch"], key)


def test_tables_hold_every_point(swept: Any) -> None:
    import pyarrow.parquet as pq

    _, out, result = swept
    table = pq.read_table(out / "results.parquet").to_pylist()
    assert sorted(r["key"] for r in table) == sorted(p.key for p in result.spec.points)
    by_key = {r["key"]: r for r in table}
    for rec in result.records:
        row = by_key[rec["key"]]
        assert row["status"] == rec["status"]
        if rec["report"]:
            assert row["cycles"] == rec["report"]["cycles"] and row["energy_pj"] == rec["report"]["energy_pj"]
            assert row["arch.buffer.bytes"] == rec["point"]["arch.buffer.bytes"]
    csv_lines = (out / "results.csv").read_text().splitlines()
    assert len(csv_lines) == 1 + len(table) and csv_lines[0].startswith("key,status,error")


def test_failing_point_is_recorded_and_the_rest_finish(swept: Any) -> None:
    _, out, result = swept
    failed = [r for r in result.records if r["status"] == "error"]
    assert {r["point"]["arch.buffer.bytes"] for r in failed} == {256} and len(failed) >= 2
    for rec in failed:
        assert "fits the buffer" in rec["error"] and rec["report"] is None
        assert read_record(out, rec["key"]) == rec
    assert all(r["status"] == "ok" for r in result.records if r["point"]["arch.buffer.bytes"] == 65536)


def test_rerun_computes_nothing_and_says_so(swept: Any, scheduler: str, capsys: pytest.CaptureFixture) -> None:
    spec_path, out, result = swept
    before = {r["key"]: record_path(out, r["key"]).stat().st_mtime_ns for r in result.records}
    status = main(["sweep", str(spec_path), "--out", str(out), "--scheduler", scheduler])
    text = capsys.readouterr().out
    assert status == 1  # the failing points are still failures
    assert "all 8 points are already in" in text and "nothing to compute" in text
    assert {k: record_path(out, k).stat().st_mtime_ns for k in before} == before


def test_resume_after_a_crash_computes_only_the_missing(scheduler: str, tmp_path: Path) -> None:
    spec = _spec(tmp_path, SPEC.replace("[256, 65536]", "[65536, 131072, 262144]"))
    out = tmp_path / "out"
    seen = []

    def crash(task: Any, summary: Any) -> None:
        seen.append(summary["key"])
        if len(seen) == 2:
            raise KeyboardInterrupt  # the client stops mid-sweep, as on Ctrl-C or a crash

    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, out, scheduler=scheduler, progress=False, on_summary=crash)
    _settle(scheduler)
    keys = [p.key for p in load_spec(spec).points]
    present = {k: record_path(out, k).stat().st_mtime_ns for k in keys if record_path(out, k).exists()}
    assert 2 <= len(present) < len(keys)
    result = run_sweep(spec, out, scheduler=scheduler, progress=False)
    # (>=: a point still finishing from the stopped run is found done too.)
    assert result.reused >= len(present) and result.reused + result.computed == len(keys)
    assert all(r["status"] == "ok" for r in result.records) and len(result.records) == len(keys)
    assert {k: record_path(out, k).stat().st_mtime_ns for k in present} == present


class _KillOnce:
    """A worker plugin that kills its worker process the first time the
    victim task starts executing there (a marker file makes it once per test)."""

    def __init__(self, key: str, marker: str) -> None:
        self.key, self.marker = key, marker

    def setup(self, worker: Any) -> None:
        pass

    def teardown(self, worker: Any) -> None:
        pass

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if key == self.key and finish == "executing" and not os.path.exists(self.marker):
            with open(self.marker, "w") as fh:
                fh.write(str(os.getpid()))
            os._exit(1)  # the process dies mid-point, as if killed or out of memory


def test_a_worker_killed_mid_point_loses_no_finished_point(scheduler: str, tmp_path: Path) -> None:
    from distributed import Client
    from distributed.diagnostics.plugin import WorkerPlugin

    spec = _spec(tmp_path, SPEC.replace("[256, 65536]", "[65536, 131072]"))
    out = tmp_path / "out"
    points = load_spec(spec).points
    victim = points[-1].key
    marker = tmp_path / "killed"
    plugin = type("KillOnce", (_KillOnce, WorkerPlugin), {})(f"tncc-{victim}", str(marker))
    finished_before_kill: dict[str, int] = {}

    def watch(task: Any, summary: Any) -> None:
        if not marker.exists():
            finished_before_kill[summary["key"]] = record_path(out, summary["key"]).stat().st_mtime_ns

    with Client(scheduler, timeout="10s") as c:
        c.register_plugin(plugin, name="kill-once")
        try:
            result = run_sweep(spec, out, scheduler=scheduler, progress=False, on_summary=watch)
        finally:
            c.unregister_worker_plugin("kill-once")
    assert marker.exists(), "the victim point never ran on a worker"
    assert all(r["status"] == "ok" for r in result.records) and len(result.records) == len(points)
    victim_record = read_record(out, victim)
    assert victim_record["pid"] != int(marker.read_text())  # computed again on a live worker
    for key, mtime in finished_before_kill.items():
        assert record_path(out, key).stat().st_mtime_ns == mtime
    again = run_sweep(spec, out, scheduler=scheduler, progress=False)
    assert again.computed == 0 and again.reused == len(points)


class _KillAlways(_KillOnce):
    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if key == self.key and finish == "executing":
            os._exit(1)


def test_a_point_whose_worker_always_dies_is_recorded_lost_and_retried(scheduler: str, tmp_path: Path) -> None:
    from distributed import Client
    from distributed.diagnostics.plugin import WorkerPlugin

    spec = _spec(tmp_path, SPEC.replace("[256, 65536]", "65536").replace('["fetta", "systolic"]', '"fetta"'))
    out = tmp_path / "out"
    points = load_spec(spec).points
    victim = points[0].key
    plugin = type("KillAlways", (_KillAlways, WorkerPlugin), {})(f"tncc-{victim}", "")
    with Client(scheduler, timeout="10s") as c:
        c.register_plugin(plugin, name="kill-always")
        try:
            result = run_sweep(spec, out, scheduler=scheduler, progress=False)
        finally:
            c.unregister_worker_plugin("kill-always")
    by_key = {r["key"]: r for r in result.records}
    assert by_key[victim]["status"] == "lost" and "died" in by_key[victim]["error"]
    # A point running on a worker when it dies counts that death too, so a
    # bystander may be lost with the victim; every other point finished.
    lost = {k for k, r in by_key.items() if r["status"] == "lost"}
    assert all(r["status"] == "ok" for k, r in by_key.items() if k not in lost)
    assert len(by_key) == len(points) and result.stats is not None and result.stats.failed == len(lost)
    again = run_sweep(spec, out, scheduler=scheduler, progress=False)  # lost points are tried again
    assert again.computed == len(lost) and again.reused == len(points) - len(lost)
    assert all(r["status"] == "ok" for r in again.records)


def test_cluster_and_serial_runs_agree(scheduler: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("matplotlib")
    spec = _spec(tmp_path, SPEC.replace("[256, 65536]", "[65536]").replace('["fetta", "systolic"]', '"fetta"'))
    before = _children()
    assert main(["sweep", str(spec), "--out", str(tmp_path / "a"), "--scheduler", scheduler,
                 "--plot", str(tmp_path / "p.png")]) == 0
    capsys.readouterr()
    assert main(["sweep", str(spec), "--out", str(tmp_path / "b"), "--workers", "0", "--csv", "-"]) == 0
    csv_text = capsys.readouterr().out
    assert csv_text.startswith("key,status,error") and len(csv_text.splitlines()) == 3
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _assert_no_children(before)  # neither run left a process behind
    for p in load_spec(spec).points:
        # The same figures; a generated program's statements name the file it
        # was read from, which lies in each results folder.
        a, b = ({k: v for k, v in read_record(tmp_path / d, p.key)["report"].items() if k not in TIMING_KEYS}
                for d in "ab")
        assert json.dumps(a).replace(str(tmp_path / "a"), "") == json.dumps(b).replace(str(tmp_path / "b"), "")


@pytest.mark.parametrize("text, line, message", [
    ('workloads = ["outer.tn"]\nbogus = 1\n', 2, "unknown key `bogus`"),
    ('workloads = ["outer.tn"]\n[arch]\nbase = "fetta"\nbuffer.byts = [1024]\n', 4, "unknown key `byts`"),
    ('workloads = ["outer.tn"]\n[arch]\nbuffer.bytes = []\n', 3, "empty list"),
    ('workloads = ["outer.tn"]\n[arch]\nbuffer.bytes = {start = 4096, stop = 1024, step = 1024}\n', 3,
     "stop 1024 is below start 4096"),
    ('workloads = ["outer.tn"]\n[arch]\nbuffer.bytes = {start = 1024, stop = 4096, factor = 1}\n', 3, "factor > 1"),
    ('workloads = ["outer.tn"]\n[arch]\nbuffer.bytes = [65536, "big"]\n', 3, 'expected an integer, got "big"'),
    ('workloads = ["outer.tn"]\n[arch]\nbuffer.bytes = [1000]\n', 3, "not a multiple of"),
    ('\n\nworkloads = ["outer.tn", "missing.tn"]\n', 3, "no such file missing.tn"),
    ('workloads = ["outer.tn"]\n[arch]\nbase = "fetta"\norder = "csse"\n', 4, "inside [arch]"),
    ('order = ["csse", "bogus"]\nworkloads = ["outer.tn"]\n', 1, 'unknown order "bogus"'),
    ('[[generate]]\nfamily = "tt_linear"\nrank = [4, 8]\n', 3, "tt_linear has no parameter `rank`"),
    ('[[generate]]\nfamily = "tt_linear"\nr = [4, 4]\n', 3, "appears twice"),
    ('workloads = ["outer.tn"]\n[[point]]\norder = "flops"\n[[point]]\nobjectiv = "macs"\n', 5,
     "unknown key `objectiv`"),
    ('workloads = ["outer.tn"]\n[baseline]\norder = "naive"\n', 3, '"naive" is not one of the swept values'),
])
def test_spec_errors_name_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    spec = _spec(tmp_path, text)
    with pytest.raises(TnccError) as err:
        load_spec(spec)
    rendered = err.value.render()
    assert rendered.startswith(f"{spec}:{line}:"), rendered
    assert message in rendered, rendered


def test_key_lines_follow_tables_and_arrays_of_tables() -> None:
    text = ('a = 1\n[arch]\nbuffer.bytes = [\n  1,\n  2,\n]\n"dram.latency" = 3\n'
            '[[point]]\norder = "x"\n[[point]]\n[point.arch]\nbase = "y"\n')
    assert key_line(text, ("a",)) == (1, 1)
    assert key_line(text, ("arch", "buffer", "bytes")) == (3, 1)
    assert key_line(text, ("arch", "dram.latency")) == (7, 1)
    assert key_line(text, ("point", 0, "order")) == (9, 1)
    assert key_line(text, ("point", 1, "arch", "base")) == (12, 1)
    assert key_line(text, ("point", 1, "order")) == (10, 3)  # not written: its table's header


def test_grid_expansion_and_keys(tmp_path: Path) -> None:
    spec = load_spec(_spec(tmp_path, 'workloads = ["outer.tn"]\norder = ["csse", "flops"]\n'
                                     '[arch]\nbase = ["fetta", "systolic"]\n'
                                     'dram.bytes_per_cycle = {start = 8, stop = 64, factor = 2}\n'))
    assert len(spec.points) == 1 * 2 * 4 * 2
    assert spec.axes["arch.dram.bytes_per_cycle"] == (8, 16, 32, 64)
    assert len({p.key for p in spec.points}) == len(spec.points)
    assert {p.objective for p in spec.points} == {"cycles", "macs"}  # each order's default, resolved
    again = load_spec(spec.path)
    assert [p.key for p in again.points] == [p.key for p in spec.points]  # keys are stable


def test_the_shipped_example_spec_is_valid() -> None:
    spec = load_spec(Path(__file__).parent.parent / "examples" / "buffer_sweep.toml")
    assert len(spec.points) == 48
    assert spec.axes["arch.buffer.bytes"] == (65536, 131072, 262144, 1048576)
    assert spec.baseline == {"arch.base": "systolic"}
