"""``tncc check FILE...``: parse and check programs, report every error."""

from __future__ import annotations

import argparse
import sys

from tncc.errors import TnccError
from tncc.frontend import load_file

HELP = "check .tn programs and report every error"
DESCRIPTION = """\
Parse and check one or more .tn programs.  Every error in a file is reported
(file:line:col, the source line and a caret); on success prints one line per
file with its networks.  Exit status 1 if any file has an error.

example:
  $ tncc check examples/tt_ffn.tn
  examples/tt_ffn.tn: ok (2 networks: tt_ffn_up, tt_ffn_down)"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help=".tn program(s) to check")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")


def run(args: argparse.Namespace) -> int:
    status = 0
    for path in args.files:
        try:
            nets = load_file(path)
        except TnccError as err:
            print(err.render(), file=sys.stderr)
            status = 1
            continue
        if not args.quiet:
            n = len(nets)
            names = ", ".join(net.name for net in nets)
            print(f"{path}: ok ({n} network{'s' if n != 1 else ''}: {names})")
    return status
