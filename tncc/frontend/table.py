"""The grammar (``tn.lark``) and its LALR(1) tables, built once and shipped as
``tn_tables.json``.

Building the parser from ``tn.lark`` (reading the grammar with Lark's own
meta-grammar, computing the LALR(1) tables) takes about a tenth of a second,
which is most of what a short command such as ``tncc plan`` spends before it
does any work.  Lark can serialise a built parser into plain data; that data
is kept next to the grammar as JSON (not pickle: loading it runs no code)
together with the SHA-256 of the grammar text and the Lark version it was
built with.  :func:`load` uses it only when both match, so an edited grammar
or another Lark is never parsed with stale tables: the parser is then built
from the grammar as before (and ``python -m tncc.frontend.table`` rewrites
the file; a test checks that the shipped tables, when current, parse every
example exactly like a freshly built parser).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib import resources
from typing import Any

FILE = "tn_tables.json"
OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "basic", "maybe_placeholders": False}


def grammar_text() -> str:
    """The text of ``tn.lark`` (shipped as package data)."""
    return resources.files("tncc.frontend").joinpath("tn.lark").read_text(encoding="utf-8")


def grammar_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(grammar: str, transformer: Any, raw: str | None = None) -> Any:
    """The Lark parser from the shipped tables (or the JSON text ``raw``), or
    ``None`` when they are missing or were built from another grammar text or
    Lark version."""
    import lark
    from lark import Lark

    try:
        if raw is None:
            raw = resources.files("tncc.frontend").joinpath(FILE).read_text(encoding="utf-8")
        doc = json.loads(raw)
    except (OSError, ValueError):
        return None
    if doc.get("grammar_sha256") != grammar_digest(grammar) or doc.get("lark") != lark.__version__:
        return None
    # _load_from_dict is how Lark's own standalone generator restores serialised parsers
    return Lark._load_from_dict(_decode(doc["data"]), _decode(doc["memo"]), transformer=transformer)


def _encode(x: Any) -> Any:
    """JSON keeps only string keys: a dict with other keys becomes ``{"#": [[k, v], ...]}``."""
    if isinstance(x, dict):
        if all(isinstance(k, str) and k != "#" for k in x):
            return {k: _encode(v) for k, v in x.items()}
        return {"#": [[_encode(k), _encode(v)] for k, v in x.items()]}
    if isinstance(x, (list, tuple)):
        return [_encode(v) for v in x]
    return x


def _decode(x: Any) -> Any:
    if isinstance(x, dict):
        if set(x) == {"#"}:
            return {_key(k): _decode(v) for k, v in x["#"]}
        return {k: _decode(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_decode(v) for v in x]
    return x


def _key(k: Any) -> Any:
    return tuple(_key(v) for v in k) if isinstance(k, list) else k


def build(grammar: str, transformer: Any = None) -> Any:
    """A parser built from the grammar text (no collision checks: see
    :func:`tncc.frontend.parser._get_parser`)."""
    import lark.lexer as lark_lexer
    from lark import Lark

    saved = lark_lexer.has_interegular
    lark_lexer.has_interegular = False
    try:
        return Lark(grammar, strict=False, transformer=transformer, **OPTIONS)
    finally:
        lark_lexer.has_interegular = saved


def dump(grammar: str) -> str:
    """The JSON text of the tables for ``grammar``."""
    import lark
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = build(grammar).memo_serialize([TerminalDef, Rule])
    doc = {"grammar_sha256": grammar_digest(grammar), "lark": lark.__version__, "data": _encode(data),
           "memo": _encode(memo)}
    return json.dumps(doc, separators=(",", ":"))


def main() -> int:
    """Rewrite the shipped tables from the shipped grammar (a development step)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), FILE)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(dump(grammar_text()))
    os.replace(tmp, path)  # never a half-written table
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
