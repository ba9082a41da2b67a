"""The einsum front door: a numpy-style equation becomes a network.

``from_einsum("bi,io->bo", sizes={"b": 32, "i": 64, "o": 16})`` gives a
network with inputs ``t0[b, i]``, ``t1[i, o]`` and one statement
``out[b, o] = t0[b, i] * t1[i, o]``.  Each letter is an index; spaces are
ignored; without ``->`` the output is, as in numpy, every letter that occurs
exactly once, in alphabetical order.  Ellipses and repeated letters inside one
operand (traces, diagonals) are not part of the language and are rejected.
"""

from __future__ import annotations

from typing import Mapping

from tncc.errors import Diagnostic, TnccError
from tncc.frontend.check import MAX_SIZE, USER_DTYPES
from tncc.ir import DType, Index, Network, Operand, Role, Statement, Tensor


def _fail(message: str) -> TnccError:
    return TnccError(Diagnostic(message, where="einsum"))


def parse_equation(equation: str) -> tuple[tuple[str, ...], str]:
    """Split an equation into operand terms and the output term (implicit
    output made explicit)."""
    eq = "".join(equation.split())
    if "..." in eq or "." in eq:
        raise _fail(f"'{equation}': ellipses ('...') are not supported; name every index")
    if eq.count("->") > 1:
        raise _fail(f"'{equation}': more than one '->'")
    lhs, arrow, rhs = eq.partition("->")
    terms = tuple(lhs.split(","))
    for k, term in enumerate(terms):
        if term == "" and len(terms) > 1:
            raise _fail(f"'{equation}': operand {k} is empty (write a scalar operand as an empty term only "
                        "when it is the only one, or use the .tn language)")
        for ch in term:
            if not ch.isalpha() or not ch.isascii():
                raise _fail(f"'{equation}': {ch!r} is not an index letter (use a-z, A-Z)")
        if len(set(term)) != len(term):
            rep = next(c for c in term if term.count(c) > 1)
            raise _fail(f"'{equation}': index '{rep}' repeats inside operand {k}; traces and diagonals "
                        "are not supported")
    if not arrow:
        letters = "".join(terms)
        rhs = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for ch in rhs:
        if not ch.isalpha() or not ch.isascii():
            raise _fail(f"'{equation}': {ch!r} is not an index letter (use a-z, A-Z)")
    if len(set(rhs)) != len(rhs):
        raise _fail(f"'{equation}': an index repeats in the output")
    for ch in rhs:
        if not any(ch in t for t in terms):
            raise _fail(f"'{equation}': output index '{ch}' occurs in no operand")
    return terms, rhs


def from_einsum(equation: str, sizes: Mapping[str, int], *, name: str = "einsum",
                dtype: DType | str = DType.FP32, names: tuple[str, ...] | None = None,
                result: str = "out") -> Network:
    """A checked :class:`~tncc.ir.Network` for ``equation`` with index ``sizes``.

    Operands are inputs named ``names`` (default ``t0, t1, ...``); the result
    ``result`` is the only output.  Raises :class:`~tncc.errors.TnccError` for a
    malformed equation, a missing or non-positive size, or a size given for a
    letter the equation does not use."""
    terms, rhs = parse_equation(equation)
    if isinstance(dtype, str):
        if dtype not in USER_DTYPES:
            raise _fail(f"unknown dtype '{dtype}'; expected fp32, fp16, bf16 or int8")
        dtype = USER_DTYPES[dtype]
    letters: list[str] = []
    for t in terms:
        letters += [c for c in t if c not in letters]
    for c in letters:
        if c not in sizes:
            raise _fail(f"no size given for index '{c}' of '{equation}'")
        s = sizes[c]
        if not isinstance(s, int) or isinstance(s, bool) or not 0 < s <= MAX_SIZE:
            raise _fail(f"index '{c}' needs a positive integer size, got {s!r}")
    extra = sorted(set(sizes) - set(letters))
    if extra:
        raise _fail(f"size given for '{extra[0]}', which '{equation}' does not use")
    tnames = tuple(names) if names is not None else tuple(f"t{k}" for k in range(len(terms)))
    if len(tnames) != len(terms) or len(set(tnames) | {result}) != len(terms) + 1:
        raise _fail("need one distinct tensor name per operand, different from the result's")
    tensors = [Tensor(n, tuple(t), Role.INPUT) for n, t in zip(tnames, terms)]
    tensors.append(Tensor(result, tuple(rhs), Role.OUTPUT))
    st = Statement(result, tuple(rhs), tuple(Operand(n, tuple(t)) for n, t in zip(tnames, terms)))
    net = Network(name, dtype, tuple(Index(c, int(sizes[c])) for c in letters), tuple(tensors), (st,),
                  (result,))
    net.verify()
    return net


def parse_sizes(text: str) -> dict[str, int]:
    """``"b=32,i=64"`` -> ``{"b": 32, "i": 64}`` (the ``--sizes`` syntax)."""
    out: dict[str, int] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        key, eq, val = part.partition("=")
        key, val = key.strip(), val.strip()
        if not eq or not key or not val.isdigit():
            raise TnccError(f"--sizes: '{part}' is not of the form LETTER=SIZE (e.g. b=32)")
        if key in out:
            raise TnccError(f"--sizes: '{key}' is given twice")
        out[key] = int(val)
    return out
