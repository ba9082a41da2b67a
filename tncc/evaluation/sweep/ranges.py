"""Values and ranges in a sweep spec, and errors that point at the spec's line.

A range is a single value, a non-empty list of distinct values, or a table
``{start, stop, step}`` (arithmetic) or ``{start, stop, factor}``
(geometric), both including ``stop`` when it is reached.  Every value is
checked against the type the key takes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Sequence

from tncc.errors import Diagnostic, Span, TnccError
from tncc.evaluation.sweep.locate import PathPart, key_line

RANGE_KEYS = ("start", "stop", "step", "factor")
MAX_VALUES = 100_000  # values of one range: a typo such as step = 1 over 2**20 fails fast


class Reader:
    """A spec's path and text, for errors that show the line of a key."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def error(self, key: Sequence[PathPart], message: str) -> TnccError:
        """A TnccError at the line of ``key`` (or of its nearest written ancestor), showing that line."""
        line, col = key_line(self.text, key)
        src = self.text.split("\n")[line - 1] if self.text else ""
        end = len(src.rstrip()) + 1 if len(src.rstrip()) >= col else col + 1
        return TnccError(Diagnostic(message, Span(str(self.path), line, col, line, end, self.text)))


def show(v: Any) -> str:
    """A value as TOML would write it (scalars) or its kind (tables, arrays, dates)."""
    return json.dumps(v) if isinstance(v, (str, bool, int, float)) else type(v).__name__


def values_of(rd: Reader, key: tuple[PathPart, ...], raw: Any, kind: type | None = None) -> tuple[Any, ...]:
    """A range (see the module doc) as a tuple of values of type ``kind``."""
    name = ".".join(str(p) for p in key if isinstance(p, str))
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - set(RANGE_KEYS))
        if unknown:
            raise rd.error(key, f"`{name}`: unknown range key `{unknown[0]}` (a range is {{start, stop, step}} "
                                "or {start, stop, factor})")
        if "start" not in raw or "stop" not in raw or ("step" in raw) == ("factor" in raw):
            raise rd.error(key, f"`{name}`: a range needs start, stop and exactly one of step or factor")
        nums = {k: v for k, v in raw.items()}
        for k, v in nums.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise rd.error(key, f"`{name}`: range {k} must be a number, got {show(v)}")
        start, stop = nums["start"], nums["stop"]
        if stop < start:
            raise rd.error(key, f"`{name}`: range stop {stop} is below start {start}")
        out: list[Any] = []
        if "step" in nums:
            if nums["step"] <= 0:
                raise rd.error(key, f"`{name}`: range step must be positive, got {nums['step']}")
            count = int((stop - start) / nums["step"] + 1e-9) + 1
            if count > MAX_VALUES:
                raise rd.error(key, f"`{name}`: the range has {count} values (at most {MAX_VALUES})")
            out = [start + k * nums["step"] for k in range(count)]
        else:
            if nums["factor"] <= 1 or start <= 0:
                raise rd.error(key, f"`{name}`: a geometric range needs factor > 1 and start > 0")
            v = start
            while v <= stop * (1 + 1e-12):
                out.append(v)
                v *= nums["factor"]
                if len(out) > MAX_VALUES:
                    raise rd.error(key, f"`{name}`: the range has more than {MAX_VALUES} values")
        if all(isinstance(nums[k], int) for k in nums):
            out = [int(round(v)) for v in out]
        values = tuple(out)
    elif isinstance(raw, list):
        if not raw:
            raise rd.error(key, f"`{name}`: an empty list sweeps nothing; give at least one value")
        values = tuple(raw)
    else:
        values = (raw,)
    seen: set[str] = set()
    for v in values:
        if isinstance(v, (dict, list)):
            raise rd.error(key, f"`{name}`: expected a value or a list of values, got a nested {type(v).__name__}")
        if kind is not None and not is_kind(v, kind):
            raise rd.error(key, f"`{name}`: expected {_kind_name(kind)}, got {show(v)}")
        if show(v) in seen:
            raise rd.error(key, f"`{name}`: the value {show(v)} appears twice")
        seen.add(show(v))
    return tuple(float(v) if kind is float else v for v in values)


def is_kind(v: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if kind is int:
        return isinstance(v, int) and not isinstance(v, bool)
    return isinstance(v, kind)


def _kind_name(kind: type) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(kind, kind.__name__)
