"""Cycles against buffer size: where does a larger buffer make a program slower?

Every network of every file in ``examples/`` (or the ``.tn`` files given)
is compiled for each preset at each buffer size (``--buffers``, KiB),
emulated with seed 0 and checked against numpy.  The table gives the
cycles per buffer size and, per preset, every case where a larger buffer
ran more cycles than a smaller one (the order the search chose may differ
between sizes; the lowering of one plan is also tried with ``--lowering``
options, e.g. ``leaves_ahead=off`` to see the lowering without resident
leaves loaded ahead).

    python bench/buffer_monotone.py                          # examples, both presets, 64..1024 KiB
    python bench/buffer_monotone.py --arch systolic --only tt_linear,tree
    python bench/buffer_monotone.py --lowering leaves_ahead=off --json before.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PRESETS = ("fetta", "systolic")
BUFFERS = (64, 128, 256, 512, 1024)


def networks(files: list[Path]) -> list[tuple[Path, str]]:
    """(file, network name) for every network of every file."""
    from tncc.frontend import load_file

    return [(f, n.name) for f in files for n in load_file(f)]


def cycles(path: Path, network: str, arch: str, kib: int, lowering: str | None) -> tuple[int | None, bool]:
    """Emulated cycles (None: the compiler declined, e.g. past its work
    limit, which it reports) and whether every output matched."""
    import tncc
    from tncc.errors import TnccError

    try:
        c = tncc.compile(str(path), arch=f"{arch}:buffer.bytes={kib * 1024}", network=network, lowering=lowering)
    except TnccError as exc:
        print(f"  {path.stem}/{network} on {arch} at {kib} KiB: {str(exc).splitlines()[0]}", file=sys.stderr)
        return None, True
    res = c.run(seed=0)
    return int(res.report["cycles"]), bool(res.match)


def slower(row: dict[int, int | None]) -> list[tuple[int, int, int, int]]:
    """(smaller KiB, its cycles, larger KiB, its cycles) where the larger is slower."""
    ks = sorted(k for k, c in row.items() if c is not None)
    out = []
    for i, a in enumerate(ks):
        for b in ks[i + 1:]:
            ca, cb = row[a], row[b]
            if ca is not None and cb is not None and cb > ca:
                out.append((a, ca, b, cb))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help=".tn files (default: every file in examples/)")
    ap.add_argument("--only", help="comma-separated example names (file stems)")
    ap.add_argument("--arch", default=",".join(PRESETS), help="comma-separated presets")
    ap.add_argument("--buffers", default=",".join(map(str, BUFFERS)), help="comma-separated buffer sizes in KiB")
    ap.add_argument("--lowering", help="forced lowering options (KEY=VALUE,...)")
    ap.add_argument("--json", help="write the cycles as JSON ('-' for standard output)")
    args = ap.parse_args(argv)
    from tncc.io import write_output
    files = [Path(f) for f in args.files] or sorted((ROOT / "examples").glob("*.tn"))
    if args.only:
        keep = set(args.only.split(","))
        files = [f for f in files if f.stem in keep]
    kibs = [int(k) for k in args.buffers.split(",")]
    table: dict[str, dict[int, int | None]] = {}
    ok = True
    print(f"{'network/arch':<48}" + "".join(f"{str(k) + ' KiB':>12}" for k in kibs))
    for path, net in networks(files):
        for arch in args.arch.split(","):
            key = f"{path.stem}/{net}/{arch}"
            row: dict[int, int | None] = {}
            for k in kibs:
                row[k], match = cycles(path, net, arch, k, args.lowering)
                ok = ok and match
            table[key] = row
            print(f"{key:<48}" + "".join(f"{row[k]:>12,}" if row[k] is not None else f"{'-':>12}" for k in kibs), flush=True)
    print("\nlarger buffer slower:")
    worse = [(key, s) for key, row in table.items() for s in slower(row)]
    for key, (a, ca, b, cb) in worse:
        print(f"  {key}: {a} KiB {ca:,} cycles < {b} KiB {cb:,} cycles ({cb / ca:.3f}x)")
    if not worse:
        print("  none")
    if args.json:
        write_output(args.json, json.dumps({k: {str(b): c for b, c in v.items()} for k, v in table.items()},
                                           indent=1) + "\n")
    if not ok:
        print("some output did not match its numpy reference", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
