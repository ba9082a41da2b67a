"""``tncc disasm FILE.tnb [-o FILE.s]``: print a binary program as assembly."""

from __future__ import annotations

import argparse

from tncc.io import STDOUT, read_bytes, write_output

HELP = "disassemble a binary program (.tnb) into tncc assembly"
DESCRIPTION = """\
Print a binary program as assembly (stdout, or -o FILE.s).  `tncc asm` of the
output gives back the identical binary.  Malformed or truncated input is an
error naming the byte offset."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.tnb", help="binary program")
    parser.add_argument("-o", "--output", metavar="FILE.s", help="write the assembly here instead of stdout ('-': stdout)")


def run(args: argparse.Namespace) -> int:
    # start-up: `tncc --help` imports every command module
    from tncc.isa.asm import disassemble
    from tncc.isa.encoding import decode

    text = disassemble(decode(read_bytes(args.file), args.file))
    write_output(args.output or STDOUT, text)
    return 0
