"""``tncc from-einsum EQ --sizes ...``: write a ``.tn`` program for an einsum equation."""

from __future__ import annotations

import argparse
import re

from tncc.errors import TnccError
from tncc.frontend.einsum import from_einsum, parse_sizes
from tncc.frontend.syntax_errors import KEYWORDS
from tncc.io import STDOUT, write_output
from tncc.printer import to_source

HELP = "turn an einsum equation into a .tn program"
DESCRIPTION = """\
Print a .tn program for a numpy-style einsum equation.  Every letter is an
index (past 52, any non-ASCII symbol, as opt_einsum writes them); operands
become inputs t0, t1, ...; the result is the output 'out'.  A letter repeated
in one operand reads its diagonal ("ii->i", a trace "ii->"), an empty operand
is a scalar ("ab,->ab"), and '...' broadcasts over the sizes given as
...=AxB.

examples:
  tncc from-einsum "bi,io->bo" --sizes b=32,i=64,o=16 --name linear > linear.tn
  tncc from-einsum "...ij,...jk->...ik" --sizes "...=4x2,i=8,j=16,k=8"
"""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("equation", metavar="EQ", help='einsum equation, e.g. "bi,io->bo"')
    parser.add_argument("--sizes", required=True, metavar="SIZES", help="index sizes, e.g. b=32,i=64,o=16 (and ...=4x2 for the dimensions of '...')")
    parser.add_argument("--name", default="einsum", metavar="N", help="network name (default: einsum)")
    parser.add_argument("--dtype", default="fp32", choices=("fp32", "fp16", "bf16", "int8"), metavar="T",
                        help="element type: fp32 (default), fp16, bf16 or int8")
    parser.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of standard output ('-': standard output)")


def run(args: argparse.Namespace) -> int:
    if not _NAME.match(args.name) or args.name in KEYWORDS:
        raise TnccError(f"--name: '{args.name}' is not a valid network name (letters, digits, '_'; "
                        "not a keyword)")
    net = from_einsum(args.equation, parse_sizes(args.sizes), name=args.name, dtype=args.dtype)
    # One line whatever the equation holds: a newline would end the comment.
    text = f"# from einsum \"{' '.join(args.equation.split())}\"\n" + to_source(net)
    write_output(args.output or STDOUT, text)
    return 0
