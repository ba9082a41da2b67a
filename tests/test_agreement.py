"""Verdicts on values that are not finite (tncc.agreement) and JSON reports
that stay JSON when a figure overflows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tncc.agreement import compare_output
from tncc.cli import main
from tncc.jsonsafe import dumps
from tncc.reference import Tolerance

FP32 = Tolerance(1e-4, 1e-4)
NAN, INF = float("nan"), float("inf")

DOT = """network dot {
  index i = 4
  input x[i]
  param w[i]
  y[] = x * w
  output y
}
"""


def _strict(text: str) -> object:
    def reject(token: str) -> None:
        raise AssertionError(f"{token} is not JSON")

    return json.loads(text, parse_constant=reject)


def test_nan_and_infinity_in_the_same_place_agree() -> None:
    a = np.array([1.0, NAN, INF, -INF])
    agr = compare_output(a, a.copy(), FP32)
    assert agr.match and agr.nan_agree == 1 and agr.inf_agree == 2 and agr.detail is None
    assert agr.max_rel_err == 0.0


@pytest.mark.parametrize("got,want,kind", [
    ([1.0, NAN], [1.0, 2.0], "NaN only in the emulator"),
    ([1.0, 2.0], [1.0, NAN], "NaN only in the reference"),
    ([INF, 2.0], [1.0, 2.0], "infinity only in the emulator"),
    ([1.0, 2.0], [1.0, -INF], "infinity only in the reference"),
    ([1.0, INF], [1.0, -INF], "infinities of opposite sign"),
    ([1.0, 2.5], [1.0, 2.0], "magnitude"),
])
def test_differences_say_where_and_how(got: list[float], want: list[float], kind: str) -> None:
    agr = compare_output(np.array(got), np.array(want), FP32)
    assert not agr.match and agr.differing == 1
    assert agr.detail is not None and "first at [" in agr.detail and kind in agr.detail
    assert np.isfinite(agr.max_rel_err)  # stays a number: non-finite differences are counted apart


def test_reference_overflow_is_excused_only_when_float64_agrees() -> None:
    got, want = np.array([0.0, 1.0]), np.array([NAN, 1.0])
    agr = compare_output(got, want, FP32, lambda: np.array([0.0, 1.0]))
    assert agr.match and agr.reference_overflow == 1
    # float64 disagrees with the emulator: the program is wrong after all.
    agr = compare_output(got, want, FP32, lambda: np.array([5.0, 1.0]))
    assert not agr.match and agr.reference_overflow == 0
    # the emulator's non-finite value is never excused this way.
    agr = compare_output(np.array([INF, 1.0]), np.array([1.0, 1.0]), FP32, lambda: np.array([1.0, 1.0]))
    assert not agr.match


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                  elements=st.floats(allow_nan=True, allow_infinity=True, width=32)))
def test_every_array_agrees_with_itself(a: np.ndarray) -> None:
    agr = compare_output(a, a.copy(), FP32)
    assert agr.match and agr.differing == 0
    assert agr.nan_agree == int(np.isnan(a).sum())


def test_nan_inputs_match_and_the_report_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, inp, rep = tmp_path / "dot.tn", tmp_path / "nan.npz", tmp_path / "r.json"
    src.write_text(DOT)
    np.savez(inp, x=np.array([NAN, 1, 2, 3], np.float32), w=np.ones(4, np.float32))
    assert main(["run", str(src), "--inputs", str(inp), "--json", str(rep)]) == 0
    assert "1 NaN element(s) in the same place in both" in capsys.readouterr().out
    doc = _strict(rep.read_text())
    assert doc["match"] is True and doc["outputs"]["y"]["nan_agree"] == 1


def test_reference_overflow_does_not_blame_the_program(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """fp32 [3e38, 3e38, -3e38, -3e38] summed: numpy's order overflows to NaN,
    a float64 recomputation gives 0; whatever the emulator's order gives, the
    verdict follows the rule (the emulator's finite result is checked
    against float64)."""
    src, inp, rep = tmp_path / "dot.tn", tmp_path / "big.npz", tmp_path / "r.json"
    src.write_text(DOT)
    np.savez(inp, x=np.array([3e38, 3e38, -3e38, -3e38], np.float32), w=np.ones(4, np.float32))
    code = main(["run", str(src), "--inputs", str(inp), "--json", str(rep)])
    out = capsys.readouterr().out
    doc = _strict(rep.read_text())
    y = doc["outputs"]["y"]
    if y["reference_overflow"]:
        assert code == 0 and doc["match"] is True and "the reference overflowed" in out
    else:  # the emulator overflowed too: a real, described difference
        assert code == 3 and y["detail"]


def test_overflowing_energy_writes_valid_json(tmp_path: Path) -> None:
    src = tmp_path / "dot.tn"
    src.write_text(DOT)
    rep, cmp = tmp_path / "r.json", tmp_path / "c.json"
    assert main(["run", str(src), "--arch", "fetta:energy.mac_pj=1e308", "--json", str(rep)]) == 0
    doc = _strict(rep.read_text())
    assert doc["energy_pj"] is None  # past the float range: null, documented in tncc.jsonsafe
    assert main(["compare", str(src), "--arch", "fetta:energy.mac_pj=1e308", "--json", str(cmp)]) == 0
    _strict(cmp.read_text())


def test_jsonsafe_never_writes_infinity_or_nan() -> None:
    doc = {"a": INF, "b": [NAN, -INF, 1.5], "c": np.float32("inf"), "d": (np.array([1.0, NAN]),)}
    assert _strict(dumps(doc)) == {"a": None, "b": [None, None, 1.5], "c": None, "d": [[1.0, None]]}
