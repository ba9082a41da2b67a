"""Text forms: deterministic, and loadable back to the same network."""

from __future__ import annotations

from pathlib import Path

from tncc.frontend import load_file, load_source
from tncc.printer import derived_names, format_network, format_networks, to_source
from tncc.testing import strip_spans

EX = Path(__file__).resolve().parent.parent / "examples"


def test_emit_form_of_a_small_layer() -> None:
    src = ("network lin {\n  index b = 2, i = 3, o = 4\n  input x[b, i]\n  param w[o, i]\n"
           "  y[b, o] = x * w\n  output y\n  grad y wrt w\n}\n")
    (net,) = load_source(src)
    assert format_network(net) == (
        "network lin {\n"
        "  dtype fp32\n"
        "  index b = 2\n"
        "  index i = 3\n"
        "  index o = 4\n"
        "  input x[b, i]\n"
        "  param w[o, i]\n"
        "  input d_y[b, o]  # upstream gradient\n"
        "  y[b, o] = x[b, i] * w[o, i]\n"
        "  d_w[o, i] = d_y[b, o] * x[b, i]  # grad y wrt w\n"
        "  output y, d_w\n"
        "}\n")
    assert to_source(net).endswith("  y[b, o] = x[b, i] * w[o, i]\n  output y\n  grad y wrt w\n}\n")


def test_examples_round_trip_through_both_forms() -> None:
    for path in sorted(EX.glob("*.tn")):
        nets = load_file(path)
        again = load_source(format_networks(nets), path.name)
        assert [strip_spans(n) for n in again] == [strip_spans(n) for n in nets], path
        for net in nets:
            (emitted,) = load_source(format_network(net))
            assert emitted.sizes() == net.sizes()
            assert [s.operands for s in strip_spans(emitted).statements] == \
                   [s.operands for s in strip_spans(net).statements]
            assert format_network(net) == format_network(load_source(to_source(net))[0])


def test_derived_names_are_exactly_what_grad_added() -> None:
    src = ("network c {\n  index i = 3, j = 4, k = 5\n  input a[i, j]\n  param b[j, k]\n  param e[k, j]\n"
           "  t[i, k] = a * b\n  y[i] = t * e[k, j]\n  output y\n  grad y wrt b\n}\n")
    (net,) = load_source(src)
    tensors, indices = derived_names(net)
    assert tensors == {"d_y", "d_b"} and indices == {"j_1"}
