"""The einsum front door: equations become networks equal to what the same
program written in .tn gives, and malformed equations are TnccErrors."""

from __future__ import annotations

import numpy as np
import pytest

from tncc import from_einsum, reference
from tncc.einsum import parse_equation, parse_sizes
from tncc.errors import TnccError
from tncc.frontend import load_source
from tncc.ir import DType, Role
from tncc.printer import to_source
from tncc.testing import strip_spans


def test_linear_layer() -> None:
    net = from_einsum("bi,io->bo", sizes={"b": 32, "i": 64, "o": 16})
    net.verify()
    assert net.sizes() == {"b": 32, "i": 64, "o": 16}
    assert [(t.name, t.indices, t.role) for t in net.tensors] == [
        ("t0", ("b", "i"), Role.INPUT), ("t1", ("i", "o"), Role.INPUT), ("out", ("b", "o"), Role.OUTPUT)]
    assert net.outputs == ("out",) and net.dtype is DType.FP32


def test_equals_the_tn_program() -> None:
    net = from_einsum("ir,jr,kr,br->bijk", {"i": 3, "j": 4, "k": 5, "b": 2, "r": 7}, name="cp", dtype="bf16")
    (back,) = load_source(to_source(net))
    assert strip_spans(back) == strip_spans(net)


def test_implicit_output_is_numpy_rule() -> None:
    assert parse_equation("ij,jk") == (("ij", "jk"), "ik")
    assert parse_equation("ba,a") == (("ba", "a"), "b")
    assert parse_equation(" i j , j k -> k i ") == (("ij", "jk"), "ki")


def test_matches_numpy_einsum_semantics() -> None:
    eq = "abc,cd,bd->ad"
    sizes = {"a": 3, "b": 4, "c": 5, "d": 2}
    net = from_einsum(eq, sizes)
    x = reference.random_inputs(net, 4)
    got = reference.evaluate(net, x)["out"]
    # Independent: explicit loops over the summed indices.
    want = np.zeros((3, 2))
    for b in range(4):
        for c in range(5):
            want += np.outer(x["t0"][:, b, c].astype(np.float64), x["t1"][c, :] * x["t2"][b, :])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("eq,sizes,message", [
    ("...i->i", {"i": 3}, "give its sizes as sizes"),
    ("...i->i", {"i": 3, "...": (2,)}, "the output needs '...' too"),
    ("i->...", {"i": 3}, "the output has '...' but no operand does"),
    ("i....", {"i": 3}, "'.' in operand 0 that is not part of '...'"),
    ("i-j", {"i": 3, "j": 3}, "'-' and '>' may only appear together"),
    ("ij->ik", {"i": 1, "j": 2, "k": 3}, "output index 'k' occurs in no operand"),
    ("ij->ii", {"i": 1, "j": 2}, "an index repeats in the output"),
    ("ij,jk", {"i": 2, "j": 3}, "no size given for index 'k'"),
    ("ij", {"i": 2, "j": 3, "z": 1}, "size given for 'z'"),
    ("ij", {"i": 0, "j": 3}, "positive integer size"),
    ("i1", {"i": 2}, "'1' is not an index letter"),
    ("ij->j->i", {"i": 2, "j": 2}, "more than one '->'"),
    ("i\u2003j", {"i": 2, "j": 2}, None),  # an em space is white space, ignored
])
def test_malformed_equations(eq: str, sizes: dict[str, int], message: str | None) -> None:
    if message is None:
        from_einsum(eq, sizes).verify()
        return
    with pytest.raises(TnccError, match=message):
        from_einsum(eq, sizes)


def test_unknown_dtype_and_sizes_syntax() -> None:
    with pytest.raises(TnccError, match="unknown dtype"):
        from_einsum("i->i", {"i": 2}, dtype="fp64")
    assert parse_sizes("b=32, i=64,o=16") == {"b": 32, "i": 64, "o": 16}
    for bad in ("b", "b=x", "b=1,b=2", "=3"):
        with pytest.raises(TnccError):
            parse_sizes(bad)
