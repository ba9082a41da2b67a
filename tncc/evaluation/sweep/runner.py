"""A whole sweep: spec -> missing points -> Dask tasks -> results folder.

:func:`run_sweep` is what ``tncc sweep`` does: it reads the spec, looks in
the results folder for the points already done (by key), writes the
generated programs the workers will read, runs only the missing points (see
:mod:`tncc.evaluation.sweep.engine`), and rebuilds the Parquet and CSV tables from
every record of the spec -- also when it is interrupted, so the tables
always hold what is finished.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from tncc.errors import TnccError
from tncc.evaluation.sweep.engine import EngineStats, run_tasks
from tncc.evaluation.sweep.point import run_point, task_of
from tncc.evaluation.sweep.spec import Spec, load_spec
from tncc.evaluation.sweep.store import finished, read_record, write_record, write_tables, write_workload


@dataclass
class SweepResult:
    """The outcome: the spec, every point's record (spec order; a point
    without one was not run), how many were found already done, the engine's
    stats for the ones computed now, and the table rows."""

    spec: Spec
    out: Path
    records: list[dict[str, Any]]
    reused: int
    computed: int
    stats: EngineStats | None
    rows: list[dict[str, Any]]

    def count(self, status: str) -> int:
        return sum(1 for r in self.records if r["status"] == status)

    @property
    def missing(self) -> int:
        return len(self.spec.points) - len(self.records)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name).strip("_")[:80] or "workload"


def prepare(spec: Spec, out: Path) -> dict[str, str]:
    """Write every generated program under ``OUT/workloads``; the file each
    point's worker reads, by key (absolute paths)."""
    files: dict[str, str] = {}
    written: dict[str, str] = {}
    for p in spec.points:
        wl = p.workload
        if wl.file is not None:
            files[p.key] = str(wl.file)
            continue
        if wl.sha not in written:
            written[wl.sha] = str(write_workload(out, f"{_safe(wl.label)}-{wl.sha[:8]}", wl.text).resolve())
        files[p.key] = written[wl.sha]
    return files


def run_sweep(spec_path: str | Path, out: str | Path, *, scheduler: str | None = None, workers: int | None = None,
              retry_failed: bool = False, progress: bool | None = None,
              on_start: Callable[[int, int], None] | None = None,
              on_summary: Callable[[Mapping[str, Any], dict[str, Any]], None] | None = None) -> SweepResult:
    """Run the points of the spec at ``spec_path`` that ``out`` does not hold
    yet.  ``on_start(total, missing)`` is called before any work starts;
    ``on_summary(task, summary)`` after each point.  Raises TnccError for a
    bad spec; KeyboardInterrupt propagates (after the tables are written)."""
    spec = load_spec(spec_path)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TnccError(f"{out}: cannot create the results folder: {exc.strerror}", where="--out") from None
    keys = [p.key for p in spec.points]
    done = finished(out, keys, retry_failed)
    todo = [p for p in spec.points if p.key not in done]
    if on_start is not None:
        on_start(len(keys), len(todo))
    stats = None
    computed = 0
    try:
        if todo:
            files = prepare(spec, out)
            out_abs = str(out.resolve())
            tasks = [task_of(p, files[p.key], out_abs) for p in todo]

            def record(task: Mapping[str, Any], summary: dict[str, Any]) -> None:
                nonlocal computed
                computed += 1
                if summary.get("client"):
                    # The worker could not write it (it died, or the task raised):
                    # the failure is recorded here, so the table shows it.
                    write_record(out, {"key": task["key"], "status": summary["status"], "error": summary["error"],
                                       "point": task["point"], "report": None, "seconds": summary["seconds"],
                                       "host": None, "pid": None, "tncc": None})
                if on_summary is not None:
                    on_summary(task, summary)

            stats = run_tasks(tasks, run_point, scheduler=scheduler, workers=workers, label=f"sweep {spec.name}",
                              on_summary=record, progress=progress)
    finally:
        records = [r for r in (read_record(out, k) for k in keys) if r is not None]
        rows = write_tables(out, records)
    return SweepResult(spec, out, records, len(done), computed, stats, rows)
