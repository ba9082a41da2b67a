"""``tncc asm FILE.s -o FILE.tnb``: assemble a program."""

from __future__ import annotations

import argparse
from pathlib import Path

from tncc.io import read_text, write_output
from tncc.isa.arch import load_arch

HELP = "assemble tncc assembly (.s) into a binary program (.tnb)"
DESCRIPTION = """\
Assemble a text program (the format `tncc disasm` prints, documented in
isa/README.md) into the binary container.  Errors name line and column.
With --arch, the program's fingerprint must match that architecture's."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.s", help="assembly source")
    parser.add_argument("-o", "--output", metavar="FILE.tnb", help="output (default: FILE with suffix .tnb; '-': standard output)")
    parser.add_argument("--arch", metavar="NAME", help="check the program was built for this architecture")


def run(args: argparse.Namespace) -> int:
    # start-up: `tncc --help` imports every command module
    from tncc.isa.asm import assemble
    from tncc.isa.encoding import encode

    program = assemble(read_text(args.file), args.file)
    if args.arch:
        # start-up: `tncc --help` imports every command module
        from tncc.isa.files import check_arch

        check_arch(program, load_arch(args.arch), args.file)
    out = args.output or str(Path(args.file).with_suffix(".tnb"))
    write_output(out, encode(program))
    return 0

