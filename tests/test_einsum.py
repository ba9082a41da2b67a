"""The einsum front door: equations become networks equal to what the same
program written in .tn gives, and malformed equations are TnccErrors."""

from __future__ import annotations

import numpy as np
import pytest

from tncc import from_einsum, reference
from tncc.frontend.einsum import parse_equation, parse_sizes
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


def _numpy_agrees(net, equation: str, n: int, seed: int = 0) -> None:
    """The network's reference equals numpy.einsum of the equation on the same arrays."""
    x = reference.random_inputs(net, seed)
    arrays = [x[f"t{k}"].astype(np.float64) for k in range(n)]
    got = reference.evaluate(net, x, float64=True)["out"]
    np.testing.assert_allclose(got, np.einsum(equation, *arrays), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("eq,shapes", [
    ("ii->i", [(3, 3)]),
    ("ii", [(4, 4)]),
    ("iij,jk->ik", [(3, 3, 2), (2, 4)]),
    ("ab,->ab", [(2, 3), ()]),
    (",,->", [(), (), ()]),
    ("...ij,...jk->...ik", [(5, 1, 2, 3), (3, 4)]),  # an extent-1 '...' axis broadcasts
    ("ij,ij->j", [(4, 2), (1, 2)]),  # so does an extent-1 lettered axis
    ("a...a->...a", [(3, 2, 3)]),
    ("...,...", [(2, 3), (3,)]),
])
def test_numpy_language_from_shapes(eq: str, shapes: list[tuple[int, ...]]) -> None:
    net = from_einsum(eq, *shapes)
    net.verify()
    _numpy_agrees(net, eq, len(shapes))


def test_operands_may_be_arrays_and_sizes_may_give_the_ellipsis() -> None:
    a, b = np.ones((2, 3)), np.ones((3, 4))
    assert strip_spans(from_einsum("ij,jk", a, b)) == strip_spans(from_einsum("ij,jk", {"i": 2, "j": 3, "k": 4}))
    net = from_einsum("...i,i->...", {"...": (2, 3), "i": 4})
    assert net.shape("t0") == (2, 3, 4) and net.shape("out") == (2, 3)
    with pytest.raises(TnccError, match="either sizes or operands"):
        from_einsum("ij", a, sizes={"i": 2, "j": 3})
    with pytest.raises(TnccError, match="has 2 operands, but 1"):
        from_einsum("ij,jk", a)
    with pytest.raises(TnccError, match="does not fit its subscripts"):
        from_einsum("ijk", a)
    with pytest.raises(TnccError, match="extent 3 in one operand but 2"):
        from_einsum("ij,jk", a, np.ones((2, 2)))


def test_interleaved_form_is_the_equation() -> None:
    a, b = np.ones((2, 3)), np.ones((3, 4))
    got = from_einsum(a, [0, 1], b, [1, 2], [0, 2])
    assert strip_spans(got) == strip_spans(from_einsum("ab,bc->ac", a, b))
    # Sublists may be tuples and hold Ellipsis; integers past 51 are non-ASCII symbols.
    net = from_einsum(np.ones((5, 2, 3)), (Ellipsis, 1000, 1001), np.ones((3, 4)), (1001, 1002))
    _numpy_agrees(net, "...ab,bc->...ac", 2)
    with pytest.raises(TnccError, match="not a non-negative integer"):
        from_einsum(a, [0, -1])


def test_symbols_past_the_52_letters() -> None:
    # opt_einsum's get_symbol continues at chr(192): a ring of 60 matrices.
    n = 60
    args: list[object] = []
    for k in range(n):
        args += [(2, 2), [k, (k + 1) % n]]
    args.append([])
    net = from_einsum(*args)
    assert len(net.indices) == 60 and net.indices[52].name == "uc0"  # chr(192)
    x = reference.random_inputs(net, 0)
    m = np.eye(2)
    for k in range(n):
        m = m @ x[f"t{k}"].astype(np.float64)
    got = reference.evaluate(net, x, float64=True)["out"]  # past 52 indices: pairwise einsums
    np.testing.assert_allclose(got, np.trace(m), rtol=1e-9)
    greek = from_einsum("αβ,βγ->αγ", {"α": 2, "β": 3, "γ": 4})
    assert [i.name for i in greek.indices] == ["u3b1", "u3b2", "u3b3"]
    (back,) = load_source(to_source(greek))
    assert strip_spans(back) == strip_spans(greek)


@pytest.mark.parametrize("arch", ["fetta", "systolic"])
def test_broadcasts_scalars_and_diagonals_run_on_the_machine(arch: str) -> None:
    import tncc

    for eq, shapes in [("ij,ij->j", [(4, 2), (1, 2)]), ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 4)]),
                       ("ab,->ab", [(2, 3), ()]), ("aab,bcc->ac", [(3, 3, 2), (2, 4, 4)])]:
        res = tncc.compile(from_einsum(eq, *shapes), arch).run(seed=1)
        assert res.match, (eq, res.max_rel_err)


def test_errors_point_at_the_character() -> None:
    with pytest.raises(TnccError) as info:
        from_einsum("ab, b1 -> a", {"a": 2, "b": 2})
    assert info.value.render() == ("einsum:1:6: error: '1' is not an index letter (use a letter, or a non-ASCII "
                                   "symbol)\n    ab, b1 -> a\n         ^")
    with pytest.raises(TnccError) as info:
        from_einsum("ij\n->jj", {"i": 2, "j": 2})
    assert info.value.render().startswith("einsum:2:4: error: an index repeats in the output ('j')")
