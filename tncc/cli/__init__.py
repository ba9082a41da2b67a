"""The ``tncc`` command.

Each subcommand lives in its own module under ``tncc.cli.commands`` and defines
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.  This
module only dispatches and turns every :class:`~tncc.errors.TnccError` into a
rendered message and exit status 1; bad command-line usage exits with 2.
A closed pipe or a full disk on standard output ends the command with one
line on standard error and a non-zero status (see :mod:`tncc.io`).
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys
from typing import Callable, Sequence

from tncc import __version__
from tncc.errors import TnccError
from tncc.io import OutputError, silence_stdout, stdout_error, write_stdout

# (command, module): the order is the order of ``tncc --help``.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("check", "tncc.cli.commands.check"),
    ("compile", "tncc.cli.commands.compile"),
    ("plan", "tncc.cli.commands.plan"),
    ("run", "tncc.cli.commands.run"),
    ("compare", "tncc.cli.commands.compare"),
    ("sweep", "tncc.cli.commands.sweep"),
    ("viz", "tncc.cli.commands.viz"),
    ("from-einsum", "tncc.cli.commands.from_einsum"),
    ("arch", "tncc.cli.commands.arch"),
    ("asm", "tncc.cli.commands.asm"),
    ("disasm", "tncc.cli.commands.disasm"),
    ("sim", "tncc.cli.commands.sim"),
)

EPILOG = """\
typical use:
  tncc check examples/tt_linear.tn          report every error in a program
  tncc compile examples/tt_linear.tn --emit network
  tncc run examples/tt_linear.tn            compile, emulate, compare with numpy
  tncc COMMAND --help                       options of one command
"""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser; with ``only``, just that command's subparser
    (so running one command imports only its module)."""
    parser = argparse.ArgumentParser(
        prog="tncc",
        description="Compile tensor-network programs (.tn) for a FETTA-style accelerator and emulate them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    parser.add_argument("--version", action="version", version=f"tncc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, modname in COMMANDS:
        if only is not None and name != only:
            continue
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
    words = list(sys.argv[1:] if argv is None else argv)
    # a command named first needs only its own module (a whole-process start-up cost)
    parser = build_parser(words[0] if words and words[0] in dict(COMMANDS) else None)
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    status = 1
    # Plans are trees walked recursively: a statement of a thousand operands
    # in left-to-right order is a thousand levels deep, past Python's default
    # limit.  Python-to-Python calls do not grow the C stack, so a higher
    # limit is safe; a deeper program still gets a message, not a traceback.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    try:
        status = int(args._run(args) or 0)
        write_stdout("")  # flush now: a closed pipe or full disk is reported, not lost at exit
        return status
    except OutputError as err:
        return _fail(err.render(), max(err.status, status, 1), silence_stdout)
    except TnccError as err:
        return _fail(err.render(), 1)
    except KeyboardInterrupt:
        return _fail("tncc: interrupted", 130)
    except RecursionError:
        return _fail(f"error: the program is nested too deeply for tncc (a contraction tree more than about "
                     f"{RECURSION_LIMIT:,} levels deep); split its longest statement into several", 1)
    except OSError as exc:
        # A print() that filled the pipe's buffer and found it closed, or a
        # full disk under standard output: one line, never a traceback, and
        # never exit status 0 (a mismatching run keeps its 3).
        if isinstance(exc, BrokenPipeError) or exc.errno in _STDOUT_ERRNOS:
            return _fail(stdout_error(exc).render(), max(status, 1), silence_stdout)
        raise


RECURSION_LIMIT = 10_000
_STDOUT_ERRNOS = (errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


def _fail(message: str, status: int, cleanup: Callable[[], None] | None = None) -> int:
    """Print ``message`` on standard error (if it still can) and return ``status``."""
    if cleanup is not None:
        cleanup()
    try:
        print(message, file=sys.stderr)
    except OSError:
        pass
    return status


if __name__ == "__main__":
    sys.exit(main())
