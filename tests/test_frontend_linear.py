"""Tokenising stays linear in the input on every input, valid or not.

A regex backtracks exponentially when one unbounded repetition sits inside
another and a failing match can split a run of characters between them in
many ways (``(?:[ \\t]+|#...)*`` on n blanks: 2**n splits).  Wall time is a
poor witness, so the work bound is checked on the patterns themselves: every
unbounded repetition nested in another must be unable to give characters
back to it -- either the outer loop is possessive or atomic, or each of its
iterations starts with a character no inner repetition can consume (so an
iteration boundary can sit in exactly one place).  Under that rule a
backtracking matcher tries each split point at most once per start position.
The inputs the tests then feed (long runs of blanks and comments before a bad
character) finish at once, with the same diagnostics as short ones.
"""

from __future__ import annotations

import re
import re._constants as C  # noqa: N812 -- the regex compiler's opcodes
import re._parser as P  # noqa: N812

import pytest

from tncc.errors import TnccError
from tncc.frontend import parse_source
from tncc.frontend import syntax_errors
from tncc.frontend.parser import _get_parser

_CATEGORY = {
    C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s",
    C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W",
}
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT)


def _item_matches(op: object, av: object, ch: str) -> bool:
    """Whether the single-character item (op, av) can consume ``ch``."""
    if op is C.LITERAL:
        return ord(ch) == av
    if op is C.NOT_LITERAL:
        return ord(ch) != av
    if op is C.ANY:
        return True  # conservative: with or without DOTALL
    if op is C.CATEGORY:
        return re.fullmatch(_CATEGORY[av], ch) is not None
    if op is C.IN:
        negate = bool(av) and av[0][0] is C.NEGATE
        hit = False
        for o, a in av[1:] if negate else av:
            if o is C.RANGE:
                hit |= a[0] <= ord(ch) <= a[1]
            else:
                hit |= _item_matches(o, a, ch)
        return hit != negate
    return False


def _can_consume(sub: P.SubPattern, ch: str) -> bool:
    """Whether any character item anywhere in ``sub`` can consume ``ch``."""
    for op, av in sub.data:
        if op in _REPEATS or op is C.POSSESSIVE_REPEAT:
            if _can_consume(av[2], ch):
                return True
        elif op is C.SUBPATTERN:
            if _can_consume(av[3], ch):
                return True
        elif op is C.ATOMIC_GROUP:
            if _can_consume(av, ch):
                return True
        elif op is C.BRANCH:
            if any(_can_consume(b, ch) for b in av[1]):
                return True
        elif _item_matches(op, av, ch):
            return True
    return False


def _first_mandatory_literal(sub: P.SubPattern) -> str | None:
    """The first character every match of ``sub`` must contain at a fixed
    place, after only optional items; None if there is none."""
    for op, av in sub.data:
        if op is C.SUBPATTERN:
            return _first_mandatory_literal(av[3])
        if op in _REPEATS and av[0] == 0:
            continue  # optional: may be skipped
        return chr(av) if op is C.LITERAL else None
    return None


def _unbounded_inside(sub: P.SubPattern) -> list[P.SubPattern]:
    """Bodies of unbounded backtracking repetitions inside ``sub`` (not
    looking into possessive loops and atomic groups, which give nothing back)."""
    found = []
    for op, av in sub.data:
        if op in _REPEATS:
            if av[1] == C.MAXREPEAT:
                found.append(av[2])
            found += _unbounded_inside(av[2])
        elif op is C.SUBPATTERN:
            found += _unbounded_inside(av[3])
        elif op is C.BRANCH:
            for b in av[1]:
                found += _unbounded_inside(b)
    return found


def ambiguous_nesting(pattern: str, flags: int = 0) -> list[str]:
    """Descriptions of every unbounded repetition nested in another that can
    trade characters with it (empty for a pattern that matches in linear work)."""
    problems: list[str] = []

    def walk(sub: P.SubPattern) -> None:
        for op, av in sub.data:
            if op in _REPEATS:
                body = av[2]
                if av[1] == C.MAXREPEAT:
                    guard = _first_mandatory_literal(body)
                    for inner in _unbounded_inside(body):
                        if guard is None or _can_consume(inner, guard):
                            problems.append(f"{inner} inside an unbounded repetition of {body}")
                walk(body)
            elif op is C.SUBPATTERN:
                walk(av[3])
            elif op is C.BRANCH:
                for b in av[1]:
                    walk(b)
            elif op is C.POSSESSIVE_REPEAT:
                walk(av[2])
            elif op is C.ATOMIC_GROUP:
                walk(av)

    walk(P.parse(pattern, flags))
    return problems


def test_the_checker_flags_the_old_skip_loop_and_passes_safe_shapes() -> None:
    assert ambiguous_nesting(r"(?:[ \t\f\r]+|#[^\n]*)*(?P<X>x)")
    assert ambiguous_nesting(r"(a+)+b")
    assert not ambiguous_nesting(r"(?:[ \t\f\r]+|#[^\n]*)*+(?P<X>x)")
    assert not ambiguous_nesting(r"(\r?\n[ \t\f\r]*(#[^\n]*)?)+")
    assert not ambiguous_nesting(r"(?:a+)*+b")


def test_every_front_end_pattern_matches_in_linear_work() -> None:
    lark, _ = _get_parser()
    from tncc.frontend.parser import _fast

    assert _fast is not None
    patterns = {"fast token regex": _fast.token_re.pattern, "error scanner": syntax_errors._SCAN.pattern}
    for t in lark.terminals:
        patterns[t.name] = t.pattern.to_regexp()
    for name, pat in patterns.items():
        assert ambiguous_nesting(pat) == [], name


SRC = "network n {\n  index t = 16%s// tokens\n}\n"


@pytest.mark.parametrize("blanks", [" " * 30, " \t" * 5000, "\t\f" * 20000])
def test_long_blank_runs_before_a_bad_character(blanks: str) -> None:
    with pytest.raises(TnccError) as err:
        parse_source(SRC % blanks, "h.tn")
    text = str(err.value)
    assert f"h.tn:2:{15 + len(blanks)}: error: unexpected '/'" in text
    assert "division is not part of the language" in text


def test_long_comment_runs_before_a_bad_character() -> None:
    body = "  # note\n  \n" * 20000
    src = "network n {\n" + body + "  index t = 16 " + " # c\n" * 3 + "  x[t] = y $\n}\n"
    with pytest.raises(TnccError) as err:
        parse_source(src, "c.tn")
    line = 1 + 2 * 20000 + 4  # the header, the comment lines, 'index' and two comments
    assert f"c.tn:{line}:12: error: unexpected character '$'" in str(err.value)
    assert "'$'" in str(err.value)


def test_valid_input_with_long_blank_runs_parses() -> None:
    src = "network n {" + " " * 50000 + "\n index t = 2" + "\t" * 50000 + "\n output t \n}\n"
    sf = parse_source(src, "ok.tn")
    assert [n.name.text for n in sf.networks] == ["n"]
