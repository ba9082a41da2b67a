"""Syntax: what parses, the AST it gives, and one golden diagnostic per kind of
syntax error (message, line and column)."""

from __future__ import annotations

import pytest

from tncc.errors import TnccError
from tncc.frontend import ast, parse_source

EXAMPLE = """\
# comment line
network ttm { # trailing comment
  dtype fp32

  index b = 32, i = 8 ; index o = 4
  input x[b, i]
  param w[o, i]
  y[b, o] = x * w[o, i]
  s[] = y[b, o] * y[b, o]
  output y, s
  grad s wrt w
}
network second { index k = 1; input a[k]; z[] = a; output z }
"""


def test_parses_every_statement_kind() -> None:
    sf = parse_source(EXAMPLE, "ex.tn")
    assert [n.name.text for n in sf.networks] == ["ttm", "second"]
    items = sf.networks[0].items
    kinds = [type(it).__name__ for it in items]
    assert kinds == ["DtypeStmt", "IndexStmt", "IndexStmt", "DeclStmt", "DeclStmt", "Contraction",
                     "Contraction", "OutputStmt", "GradStmt"]
    idx = items[1]
    assert isinstance(idx, ast.IndexStmt)
    assert [(d.name.text, d.size) for d in idx.defs] == [("b", 32), ("i", 8)]
    y = items[5]
    assert isinstance(y, ast.Contraction)
    assert y.operands[0].indices is None  # bare-name shorthand kept as written
    assert [n.text for n in y.operands[1].indices or ()] == ["o", "i"]
    s = items[6]
    assert isinstance(s, ast.Contraction) and s.indices == ()
    g = items[8]
    assert isinstance(g, ast.GradStmt) and g.of.text == "s" and [w.text for w in g.wrt] == ["w"]


def test_spans_point_at_the_text() -> None:
    sf = parse_source(EXAMPLE, "ex.tn")
    y = sf.networks[0].items[5]
    assert isinstance(y, ast.Contraction)
    sp = y.span
    assert (sp.file, sp.line, sp.column, sp.end_line, sp.end_column) == ("ex.tn", 8, 3, 8, 24)
    line = EXAMPLE.splitlines()[7]
    assert line[sp.column - 1:sp.end_column - 1] == "y[b, o] = x * w[o, i]"
    w = y.operands[1]
    assert line[w.span.column - 1:w.span.end_column - 1] == "w[o, i]"
    net = sf.networks[0]
    assert (net.span.line, net.span.end_line) == (2, 12)


def test_ast_is_frozen_and_free_of_lark() -> None:
    sf = parse_source(EXAMPLE, "ex.tn")
    with pytest.raises(AttributeError):
        sf.networks[0].name.text = "other"  # type: ignore[misc]

    def walk(obj: object) -> None:
        assert "lark" not in type(obj).__module__
        if isinstance(obj, tuple):
            for x in obj:
                walk(x)
        elif hasattr(obj, "__slots__") and type(obj).__module__ == "tncc.frontend.ast":
            for f in obj.__slots__:  # type: ignore[attr-defined]
                walk(getattr(obj, f))

    walk(sf.networks)


def test_empty_and_comment_only_files_parse() -> None:
    assert parse_source("", "e.tn").networks == ()
    assert parse_source("# only a comment\n\n;\n", "e.tn").networks == ()


# One malformed program per kind of syntax error: (source, line, column, message).
SYNTAX_ERRORS = {
    "unclosed_bracket": ("network n {\n  index i = 2\n  input x[i\n}\n", 3, 12,
                         "expected ']' or ',', found end of line"),
    "missing_size": ("network n {\n  index i =\n}\n", 2, 12,
                     "expected a size (a positive integer), found end of line"),
    "keyword_as_name": ("network n {\n  index i = 2\n  input grad[i]\n}\n", 3, 9,
                        "expected a tensor name, found keyword 'grad' ('grad' is a keyword and cannot be "
                        "used as a name)"),
    "missing_separator": ("network n {\n  index i = 2 input x[i]\n}\n", 2, 15,
                          "expected ',', '}' or a newline or ';', found keyword 'input'"),
    "missing_star": ("network n {\n  index i = 2\n  input x[i]\n  y[i] = x x\n}\n", 4, 12,
                     "expected '[', '*', '}' or a newline or ';', found 'x'"),
    "bad_character": ("network n {\n  index i = 2 @\n}\n", 2, 15,
                      "unexpected character '@': names are letters, digits and '_', sizes are decimal "
                      "integers, '#' starts a comment"),
    "unclosed_network": ("network n {\n  index i = 2\n", 2, 14,
                         "expected a statement (dtype, index, input, param, a contraction, output or grad), "
                         "'}' or a newline or ';', found end of file"),
    "statement_outside_network": ("index i = 2\n", 1, 1,
                                  "expected 'network', a newline or ';' or end of file, found keyword 'index'"),
    "result_without_indices": ("network n {\n  index i = 2\n  input x[i]\n  y = x\n}\n", 4, 5,
                               "expected '[', found '='"),
    "trailing_comma": ("network n {\n  index i = 2\n  input x[i,]\n}\n", 3, 13,
                       "expected an index name, found ']'"),
    "binary_junk": ("network n {\x00}\n", 1, 12, "unexpected character '\\x00' (is this a binary file?)"),
    "missing_operand": ("network n {\n  index i = 2\n  y[i] = \n}\n", 3, 10,
                        "expected a tensor name, found end of line"),
    "grad_without_wrt": ("network n {\n  grad y x\n}\n", 2, 10, "expected 'wrt', found 'x'"),
    "negative_size": ("network n {\n  index i = -2\n}\n", 2, 13,
                      "unexpected '-': sizes are positive decimal integers"),
    "missing_network_name": ("network {\n}\n", 1, 9, "expected a network name, found '{'"),
    "bad_dtype_syntax": ("network n {\n  dtype 8\n}\n", 2, 9,
                         "expected a type name (fp32, fp16, bf16 or int8), found number 8"),
}


@pytest.mark.parametrize("kind", sorted(SYNTAX_ERRORS))
def test_syntax_error_golden(kind: str) -> None:
    src, line, col, message = SYNTAX_ERRORS[kind]
    with pytest.raises(TnccError) as info:
        parse_source(src, "bad.tn")
    (diag,) = info.value.diagnostics
    assert diag.message == message
    assert diag.span is not None
    assert (diag.span.file, diag.span.line, diag.span.column) == ("bad.tn", line, col)
    for raw in ("__ANON", "RSQB", "LSQB", "_NL", "NAME", "$END"):
        assert raw not in diag.message


def test_rendering_shows_line_and_caret() -> None:
    with pytest.raises(TnccError) as info:
        parse_source("network n {\n  index i = 2\n  input x[i\n}\n", "bad.tn")
    text = info.value.render()
    assert text.splitlines() == [
        "bad.tn:3:12: error: expected ']' or ',', found end of line",
        "      input x[i",
        "               ^",
    ]


# -- the fast driver of the grammar's tables agrees with Lark itself ----------

from pathlib import Path  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tncc.frontend.fastparse import Reject  # noqa: E402
from tncc.frontend.parser import _get_parser  # noqa: E402
from tncc.testing import sources  # noqa: E402


def test_fast_path_builds_the_same_tree_as_lark_on_examples() -> None:
    for path in sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.tn")):
        text = path.read_text()
        assert parse_source(text, path.name) == parse_source(text, path.name, fast=False)


@settings(max_examples=60, deadline=None)
@given(sources(max_tensors=4, grads=True), st.sampled_from(["\n", ";", "\n\n# c\n", " ;\n"]))
def test_fast_path_builds_the_same_tree_as_lark(text: str, sep: str) -> None:
    text = text.replace("\n  ", sep + "  ")
    assert parse_source(text, "g.tn") == parse_source(text, "g.tn", fast=False)


@pytest.mark.parametrize("kind", sorted(SYNTAX_ERRORS))
def test_fast_path_rejects_what_lark_rejects(kind: str) -> None:
    import tncc.frontend.parser as parser_module

    _get_parser()
    assert parser_module._fast is not None
    with pytest.raises(Reject):
        parser_module._fast.parse(SYNTAX_ERRORS[kind][0])


@pytest.mark.parametrize("src,col,hint", [
    ("network n {\n  y[i] = x[i] + w[i]\n}\n", 15, "sums of products are not part of the language"),
    ("network n {\n  y[i] = (x * w) * v\n}\n", 10, "write an intermediate statement to fix an order"),
])
def test_common_mistakes_get_a_hint(src: str, col: int, hint: str) -> None:
    with pytest.raises(TnccError) as info:
        parse_source(src, "m.tn")
    (diag,) = info.value.diagnostics
    assert (diag.span.line, diag.span.column) == (2, col) and hint in diag.message


def test_grammar_builds_in_strict_mode() -> None:
    """The parser is built without Lark's terminal-collision checks (they cost
    most of a short command's start); the grammar must still pass them and
    Lark's strict mode -- no shift/reduce conflict, no colliding terminals --
    and give a table of the same size."""
    from lark import Lark

    from tncc.frontend.parser import grammar_text, lark_parser

    strict = Lark(grammar_text(), parser="lalr", lexer="basic", strict=True, maybe_placeholders=False)
    size = len(strict.parser.parser.parser.parse_table.states)
    assert size == len(lark_parser().parser.parser.parser.parse_table.states)


def test_shipped_tables_parse_like_a_freshly_built_parser() -> None:
    """tncc/frontend/tn_tables.json (the serialised LALR tables that spare a
    start-up the grammar build) is used only when it matches the grammar; the
    tables -- the shipped ones when current, else freshly dumped ones -- must
    parse every example into the same AST as a parser built from tn.lark."""
    from tncc.frontend import table
    from tncc.frontend.fastparse import FastParser
    from tncc.frontend.parser import _Builder, grammar_text

    text = grammar_text()
    builder = _Builder()
    loaded = table.load(text, builder)
    if loaded is None:  # the grammar changed since the tables were written: check a fresh dump
        loaded = table.load(text, builder, table.dump(text))
    assert loaded is not None
    built_builder = _Builder()
    built = table.build(text, built_builder)
    assert table.load(text + "\n// edited", builder) is None  # another grammar never uses these tables
    for path in sorted(Path(__file__).resolve().parent.parent.joinpath("examples").glob("*.tn")):
        src = path.read_text(encoding="utf-8")
        for b in (builder, built_builder):
            b.file, b.text = str(path), src
        assert loaded.parse(src) == built.parse(src), path.name
        assert FastParser(loaded, builder).parse(src) == FastParser(built, built_builder).parse(src), path.name
