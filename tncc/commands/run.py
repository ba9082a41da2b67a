"""``tncc run FILE``: compile, emulate, compare every output with numpy, report."""

from __future__ import annotations

import argparse
import io
import json
import sys

from tncc.commands import add_time_limit
from tncc.stages import OBJECTIVES, ORDER_HELP
from tncc.errors import TnccError

HELP = "compile a .tn program, run it on the emulator and check it against numpy"
DESCRIPTION = """\
Compile FILE for the architecture, execute the program on the emulator and
compare every output with the numpy reference (within the tolerance of the
network's dtype).  Prints cycles, MAC utilisation, energy, memory traffic,
the per-statement breakdown and the largest error.

Inputs and params not given with --inputs get seeded random values (--seed).
--inputs reads a .npz with arrays named as in the .tn file (upstream
gradients as d_<name>); --outputs writes every output under its .tn name
(gradients as d_<name>).  --json writes the report (keys network, arch,
cycles, array_cycles, macs, utilization, energy_pj, dram_bytes, match,
max_rel_err and more); --trace writes a Chrome trace (open in Perfetto).

exit status: 0 all outputs match, 3 some output does not, 1 bad input.

examples:
  tncc run examples/tt_linear.tn
  tncc run examples/tt_linear.tn --arch systolic --json report.json
  tncc run examples/deepoheat.tn --network deepoheat --outputs out.npz"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help=".tn program")
    parser.add_argument("--network", metavar="N", help="network to run (needed when the file holds several)")
    parser.add_argument("--arch", metavar="NAME|PATH", default="fetta",
                        help="target architecture: fetta (default), systolic, a .toml file, with :key=value overrides")
    parser.add_argument("--order", metavar="NAME", default="csse", help=ORDER_HELP)
    parser.add_argument("--objective", choices=OBJECTIVES, default=None,
                        help="what the order search minimises (default: cycles for csse, macs otherwise)")
    add_time_limit(parser)
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the random inputs (default 0)")
    parser.add_argument("--inputs", metavar="IN.npz", help="input and param values by .tn name")
    parser.add_argument("--outputs", metavar="OUT.npz", help="write the emulated outputs by .tn name")
    parser.add_argument("--json", metavar="REPORT.json", help="write the report as JSON")
    parser.add_argument("--trace", metavar="TRACE.json", help="write a Chrome trace of the run")


def _read_npz(path: str) -> dict:
    import numpy as np

    from tncc.io import read_bytes

    data = read_bytes(path)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as exc:  # numpy raises many types for a malformed archive
        raise TnccError(f"{path}: not a readable .npz archive ({exc.__class__.__name__}: {exc})") from None


def _write_npz(path: str, arrays: dict) -> None:
    import numpy as np

    from tncc.io import atomic_write_bytes

    buf = io.BytesIO()
    np.savez(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())


def format_report(rep: dict, emu_report) -> str:
    lines = [f"network {rep['network']} on {rep['arch']}: "
             f"{'MATCH' if rep['match'] else 'MISMATCH'} (max relative error {rep['max_rel_err']:.3g})"]
    for name, o in rep["outputs"].items():
        lines.append(f"  output {name}: {'ok' if o['match'] else 'MISMATCH'}  max abs err {o['max_abs_err']:.3g}"
                     f"  max rel err {o['max_rel_err']:.3g}")
    lines.append(f"  compiled in {rep['compile_seconds']:.2f} s: {rep['instructions']} instructions,"
                 f" {rep['shape_instructions']} SHAPE")
    if rep["spilled"]:
        lines.append(f"  spilled to DRAM: {', '.join(rep['spilled'])}")
    if rep["streamed"]:
        lines.append(f"  streamed from DRAM block by block: {', '.join(rep['streamed'])}")
    lines.append(emu_report.format())
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from tncc.compiled import compile as tncc_compile
    from tncc.io import atomic_write_text

    inputs = _read_npz(args.inputs) if args.inputs else None
    if args.time_limit <= 0:
        raise TnccError(f"--time-limit must be positive, got {args.time_limit}")
    compiled = tncc_compile(args.file, args.arch, args.network, args.order, args.objective, args.time_limit)
    res = compiled.run(inputs, seed=args.seed, trace=bool(args.trace))
    print(format_report(res.report, res.emulator_report))
    if args.outputs:
        _write_npz(args.outputs, res.outputs)
    if args.json:
        atomic_write_text(args.json, json.dumps(res.report, indent=1, default=float) + "\n")
    if args.trace:
        atomic_write_text(args.trace, json.dumps({"traceEvents": res.trace}) + "\n")
    sys.stdout.flush()
    return 0 if res.match else 3
