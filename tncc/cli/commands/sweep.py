"""``tncc sweep SPEC.toml --out DIR``: a design-space sweep on Dask."""

from __future__ import annotations

import argparse
import sys

from tncc.errors import TnccError
from tncc.io import STDOUT, one_stdout, write_output

HELP = "run every configuration of a sweep spec (workloads x arch parameters x orders) on Dask"
DESCRIPTION = """\
Expand SPEC.toml into points (workloads x architecture parameters x orders x
objectives; see examples/buffer_sweep.toml), run every point not yet in DIR
-- compiled, emulated and checked against numpy exactly as `tncc run` does --
and store one record per point as it finishes (DIR/points/KEY.json, the key
hashing the workload text, the resolved architecture, order, objective, seed
and the tncc version) plus DIR/results.parquet and DIR/results.csv with every
key of `tncc run --json` for each point.  Running the same command again
resumes: only the points missing from DIR are computed.

The points run as Dask tasks: on a local cluster of --workers processes (one
per core by default), or with --scheduler on an existing dask.distributed
cluster, whose workers must see the spec's files and DIR at the same paths.
--workers 0 runs them one after another in this process, without Dask.

exit status: 0 every point ran and matched, 3 some point did not match the
reference, 1 a bad spec or some point could not be compiled or run (the
others still run; the failures are listed and recorded with their errors),
130 interrupted (run again to resume).

examples:
  tncc sweep examples/buffer_sweep.toml --out buffer-sweep
  tncc sweep examples/buffer_sweep.toml --out buffer-sweep --plot sweep.png --csv sweep.csv
  tncc sweep big.toml --out /shared/big --scheduler tcp://scheduler:8786"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC.toml", help="the sweep spec")
    parser.add_argument("--out", metavar="DIR", required=True, help="results folder (resumed when it exists)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="address of an existing Dask scheduler (default: start a local cluster)")
    parser.add_argument("--workers", metavar="N", type=int,
                        help="worker processes of the local cluster (default: one per core; 0: no Dask, serial)")
    parser.add_argument("--plot", metavar="FILE", help="speedup and Pareto plots (.png, .svg, .pdf; - for PNG on stdout)")
    parser.add_argument("--csv", metavar="FILE", help="also write the results table as CSV to FILE (- for stdout)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="compute again the points recorded as errors (default: keep their records)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    # start-up: `tncc --help` imports every command module
    from tncc.evaluation.sweep.report import format_summary, plot, speedups
    from tncc.evaluation.sweep.runner import run_sweep
    from tncc.evaluation.sweep.store import to_csv

    if args.workers is not None and args.workers < 0:
        raise TnccError(f"expected a number of worker processes >= 0, got {args.workers}", where="--workers")
    if args.scheduler and args.workers is not None:
        raise TnccError("--workers sizes the local cluster; with --scheduler the cluster's own workers run the points",
                        where="--workers")
    plot_fmt = "png"
    if args.plot and args.plot != "-":
        plot_fmt = Path(args.plot).suffix.lstrip(".").lower() or "png"
        if plot_fmt not in ("png", "svg", "pdf"):
            raise TnccError(f"{args.plot}: expected a .png, .svg or .pdf file", where="--plot")
    # Two outputs cannot share standard output; the table goes there unless one of them does.
    log = sys.stderr if one_stdout(**{"--plot": args.plot, "--csv": args.csv}) else sys.stdout

    def started(total: int, missing: int) -> None:
        if missing == 0:
            print(f"all {total} points are already in {args.out}: nothing to compute", file=log)
        elif missing < total:
            print(f"{total - missing} of {total} points are already in {args.out}; computing the {missing} missing",
                  file=log)
        else:
            print(f"computing {total} points into {args.out}", file=log)
        log.flush()

    try:
        result = run_sweep(args.spec, args.out, scheduler=args.scheduler, workers=args.workers,
                           retry_failed=args.retry_failed, on_start=started)
    except KeyboardInterrupt:
        print(f"tncc: interrupted; the finished points are in {args.out}: run the same command again to resume",
              file=sys.stderr)
        return 130
    spec = result.spec
    speed = speedups(result.records, spec.config_axes, spec.baseline)
    print(format_summary(spec, result.records, speed), file=log)
    st = result.stats
    tail = ""
    if st is not None and st.done:
        tail = f" in {st.seconds:.1f} s on {st.where} of {st.workers} worker(s), {st.rate:.2f} points/s"
    print(f"\n{len(spec.points)} points: {result.reused} already done, {result.computed} computed{tail}; "
          f"{result.count('ok')} ok, {result.count('mismatch')} mismatch, "
          f"{result.count('error') + result.count('lost')} failed", file=log)
    print(f"results: {result.out / 'results.parquet'}, {result.out / 'results.csv'}", file=log)
    log.flush()
    for path, data in ((args.csv, lambda: to_csv(result.rows)), (args.plot, lambda: plot(spec, result.records, speed,
                                                                                           plot_fmt))):
        if path:
            write_output(path, data())
            if path != STDOUT:
                print(f"wrote {path}", file=sys.stderr)
    if result.count("error") or result.count("lost") or result.missing:
        return 1
    return 3 if result.count("mismatch") else 0
