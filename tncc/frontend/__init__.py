"""The ``.tn`` front end: text -> AST (:mod:`.parser`) -> checked network IR
(:mod:`.check`).

Entry points:

* :func:`parse_source` / :func:`parse_file`: syntax only, a frozen AST;
* :func:`load_source` / :func:`load_file`: every network of a file as IR;
* :func:`load_network`: one network of a file, picked by name (or the only one).

All of them raise :class:`~tncc.errors.TnccError` for bad input.
"""

from __future__ import annotations

import os

from tncc.errors import Diagnostic, Span, TnccError
from tncc.frontend import ast
from tncc.frontend.check import check_file
from tncc.frontend.parser import parse_source, paused_gc
from tncc.ir import Network
from tncc.io import read_bytes


def read_source(path: str | os.PathLike[str]) -> str:
    """The text of a ``.tn`` file; bytes that are not UTF-8 are an error located
    at their line and column."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = data.decode("utf-8", errors="replace")
        before = data[:exc.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        msg = f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot start or continue a character"
        raise TnccError(Diagnostic(msg, Span(str(path), line, col, line, col + 1, shown))) from None


def parse_file(path: str | os.PathLike[str]) -> ast.SourceFile:
    """Read and parse a ``.tn`` file (syntax only)."""
    return parse_source(read_source(path), str(path))


def load_source(text: str, file: str = "<string>") -> tuple[Network, ...]:
    """Parse and check ``text``; every network of it as IR, in source order."""
    with paused_gc():
        return check_file(parse_source(text, file))


def load_file(path: str | os.PathLike[str]) -> tuple[Network, ...]:
    """Parse and check the file at ``path``; every network of it as IR."""
    return load_source(read_source(path), str(path))


def select_network(nets: tuple[Network, ...], name: str | None, file: str) -> Network:
    """The network called ``name``, or the only one when ``name`` is None."""
    if name is None:
        if len(nets) == 1:
            return nets[0]
        listed = ", ".join(n.name for n in nets)
        raise TnccError(f"{file} holds {len(nets)} networks ({listed}); choose one with --network NAME")
    for n in nets:
        if n.name == name:
            return n
    listed = ", ".join(n.name for n in nets)
    raise TnccError(f"{file} has no network '{name}' (it has: {listed})")


def load_network(path: str | os.PathLike[str], name: str | None = None) -> Network:
    """The network ``name`` of the ``.tn`` file at ``path`` (the only one if ``name`` is None)."""
    return select_network(load_file(path), name, str(path))


__all__ = ["ast", "parse_source", "parse_file", "load_source", "load_file", "load_network", "select_network"]
