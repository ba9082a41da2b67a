"""A fast driver for the grammar's own LALR tables, for well-formed input.

Profiling Lark on a 100 000-line file showed the time going to per-token
overhead: one regex call per token *and* per ignored blank, a general token
object, and a parser loop built for every grammar Lark supports.  This module
keeps everything that defines the language in Lark -- the terminals of
``tn.lark`` and the LALR(1) table Lark builds from it in strict mode -- and
only replaces the two loops:

* the lexer is one compiled regex, derived from Lark's terminal definitions,
  that skips blanks and comments and matches the next token in a single call
  (keywords are NAMEs that spell a keyword, as in Lark's basic lexer);
* the parser is a plain shift/reduce loop over Lark's parse table that shapes
  results exactly as Lark's tree builder does (``_rule`` s and the helper
  rules of ``*``/``?`` are spliced into their parent, ``_TERMINAL`` s are
  dropped) and calls the same builder methods as the Lark path.

It does not report errors: on any lexical or syntax error it raises
:class:`Reject`, and :func:`tncc.frontend.parser.parse_source` re-parses with
Lark itself to produce the diagnostic.  A test checks that both paths build
identical trees.
"""

from __future__ import annotations

import re
from typing import Any

from lark import Lark
from lark.lexer import PatternStr
from lark.parsers.lalr_analysis import Shift


class Reject(Exception):
    """The input is not well formed; the caller falls back to Lark for the message."""


class Tok:
    """A token: the fields the AST builder reads (same names as Lark's Token)."""

    __slots__ = ("type", "value", "line", "column", "end_line", "end_column")

    def __init__(self, type: str, value: str, line: int, column: int, end_line: int, end_column: int) -> None:
        self.type = type
        self.value = value
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column


class _Splice(list[Any]):
    """Children of an inlined rule, to be spliced into the parent's children."""


def _noncapturing(regex: str) -> str:
    # Inner groups of a terminal must not capture, so m.lastgroup names the terminal.
    return re.sub(r"(?<!\\)\((?!\?)", "(?:", regex)


class FastParser:
    """Lexer + LALR driver built from a Lark instance (see module doc)."""

    def __init__(self, lark: Lark, builder: Any) -> None:
        # the lexer configuration: a parser built from the grammar and one loaded from
        # serialised tables (tncc.frontend.table) both have it
        conf = lark.lexer_conf
        terminals = {t.name: t for t in conf.terminals}
        ignore = [terminals[n].pattern.to_regexp() for n in conf.ignore]
        name_re = re.compile(terminals["NAME"].pattern.to_regexp())
        self.keywords: dict[str, str] = {}
        alts: list[str] = []
        for t in conf.terminals:
            if t.name in conf.ignore:
                continue
            if isinstance(t.pattern, PatternStr) and name_re.fullmatch(t.pattern.value):
                self.keywords[t.pattern.value] = t.name
                continue
            alts.append(f"(?P<{t.name}>{_noncapturing(t.pattern.to_regexp())})")
        # The skip loop must not nest one repetition inside another with a way
        # back in: ``(?:[ \t]+|#...)*`` splits a run of n blanks 2**n ways,
        # and a bad character after the run made the engine try them all.  A
        # possessive loop (``*+``) never gives back what it consumed, so every
        # character is skipped once and tokenising stays linear in the input.
        skip = "(?:" + "|".join(_noncapturing(r) for r in ignore) + ")*+"
        self.token_re = re.compile(skip + "(?:" + "|".join(alts) + r"|(?P<_EOF>\Z))")
        # Group number -> terminal name (every group is a named terminal).
        self.group_names: list[str] = [""] * (self.token_re.groups + 1)
        for gname, number in self.token_re.groupindex.items():
            self.group_names[number] = gname
        table = lark.parser.parser.parser.parse_table
        self.start = table.start_states["start"]
        self.end = table.end_states["start"]
        # Lark's table, re-keyed for a tight loop: per state, terminal or rule
        # name -> the new state (an int) for a shift, or (length, name, inline,
        # callback) for a reduce.  Rule objects are not dict keys in the loop (their
        # equality is slow).
        self.table: dict[int, dict[str, Any]] = {}
        for state, acts in table.states.items():
            row: dict[str, Any] = {}
            for key, (action, arg) in acts.items():
                # Lark's keys may be Token objects (str subclasses with a
                # Python-level __eq__); plain str keys keep lookups in C.
                key = str.__str__(key)
                if action is Shift:
                    row[key] = arg
                else:
                    row[key] = self._reduction(arg, builder)
            self.table[state] = row

    @staticmethod
    def _reduction(rule: Any, builder: Any) -> tuple[Any, ...]:
        """(length, name, inline, callback, keep) for a rule.  ``keep`` lists
        the child positions the tree keeps when no child is spliced: what
        Lark's tree builder does, decided once from the rule's symbols
        (``_TERMINAL`` s dropped, ``_rule`` s spliced); ``None`` when a
        child may splice."""
        # Names may be Lark Tokens (str subclasses with a slow __eq__): plain str.
        name = str.__str__(rule.origin.name)
        inline = name.startswith("_")
        keep: list[int] = []
        splices = False
        for k, sym in enumerate(rule.expansion):
            sname = str.__str__(sym.name)
            if not sname.startswith("_"):
                keep.append(k)
            elif not sym.is_term:
                splices = True
                break
        return (len(rule.expansion), name, inline, None if inline else getattr(builder, name),
                None if splices else tuple(keep))

    def tokens(self, text: str) -> tuple[list[str], list[Tok | None]]:
        """Terminal names and tokens of ``text`` (``None`` for the terminals the
        tree drops, whose text no rule needs), ending with ``$END``."""
        types: list[str] = []
        toks: list[Tok | None] = []
        match = self.token_re.match
        keywords = self.keywords
        group_names = self.group_names
        pos, line, line_start = 0, 1, 0
        while True:
            m = match(text, pos)
            if m is None:
                raise Reject
            g = m.lastindex
            if g is None:  # every alternative is a named group; anything else goes to Lark
                raise Reject
            kind = group_names[g]
            start, pos = m.span(g)
            if kind[0] == "_":
                if kind == "_NL":
                    value = text[start:pos]
                    line += value.count("\n")
                    line_start = start + value.rfind("\n") + 1
                elif kind == "_EOF":
                    col = start - line_start + 1
                    types.append("$END")
                    toks.append(Tok("$END", "", line, col, line, col))
                    return types, toks
                types.append(kind)
                toks.append(None)
                continue
            value = text[start:pos]
            if kind == "NAME":
                kind = keywords.get(value, "NAME")
            col = start - line_start + 1
            types.append(kind)
            toks.append(Tok(kind, value, line, col, line, col + pos - start))

    def parse(self, text: str) -> Any:
        """The value of the start rule for ``text``, or :class:`Reject`."""
        table, end_state = self.table, self.end
        state_stack = [self.start]
        values: list[Any] = []
        types, toks = self.tokens(text)
        for ttype, tok in zip(types, toks):
            while True:
                act = table[state_stack[-1]].get(ttype)
                if act is None:
                    raise Reject
                if act.__class__ is int:
                    state_stack.append(act)
                    values.append(tok)
                    break
                n, name, inline, cb, keep = act
                if n:
                    children = values[-n:]
                    del values[-n:]
                    del state_stack[-n:]
                else:
                    children = []
                if keep is not None:
                    kids = [children[k] for k in keep]
                else:
                    # A left-recursive repetition hands its growing list back as
                    # the first child: extend it in place instead of copying.
                    if children and children[0].__class__ is _Splice:
                        kids = children[0]
                        rest = children[1:]
                    else:
                        kids = []
                        rest = children
                    for c in rest:
                        if c is None:  # a dropped terminal
                            continue
                        if c.__class__ is _Splice:
                            kids.extend(c)
                        else:
                            kids.append(c)
                if inline:
                    value = kids if kids.__class__ is _Splice else _Splice(kids)
                else:
                    value = cb(kids)
                goto = table[state_stack[-1]][name]
                state_stack.append(goto)
                values.append(value)
                if goto == end_state and ttype == "$END":
                    return value
        raise Reject
