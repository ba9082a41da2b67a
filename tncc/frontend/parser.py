"""Parse ``.tn`` text into the AST of :mod:`tncc.frontend.ast`.

The grammar lives in ``tn.lark``.  Lark builds an LALR(1) parser with the
basic lexer (the grammar is checked in strict mode by the tests), and calls :class:`_Builder` on every reduction
(the ``transformer=`` argument), so no Lark parse tree is ever built and no
Lark object leaves this module.  Spans come straight from the tokens (Lark's
``propagate_positions`` would cost a second pass over every node; the tokens
already know their lines and columns).

Lark's exceptions are translated into one :class:`~tncc.errors.TnccError` whose
message says, in the language's own words, what was expected.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from tncc.errors import Diagnostic, Span, TnccError
from tncc.frontend import ast, table
from tncc.frontend.fastparse import FastParser, Reject
from tncc.frontend.syntax_errors import describe_unexpected
from tncc.frontend.table import grammar_text


class _Builder(Transformer):
    """Turns each reduction into an AST node.  ``file`` and ``text`` are set by
    :func:`parse_source` before each parse (under a lock)."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.file = "<string>"
        self.text = ""

    # -- helpers -------------------------------------------------------------
    # Lark types a token's position as optional; the lexer sets it on every
    # token the grammar's rules receive.
    def _span(self, first: Token, last: Token) -> Span:
        line, col, end_line, end_col = first.line, first.column, last.end_line, last.end_column
        if line is None or col is None or end_line is None or end_col is None:
            raise TnccError(f"{self.file}: the lexer gave token {first.value!r} no position")
        return Span(self.file, line, col, end_line, end_col, self.text)

    def _name(self, tok: Token) -> ast.Name:
        return ast.Name(tok.value, self._span(tok, tok))

    @staticmethod
    def _join(a: Span, b: Span) -> Span:
        return Span(a.file, a.line, a.column, b.end_line, b.end_column, a.text)

    # -- rules ----------------------------------------------------------------
    def start(self, children: list) -> tuple[ast.NetworkDecl, ...]:
        return tuple(children)

    def network(self, c: list) -> ast.NetworkDecl:
        kw, name, _lbrace, *items, rbrace = c
        return ast.NetworkDecl(self._name(name), tuple(items), self._span(kw, rbrace))

    def dtype_stmt(self, c: list) -> ast.DtypeStmt:
        kw, name = c
        return ast.DtypeStmt(self._name(name), self._span(kw, name))

    def index_def(self, c: list) -> ast.IndexDef:
        name, size = c
        size_span = self._span(size, size)
        # Python refuses int() of very long digit strings; any such size is
        # too large anyway, and the check says so.
        value = int(size.value) if len(size.value) <= 30 else 10**30
        return ast.IndexDef(self._name(name), value, size_span, self._span(name, size))

    def index_stmt(self, c: list) -> ast.IndexStmt:
        kw, *defs = c
        return ast.IndexStmt(tuple(defs), self._join(self._span(kw, kw), defs[-1].span))

    def names(self, c: list) -> tuple[ast.Name, ...]:
        return tuple([self._name(t) for t in c])

    def tensor_decl(self, c: list) -> tuple[Token, tuple[ast.Name, ...], Token]:
        name, _lsqb, names, rsqb = c
        return (name, names, rsqb)

    def decl_stmt(self, c: list) -> ast.DeclStmt:
        kw, *decls = c
        kind = ast.DeclKind(kw.value)
        out = tuple(ast.TensorDecl(kind, self._name(n), ix, self._span(n, r)) for n, ix, r in decls)
        return ast.DeclStmt(kind, out, self._join(self._span(kw, kw), out[-1].span))

    def operand(self, c: list) -> ast.OperandRef:
        if len(c) == 1:
            ref = self._name(c[0])
            return ast.OperandRef(ref, None, ref.span)
        name, _lsqb, names, rsqb = c
        return ast.OperandRef(self._name(name), names, self._span(name, rsqb))

    def contraction(self, c: list) -> ast.Contraction:
        name, _lsqb, names, _rsqb, *operands = c
        result = self._name(name)
        return ast.Contraction(result, names, tuple(operands), self._join(result.span, operands[-1].span))

    def output_stmt(self, c: list) -> ast.OutputStmt:
        kw, *names = c
        ns = tuple(self._name(t) for t in names)
        return ast.OutputStmt(ns, self._join(self._span(kw, kw), ns[-1].span))

    def grad_stmt(self, c: list) -> ast.GradStmt:
        kw, of, _wrt, *wrt = c
        ws = tuple(self._name(t) for t in wrt)
        return ast.GradStmt(self._name(of), ws, self._join(self._span(kw, kw), ws[-1].span))


_lock = threading.Lock()
_parser: Lark | None = None
_builder: _Builder | None = None
_fast: FastParser | None = None


@contextmanager
def paused_gc() -> Iterator[None]:
    """Suspend the cyclic garbage collector while building the AST and IR.

    Parsing allocates hundreds of thousands of small objects and none of them
    form reference cycles; the collector's repeated scans of the growing heap
    took half of the front end's time on a 100 000-line file."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _get_parser() -> tuple[Lark, _Builder]:
    global _parser, _builder, _fast
    if _parser is None or _builder is None:
        builder = _Builder()
        # The shipped tables when they match the grammar (a tenth of a second saved at every
        # start), else a build from the grammar.  The build skips Lark's check of every pair of
        # terminals for collisions (with interegular): those checks are of the grammar, not of
        # the input, so the test suite runs them in strict mode (tests/test_frontend_parser.py).
        text = grammar_text()
        parser = table.load(text, builder) or table.build(text, builder)
        _parser, _builder, _fast = parser, builder, FastParser(parser, builder)
        return parser, builder
    return _parser, _builder


def lark_parser() -> Lark:
    """The shared Lark instance (for tools that want to inspect the grammar)."""
    return _get_parser()[0]


def parse_source(text: str, file: str = "<string>", *, fast: bool = True) -> ast.SourceFile:
    """Parse ``text`` (the contents of ``file``) into a :class:`~tncc.frontend.ast.SourceFile`.

    Raises :class:`~tncc.errors.TnccError` with one diagnostic at the first
    syntax error.  Semantic problems are not checked here.  Well-formed text
    goes through :mod:`tncc.frontend.fastparse` (same grammar tables, less
    overhead); anything it rejects, or ``fast=False``, goes through Lark."""
    with _lock, paused_gc():
        parser, builder = _get_parser()
        builder.file, builder.text = file, text
        try:
            if fast and _fast is not None:
                try:
                    return ast.SourceFile(file, _fast.parse(text))
                except Reject:
                    pass
            # With a transformer, Lark returns what the start rule built.
            networks = parser.parse(text)
            if not isinstance(networks, tuple):
                raise TnccError(f"{file}: the parser built {type(networks).__name__}, not a tuple of networks")
        except (UnexpectedToken, UnexpectedCharacters) as exc:
            raise TnccError(describe_unexpected(exc, text, file)) from None
        except UnexpectedInput as exc:  # any other Lark input error: still located
            line, col = getattr(exc, "line", 1), getattr(exc, "column", 1)
            raise TnccError(Diagnostic("syntax error", Span(file, line, col, line, col + 1, text))) from None
        finally:
            builder.text = ""
    return ast.SourceFile(file, networks)
