"""JSON that every reader accepts.

Python's ``json`` writes ``Infinity`` and ``NaN`` for floats that are not
finite, which is not JSON (RFC 8259) and which strict parsers (``jq``,
browsers, most languages' standard libraries) reject.  tncc writes every such
value as ``null``: an energy that overflowed a float, a ratio over a zero
baseline, an error measure between arrays holding NaN.  Where the kind of
non-finite value matters (a NaN in a result, say), the report says so in
words in a separate field.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite(x: Any) -> Any:
    """``x`` with every non-finite float replaced by ``None``; numpy scalars
    and arrays become Python numbers and lists, tuples become lists."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [finite(v) for v in x]
    if hasattr(x, "tolist") and hasattr(x, "dtype"):  # a numpy scalar or array
        return finite(x.tolist())
    return x


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`finite` ``(obj)``; never emits ``Infinity`` or ``NaN``."""
    return json.dumps(finite(obj), allow_nan=False, **kwargs)
