"""A strict parser for the DOT language subset Graphviz documents (graphs,
subgraphs, node/edge/attribute statements, quoted and bare IDs), used by the
tests to check that tncc's pictures are well-formed DOT without needing
Graphviz.  It rejects anything outside the grammar with a ValueError naming
the token position.

Grammar (https://graphviz.org/doc/info/lang.html, without HTML strings and ports):
  graph     : [strict] (graph | digraph) [ID] '{' stmt_list '}'
  stmt_list : [stmt [';'] stmt_list]
  stmt      : node_stmt | edge_stmt | attr_stmt | ID '=' ID | subgraph
  attr_stmt : (graph | node | edge) attr_list
  attr_list : '[' [a_list] ']' [attr_list]
  a_list    : ID '=' ID [(';' | ',')] [a_list]
  edge_stmt : (node_id | subgraph) edgeRHS [attr_list]
  edgeRHS   : edgeop (node_id | subgraph) [edgeRHS]
  node_stmt : node_id [attr_list]
  subgraph  : [subgraph [ID]] '{' stmt_list '}'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r'\s+|//[^\n]*|/\*.*?\*/|#[^\n]*'  # skipped
    r'|(?P<str>"(?:[^"\\]|\\.)*")'
    r'|(?P<num>-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))'
    r'|(?P<id>[A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*)'
    r'|(?P<op>--|->|[{}\[\];,=:])',
    re.S,
)
KEYWORDS = {"strict", "graph", "digraph", "node", "edge", "subgraph"}


@dataclass
class DotGraph:
    directed: bool
    name: str | None
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    subgraphs: list[str | None] = field(default_factory=list)

    def labels(self) -> list[str]:
        out = [attrs.get("label", name) for name, attrs in self.nodes.items()]
        out += [attrs.get("xlabel", "") for attrs in self.nodes.values()]
        out += [attrs.get("label", "") for _, _, attrs in self.edges]
        return out


def tokenize(text: str) -> list[tuple[str, str]]:
    toks: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"bad character {text[pos]!r} at offset {pos}")
        pos = m.end()
        kind = m.lastgroup
        if kind is None:
            continue
        value = m.group(kind)
        if kind == "str":
            value = re.sub(r'\\(["\\])', r"\1", value[1:-1])
            kind = "id"
        elif kind == "num":
            kind = "id"
        elif kind == "op":
            kind = value
        elif kind == "id" and value.lower() in KEYWORDS:
            kind = value.lower()
        toks.append((kind, value))
    return toks


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = tokenize(text)
        self.i = 0

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.toks[j][0] if j < len(self.toks) else "EOF"

    def take(self, kind: str) -> str:
        if self.peek() != kind:
            raise ValueError(f"token {self.i}: expected {kind!r}, got {self.peek()!r}")
        value = self.toks[self.i][1]
        self.i += 1
        return value

    def parse(self) -> DotGraph:
        if self.peek() == "strict":
            self.take("strict")
        kind = self.peek()
        if kind not in ("graph", "digraph"):
            raise ValueError("expected 'graph' or 'digraph'")
        self.take(kind)
        name = self.take("id") if self.peek() == "id" else None
        self.g = DotGraph(kind == "digraph", name)
        self.take("{")
        self.stmt_list()
        self.take("}")
        if self.peek() != "EOF":
            raise ValueError(f"token {self.i}: text after the closing brace")
        return self.g

    def stmt_list(self) -> None:
        while self.peek() not in ("}", "EOF"):
            self.stmt()
            if self.peek() == ";":
                self.take(";")

    def stmt(self) -> None:
        k = self.peek()
        if k in ("graph", "node", "edge"):
            self.take(k)
            self.attr_list(required=True)
        elif k == "id" and self.peek(1) == "=":
            self.take("id")
            self.take("=")
            self.take("id")
        elif k in ("id", "subgraph", "{"):
            ends = self.endpoint()
            if self.peek() in ("--", "->"):
                chain = [ends]
                while self.peek() in ("--", "->"):
                    op = self.take(self.peek())
                    if (op == "->") != self.g.directed:
                        raise ValueError(f"token {self.i}: edge operator {op} in the wrong kind of graph")
                    chain.append(self.endpoint())
                attrs = self.attr_list(required=False)
                for a, b in zip(chain, chain[1:]):
                    for x in a:
                        for y in b:
                            self.g.edges.append((x, y, attrs))
            elif k == "id":
                attrs = self.attr_list(required=False)
                self.g.nodes.setdefault(ends[0], {}).update(attrs)
        else:
            raise ValueError(f"token {self.i}: unexpected {k!r}")

    def endpoint(self) -> list[str]:
        if self.peek() == "id":
            name = self.take("id")
            if self.peek() == ":":
                raise ValueError("ports are not used by tncc")
            self.g.nodes.setdefault(name, {})
            return [name]
        before = set(self.g.nodes)
        if self.peek() == "subgraph":
            self.take("subgraph")
            self.g.subgraphs.append(self.take("id") if self.peek() == "id" else None)
        self.take("{")
        self.stmt_list()
        self.take("}")
        return [n for n in self.g.nodes if n not in before]

    def attr_list(self, required: bool) -> dict[str, str]:
        attrs: dict[str, str] = {}
        if required and self.peek() != "[":
            raise ValueError(f"token {self.i}: expected '['")
        while self.peek() == "[":
            self.take("[")
            while self.peek() != "]":
                key = self.take("id")
                self.take("=")
                attrs[key] = self.take("id")
                if self.peek() in (";", ","):
                    self.take(self.peek())
            self.take("]")
        return attrs


def parse_dot(text: str) -> DotGraph:
    """Parse ``text`` or raise ValueError."""
    return _Parser(text).parse()
