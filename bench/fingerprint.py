"""Fingerprint of what the compiler produces: a refactoring must leave it identical.

For every network of every file in ``examples/`` on each preset (``fetta``,
``systolic``) it compiles through the public API (``tncc.compile``), emulates
with seed 0 and records

* whether every output matches the numpy reference, and a SHA-256 of the
  outputs' bytes (name, dtype, shape and data, in output order);
* the emulated cycles and the instruction count;
* a SHA-256 of the program's assembly text;

and, through the staged driver (``tncc compile --emit STAGE``), a SHA-256 of
the text of every stage (network, plan, tiled, asm).

Usage::

    python bench/fingerprint.py --json baseline.json          # record
    python bench/fingerprint.py --check baseline.json         # record and compare, exit 1 on any difference
    python bench/fingerprint.py --only tt_linear,tree --arch fetta

The table printed lists one row per (file, network, arch).  A check prints
every field that differs and exits with status 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PRESETS = ("fetta", "systolic")


def _digest(chunks: list[bytes]) -> str:
    h = hashlib.sha256()
    for c in chunks:
        h.update(len(c).to_bytes(8, "little"))
        h.update(c)
    return h.hexdigest()[:16]


def fingerprint(path: Path, network: str, arch: str) -> dict[str, Any]:
    """The fingerprint of one network of one file on one architecture."""
    import numpy as np

    import tncc
    from tncc.driver import compile_file, get_stage
    from tncc.isa.asm import disassemble

    compiled = tncc.compile(str(path), arch=arch, network=network)
    res = compiled.run(seed=0)
    out_chunks: list[bytes] = []
    for name in compiled.network.outputs:
        arr = np.ascontiguousarray(res.outputs[name])
        out_chunks += [name.encode(), str(arr.dtype).encode(), repr(arr.shape).encode(), arr.tobytes()]
    row: dict[str, Any] = {
        "match": bool(res.match),
        "outputs": _digest(out_chunks),
        "cycles": int(res.report["cycles"]),
        "instructions": len(compiled.program.instructions),
        "program": _digest([disassemble(compiled.program).encode()]),
    }
    ctx = compile_file(str(path), network=network, options={"arch": arch})
    for stage, artifact in ctx.artifacts.items():
        if stage.startswith("_"):
            continue
        text = get_stage(stage).emit(artifact)
        row[f"emit_{stage}"] = _digest([text if isinstance(text, bytes) else text.encode()])
    return row


def collect(only: set[str] | None, archs: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Every fingerprint, keyed ``file/network/arch``.  Files are compiled by
    their path relative to the checkout (programs record it), so checkouts
    in different places fingerprint alike."""
    import contextlib

    import tncc

    rows: dict[str, dict[str, Any]] = {}
    with contextlib.chdir(ROOT):
        for path in sorted(Path("examples").glob("*.tn")):
            if only and path.stem not in only:
                continue
            for net in tncc.load_file(str(path)):
                for arch in archs:
                    key = f"{path.stem}/{net.name}/{arch}"
                    rows[key] = r = fingerprint(path, net.name, arch)
                    print(f"{key:<48} {'MATCH' if r['match'] else 'MISMATCH':<8} {r['cycles']:>10} cycles "
                          f"{r['instructions']:>7} instr  out {r['outputs']}  asm {r['program']}", flush=True)
    return rows


def compare(base: dict[str, dict[str, Any]], now: dict[str, dict[str, Any]]) -> list[str]:
    """Every difference between two fingerprint sets, one line each."""
    diffs = []
    for key in sorted(set(base) | set(now)):
        if key not in now or key not in base:
            diffs.append(f"{key}: only in {'baseline' if key in base else 'this run'}")
            continue
        for field in sorted(set(base[key]) | set(now[key])):
            if base[key].get(field) != now[key].get(field):
                diffs.append(f"{key}: {field} {base[key].get(field)!r} -> {now[key].get(field)!r}")
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated example names (file stems)")
    ap.add_argument("--arch", default=",".join(PRESETS), help="comma-separated presets (default: fetta,systolic)")
    ap.add_argument("--json", metavar="OUT", help="write the fingerprints as JSON ('-' for standard output)")
    ap.add_argument("--check", metavar="BASELINE", help="compare with a JSON written by --json")
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    rows = collect(only, tuple(args.arch.split(",")))
    if args.json:
        text = json.dumps(rows, indent=1, sort_keys=True) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            Path(args.json).write_text(text)
    if args.check:
        base = json.loads(Path(args.check).read_text())
        if only or args.arch != ",".join(PRESETS):
            base = {k: v for k, v in base.items() if k in rows}
        diffs = compare(base, rows)
        for d in diffs:
            print("DIFF", d)
        print(f"{len(rows)} fingerprints, {len(diffs)} differences from {args.check}")
        return 1 if diffs else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
