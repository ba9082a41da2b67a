"""Lowering benchmark: every example on both presets, against the roofline.

For each network in ``examples/`` and each preset (``fetta``, ``systolic``)
it compiles (timed), emulates and checks the outputs, and prints

* cycles and MAC utilisation measured by the emulator;
* the roofline bound ``max(MACs / peak MACs per cycle, DRAM bytes /
  bandwidth)`` of the program (the plan's MACs, the DRAM bytes the program
  moves, as in the report) and ``cycles / bound``: how well the schedule
  overlaps compute and traffic (target: at most 1.25 on the large
  workloads, those whose bound is at least 10^4 cycles);
* the same ratio against the *compulsory* traffic (every leaf read once,
  every output written once): what spilling intermediates that do not fit
  the buffer, and re-reading operands block by block, add on top;
* compile time (target: under 2 s per example; after one warm-up compile,
  so library imports are not counted), the SHAPE instructions
  the systolic baseline needs and its *shaping share*: the cycles of the
  makespan spent in SHAPE passes beyond the array's busy cycles, over the
  cycles (``tncc.evaluation.metrics.breakdown``, the figure
  ``bench/paper_table.py`` prints as "sys shaping");
* the fetta-over-systolic speedup per network.

Usage: ``python bench/lowering.py [--only NAME,...] [--skip NAME,...] [--json OUT]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


LARGE = 10_000  # bound in cycles from which a workload counts as large


def compulsory_bytes(net) -> int:
    """Bytes any schedule moves: each leaf read once, each output written once."""
    total = 0
    for t in net.leaves():
        total += math.prod(net.shape(t.name)) * net.storage_dtype(t.name).nbytes
    for o in net.outputs:
        total += math.prod(net.shape(o)) * net.storage_dtype(o).nbytes
    return total


def measure(net, arch_name: str) -> dict:
    import tncc
    from tncc.evaluation.metrics import breakdown, records_summary, shaping_cycles

    gc.collect()  # the previous row's emulation leaves large arrays behind
    t0 = time.perf_counter()
    c = tncc.compile(net, arch_name)
    compile_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    r = c.run(seed=0)
    run_s = time.perf_counter() - t1
    arch = c.arch
    macs = c.plan.macs()
    rep = r.report
    shaping = breakdown(rep["cycles"], rep["array_cycles"],
                        shaping_cycles(records_summary(getattr(r, "emulator_report", None)))).shaping
    compute = macs / arch.peak_macs_per_cycle
    bound = max(compute, rep["dram_bytes"] / arch.dram.bytes_per_cycle)
    ideal = max(compute, compulsory_bytes(net) / arch.dram.bytes_per_cycle)
    return {
        "network": net.name, "arch": arch_name, "match": r.match, "cycles": rep["cycles"],
        "utilization": rep["utilization"], "macs": macs, "dram_bytes": rep["dram_bytes"],
        "bound": bound, "ratio": rep["cycles"] / bound if bound else float("nan"),
        "ideal": ideal, "ideal_ratio": rep["cycles"] / ideal if ideal else float("nan"),
        "compile_s": compile_s, "run_s": run_s, "shapes": rep["shape_instructions"],
        "shaping_share": shaping / rep["cycles"] if rep["cycles"] else 0.0,
        "spilled": rep["spilled"], "energy_pj": rep["energy_pj"],
    }


def main(argv: list[str] | None = None) -> int:
    from tncc.frontend import load_file

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="", help="comma-separated network names to run")
    ap.add_argument("--skip", default="", help="comma-separated network names to leave out")
    ap.add_argument("--json", default=None, help="write the rows as JSON")
    args = ap.parse_args(argv)
    only = {s for s in args.only.split(",") if s}
    skip = {s for s in args.skip.split(",") if s}
    # Warm up: compile times below are the compiler's work, not the one-time
    # import of its libraries (OR-Tools alone takes ~0.4 s to import).
    import tncc

    for arch in ("fetta", "systolic"):
        tncc.compile(load_file(ROOT / "examples" / "tt_linear.tn")[0], arch)
    rows = []
    head = (f"{'network':<24} {'arch':<9} {'ok':<3} {'cycles':>11} {'util':>6} {'bound':>11} {'cyc/bound':>9}"
            f" {'/compulsory':>11} {'compile s':>9} {'run s':>7} {'SHAPE':>6} {'shaping':>7} {'DRAM MB':>8}")
    print(head)
    print("-" * len(head))
    for path in sorted((ROOT / "examples").glob("*.tn")):
        for net in load_file(path):
            if (only and net.name not in only) or net.name in skip:
                continue
            for arch in ("fetta", "systolic"):
                m = measure(net, arch)
                rows.append(m)
                print(f"{m['network']:<24} {arch:<9} {'yes' if m['match'] else 'NO':<3} {m['cycles']:>11}"
                      f" {100 * m['utilization']:>5.1f}% {m['bound']:>11.0f} {m['ratio']:>9.2f}"
                      f" {m['ideal_ratio']:>11.2f}"
                      f" {m['compile_s']:>9.2f} {m['run_s']:>7.1f} {m['shapes']:>6}"
                      f" {100 * m['shaping_share']:>6.1f}% {m['dram_bytes'] / 1e6:>8.2f}",
                      flush=True)
    print()
    print(f"{'network':<24} {'fetta cycles':>12} {'systolic cycles':>15} {'speedup':>8} {'sys/fetta energy':>16}")
    by = {(r["network"], r["arch"]): r for r in rows}
    for name in dict.fromkeys(r["network"] for r in rows):
        f, s = by.get((name, "fetta")), by.get((name, "systolic"))
        if f and s:
            print(f"{name:<24} {f['cycles']:>12} {s['cycles']:>15} {s['cycles'] / f['cycles']:>7.2f}x"
                  f" {s['energy_pj'] / f['energy_pj']:>15.2f}x")
    large = [r for r in rows if r["arch"] == "fetta" and r["bound"] >= LARGE]
    if large:
        worst = max(large, key=lambda r: r["ratio"])
        print()
        print(f"large workloads on fetta (bound >= {LARGE} cycles): cycles / bound at most {worst['ratio']:.3f}"
              f" ({worst['network']}; target 1.25; {sum(r['ratio'] <= 1.25 for r in large)} of {len(large)} meet it),"
              f" geometric mean "
              f"{math.exp(sum(math.log(r['ratio']) for r in large) / len(large)):.3f};"
              f" against compulsory traffic at most {max(r['ideal_ratio'] for r in large):.2f}")
    slow = [r for r in rows if r["compile_s"] > 2.0]
    print()
    print(f"compile time: max {max((r['compile_s'] for r in rows), default=0):.2f} s"
          + (f"; over 2 s: {', '.join(r['network'] + '/' + r['arch'] for r in slow)}" if slow else "; all under 2 s"))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0 if all(r["match"] for r in rows) else 3


if __name__ == "__main__":
    sys.exit(main())
