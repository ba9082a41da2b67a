"""``tncc compile FILE --emit STAGE``: run the pipeline and print one stage's IR."""

from __future__ import annotations

import argparse
import sys

from tncc import guard
from tncc.cli.commands import add_lowering, add_time_limit
from tncc.guard import add_option as add_memory_option
from tncc.io import STDOUT, write_output
from tncc.stages import OBJECTIVES, ORDER_HELP, PASS_NAMES, STAGE_HELP

HELP = "compile a .tn program and print the IR of one stage"


def _stages() -> tuple[str, ...]:
    return tuple(name for name, _ in STAGE_HELP)


def _description() -> str:
    rows = "\n".join(f"  {name:<10} {text}" for name, text in STAGE_HELP)
    return ("Run the compilation pipeline on FILE up to the stage named by --emit and\n"
            "print that stage's deterministic text form (to OUT with -o).\n\nstages:\n" + rows +
            "\n\n--print-after PASS (repeatable, or all) prints the IR after that pass to\n"
            "standard error; passes: " + ", ".join(PASS_NAMES) + ".")


DESCRIPTION = _description()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    names = _stages()
    parser.add_argument("file", metavar="FILE", help=".tn program")
    parser.add_argument("--emit", choices=names, default=names[-1], metavar="STAGE",
                        help=f"stage to print: {', '.join(names)} (default: {names[-1]})")
    parser.add_argument("--network", metavar="NAME", help="network to compile (needed when FILE has several)")
    parser.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of standard output ('-': standard output)")
    parser.add_argument("--arch", metavar="NAME|PATH", default="fetta",
                        help="target architecture: fetta (default), systolic, a .toml file, with :key=value overrides")
    parser.add_argument("--order", metavar="NAME", default="csse",
                        help=ORDER_HELP)
    parser.add_argument("--objective", choices=OBJECTIVES, default=None,
                        help="what the order search minimises (default: cycles for csse, macs otherwise)")
    add_lowering(parser)
    add_time_limit(parser)
    parser.add_argument("--print-after", action="append", default=[], metavar="PASS",
                        help="print the IR after PASS to standard error (repeatable; 'all' for every pass)")
    add_memory_option(parser)


def run(args: argparse.Namespace) -> int:
    # start-up: `tncc --help` imports every command module
    from tncc.driver import compile_file, get_stage

    def show(name: str, text: str) -> None:
        sys.stderr.write(f"; ---- IR after pass '{name}' ----\n{text}")

    with guard.limit(args.max_memory, args.max_work):
        ctx = compile_file(args.file, args.emit, network=args.network, options=vars(args),
                           print_after=tuple(args.print_after), printer=show)
    data = get_stage(args.emit).emit(ctx.artifacts[args.emit])
    if args.output and args.output.endswith(".tnb") and args.emit == "asm":
        # start-up: `tncc --help` imports every command module
        from tncc.isa.encoding import encode

        data = encode(ctx.artifacts["asm"])  # the binary program instead of its text
    write_output(args.output or STDOUT, data)
    return 0
