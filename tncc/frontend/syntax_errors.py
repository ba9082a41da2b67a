"""Turn Lark's parse exceptions into diagnostics a user can act on.

Lark reports what went wrong in terms of terminal names (``NAME``, ``RSQB``,
``_NL``).  A user knows the language, not the grammar, so every terminal is
described in words (``']'``, ``an index name``, ``a newline or ';'``).  What a
``NAME`` means depends on where it occurs, so the statement prefix before the
error is re-scanned with a small regex tokenizer (this only runs on the error
path) to say "an index name", "a tensor name", ...
"""

from __future__ import annotations

import re

from lark.exceptions import UnexpectedCharacters, UnexpectedToken

from tncc.errors import Diagnostic, Span

KEYWORDS = ("network", "index", "input", "param", "output", "grad", "wrt", "dtype")
STATEMENT_KEYWORDS = ("DTYPE", "INDEX", "INPUT", "PARAM", "OUTPUT", "GRAD")

_FIXED: dict[str, str] = {
    "INT": "a size (a positive integer)",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LSQB": "'['",
    "RSQB": "']'",
    "_COMMA": "','",
    "_EQUAL": "'='",
    "_STAR": "'*'",
    "_NL": "a newline or ';'",
    "_SEMI": "a newline or ';'",
    "$END": "end of file",
}
# The order in which alternatives are listed (most helpful first).
_ORDER = ("NAME", "INT", "RSQB", "LSQB", "_COMMA", "_EQUAL", "_STAR", "LBRACE", "RBRACE",
          "NETWORK", "WRT", "_NL", "_SEMI", "$END")

# Characters a user may well try, with what to do instead.
_CHAR_HINTS: dict[str, str] = {
    "-": "sizes are positive decimal integers",
    "+": "a statement is one product of tensors ('*'); sums of products are not part of the language",
    "(": "there is no grouping with parentheses; write an intermediate statement to fix an order",
    ")": "there is no grouping with parentheses; write an intermediate statement to fix an order",
    "/": "a statement is one product of tensors ('*'); division is not part of the language",
}

_SCAN = re.compile(r"(?P<nl>\n|;)|(?P<comment>#[^\n]*)|(?P<ws>[ \t\f\r]+)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
                   r"|(?P<int>[0-9]+)|(?P<punct>.)", re.S)


def _statement_prefix(text: str, offset: int) -> tuple[list[str], bool]:
    """The words and punctuation of the statement that the error interrupts, and
    whether the error lies inside a ``network { ... }`` body."""
    prefix: list[str] = []
    depth = 0
    for m in _SCAN.finditer(text, 0, offset):
        kind = m.lastgroup
        if kind in ("comment", "ws"):
            continue
        tok = m.group()
        if kind == "nl" or tok in "{}":
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth = max(0, depth - 1)
            prefix = []
            continue
        prefix.append(tok)
    return prefix, depth > 0


def _name_meaning(prefix: list[str], in_body: bool) -> str:
    if not prefix:
        return "a statement" if in_body else "'network'"
    head = prefix[0]
    if head == "network":
        return "a network name"
    if head == "dtype":
        return "a type name (fp32, fp16, bf16 or int8)"
    if head == "index":
        return "an index name"
    inside = prefix.count("[") > prefix.count("]")
    if inside:
        return "an index name"
    return "a tensor name"


def _describe_expected(expected: set[str], prefix: list[str], in_body: bool) -> str:
    words: list[str] = []
    names = set(expected)
    # LALR merges the lookaheads of states that end a separator at top level
    # and inside a body; drop the alternatives that cannot apply here.
    if in_body:
        names -= {"NETWORK", "$END"}
    else:
        names -= set(STATEMENT_KEYWORDS) | {"RBRACE"}
    if sum(1 for k in STATEMENT_KEYWORDS if k in names) >= 3:
        words.append("a statement (dtype, index, input, param, a contraction, output or grad)")
        names -= set(STATEMENT_KEYWORDS) | {"NAME"}
    for term in sorted(names, key=lambda t: _ORDER.index(t) if t in _ORDER else len(_ORDER)):
        if term == "NAME":
            w = _name_meaning(prefix, in_body)
        elif term in _FIXED:
            w = _FIXED[term]
        elif term.lower() in KEYWORDS:
            w = f"'{term.lower()}'"
        else:
            w = term.lower()
        if w not in words:
            words.append(w)
    if not words:
        return "nothing more here"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _end_span(text: str, file: str) -> Span:
    """The position just after the last character that is not a trailing newline."""
    body = text.rstrip("\n")
    lines = body.split("\n")
    line = len(lines)
    col = len(lines[-1]) + 1
    return Span(file, line, col, line, col + 1, text)


def _shown(value: str) -> str:
    if len(value) > 20:
        value = value[:17] + "..."
    return repr(value) if not value.isprintable() or "'" in value else f"'{value}'"


def describe_unexpected(exc: UnexpectedToken | UnexpectedCharacters, text: str, file: str) -> Diagnostic:
    """One diagnostic for a Lark syntax error, located at the offending text."""
    if isinstance(exc, UnexpectedCharacters):
        line, col = exc.line, exc.column
        offset: int | None = exc.pos_in_stream  # Lark declares it None on the base class; the lexer sets an int
        char = text[offset] if offset is not None and 0 <= offset < len(text) else ""
        if char == "\x00":
            msg = "unexpected character '\\x00' (is this a binary file?)"
        elif char in _CHAR_HINTS:
            msg = f"unexpected '{char}': {_CHAR_HINTS[char]}"
        elif not char.isprintable():
            msg = f"unexpected character {char!r}"
        else:
            msg = (f"unexpected character {_shown(char)}: names are letters, digits and '_', "
                   "sizes are decimal integers, '#' starts a comment")
        return Diagnostic(msg, Span(file, line, col, line, col + 1, text))

    tok = exc.token
    expected = set(exc.expected or ())
    if tok.type == "$END":
        span = _end_span(text, file)
        offset = len(text)
        found = "end of file"
    else:
        span = Span(file, tok.line, tok.column, tok.end_line if tok.type != "_NL" else tok.line,
                    tok.end_column if tok.type != "_NL" else tok.column + 1, text)
        offset = tok.start_pos if tok.start_pos is not None else 0
        if tok.type == "_NL":
            found = "end of line"
        elif tok.type == "_SEMI":
            found = "';'"
        elif tok.type == "INT":
            found = f"number {tok.value}"
        elif tok.value in KEYWORDS:
            found = f"keyword '{tok.value}'"
        else:
            found = _shown(str(tok.value))
    prefix, in_body = _statement_prefix(text, offset)
    msg = f"expected {_describe_expected(expected, prefix, in_body)}, found {found}"
    if tok.type != "$END" and str(tok.value) in KEYWORDS and "NAME" in expected:
        msg += f" ('{tok.value}' is a keyword and cannot be used as a name)"
    return Diagnostic(msg, span)
