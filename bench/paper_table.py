"""The FETTA-style results table for every workload family tncc targets.

For each workload (generated in code by ``tncc.evaluation.workloads``: TT attention and
feed-forward layers at r in {8, 16, 30, 64} and tokens in {1, 128, 4096}, the
TTM embedding, an encoder block at batch 1, int8 forward-only and the
outer-product update, the DeepOHeat reconstruction) the program is compiled
and emulated on

* ``fetta``    with the CSSE (hardware-aware), FLOP-only and naive orders,
* ``systolic`` with the CSSE order (our stand-in for the TPU/GPU baselines),

every run is checked against the numpy reference, and the table gives the
fetta-over-systolic speedup, energy ratio and EDP ratio, and the cycles of
the FLOP-only and naive orders relative to CSSE (and, since the naive
order's intermediates often overflow the buffer, its MACs relative to
CSSE's from the order search alone).  A summary prints our
geometric means beside the ratios the FETTA paper publishes (its baselines'
parameters are not public, so these are context, not a target).

The rows run on the machinery of ``tncc sweep``: one Dask task per
workload, on a local cluster of one worker process per core (``--workers``;
0 runs them one after another in this process) or on an existing cluster
(``--scheduler ADDRESS``, whose workers must see ``--out`` at the same
path).  Each row is stored in the results folder as it finishes
(``--out DIR``; by default a temporary one), so running the same command
again with the same ``--out`` computes only the rows that are missing.

    python bench/paper_table.py --quick            # one point per family, small sizes
    python bench/paper_table.py                    # the full sweep (long)
    python bench/paper_table.py --family "TT attention" --json out.json
    python bench/paper_table.py --reuse --tokens 1,128   # plus what reuse saves
    python bench/paper_table.py --out table-results --scheduler tcp://scheduler:8786
    python bench/paper_table.py --quick --buffers 64,128,256,1024   # the buffer sweep

The buffer sweep (``--buffers``, KiB; by default 64, 128, 256 and 1024, only
64 with ``--quick``) compiles every workload on ``fetta`` with that buffer
under the CSSE and the FLOP-only orders, emulates both and prints their
cycles, the ratio (FLOP-only over CSSE: above 1 the hardware-aware search
paid), and the machine model's error against the emulator: for the
compiled program (exact by construction) and for the per-step sum the
search's CP-SAT stage minimises (``passes.order.hardware.plan_costs``).
Beside them it prints the model's lower bound for *any* order and lowering
(``passes.bound.lower_bound``: the proven-minimal MACs at the array's
peak, or the compulsory DRAM traffic at the DRAM's bandwidth, whichever is
larger) and the CSSE plan's cycles over it: the headroom that no
reordering can exceed (1.00x: the plan is at the bound, so the FLOP-optimal
order, if it gets there too, is already cycle-optimal; the bound's MACs are
those of one statement for a training step, so there it is loose).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tncc.evaluation.compare import Config, run_config
from tncc.evaluation.compare_format import render_table
from tncc.errors import TnccError
from tncc.progress import Progress
from tncc.io import atomic_write_text
from tncc.evaluation.sweep.engine import run_tasks
from tncc.evaluation.sweep.store import finished, read_record
from tncc.evaluation.workloads import Workload, paper_workloads

# FETTA's reported improvements (latency, energy, EDP) over a GPU and a TPU,
# and its speedup / energy-efficiency range over prior tensorized accelerators
# (as summarised in the project's workloads document).
PUBLISHED = {
    "GPU": {"speedup": 20.5, "energy": 567.5, "edp": 11609.7},
    "TPU": {"speedup": 100.9, "energy": 45.03, "edp": 4544.8},
}
PUBLISHED_PRIOR = {"speedup": (3.87, 14.63), "energy": (1.41, 2.73)}

# The naive order multiplies the work of a TT training step by 10^3-10^5;
# past this many MACs it is costed by the order search only, not emulated.
NAIVE_EMULATION_LIMIT = 2e8

CONFIGS = (("fetta", "csse"), ("systolic", "csse"), ("fetta", "flops"), ("fetta", "naive"), ("systolic", "flops"))


def program_path(wl: Workload, folder: Path) -> Path:
    """Where the workload's program is written for the workers to read."""
    return folder / (wl.family.replace(" ", "_") + "_" + wl.label.replace(" ", "_").replace("=", "") + ".tn")


def measure(wl: Workload, path: Path, seed: int, reuse: bool = False) -> dict[str, Any]:
    """Run one workload (its program at ``path``) under every configuration;
    one row of the table.  A configuration that cannot be compiled (e.g. the
    naive order's intermediates do not fit the buffer) is recorded as an
    error and its ratios are left out; the others still count."""
    t0 = time.perf_counter()
    row: dict[str, Any] = {"family": wl.family, "workload": wl.label, "errors": {}}
    res = {}
    naive_macs = naive_plan_macs(path)
    for arch, order in CONFIGS:
        cfg = Config(arch, order)
        if order == "naive" and naive_macs > NAIVE_EMULATION_LIMIT:
            row["errors"][cfg.label] = f"not emulated: the naive order needs {naive_macs:.3g} MACs"
            continue
        try:
            result = run_config(str(path), cfg, seed=seed)
        except TnccError as err:
            row["errors"][cfg.label] = err.render().splitlines()[0]
            continue
        res[(arch, order)] = result.metrics
        if (arch, order) == ("fetta", "csse") and result.plan is not None:
            # The search is time-limited: say whether this plan is proven optimal.
            row["csse_proven_optimal"] = result.plan.proven_optimal
            row["csse_search_seconds"] = result.plan.search_seconds
            if result.reuse is not None and result.reuse.shared_values:
                row["csse_reuse_macs_saved"] = result.reuse.macs_saved
    if reuse and ("fetta", "csse") in res and "csse_reuse_macs_saved" in row:
        # The same fetta/csse plan with its shared temporaries recomputed per
        # statement, lowered and emulated: what reuse measurably buys.
        try:
            alone = run_config(str(path), Config("fetta", "csse", reuse=False), seed=seed).metrics
        except TnccError as err:
            row["errors"]["fetta/csse-noreuse"] = err.render().splitlines()[0]
        else:
            base = res[("fetta", "csse")]
            row["reuse_speedup"] = alone.cycles / base.cycles if base.cycles else math.nan
            row["reuse_peak_buffer_delta"] = base.peak_buffer_bytes - alone.peak_buffer_bytes
            row["noreuse_match"] = alone.match
    row["seconds"] = time.perf_counter() - t0
    f, s = res.get(("fetta", "csse")), res.get(("systolic", "csse"))
    if f is None or s is None:
        row["error"] = "; ".join(f"{k}: {v}" for k, v in row["errors"].items())
        return row

    def rel(key: tuple[str, str], base: Any) -> float:
        m = res.get(key)
        return m.cycles / base.cycles if m is not None and base.cycles else math.nan

    row.update({
        "macs": f.macs,
        "naive_macs_vs_csse": naive_macs / f.macs if f.macs else math.nan,
        "fetta_cycles": f.cycles, "systolic_cycles": s.cycles,
        "speedup": s.cycles / f.cycles if f.cycles else math.nan,
        "energy_ratio": s.energy_pj / f.energy_pj if f.energy_pj else math.nan,
        "edp_ratio": s.edp / f.edp if f.edp else math.nan,
        "fetta_util": f.utilization, "systolic_util": s.utilization,
        "systolic_shaping_share": s.breakdown.shaping / s.cycles if s.cycles else 0.0,
        "flops_vs_csse": rel(("fetta", "flops"), f),
        "naive_vs_csse": rel(("fetta", "naive"), f),
        "systolic_flops_vs_csse": rel(("systolic", "flops"), s),
        "match": all(m.match for m in res.values()) and row.get("noreuse_match", True),
    })
    return row


def sweep_row(wl: Workload, kib: int, seed: int) -> dict[str, Any]:
    """One workload at one buffer size: emulated cycles of the CSSE and the
    FLOP-only orders on fetta, and the model's figures (module doc)."""
    import tncc
    from tncc.passes.bound import lower_bound
    from tncc.passes.order.hardware import plan_costs

    (net,) = tncc.load_source(wl.source, file=wl.label)
    arch = f"fetta:buffer.bytes={kib * 1024}"
    row: dict[str, Any] = {"family": wl.family, "workload": wl.label, "buffer_kib": kib}
    try:
        for order in ("csse", "flops"):
            c = tncc.compile(net, arch, order=order)
            res = c.run(seed=seed)
            row[order] = res.report["cycles"]
            row[order + "_match"] = res.match
            row[order + "_model"] = c.modelled_cycles()
            row[order + "_sum"] = plan_costs(c.plan, c.arch)[0]
        bound = lower_bound(net, c.arch)
        row["bound"] = bound.cycles
        row["bound_side"] = "compute" if bound.compute >= bound.dma else "dram"
    except TnccError as err:
        row["error"] = err.render().splitlines()[0]
    return row


def format_sweep(rows: list[dict[str, Any]]) -> str:
    header = ["family", "workload", "buffer KiB", "csse cyc", "flops cyc", "flops/csse", "bound cyc", "csse/bound",
              "model err", "step-sum err", "match"]
    out = []
    for r in rows:
        if "error" in r:
            out.append([r["family"], r["workload"], str(r["buffer_kib"]), "error: " + r["error"][:60]] + [""] * 7)
            continue
        out.append([r["family"], r["workload"], str(r["buffer_kib"]), f"{r['csse']:,}", f"{r['flops']:,}",
                    _x(r["flops"] / r["csse"]), f"{r['bound']:,} ({r['bound_side']})", _x(r["csse"] / r["bound"]),
                    f"{100 * (r['csse_model'] / r['csse'] - 1):+.1f}%",
                    f"{100 * (r['csse_sum'] / r['csse'] - 1):+.0f}%",
                    "yes" if r["csse_match"] and r["flops_match"] else "NO"])
    ok = [r for r in rows if "error" not in r]
    lines = [render_table(header, out)]
    for kib in sorted({r["buffer_kib"] for r in ok}):
        at = [r["flops"] / r["csse"] for r in ok if r["buffer_kib"] == kib]
        head = [r["csse"] / r["bound"] for r in ok if r["buffer_kib"] == kib]
        lines.append(f"buffer {kib} KiB: FLOP-only over CSSE geomean {_x(_geomean(at))}, min {_x(min(at))}, "
                     f"max {_x(max(at))} over {len(at)} workloads; CSSE over the bound geomean "
                     f"{_x(_geomean(head))}, {sum(1 for v in head if v < 1.1)} within 10% of it")
    if ok:
        ratios = [r["flops"] / r["csse"] for r in ok]
        lines.append(f"all buffers: geomean {_x(_geomean(ratios))}; CSSE slower than FLOP-only on "
                     f"{sum(1 for v in ratios if v < 1)} of {len(ratios)}")
    return "\n".join(lines)


def naive_plan_macs(path: Path) -> int:
    """MACs of the naive left-to-right order, from the order search alone (no
    machine), so that it can be compared even where it is not emulated."""
    import tncc
    from tncc.passes.order.planner import plan_network

    return plan_network(tncc.load_network(str(path)), "macs", None, strategy="naive").macs()


def _x(v: float) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}x"


def format_rows(rows: list[dict[str, Any]]) -> str:
    header = ["family", "workload", "MACs", "fetta cyc", "systolic cyc", "speedup", "energy", "EDP",
              "fetta util", "sys shaping", "flops/csse", "naive/csse", "naive MACs", "sys flops/csse", "proven", "reuse", "reuse buf B", "match", "s"]
    out = []
    for r in rows:
        if "error" in r:
            out.append([r["family"], r["workload"], "error: " + r["error"][:60]] + [""] * (len(header) - 4)
                       + [f"{r['seconds']:.0f}"])
            continue
        out.append([r["family"], r["workload"], f"{r['macs']:.3g}", f"{r['fetta_cycles']:,}", f"{r['systolic_cycles']:,}",
                    _x(r["speedup"]), _x(r["energy_ratio"]), _x(r["edp_ratio"]), f"{100 * r['fetta_util']:.0f}%",
                    f"{100 * r['systolic_shaping_share']:.0f}%", _x(r["flops_vs_csse"]), _x(r["naive_vs_csse"]),
                    _x(r["naive_macs_vs_csse"]), _x(r["systolic_flops_vs_csse"]),
                    {True: "yes", False: "no"}.get(r.get("csse_proven_optimal"), "-"),
                    _x(r.get("reuse_speedup", math.nan)),
                    f"{r['reuse_peak_buffer_delta']:+,}" if "reuse_peak_buffer_delta" in r else "-", "yes" if r["match"] else "NO", f"{r['seconds']:.0f}"])
    notes = [f"  {r['family']} {r['workload']}: {cfg}: {msg}" for r in rows for cfg, msg in r.get("errors", {}).items()
             if "error" not in r and not msg.startswith("not emulated")]
    skipped = sum(1 for r in rows for msg in r.get("errors", {}).values() if msg.startswith("not emulated"))
    if skipped:
        notes.append(f"  {skipped} naive-order runs above {NAIVE_EMULATION_LIMIT:.0e} MACs were costed by the order "
                     f"search only ('naive MACs' column), not emulated")
    text = render_table(header, out)
    if notes:
        text += "\nconfigurations not run (their ratios are '-'):\n" + "\n".join(notes)
    return text


def _geomean(vals: list[float]) -> float:
    vals = [v for v in vals if v and v > 0 and math.isfinite(v)]
    return math.exp(sum(map(math.log, vals)) / len(vals)) if vals else math.nan


def summary(rows: list[dict[str, Any]]) -> str:
    ok = [r for r in rows if "error" not in r]
    header = ["fetta over systolic", "ours: geomean", "ours: min", "ours: max", "paper vs TPU", "paper vs GPU"]
    out = []
    for key, name in (("speedup", "speedup"), ("energy_ratio", "energy"), ("edp_ratio", "edp")):
        vals = [r[key] for r in ok]
        out.append([name, _x(_geomean(vals)), _x(min(vals)) if vals else "-", _x(max(vals)) if vals else "-",
                    _x(PUBLISHED["TPU"][name]), _x(PUBLISHED["GPU"][name])])
    lo, hi = PUBLISHED_PRIOR["speedup"]
    elo, ehi = PUBLISHED_PRIOR["energy"]
    return (render_table(header, out) + f"\n(paper vs prior tensorized accelerators: {lo}-{hi}x faster, "
            f"{elo}-{ehi}x less energy; CSSE vs FLOP-only order on fetta, geomean "
            f"{_x(_geomean([r['flops_vs_csse'] for r in ok]))}; naive order's MACs over CSSE's, geomean "
            f"{_x(_geomean([r['naive_macs_vs_csse'] for r in ok]))})")


def row_key(wl: Workload, seed: int, reuse: bool) -> str:
    """The results folder's key of one row: the program, seed, options and tncc version."""
    from tncc import __version__

    blob = json.dumps({"table": "paper", "source": wl.source, "family": wl.family, "label": wl.label,
                       "seed": seed, "reuse": reuse, "configs": CONFIGS, "tncc": __version__}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:40]


def row_task(task: dict[str, Any]) -> dict[str, Any]:
    """One row as a sweep task: the worker reads the program, measures it
    and stores the row in the results folder; the summary goes back."""
    from tncc.io import read_text
    from tncc.evaluation.sweep.store import write_record

    path = Path(task["file"])
    wl = Workload(task["family"], task["label"], read_text(path))
    try:
        row = measure(wl, path, task["seed"], task["reuse"])
    except Exception as exc:  # one broken row must not stop the table: it is recorded
        row = {"family": wl.family, "workload": wl.label, "errors": {}, "seconds": 0.0,
               "error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
    status = "error" if "error" in row else "ok" if row.get("match") else "mismatch"
    write_record(task["out"], {"key": task["key"], "status": status, "error": row.get("error"), "row": row})
    return {"key": task["key"], "status": status, "error": row.get("error"), "seconds": row["seconds"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one small point per family")
    ap.add_argument("--family", action="append", help="only these families (repeatable), e.g. 'TT attention'")
    ap.add_argument("--ranks", help="TT ranks to sweep, comma-separated (default 8,16,30,64)")
    ap.add_argument("--tokens", help="token counts to sweep, comma-separated (default 1,128,4096)")
    ap.add_argument("--deepoheat-batch", type=int, default=50, help="DeepOHeat functions per batch (published 50)")
    ap.add_argument("--max-macs", type=float, default=None, help="skip workloads with more forward+backward MACs")
    ap.add_argument("--reuse", action="store_true",
                    help="also emulate the fetta/csse plan without cross-statement reuse (training steps)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", metavar="DIR", help="keep the generated .tn programs in DIR")
    ap.add_argument("--json", metavar="OUT", help="write the rows as JSON")
    ap.add_argument("--buffers", help="buffer sizes of the sweep in KiB, comma-separated "
                                      "(default 64,128,256,1024; 64 with --quick; 0 for none)")
    ap.add_argument("--out", metavar="DIR",
                    help="results folder: one record per row as it finishes; run again to resume (default: temporary)")
    ap.add_argument("--scheduler", metavar="ADDRESS", help="run the rows on this Dask cluster (default: a local one)")
    ap.add_argument("--workers", type=int, metavar="N",
                    help="local worker processes (default: one per core; 0: serially in this process)")
    args = ap.parse_args(argv)
    ints = lambda text: tuple(int(v) for v in text.split(",")) if text else None  # noqa: E731
    workloads = [w for w in paper_workloads(args.quick, ints(args.ranks), ints(args.tokens), args.deepoheat_batch)
                 if not args.family or w.family in args.family]
    if args.max_macs is not None:
        workloads = [w for w in workloads if _naive_macs(w) <= args.max_macs]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        folder = Path(args.keep) if args.keep else out / "workloads"
        folder.mkdir(parents=True, exist_ok=True)
        keys = [row_key(wl, args.seed, args.reuse) for wl in workloads]
        done = finished(out, keys)
        tasks = []
        for wl, key in zip(workloads, keys):
            path = program_path(wl, folder)
            path.write_text(wl.source)
            if key not in done:
                tasks.append({"key": key, "file": str(path.resolve()), "family": wl.family, "label": wl.label,
                              "seed": args.seed, "reuse": args.reuse, "out": str(out.resolve()),
                              "size": _naive_macs(wl)})
        if done:
            print(f"{len(done)} of {len(keys)} rows are already in {out}", file=sys.stderr)
        # Largest first, so that the longest rows do not start last and leave
        # the other workers idle at the end.
        tasks.sort(key=lambda t: -t["size"])

        def collected() -> list[dict[str, Any]]:
            return [rec["row"] for rec in (read_record(out, k) for k in keys) if rec is not None]

        def progress(task: Any, summary: Any) -> None:
            if args.json:  # rewritten after every row, so a long sweep can be watched
                atomic_write_text(args.json, json.dumps(collected(), indent=1, default=str) + "\n")

        if tasks:
            run_tasks(tasks, row_task, scheduler=args.scheduler, workers=args.workers, label="paper table",
                      on_summary=progress)
        rows = collected()
    if args.json:
        atomic_write_text(args.json, json.dumps(rows, indent=1, default=str) + "\n")
    print(format_rows(rows))
    print()
    print(summary(rows))
    buffers = [k for k in ints(args.buffers or ("64" if args.quick else "64,128,256,1024")) if k > 0]
    sweep = []
    if buffers:
        with Progress(total=len(workloads) * len(buffers), description="buffer sweep", live=True) as bar:
            for wl in workloads:
                for kib in buffers:
                    bar.set_description(f"{wl.family} {wl.label} {kib} KiB")
                    sweep.append(sweep_row(wl, kib, args.seed))
                    bar.update(1)
        print()
        print(format_sweep(sweep))
        if args.json:
            atomic_write_text(args.json, json.dumps({"rows": rows, "sweep": sweep}, indent=1, default=str) + "\n")
    matched = all(r.get("match") for r in rows) and all(r.get("csse_match", True) and r.get("flops_match", True)
                                                         for r in sweep)
    return 0 if matched else 3


def _naive_macs(wl: Workload) -> float:
    """An upper bound on a workload's MACs (each statement's dense einsum
    with every index), used only by --max-macs to skip the largest points."""
    import tncc

    (net,) = tncc.load_source(wl.source, file=wl.label)
    sizes = net.sizes()
    total = 0.0
    for st in net.statements:
        # Pairwise left-to-right: each step spans the indices of both operands.
        seen: set[str] = set(st.operands[0].indices)
        for op in st.operands[1:]:
            seen |= set(op.indices)
            total += math.prod(sizes[i] for i in seen)
    return total


if __name__ == "__main__":
    sys.exit(main())
