"""The abstract syntax tree of a ``.tn`` file.

Every node is a frozen, slotted dataclass carrying the :class:`~tncc.errors.Span`
of the text it came from, so every check can point at the offending text.  The
tree records what the user wrote and nothing more: shorthand operands keep
``indices=None``, sizes are not yet checked, names are not yet resolved.  The
semantic checks in :mod:`tncc.frontend.check` turn it into the network IR.
No Lark object survives in this tree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tncc.errors import Span


class DeclKind(enum.Enum):
    """The two kinds of tensors supplied at run time."""

    INPUT = "input"
    PARAM = "param"


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier as written, with its position."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class DtypeStmt:
    """``dtype T``; ``span`` covers the whole statement."""

    type_name: Name
    span: Span


@dataclass(frozen=True, slots=True)
class IndexDef:
    """``name = size`` inside an ``index`` statement; ``size_span`` is the number's."""

    name: Name
    size: int
    size_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class IndexStmt:
    defs: tuple[IndexDef, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class TensorDecl:
    """``name[i, j]`` after ``input`` or ``param``."""

    kind: DeclKind
    name: Name
    indices: tuple[Name, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class DeclStmt:
    """``input a[i], b[j]`` or ``param ...``: one or more declarations."""

    kind: DeclKind
    decls: tuple[TensorDecl, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class OperandRef:
    """A factor of a contraction: ``x[i, j]``, or bare ``x`` (``indices is None``)
    standing for ``x``'s declared index list."""

    name: Name
    indices: tuple[Name, ...] | None
    span: Span


@dataclass(frozen=True, slots=True)
class Contraction:
    """``result[indices] = operands[0] * operands[1] * ...``."""

    result: Name
    indices: tuple[Name, ...]
    operands: tuple[OperandRef, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class OutputStmt:
    names: tuple[Name, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class GradStmt:
    """``grad of wrt wrt[0], wrt[1], ...``."""

    of: Name
    wrt: tuple[Name, ...]
    span: Span


Item = DtypeStmt | IndexStmt | DeclStmt | Contraction | OutputStmt | GradStmt


@dataclass(frozen=True, slots=True)
class NetworkDecl:
    """``network NAME { items }``; ``span`` covers the keyword through ``}``."""

    name: Name
    items: tuple[Item, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A parsed ``.tn`` file: its networks in source order."""

    path: str
    networks: tuple[NetworkDecl, ...]
