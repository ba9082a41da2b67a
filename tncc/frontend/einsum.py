"""The einsum front door: a numpy-style equation becomes a network.

``from_einsum("bi,io->bo", sizes={"b": 32, "i": 64, "o": 16})`` gives a
network with inputs ``t0[b, i]``, ``t1[i, o]`` and one statement
``out[b, o] = t0[b, i] * t1[i, o]``.  The whole of numpy's einsum language is
accepted (docs/language.md, "From einsum"):

* an index symbol is an ASCII letter or any non-ASCII character other than
  white space -- opt_einsum's convention past 52 indices (its ``get_symbol``
  continues at ``chr(192)``), which cotengra and quimb use for large
  networks.  A non-ASCII symbol ``c`` becomes the index ``u<hex of ord(c)>``;
* spaces are ignored; without ``->`` the output is, as in numpy, ``...``
  (when present) followed by every symbol that occurs exactly once, in code
  point order;
* a symbol repeated inside one operand reads its diagonal (``ii->i``; summed,
  a trace ``ii->``); the operand's tensor declares the repeat as a fresh
  index ``<name>_<k>`` of the same size;
* an empty operand is a scalar (``ab,->ab``), a rank-0 tensor;
* ``...`` stands for the same leading broadcast dimensions in every operand
  that has it; they become indices ``dots0, dots1, ...``.  Their sizes come
  from the operands' shapes (numpy's broadcasting, right-aligned) or, with
  ``sizes``, from ``sizes["..."]`` (a tuple: every ``...`` covers all of it);
* numpy's interleaved form ``from_einsum(a, [0, 1], b, [1, 2], [0, 2])``
  (integers and ``Ellipsis`` in the sublists; integer ``n`` is the symbol
  opt_einsum's ``get_symbol(n)`` gives);
* given shapes, an axis of extent 1 against a symbol of extent ``n``
  broadcasts as in numpy: it becomes its own index of size 1
  (``<name>_b<k>`` for operand ``k``), summed, so the machine reads the one
  element for every value of the symbol (a multicast).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tncc.errors import Diagnostic, Span, TnccError
from tncc.frontend.check import MAX_SIZE, USER_DTYPES
from tncc.ir import DType, Index, Network, Operand, Role, Statement, Tensor

DOTS = "..."
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _fail(message: str) -> TnccError:
    return TnccError(Diagnostic(message, where="einsum"))


def is_symbol(ch: str) -> bool:
    """An index symbol: an ASCII letter, or a non-ASCII character that is not white space."""
    return (ch.isascii() and ch.isalpha()) or (not ch.isascii() and not ch.isspace())


def symbol_of(n: int) -> str:
    """The symbol of integer ``n`` in the interleaved form: the 52 ASCII letters,
    then ``chr(n + 140)``, skipping the surrogate block (opt_einsum's ``get_symbol``)."""
    if n < 52:
        return _LETTERS[n]
    return chr(n + 2048) if n >= 55296 else chr(n + 140)


def index_name(symbol: str) -> str:
    """The ``.tn`` index name of a symbol: itself for an ASCII letter, else ``u<hex>``."""
    return symbol if symbol.isascii() else f"u{ord(symbol):x}"


class _Text:
    """An equation with white space removed, remembering where each kept
    character was, so an error can point at it (line, column, caret)."""

    def __init__(self, equation: str) -> None:
        self.equation = equation
        self.pos = [k for k, ch in enumerate(equation) if not ch.isspace()]
        self.text = "".join(equation[k] for k in self.pos)

    def fail(self, message: str, at: int, length: int = 1) -> TnccError:
        """An error at character ``at`` of the stripped text, spanning ``length``."""
        if not 0 <= at < len(self.pos):
            return _fail(f"'{self.equation}': {message}")
        off = self.pos[at]
        line = self.equation.count("\n", 0, off) + 1
        col = off - (self.equation.rfind("\n", 0, off) + 1) + 1
        end = self.pos[min(at + length, len(self.pos)) - 1] - off + col + 1
        return TnccError(Diagnostic(message, Span("einsum", line, col, line, end, self.equation)))


def _split(src: _Text, start: int, end: int, what: str) -> list[tuple[str, int]]:
    """The symbols of ``src.text[start:end]`` with their positions, ``...`` as one item."""
    out: list[tuple[str, int]] = []
    k = start
    term = src.text
    while k < end:
        if term.startswith(DOTS, k) and k + 3 <= end:
            if any(s == DOTS for s, _ in out):
                raise src.fail(f"'...' occurs twice in {what}", k, 3)
            out.append((DOTS, k))
            k += 3
            continue
        ch = term[k]
        if ch == ".":
            raise src.fail(f"a '.' in {what} that is not part of '...'", k)
        if not is_symbol(ch):
            raise src.fail(f"{ch!r} is not an index letter (use a letter, or a non-ASCII symbol)", k)
        out.append((ch, k))
        k += 1
    return out


def _terms(equation: str) -> tuple[list[list[str]], list[str], str]:
    """Operand symbol lists, output symbol list and the explicit output term."""
    src = _Text(equation)
    eq = src.text
    arrow = eq.find("->")
    if arrow >= 0 and eq.find("->", arrow + 2) >= 0:
        raise src.fail("more than one '->'", eq.find("->", arrow + 2), 2)
    lhs_end = arrow if arrow >= 0 else len(eq)
    for k, ch in enumerate(eq):
        if ch in "->" and not (arrow >= 0 and arrow <= k < arrow + 2):
            raise src.fail("'-' and '>' may only appear together, as '->'", k)
    parsed: list[list[tuple[str, int]]] = []
    start = 0
    for k in range(lhs_end + 1):
        if k == lhs_end or eq[k] == ",":
            parsed.append(_split(src, start, k, f"operand {len(parsed)}"))
            start = k + 1
    if arrow >= 0:
        out = _split(src, arrow + 2, len(eq), "the output")
    else:
        counts: dict[str, int] = {}
        for p in parsed:
            for sym, _ in p:
                counts[sym] = counts.get(sym, 0) + 1
        singles = sorted(sym for sym, c in counts.items() if c == 1 and sym != DOTS)
        out = [(sym, -1) for sym in ([DOTS] if DOTS in counts else []) + singles]
    seen: set[str] = set()
    for sym, at in out:
        if sym in seen:
            raise src.fail(f"an index repeats in the output ('{sym}')", at)
        seen.add(sym)
        if sym != DOTS and not any(sym == x for p in parsed for x, _ in p):
            raise src.fail(f"output index '{sym}' occurs in no operand", at)
        if sym == DOTS and not any(x == DOTS for p in parsed for x, _ in p):
            raise src.fail("the output has '...' but no operand does", at, 3)
    rhs = "".join(sym for sym, _ in out)
    return [[x for x, _ in p] for p in parsed], [x for x, _ in out], rhs


def parse_equation(equation: str) -> tuple[tuple[str, ...], str]:
    """Split an equation into operand terms and the output term (implicit
    output made explicit).  Terms keep ``...``; an empty term is a scalar.
    White space is ignored; an error points at the offending character."""
    parsed, _, rhs = _terms(equation)
    return tuple("".join(p) for p in parsed), rhs


def interleaved(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """numpy's ``op0, sublist0, op1, sublist1, ..., [output]`` -> (equation, operands)."""
    ops = list(args[0::2])
    subs = list(args[1::2])
    out: Any = None
    if len(args) % 2:
        out = ops.pop()

    def term(sub: Any, what: str) -> str:
        if not isinstance(sub, (list, tuple)):
            raise _fail(f"{what} must be a list of integers (and Ellipsis), got {sub!r}")
        text = ""
        for s in sub:
            if s is Ellipsis:
                text += DOTS
            elif isinstance(s, numbers.Integral) and not isinstance(s, bool) and 0 <= int(s) < 0x110000 - 2048:
                text += symbol_of(int(s))
            else:
                raise _fail(f"{what}: {s!r} is not a non-negative integer or Ellipsis")
        return text

    lhs = ",".join(term(s, f"the sublist of operand {k}") for k, s in enumerate(subs))
    eq = lhs if out is None else lhs + "->" + term(out, "the output sublist")
    return eq, ops


def _shape(op: Any, k: int) -> tuple[int, ...]:
    """An operand's shape: a tuple of ints is a shape; anything else is an
    array-like (``.shape``, or a number: rank 0)."""
    if isinstance(op, tuple) and all(isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in op):
        return tuple(int(d) for d in op)
    shape = getattr(op, "shape", None)
    if shape is None:
        if isinstance(op, numbers.Number):
            return ()
        import numpy as np

        try:
            shape = np.shape(op)
        except Exception:  # noqa: BLE001 - any failure is "not an array"
            raise _fail(f"operand {k} is neither an array nor a shape: {op!r}") from None
    return tuple(int(d) for d in shape)


@dataclass
class _Axis:
    """One axis of one operand: its symbol (or ellipsis dim ``dotsN``) and extent."""

    key: str  # a symbol, or "dots<d>"
    extent: int


def _check_size(what: str, s: Any) -> int:
    if not isinstance(s, numbers.Integral) or isinstance(s, bool) or not 0 < int(s) <= MAX_SIZE:
        raise _fail(f"{what} needs a positive integer size, got {s!r}")
    return int(s)


def from_einsum(equation: Any, *args: Any, sizes: Mapping[str, Any] | None = None, name: str = "einsum",
                dtype: DType | str = DType.FP32, names: tuple[str, ...] | None = None,
                result: str = "out") -> Network:
    """A checked :class:`~tncc.ir.Network` for an einsum (module doc).

    Forms: ``from_einsum(eq, sizes)`` (``sizes`` maps each symbol to its size,
    and ``"..."`` to a tuple when the equation has ellipses),
    ``from_einsum(eq, *operands)`` (arrays, or tuples of ints as shapes: sizes
    follow from them with numpy's broadcasting) and the interleaved
    ``from_einsum(op0, sublist0, ..., [output])``.  Operands are inputs named
    ``names`` (default ``t0, t1, ...``); the result ``result`` is the only
    output.  Raises :class:`~tncc.errors.TnccError` for a malformed equation,
    shapes that do not fit it, a missing or non-positive size, or a size
    given for a symbol the equation does not use."""
    if isinstance(equation, str):
        operands = list(args)
        if operands and isinstance(operands[0], Mapping):
            if sizes is not None:
                raise _fail("sizes are given twice")
            sizes = operands.pop(0)
        eq = equation
    else:
        eq, operands = interleaved((equation, *args))
    parsed, out_syms, _ = _terms(eq)
    if isinstance(dtype, str):
        if dtype not in USER_DTYPES:
            raise _fail(f"unknown dtype '{dtype}'; expected fp32, fp16, bf16 or int8")
        dtype = USER_DTYPES[dtype]
    if operands and sizes is not None:
        raise _fail("give either sizes or operands (arrays or shapes), not both")
    if operands:
        if len(operands) != len(parsed):
            raise _fail(f"'{eq}' has {len(parsed)} operands, but {len(operands)} arrays or shapes are given")
        axes = _axes_from_shapes(eq, parsed, [_shape(op, k) for k, op in enumerate(operands)])
    elif sizes is not None:
        axes = _axes_from_sizes(eq, parsed, sizes)
    else:
        raise _fail("give the index sizes (sizes={...}) or the operands (arrays or shapes)")
    ndots = max((sum(1 for a in ax if a.key.startswith("dots")) for ax in axes), default=0)
    if ndots and DOTS not in out_syms:
        raise _fail(f"'{eq}': the operands broadcast over '...', so the output needs '...' too")
    return _build(parsed, out_syms, axes, ndots, name, dtype, names, result)


def _axes_from_sizes(eq: str, parsed: list[list[str]], sizes: Mapping[str, Any]) -> list[list[_Axis]]:
    used = {s for p in parsed for s in p}
    for key in sizes:
        if key not in used:
            raise _fail(f"size given for '{key}', which '{eq}' does not use")
    dots: tuple[int, ...] = ()
    if DOTS in used:
        given = sizes.get(DOTS)
        if given is None:
            raise _fail(f"'{eq}' has '...': give its sizes as sizes['...'] = (d0, d1, ...) (or give the operands)")
        dots = tuple(_check_size(f"'...' axis {d}", s) for d, s in enumerate(
            given if isinstance(given, (tuple, list)) else (given,)))
    axes: list[list[_Axis]] = []
    for p in parsed:
        row: list[_Axis] = []
        for s in p:
            if s == DOTS:
                row += [_Axis(f"dots{d}", n) for d, n in enumerate(dots)]
            elif s not in sizes:
                raise _fail(f"no size given for index '{s}' of '{eq}'")
            else:
                row.append(_Axis(s, _check_size(f"index '{s}'", sizes[s])))
        axes.append(row)
    return axes


def _axes_from_shapes(eq: str, parsed: list[list[str]], shapes: list[tuple[int, ...]]) -> list[list[_Axis]]:
    """Each operand's axes; ``...`` covers the dims its shape has beyond its
    symbols, right-aligned against the longest ellipsis (numpy)."""
    spans: list[int] = []
    for k, (p, shape) in enumerate(zip(parsed, shapes)):
        named = len(p) - (1 if DOTS in p else 0)
        if (DOTS in p and len(shape) < named) or (DOTS not in p and len(shape) != named):
            raise _fail(f"operand {k} has shape {shape}, which does not fit its subscripts "
                        f"'{''.join(p)}'")
        for d in shape:
            _check_size(f"axis of operand {k}", d)
        spans.append(len(shape) - named if DOTS in p else 0)
    width = max(spans, default=0)
    axes: list[list[_Axis]] = []
    for p, shape, span in zip(parsed, shapes, spans):
        row: list[_Axis] = []
        dims = iter(shape)
        for s in p:
            if s == DOTS:
                row += [_Axis(f"dots{width - span + d}", next(dims)) for d in range(span)]
            else:
                row.append(_Axis(s, next(dims)))
        axes.append(row)
    return axes


def _build(parsed: list[list[str]], out_syms: list[str], axes: list[list[_Axis]], ndots: int, name: str,
           dtype: DType, names: tuple[str, ...] | None, result: str) -> Network:
    # Each key's size: numpy's broadcasting lets extent 1 meet extent n.
    size: dict[str, int] = {}
    for k, row in enumerate(axes):
        for a in row:
            have = size.get(a.key, 1)
            if a.extent != 1 and have != 1 and a.extent != have:
                what = "'...'" if a.key.startswith("dots") else f"index '{a.key}'"
                raise _fail(f"{what} has extent {have} in one operand but {a.extent} in operand {k}")
            size[a.key] = max(have, a.extent)
    nm = {key: key if key.startswith("dots") else index_name(key) for key in size}
    indices: dict[str, int] = {}
    tnames = tuple(names) if names is not None else tuple(f"t{k}" for k in range(len(parsed)))
    if len(tnames) != len(parsed) or len(set(tnames) | {result}) != len(parsed) + 1:
        raise _fail("need one distinct tensor name per operand, different from the result's")
    # Index names in order of first appearance (as numpy labels them).
    for row in axes:
        for a in row:
            indices.setdefault(nm[a.key], size[a.key])
    tensors: list[Tensor] = []
    operands: list[Operand] = []
    extra: dict[str, int] = {}
    for k, (row, tname) in enumerate(zip(axes, tnames)):
        uses: list[str] = []
        declared: list[str] = []
        for a in row:
            use = nm[a.key]
            if a.extent != size[a.key]:  # extent 1 broadcast against a larger one
                use = f"{use}_b{k}"
                extra[use] = 1
            rep = uses.count(use)
            uses.append(use)
            if rep:
                # A diagonal: the tensor declares its repeated axis under a fresh name.
                dec = f"{use}_{rep + 1}"
                extra[dec] = indices.get(use, extra.get(use, 1))
                declared.append(dec)
            else:
                declared.append(use)
        for a, use in zip(row, uses):
            if uses.count(use) > 1 and a.extent != size[a.key]:
                raise _fail(f"operand {k} repeats '{a.key}' with extent 1, broadcast; diagonals need full extents")
        tensors.append(Tensor(tname, tuple(declared), Role.INPUT))
        operands.append(Operand(tname, tuple(uses)))
    out: list[str] = []
    for s in out_syms:
        if s == DOTS:
            out += [f"dots{d}" for d in range(ndots)]
        else:
            out.append(nm[s])
    for ix, n in extra.items():
        indices.setdefault(ix, n)
    tensors.append(Tensor(result, tuple(out), Role.OUTPUT))
    st = Statement(result, tuple(out), tuple(operands))
    net = Network(name, dtype, tuple(Index(i, n) for i, n in indices.items()), tuple(tensors), (st,), (result,))
    net.verify()
    return net


def parse_sizes(text: str) -> dict[str, Any]:
    """``"b=32,i=64"`` -> ``{"b": 32, "i": 64}`` (the ``--sizes`` syntax);
    ``...=4x5`` gives the ellipsis sizes ``{"...": (4, 5)}``."""
    out: dict[str, Any] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        key, eq, val = part.partition("=")
        key, val = key.strip(), val.strip()
        if key == DOTS and eq and val and all(v.isdigit() for v in val.split("x")):
            out[key] = tuple(int(v) for v in val.split("x"))
            continue
        if not eq or not key or not val.isdigit():
            raise TnccError(f"--sizes: '{part}' is not of the form LETTER=SIZE (e.g. b=32) or ...=AxB")
        if key in out:
            raise TnccError(f"--sizes: '{key}' is given twice")
        out[key] = int(val)
    return out
