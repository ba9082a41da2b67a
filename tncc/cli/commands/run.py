"""``tncc run FILE``: compile, emulate, compare every output with numpy, report."""

from __future__ import annotations

import argparse
import io
from typing import Callable

from tncc.cli.commands import add_lowering, add_time_limit
from tncc.errors import TnccError
from tncc.guard import add_option as add_memory_option
from tncc.io import STDOUT, OutputError, one_stdout, read_bytes, write_output
from tncc.jsonsafe import dumps
from tncc.options import seed_arg
from tncc.stages import OBJECTIVES, ORDER_HELP

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
'-' is standard output for any of them (one at a time); the printed report
is then left out.  Files are written before the report is printed.

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
    parser.add_argument("--seed", type=seed_arg, default=0, metavar="S", help="seed of the random inputs (default 0)")
    add_lowering(parser)
    parser.add_argument("--inputs", metavar="IN.npz", help="input and param values by .tn name")
    parser.add_argument("--outputs", metavar="OUT.npz", help="write the emulated outputs by .tn name")
    parser.add_argument("--json", metavar="REPORT.json", help="write the report as JSON")
    parser.add_argument("--trace", metavar="TRACE.json", help="write a Chrome trace of the run")
    add_memory_option(parser)


def _read_npz(path: str) -> dict:
    import numpy as np

    data = read_bytes(path)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as exc:  # numpy raises many types for a malformed archive
        raise TnccError(f"{path}: not a readable .npz archive ({exc.__class__.__name__}: {exc})") from None


def npz_bytes(arrays: dict) -> bytes:
    """The ``.npz`` archive of ``arrays`` (one entry per name)."""
    import numpy as np

    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def write_outputs(files: list[tuple[str | None, "str | bytes | Callable[[], str | bytes]"]], status: int) -> None:
    """Write each (option value, data) whose value is set -- every file before
    standard output -- so that a failing pipe cannot lose a file; an error
    keeps the command's verdict ``status`` (a mismatch stays 3)."""
    ordered = [f for f in files if f[0] and f[0] != STDOUT] + [f for f in files if f[0] == STDOUT]
    for path, data in ordered:
        try:
            write_output(path, data() if callable(data) else data)  # type: ignore[arg-type]
        except OutputError as err:
            err.status = max(err.status, status)
            raise


def format_report(rep: dict, emu_report) -> str:
    verdict = f"MATCH (max relative error {rep['max_rel_err']:.3g})"
    if not rep["match"]:
        # the relative error is over the elements finite in both: a difference
        # that is NaN or infinite on one side is counted, not measured
        differ = sum(o.get("differing", 0) for o in rep["outputs"].values())
        verdict = (f"MISMATCH ({differ} element{'s' if differ != 1 else ''} differ; max relative error "
                   f"{rep['max_rel_err']:.3g} where both are finite)")
    lines = [f"network {rep['network']} on {rep['arch']}: {verdict}"]
    for name, o in rep["outputs"].items():
        lines.append(f"  output {name}: {'ok' if o['match'] else 'MISMATCH'}  max abs err {o['max_abs_err']:.3g}"
                     f"  max rel err {o['max_rel_err']:.3g}")
        if o.get("detail"):
            lines.append(f"    {o['detail']}")
        same = [f"{o[k]} {what}" for k, what in (("nan_agree", "NaN"), ("inf_agree", "infinite"))
                if o.get(k)]
        if same:
            lines.append(f"    {' and '.join(same)} element(s) in the same place in both (agree)")
        if o.get("reference_overflow"):
            lines.append(f"    note: the reference overflowed at {o['reference_overflow']} element(s) in numpy's "
                         "summation order, where a float64 recomputation is finite and agrees with the "
                         "emulator; not counted against the program")
    lines.append(f"  compiled in {rep['compile_seconds']:.2f} s: {rep['instructions']} instructions,"
                 f" {rep['shape_instructions']} SHAPE")
    if rep["spilled"]:
        lines.append(f"  spilled to DRAM: {', '.join(rep['spilled'])}")
    if rep["streamed"]:
        lines.append(f"  streamed from DRAM block by block: {', '.join(rep['streamed'])}")
    lines.append(emu_report.format())
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    # start-up: `tncc --help` imports every command module; the compiler loads only to run
    from tncc.execute import execute, report_json

    # Two outputs cannot share standard output; say so before any work.
    to_stdout = one_stdout(**{"--outputs": args.outputs, "--json": args.json, "--trace": args.trace})
    inputs = _read_npz(args.inputs) if args.inputs else None
    res = execute(args.file, args.arch, args.network, args.order, args.objective, args.seed, inputs,
                  bool(args.trace), args.max_memory, args.lowering, args.time_limit, args.max_work)
    status = 0 if res.match else 3
    write_outputs([
        (args.outputs, lambda: npz_bytes(res.outputs)),
        (args.json, lambda: report_json(res.report)),
        (args.trace, lambda: dumps({"traceEvents": res.trace}) + "\n"),
        # The human report goes last, and only when standard output is not an output file.
        (None if to_stdout else "-", lambda: format_report(res.report, res.emulator_report) + "\n"),
    ], status)
    return status
