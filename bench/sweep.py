"""How well ``tncc sweep`` spreads a sweep over worker processes.

The same sweep (by default ``bench/sweep.toml``, 48 points: three TT layers
x 256 and 512 tokens x four buffer sizes x both presets, a few CPU
seconds each; ``--spec examples/buffer_sweep.toml`` is the lighter example)
runs

* serially, every point one after another in this process (``--workers 0``:
  no Dask at all, the baseline), and
* on a local Dask cluster of 1, 2, ... worker processes (``--workers-list``),

each into a fresh results folder, so every run computes every point.  The
table gives wall time (cluster start-up included, and shown apart), points
per second, the speedup over the serial run and the cores the run actually
got (CPU seconds over wall seconds); every run must produce the
same cycles and energy for every point.  The machine's core count and load
average are printed before and after, since other work on the machine
takes cores from the workers.

    python bench/sweep.py                       # serial, 1 and 2 workers
    python bench/sweep.py --workers-list 1,2,4  # also oversubscribed
    python bench/sweep.py --spec my.toml
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

from tncc.evaluation.compare_format import render_table
from tncc.evaluation.sweep import run_sweep
from tncc.evaluation.sweep.engine import default_workers

DEFAULT_SPEC = Path(__file__).resolve().parent / "sweep.toml"


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1, 5, 15 min) on {os.cpu_count()} cores"


def measure(spec: Path, workers: int, folder: Path) -> dict[str, Any]:
    """One run of the whole sweep into an empty folder."""
    out = folder / f"workers-{workers}"
    cpu0 = _cpu_seconds()
    result = run_sweep(spec, out, workers=workers, progress=True)
    cpu = _cpu_seconds() - cpu0
    st = result.stats
    assert st is not None and result.computed == len(result.spec.points), "the folder was not empty"
    figures = {r["key"]: (r["report"]["cycles"], r["report"]["energy_pj"]) if r.get("report") else r["status"]
               for r in result.records}
    return {"workers": workers, "points": len(result.spec.points), "seconds": st.seconds, "startup": st.startup,
            "failed": st.failed, "figures": figures, "cpu": cpu}


def _cpu_seconds() -> float:
    """CPU time of this process and of its exited children (the worker
    processes of a closed cluster), user and system."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the sweep spec (default: bench/sweep.toml, 48 points)")
    ap.add_argument("--workers-list", default=None,
                    help="local-cluster sizes to time, comma-separated (default: 1 up to the core count)")
    ap.add_argument("--no-serial", action="store_true", help="skip the serial run (speedups are then over 1 worker)")
    args = ap.parse_args(argv)
    sizes = ([int(v) for v in args.workers_list.split(",")] if args.workers_list
             else list(range(1, default_workers() + 1)))
    print(f"before: {_load()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="tncc-bench-sweep-") as tmp:
        for n in ([] if args.no_serial else [0]) + sizes:
            label = "serial (this process, no Dask)" if n == 0 else f"local cluster, {n} worker process(es)"
            print(f"running: {label}", file=sys.stderr, flush=True)
            rows.append(measure(args.spec, n, Path(tmp)))
    print(f"after:  {_load()}")
    base = rows[0]
    agree = all(r["figures"] == base["figures"] for r in rows)
    table = []
    for r in rows:
        table.append(["serial" if r["workers"] == 0 else f"{r['workers']} worker(s)", str(r["points"]),
                      f"{r['seconds']:.1f}", f"{r['startup']:.1f}", f"{r['points'] / r['seconds']:.2f}",
                      f"{base['seconds'] / r['seconds']:.2f}x", f"{r['cpu']:.0f}", f"{r['cpu'] / r['seconds']:.2f}",
                      str(r["failed"])])
    print(f"\nsweep {args.spec.name}: {base['points']} points, every run computing every point")
    print(render_table(["run", "points", "wall s", "start-up s", "points/s", f"speedup vs {table[0][0]}", "CPU s",
                        "cores used", "failed"], table))
    print("(cores used = CPU seconds of this process and the workers over wall seconds: what the machine gave "
          "the run; on a machine shared with other work it stays below the worker count)")
    print(f"\nsame cycles and energy for every point in every run: {'yes' if agree else 'NO'}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
