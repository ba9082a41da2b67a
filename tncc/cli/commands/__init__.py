"""The subcommands of ``tncc``, one module each (``HELP``, ``add_arguments``, ``run``)."""

from __future__ import annotations

import argparse

from tncc.passes.order.planner import DEFAULT_TIME_LIMIT


def add_time_limit(parser: argparse.ArgumentParser) -> None:
    """The ``--time-limit S`` option of every command that searches an order."""
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, metavar="S",
                        help=f"about the seconds the order search may take (default {DEFAULT_TIME_LIMIT:g})")
