"""``tncc sim FILE.tnb``: run a binary program on the emulator."""

from __future__ import annotations

import argparse
import io
import zipfile
from typing import Any
from tncc import guard
from tncc.cli.commands.run import npz_bytes, write_outputs
from tncc.errors import TnccError
from tncc.guard import add_option as add_memory_option
from tncc.io import one_stdout, read_bytes
from tncc.jsonsafe import dumps
from tncc.options import seed_arg

HELP = "run a binary program (.tnb) on the emulator and report cycles, utilisation and energy"
DESCRIPTION = """\
Run a program on the functional and cycle-counting emulator of the machine.
The architecture defaults to the one named in the program's header; running
it on an architecture with a different fingerprint is an error unless
--ignore-fingerprint is given.  Inputs come from an .npz file (one array per
input symbol); missing inputs get seeded random values.  Prints the report;
--json, --trace and --outputs write the report, a Chrome trace (open it in
Perfetto) and the outputs (.npz); '-' is standard output for any one of
them (the printed report is then left out).  Files are written before the
report is printed."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.tnb", help="binary program (or .s/.tns assembly)")
    parser.add_argument("--arch", metavar="SPEC", help="architecture: preset name, file, overrides (NAME:key=value)")
    parser.add_argument("--ignore-fingerprint", action="store_true",
                        help="run even if the program was compiled for a different architecture")
    parser.add_argument("--inputs", metavar="IN.npz", help="input arrays by symbol name")
    parser.add_argument("--outputs", metavar="OUT.npz", help="write the outputs here")
    parser.add_argument("--json", metavar="REPORT.json", help="write the report as JSON here")
    parser.add_argument("--trace", metavar="TRACE.json", help="write a Chrome trace here")
    parser.add_argument("--seed", type=seed_arg, default=0, help="seed of the random inputs (default 0)")
    parser.add_argument("--step-limit", type=int, default=None, metavar="N",
                        help="stop with an error after N instructions")
    parser.add_argument("--check-sync", action="store_true",
                        help="fail if the units' timing overlaps accesses that program order separates "
                             "(a missing SIGNAL/WAIT)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    add_memory_option(parser, work=False)


def _read_npz(path: str) -> dict[str, Any]:
    import numpy as np

    data = read_bytes(path)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise TnccError(f"{path}: not a readable .npz file ({exc})") from None


def run(args: argparse.Namespace) -> int:
    # start-up: `tncc --help` imports every command module
    from tncc.runtime import DEFAULT_STEP_LIMIT, Emulator, load

    program = load(args.file)
    inputs = _read_npz(args.inputs) if args.inputs else None
    limit = DEFAULT_STEP_LIMIT if args.step_limit is None else args.step_limit
    if limit < 1:
        raise TnccError(f"--step-limit must be positive, got {limit}")
    to_stdout = one_stdout(**{"--outputs": args.outputs, "--json": args.json, "--trace": args.trace})
    emu = Emulator(program, args.arch, check_fingerprint=not args.ignore_fingerprint)

    with guard.limit(args.max_memory):
        result = emu.run(inputs, seed=args.seed, step_limit=limit, trace=bool(args.trace),
                         strict_sync=args.check_sync)
    write_outputs([
        (args.outputs, lambda: npz_bytes(result.outputs)),
        (args.json, lambda: result.report.to_json()),
        (args.trace, lambda: dumps({"traceEvents": result.trace, "displayTimeUnit": "ns"})),
        (None if to_stdout or args.quiet else "-", lambda: result.report.format() + "\n"),
    ], 0)
    return 0
