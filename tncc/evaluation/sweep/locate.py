"""Lines of keys in a TOML file.

:mod:`tomllib` returns plain dicts with no positions, but an error in a sweep
spec must name the line of the key at fault.  :func:`key_line` re-reads the
text line by line, tracking the current table header (``[arch]``,
``[[point]]``, ``[point.arch]``) and the dotted keys of each ``key = value``
line, and returns the line that defines the longest prefix of the wanted key
path.  It understands what sweep specs use -- headers, arrays of tables,
dotted and quoted keys, values spanning several lines -- not every corner of
TOML; where it cannot tell, it answers with the nearest enclosing table's line
(or 1), never with nothing.
"""

from __future__ import annotations

import re
from typing import Sequence

PathPart = str | int

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*(\[\[|\[)\s*({_DOTTED})\s*(\]\]|\])")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY)


def _parts(dotted: str) -> list[str]:
    out = []
    for m in _PART.finditer(dotted):
        p = m.group(0)
        out.append(p[1:-1] if p[0] in "\"'" else p)
    return out


def _bracket_depth(line: str) -> int:
    """Net ``[``/``{`` minus ``]``/``}`` outside strings and comments."""
    depth, quote = 0, ""
    k = 0
    while k < len(line):
        ch = line[k]
        if quote:
            if ch == "\\" and quote == '"':
                k += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        k += 1
    return depth


def key_lines(text: str) -> list[tuple[tuple[PathPart, ...], int, int]]:
    """Every defined key path with its line and column (1-based), in file order.
    Array-of-tables elements appear as integer parts (``("point", 0, "order")``)."""
    out: list[tuple[tuple[PathPart, ...], int, int]] = []
    arrays: dict[tuple[PathPart, ...], int] = {}  # array-of-tables path -> index of its last element
    table: tuple[PathPart, ...] = ()
    depth = 0  # inside a value that spans lines
    for number, line in enumerate(text.split("\n"), start=1):
        if depth > 0:
            depth += _bracket_depth(line)
            continue
        if m := _HEADER.match(line):
            names = _parts(m.group(2))
            path: list[PathPart] = []
            for name in names[:-1]:
                path.append(name)
                if tuple(path) in arrays:
                    path.append(arrays[tuple(path)])
            path.append(names[-1])
            if m.group(1) == "[[":
                key = tuple(path)
                arrays[key] = arrays.get(key, -1) + 1
                path.append(arrays[key])
            table = tuple(path)
            out.append((table, number, m.start(2) + 1))
            continue
        if m := _ASSIGN.match(line):
            full = table + tuple(_parts(m.group(1)))
            out.append((full, number, m.start(1) + 1))
            depth = max(0, _bracket_depth(line[m.end():]))
    return out


def key_line(text: str, path: Sequence[PathPart]) -> tuple[int, int]:
    """(line, column) of the key at ``path``, or of its nearest defined ancestor;
    ``(1, 1)`` when nothing on the path is found."""
    want = tuple(path)
    best, where = -1, (1, 1)
    for found, line, col in key_lines(text):
        n = len(found)
        if n <= len(want) and want[:n] == found and n > best:
            best, where = n, (line, col)
    return where
