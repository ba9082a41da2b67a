"""``tncc from-einsum EQ --sizes ...``: write a ``.tn`` program for an einsum equation."""

from __future__ import annotations

import argparse
import re

from tncc.errors import TnccError

HELP = "turn an einsum equation into a .tn program"
DESCRIPTION = """\
Print a .tn program for a numpy-style einsum equation.  Every letter is an
index; operands become inputs t0, t1, ...; the result is the output 'out'.

example:
  tncc from-einsum "bi,io->bo" --sizes b=32,i=64,o=16 --name linear > linear.tn"""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("equation", metavar="EQ", help='einsum equation, e.g. "bi,io->bo"')
    parser.add_argument("--sizes", required=True, metavar="SIZES", help="index sizes, e.g. b=32,i=64,o=16")
    parser.add_argument("--name", default="einsum", metavar="N", help="network name (default: einsum)")
    parser.add_argument("--dtype", default="fp32", choices=("fp32", "fp16", "bf16", "int8"), metavar="T",
                        help="element type: fp32 (default), fp16, bf16 or int8")
    parser.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of standard output ('-': standard output)")


def run(args: argparse.Namespace) -> int:
    from tncc.einsum import from_einsum, parse_sizes
    from tncc.frontend.syntax_errors import KEYWORDS
    from tncc.io import STDOUT, write_output
    from tncc.printer import to_source

    if not _NAME.match(args.name) or args.name in KEYWORDS:
        raise TnccError(f"--name: '{args.name}' is not a valid network name (letters, digits, '_'; "
                        "not a keyword)")
    net = from_einsum(args.equation, parse_sizes(args.sizes), name=args.name, dtype=args.dtype)
    text = f"# from einsum \"{args.equation}\"\n" + to_source(net)
    write_output(args.output or STDOUT, text)
    return 0
