"""The ``tncc`` command.

Each subcommand lives in its own module under ``tncc.commands`` and defines
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.  This
module only dispatches and turns every :class:`~tncc.errors.TnccError` into a
rendered message and exit status 1; bad command-line usage exits with 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from tncc.errors import TnccError

# (command, module): the order is the order of ``tncc --help``.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("check", "tncc.commands.check"),
    ("compile", "tncc.commands.compile"),
    ("plan", "tncc.commands.plan"),
    ("run", "tncc.commands.run"),
    ("compare", "tncc.commands.compare"),
    ("sweep", "tncc.commands.sweep"),
    ("viz", "tncc.commands.viz"),
    ("from-einsum", "tncc.commands.from_einsum"),
    ("arch", "tncc.commands.arch"),
    ("asm", "tncc.commands.asm"),
    ("disasm", "tncc.commands.disasm"),
    ("sim", "tncc.commands.sim"),
)

EPILOG = """\
typical use:
  tncc check examples/tt_linear.tn          report every error in a program
  tncc compile examples/tt_linear.tn --emit network
  tncc run examples/tt_linear.tn            compile, emulate, compare with numpy
  tncc COMMAND --help                       options of one command
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tncc",
        description="Compile tensor-network programs (.tn) for a FETTA-style accelerator and emulate them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from tncc import __version__

    parser.add_argument("--version", action="version", version=f"tncc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, modname in COMMANDS:
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name == modname:
                continue  # command not built yet
            raise
        p = sub.add_parser(name, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except TnccError as err:
        print(err.render(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tncc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
