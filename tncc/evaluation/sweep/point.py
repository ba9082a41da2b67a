"""One sweep point, as a worker runs it.

:func:`run_point` is the function every Dask task calls (and the serial
path too).  It takes a small dict naming the point (the file to read, the
``--arch`` string, order, objective, seed, the results folder), reads the
workload itself, runs it through :func:`tncc.execute.execute` -- the
code ``tncc run`` runs -- and writes the record, whose ``report`` is the text
``tncc run --json`` would write, into the results folder before returning.
What travels back through the scheduler is a summary of a few fields, so a
sweep's traffic does not grow with the reports.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import traceback
from typing import Any, Mapping

from tncc import __version__
from tncc.errors import TnccError
from tncc.evaluation.sweep.store import write_record
from tncc.execute import execute, report_json
from tncc.io import read_bytes

SUMMARY_KEYS = ("key", "status", "error", "seconds")


def task_of(point: Any, file: str, out: str) -> dict[str, Any]:
    """The task payload of a :class:`~tncc.evaluation.sweep.spec.Point` whose workload
    is at ``file`` (an absolute path every worker can read)."""
    return {"key": point.key, "file": file, "network": point.workload.network, "sha": point.workload.sha,
            "arch": point.arch, "order": point.order, "objective": point.objective, "seed": point.seed,
            "out": out, "point": {**point.values, "file": file, "network": point.workload.network,
                                  "arch": point.arch, "seed": point.seed}}


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def run_point(task: Mapping[str, Any]) -> dict[str, Any]:
    """Run one point and store its record under ``task["out"]``; return the
    summary (key, status, first line of the error, seconds).  Never raises
    for a point that fails: the failure is the record."""
    t0 = time.perf_counter()
    status, error, report = "error", None, None
    try:
        data = read_bytes(task["file"])
        if hashlib.sha256(data).hexdigest() != task["sha"]:
            raise TnccError(f"{task['file']}: the file changed after the sweep started; run the sweep again")
        res = execute(task["file"], task["arch"], task["network"], task["order"], task["objective"], task["seed"])
        report = json.loads(report_json(res.report))
        status = "ok" if res.match else "mismatch"
    except TnccError as err:
        error = err.render()
    except Exception as exc:  # a compiler bug on one point must not stop the sweep: it is recorded
        error = f"internal error: {type(exc).__name__}: {exc}\n" + "".join(traceback.format_exc(limit=-3))
    record = {"key": task["key"], "status": status, "error": error, "point": dict(task["point"]),
              "report": report, "seconds": time.perf_counter() - t0, "host": socket.gethostname(),
              "pid": os.getpid(), "tncc": __version__}
    write_record(task["out"], record)
    return {"key": task["key"], "status": status, "error": _first_line(error) if error else None,
            "seconds": record["seconds"]}
