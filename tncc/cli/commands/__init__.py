"""The subcommands of ``tncc``, one module each (``HELP``, ``add_arguments``, ``run``)."""

from __future__ import annotations

import argparse

from tncc.passes.order.planner import DEFAULT_TIME_LIMIT


def add_time_limit(parser: argparse.ArgumentParser) -> None:
    """The ``--time-limit S`` option of every command that searches an order."""
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, metavar="S",
                        help=f"about the seconds the order search may take (default {DEFAULT_TIME_LIMIT:g})")


def add_lowering(parser: argparse.ArgumentParser) -> None:
    """The ``--lowering KEY=VALUE,...`` option of every command that lowers a plan."""
    parser.add_argument("--lowering", metavar="KEY=VALUE,...", default=None,
                        help="force the lowering's choices (docs/lowering.md): stage_share=N, "
                             "residency=greedy|cpsat, and wide_paddings, lookahead, prefetch, deferred_stores, "
                             "co_schedule, leaves_ahead, smaller_buffer =on|off; auto leaves one to the lowering")
