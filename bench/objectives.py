"""Cycles and energy of each objective: what do the energy and EDP plans buy?

Every network of every file in ``examples/`` (or the ``.tn`` files given)
is compiled for each preset at each buffer size (``--buffers``, KiB) with
the objectives ``cycles``, ``energy`` and ``edp`` (the order search and the
lowering both minimise the objective's modelled figure, which equals the
emulator's) and, as the peer, with the FLOP-only order (``--order flops``).
Each program is emulated with seed 0 and checked against numpy.  The table
gives the emulated cycles and energy of each; the summary, per preset, the
geometric means of the cycles plan's energy over the energy plan's and of
the cycles plan's EDP over the EDP plan's (above 1: the objective pays),
what the energy plan costs in cycles, and every cell where an objective's
plan does worse on its own figure than the cycles plan or the FLOP-only
order (each choice is made in turn, so neither is a proof).

    python bench/objectives.py                                   # examples, both presets, 64 KiB and default
    python bench/objectives.py --arch fetta --only tt_linear,tree --buffers 64,256
    python bench/objectives.py --json objectives.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PRESETS = ("fetta", "systolic")
RUNS = (("cycles", "csse", "cycles"), ("energy", "csse", "energy"), ("edp", "csse", "edp"),
        ("flops", "flops", None))  # (column, order, objective)
DEFAULT_BUFFERS = "64,default"


def networks(files: list[Path]) -> list[tuple[Path, str]]:
    """(file, network name) for every network of every file."""
    from tncc.frontend import load_file

    return [(f, n.name) for f in files for n in load_file(f)]


def measure(path: Path, network: str, arch: str, order: str, objective: str | None) -> tuple[int, float, bool] | None:
    """Emulated cycles, energy (pJ) and whether every output matched (None:
    the compiler declined, which it reports)."""
    import tncc
    from tncc.errors import TnccError

    try:
        c = tncc.compile(str(path), arch=arch, network=network, order=order, objective=objective)
    except TnccError as exc:
        print(f"  {path.stem}/{network} on {arch} ({order}, {objective}): {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return None
    res = c.run(seed=0)
    return int(res.report["cycles"]), float(res.report["energy_pj"]), bool(res.match)


def geomean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help=".tn files (default: every file in examples/)")
    ap.add_argument("--only", help="comma-separated network names")
    ap.add_argument("--skip", default="deepoheat,deepoheat_dx", help="comma-separated network names to leave out "
                    "(default: the DeepOHeat reconstructions, minutes each)")
    ap.add_argument("--arch", default=",".join(PRESETS), help="comma-separated presets")
    ap.add_argument("--buffers", default=DEFAULT_BUFFERS,
                    help="comma-separated buffer sizes in KiB, 'default' for the preset's own")
    ap.add_argument("--json", help="write the rows as JSON ('-' for standard output)")
    args = ap.parse_args(argv)
    from tncc.io import write_output

    files = [Path(f) for f in args.files] or sorted((ROOT / "examples").glob("*.tn"))
    only = set(args.only.split(",")) if args.only else None
    skip = set(args.skip.split(",")) if args.skip and not args.only else set()
    rows: dict[str, dict[str, tuple[int, float] | None]] = {}
    ok = True
    print(f"{'network/arch':<48}" + "".join(f"{c + ' cycles':>16}{c + ' uJ':>14}" for c, _, _ in RUNS))
    for path, net in networks(files):
        if (only is not None and net not in only) or net in skip:
            continue
        for preset in args.arch.split(","):
            for kib in args.buffers.split(","):
                arch = preset if kib == "default" else f"{preset}:buffer.bytes={int(kib) * 1024}"
                key = f"{net}/{preset}/{kib}"
                row: dict[str, tuple[int, float] | None] = {}
                for col, order, objective in RUNS:
                    got = measure(path, net, arch, order, objective)
                    row[col] = None if got is None else got[:2]
                    ok = ok and (got is None or got[2])
                rows[key] = row
                print(f"{key:<48}" + "".join(
                    f"{row[c][0]:>16,}{row[c][1] / 1e6:>14.3f}" if row[c] is not None else f"{'-':>16}{'-':>14}"
                    for c, _, _ in RUNS), flush=True)
    print()
    for preset in args.arch.split(","):
        mine = {k: r for k, r in rows.items() if k.split("/")[1] == preset and all(r.values())}
        e_gain = [r["cycles"][1] / r["energy"][1] for r in mine.values()]
        e_cost = [r["energy"][0] / r["cycles"][0] for r in mine.values()]
        d_gain = [r["cycles"][0] * r["cycles"][1] / (r["edp"][0] * r["edp"][1]) for r in mine.values()]
        print(f"{preset}: {len(mine)} cells; energy of the cycles plan / the energy plan: geomean "
              f"{geomean(e_gain):.3f}x (max {max(e_gain, default=float('nan')):.3f}x), at "
              f"{geomean(e_cost):.3f}x the cycles; EDP of the cycles plan / the EDP plan: geomean "
              f"{geomean(d_gain):.3f}x (max {max(d_gain, default=float('nan')):.3f}x)")
    worse = []
    for key, r in rows.items():
        if not all(r.values()):
            continue
        for peer in ("cycles", "flops"):
            if r["energy"][1] > r[peer][1] * (1 + 1e-9):
                worse.append(f"{key}: the energy plan spends {r['energy'][1] / r[peer][1]:.4f}x the {peer} plan's energy")
            edp, other = r["edp"][0] * r["edp"][1], r[peer][0] * r[peer][1]
            if edp > other * (1 + 1e-9):
                worse.append(f"{key}: the EDP plan's EDP is {edp / other:.4f}x the {peer} plan's")
    print("objective plans worse on their own figure than the cycles plan or the FLOP-only order:")
    for line in worse or ["none"]:
        print("  " + line)
    if args.json:
        write_output(args.json, json.dumps(rows, indent=1) + "\n")
    if not ok:
        print("some output did not match its numpy reference", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
