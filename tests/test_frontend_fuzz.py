"""Hypothesis: printed networks parse back to the equal IR, and no text --
valid, mutated or random -- makes the front end raise anything but TnccError."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tncc.errors import TnccError
from tncc.frontend import load_file, load_source
from tncc.ir import Network
from tncc.printer import format_network, to_source
from tncc.testing import networks, strip_spans

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(networks(max_tensors=5, max_statements=3))
def test_printed_source_parses_back_to_equal_ir(net: Network) -> None:
    (back,) = load_source(to_source(net), "gen.tn")
    assert strip_spans(back) == strip_spans(net)


@FAST
@given(networks(max_tensors=4, grads=True))
def test_printed_source_with_grads_parses_back_to_equal_ir(net: Network) -> None:
    (back,) = load_source(to_source(net), "gen.tn")
    back.verify()
    assert strip_spans(back) == strip_spans(net)


def _shape(net: Network) -> tuple[object, ...]:
    return (net.sizes(), {t.name: (t.indices, t.role) for t in net.tensors},
            [(s.result, s.indices, [(o.tensor, o.indices) for o in s.operands]) for s in net.statements],
            net.outputs, net.dtype)


@FAST
@given(networks(max_tensors=4, grads=True))
def test_emitted_network_text_is_loadable_and_equivalent(net: Network) -> None:
    (back,) = load_source(format_network(net), "emit.tn")
    assert _shape(back) == _shape(net)
    # The same text but for the comments that mark derived lines.
    assert _uncommented(format_network(back)) == _uncommented(format_network(net))


def _uncommented(text: str) -> str:
    return "\n".join(line.split("  #")[0] for line in text.splitlines())


def _load_quietly(text: str) -> None:
    try:
        for net in load_source(text, "fuzz.tn"):
            net.verify()
    except TnccError as err:
        rendered = err.render()
        assert rendered and "Traceback" not in rendered


TOKENS = ["network", "index", "input", "param", "output", "grad", "wrt", "dtype", "fp16", "int8", "{", "}",
          "[", "]", ",", ";", "=", "*", "\n", " ", "#", "0", "7", "x", "i", "y", "d_y", "\x00", "\t", "é",
          "\r\n", "-", "99999999999999999999"]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.builds(to_source, networks(max_tensors=3, grads=True)))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(("insert", "delete", "replace", "duplicate")))
        if op == "insert":
            text = text[:pos] + draw(st.sampled_from(TOKENS)) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 8)):]
        elif op == "replace":
            text = text[:pos] + draw(st.sampled_from(TOKENS)) + text[pos + 1:]
        else:
            lines = text.splitlines(keepends=True)
            k = draw(st.integers(0, max(0, len(lines) - 1)))
            text = "".join(lines[:k + 1] + lines[k:])
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_programs_raise_only_tncc_errors(text: str) -> None:
    _load_quietly(text)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)))
def test_random_text_raises_only_tncc_errors(text: str) -> None:
    _load_quietly(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_random_bytes_in_a_file_raise_only_tncc_errors(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "junk.tn"
    p.write_bytes(data)
    try:
        load_file(p)
    except TnccError as err:
        assert err.render()
