"""Semantic checks: one golden diagnostic per kind of error, all errors of a
file reported together, and the IR produced for valid programs."""

from __future__ import annotations

import pytest

from tncc.errors import TnccError
from tncc.frontend import load_source
from tncc.ir import DType, Role

H = "network n {\n  index i = 2, j = 3, k = 2\n  input x[i, j]\n  param w[j, k]\n"

# kind: (source, [(line, column, message), ...]) -- every diagnostic expected.
CHECK_ERRORS = {
    "unknown_index": (H + "  input z[i, q]\n  y[i, k] = x * w\n  output y\n}\n",
                      [(5, 14, "unknown index 'q'")]),
    "unknown_index_hint": (H + "  input z[i, kk]\n  y[i, k] = x * w\n  output y\n}\n",
                           [(5, 14, "unknown index 'kk' (did you mean 'k'?)")]),
    "duplicate_index": (H + "  index i = 4\n  y[i, k] = x * w\n  output y\n}\n",
                        [(5, 9, "index 'i' is already declared at line 2")]),
    "zero_size": ("network n {\n  index i = 0\n  input x[i]\n  y[] = x\n  output y\n}\n",
                  [(2, 13, "index 'i' needs a positive size, got 0")]),
    "huge_size": ("network n {\n  index i = 99999999999\n  input x[i]\n  y[] = x\n  output y\n}\n",
                  [(2, 13, "index 'i' is too large: sizes are at most 2147483647")]),
    "duplicate_tensor": (H + "  input x[i]\n  y[i, k] = x * w\n  output y\n}\n",
                         [(5, 9, "tensor 'x' is already declared at line 3")]),
    "result_redefines_input": (H + "  x[i] = w[j, i]\n  output x\n}\n",
                               [(5, 3, "tensor 'x' is already declared at line 3"),
                                (6, 10, "'x' is an input, not a computed tensor; only statement results can "
                                        "be outputs")]),
    "repeated_declared_index": (H + "  input z[i, i]\n  y[i, k] = x * w\n  output y\n}\n",
                                [(5, 14, "index 'i' appears twice in the declaration of 'z'")]),
    "unknown_tensor": (H + "  y[i, k] = x * v\n  output y\n}\n", [(5, 17, "unknown tensor 'v'")]),
    "use_before_definition": (H + "  z[i] = y\n  y[i, k] = x * w\n  output y\n}\n",
                              [(5, 10, "'y' is used before the statement that defines it (line 6)")]),
    "self_use": (H + "  y[i, k] = x * y\n  output y\n}\n", [(5, 17, "'y' is used in its own definition")]),
    "rank_mismatch": (H + "  y[i, k] = x[i] * w\n  output y\n}\n",
                      [(5, 13, "'x' has 2 indices [i, j], but 1 is given here")]),
    "size_mismatch": (H + "  y[i, k] = x[i, k] * w\n  output y\n}\n",
                      [(5, 18, "index 'k' has size 2, but position 2 of 'x' has size 3 (declared as 'j')")]),
    # A use site may repeat an index (a diagonal), but only along axes of one size.
    "diagonal_of_non_square": (H + "  y[i] = x[i, j] * w[j, j]\n  output y\n}\n",
                               [(5, 25, "index 'j' has size 3, but position 2 of 'w' has size 2 "
                                 "(declared as 'k')")]),
    "result_index_in_no_operand": (
        "network n {\n  index i = 2, j = 3, k = 2, m = 5\n  input x[i, j]\n  param w[j, k]\n"
        "  y[i, m] = x * w\n  output y\n}\n", [(5, 8, "result index 'm' of 'y' occurs in no operand")]),
    # Every result index that no operand carries is reported, not just the first.
    "result_indices_in_no_operand": (
        "network n {\n  index i = 2, j = 3, k = 4\n  input a[k]\n  c[i, j] = a[k]\n  output c\n}\n",
        [(4, 5, "result index 'i' of 'c' occurs in no operand"), (4, 8, "result index 'j' of 'c' occurs in no operand")]),
    "dtype_twice": ("network n {\n  dtype fp16\n  dtype bf16\n  index i = 2\n  input x[i]\n  y[] = x\n"
                    "  output y\n}\n", [(3, 3, "dtype is already given at line 2")]),
    "dtype_after_tensor": ("network n {\n  index i = 2\n  input x[i]\n  dtype fp16\n  y[] = x\n  output y\n}\n",
                           [(4, 3, "dtype must come before every tensor of the network")]),
    "unknown_dtype": ("network n {\n  dtype fp64\n  index i = 2\n  input x[i]\n  y[] = x\n  output y\n}\n",
                      [(2, 9, "unknown dtype 'fp64'; expected fp32, fp16, bf16 or int8")]),
    "output_unknown": (H + "  y[i, k] = x * w\n  output z\n}\n", [(6, 10, "unknown tensor 'z'")]),
    "output_is_input": (H + "  y[i, k] = x * w\n  output y, x\n}\n",
                        [(6, 13, "'x' is an input, not a computed tensor; only statement results can be "
                                 "outputs")]),
    "output_twice": (H + "  y[i, k] = x * w\n  output y, y\n}\n", [(6, 13, "'y' is already an output")]),
    "no_output": (H + "  y[i, k] = x * w\n}\n", [(1, 9, "network 'n' has no output; add 'output NAME' (or 'grad')")]),
    "duplicate_network": ("network n {\n  index i = 2\n  input x[i]\n  y[] = x\n  output y\n}\n"
                          "network n {\n  index i = 2\n  input x[i]\n  y[] = x\n  output y\n}\n",
                          [(7, 9, "network 'n' is already defined at line 1")]),
    "grad_without_dependence": (H + "  input v[i]\n  y[i, k] = x * w\n  output y\n  grad y wrt v\n}\n",
                                [(8, 14, "'y' does not depend on 'v', so its gradient is not defined")]),
    "grad_of_input": (H + "  y[i, k] = x * w\n  output y\n  grad x wrt w\n}\n",
                      [(7, 8, "'x' is an input; grad needs a computed tensor (a statement result)")]),
    "grad_wrt_unknown": (H + "  y[i, k] = x * w\n  output y\n  grad y wrt q\n}\n", [(7, 14, "unknown tensor 'q'")]),
    "grad_wrt_itself": (H + "  y[i, k] = x * w\n  output y\n  grad y wrt y\n}\n",
                        [(7, 14, "grad of 'y' with respect to itself")]),
    "grad_of_repeated_tensor": (
        "network n {\n  index i = 3, j = 3, k = 3\n  input a[i, j]\n  y[i, k] = a[i, j] * a[j, k]\n"
        "  output y\n  grad y wrt a\n}\n",
        [(6, 14, "'a' occurs 2 times in the expression of 'y' (after inlining intermediate statements); "
                 "the gradient of a repeated tensor is not supported yet")]),
    "grad_twice": (H + "  y[i, k] = x * w\n  output y\n  grad y wrt w\n  grad y wrt w\n}\n",
                   [(8, 14, "the gradient of 'w' is already requested at line 7; each tensor has one gradient "
                            "output 'd_w'")]),
    "grad_name_clash": (H + "  input d_y[i, k]\n  y[i, k] = x * w\n  output y\n  grad y wrt w\n}\n",
                        [(8, 3, "grad of 'y' needs the name 'd_y' for its upstream gradient, but the network "
                                "already has a tensor 'd_y'")]),
    "grad_broadcast": ("network n {\n  index i = 2, j = 3\n  input x[i]\n  param w[j]\n  y[j] = x * w\n"
                       "  output y\n  grad y wrt x\n}\n",
                       [(7, 14, "the gradient of 'y' wrt 'x' is constant along index 'i' (summed inside 'x' "
                                "alone); broadcast gradients are not supported yet")]),
}


@pytest.mark.parametrize("kind", sorted(CHECK_ERRORS))
def test_check_error_golden(kind: str) -> None:
    src, expected = CHECK_ERRORS[kind]
    with pytest.raises(TnccError) as info:
        load_source(src, "bad.tn")
    got = [(d.span.line, d.span.column, d.message) for d in info.value.diagnostics if d.span is not None]
    assert got == expected


def test_empty_file_is_an_error() -> None:
    with pytest.raises(TnccError) as info:
        load_source("# nothing here\n", "empty.tn")
    assert info.value.render() == "empty.tn: error: no network in this file; expected 'network NAME { ... }'"


def test_all_errors_of_a_file_are_reported_together() -> None:
    src = (
        "network a {\n"
        "  index i = 2, j = 0\n"          # 2:20 zero size
        "  input x[i, q]\n"               # 3:14 unknown index
        "  y[i] = x * v\n"                # 4:14 unknown tensor
        "  output y\n"
        "}\n"
        "network b {\n"
        "  index i = 2\n"
        "  input x[i]\n"
        "  z[i, k] = x\n"                 # 10:8 unknown index
        "  output nope\n"                 # 11:10 unknown output
        "}\n"
    )
    with pytest.raises(TnccError) as info:
        load_source(src, "many.tn")
    where = [(d.span.line, d.span.column) for d in info.value.diagnostics]
    assert where == [(2, 20), (3, 14), (4, 14), (10, 8), (11, 10)]
    rendered = info.value.render()
    assert rendered.count("many.tn:") == 5 and "Traceback" not in rendered


def test_lowering_to_ir() -> None:
    src = ("network n {\n  dtype bf16\n  index i = 2, j = 3, k = 5\n  input x[i, j]\n  param w[j, k]\n"
           "  t[i, k] = x * w\n  s[] = t[i, k] * t[i, k]\n  output t, s\n}\n")
    (net,) = load_source(src, "ok.tn")
    net.verify()
    assert net.dtype is DType.BF16
    assert net.sizes() == {"i": 2, "j": 3, "k": 5}
    assert [(t.name, t.role) for t in net.tensors] == [("x", Role.INPUT), ("w", Role.PARAM),
                                                       ("t", Role.OUTPUT), ("s", Role.OUTPUT)]
    t = net.statement("t")
    assert [(o.tensor, o.indices) for o in t.operands] == [("x", ("i", "j")), ("w", ("j", "k"))]
    assert net.statement("s").indices == ()
    assert net.outputs == ("t", "s")


def test_indices_and_leaves_may_be_declared_after_use() -> None:
    src = "network n {\n  y[i] = x\n  output y\n  input x[i]\n  index i = 4\n}\n"
    (net,) = load_source(src)
    assert net.shape("y") == (4,)


def test_int8_results_are_int32() -> None:
    src = "network n {\n  dtype int8\n  index i = 2\n  input x[i]\n  y[i] = x\n  output y\n}\n"
    (net,) = load_source(src)
    assert net.storage_dtype("x") is DType.INT8 and net.storage_dtype("y") is DType.INT32


def test_caret_line_is_right_after_unusual_line_breaks() -> None:
    # U+2028 and form feeds are not line ends in .tn (only "\n" is): the shown
    # source line must be the one the line number names.
    src = "network n { # comment with \u2028 inside\x0c\n  index i = 0\n  input x[i]\n  y[] = x\n  output y\n}\n"
    with pytest.raises(TnccError) as info:
        load_source(src, "u.tn")
    assert info.value.render().splitlines()[1] == "      index i = 0"


def test_caret_keeps_tabs_of_the_source_line() -> None:
    with pytest.raises(TnccError) as info:
        load_source("network n {\r\n\tindex i = 0\r\n}\r\n", "t.tn")
    assert info.value.render().splitlines()[1:] == ["    \tindex i = 0", "    \t          ^"]
