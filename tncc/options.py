"""Checked values of command-line options and API arguments that every
command shares: seeds (``--seed``) and memory limits (``--max-memory``).

Each has a checker that raises :class:`TnccError` (for the Python API) and an
argparse type built on it (a bad value is a usage error, exit status 2), so
both say the same thing.  This module imports nothing heavy: the command
line builds its parser from it before any command runs.
"""

from __future__ import annotations

import argparse
import operator
from typing import SupportsIndex

from tncc.errors import TnccError

SEED_LIMIT = 1 << 64
"""Seeds are integers in ``0 .. 2**64 - 1`` (numpy's generators take
non-negative seeds; the bound keeps a seed one machine word)."""


def check_seed(seed: object) -> int:
    """``seed`` if it is a valid seed, else a :class:`TnccError` saying what is."""
    value: int | None = None
    if isinstance(seed, SupportsIndex):  # ints and numpy integers, not floats or bools' cousins
        try:
            value = operator.index(seed)
        except TypeError:
            value = None
    if value is None or isinstance(seed, bool) or not 0 <= value < SEED_LIMIT:
        raise TnccError(f"seed must be an integer from 0 to {SEED_LIMIT - 1}, got {seed!r}")
    return value


def seed_arg(text: str) -> int:
    """The ``--seed`` option's type (see :func:`check_seed`)."""
    try:
        return check_seed(int(text, 0))
    except (ValueError, TnccError):
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to {SEED_LIMIT - 1}, got {text!r}") from None
