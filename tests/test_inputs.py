"""Tests of tncc.inputs: .npz reading and the checks against a network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from test_training import tt_step
from tncc.errors import TnccError
from tncc.inputs import check_inputs, load_inputs


def good_inputs() -> dict[str, np.ndarray]:
    net = tt_step()
    return {t.name: np.zeros(net.shape(t.name), np.float32) for t in net.leaves()}


def test_round_trip_through_npz(tmp_path: Path) -> None:
    arrays = good_inputs()
    np.savez(tmp_path / "in.npz", **arrays)
    back = load_inputs(str(tmp_path / "in.npz"))
    assert set(back) == set(arrays)
    check_inputs(tt_step(), back)


@pytest.mark.parametrize("content", [b"", b"garbage", b"PK\x03\x04broken"])
def test_unreadable_archives(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "bad.npz"
    p.write_bytes(content)
    with pytest.raises(TnccError) as err:
        load_inputs(str(p))
    assert "bad.npz" in str(err.value)


def test_single_npy_is_rejected(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.zeros(3))
    with pytest.raises(TnccError) as err:
        load_inputs(str(tmp_path / "a.npy"))
    assert "named arrays" in str(err.value)


def test_missing_file() -> None:
    with pytest.raises(TnccError) as err:
        load_inputs("no/such/file.npz")
    assert "no such file" in str(err.value)


def test_every_problem_reported_at_once() -> None:
    arrays = good_inputs()
    del arrays["g1"]
    arrays["x"] = np.zeros((4, 3), np.float32)  # transposed
    arrays["d_y"] = np.array([["a"] * 5] * 3)
    arrays["bogus"] = np.zeros(1)
    with pytest.raises(TnccError) as err:
        check_inputs(tt_step(), arrays)
    msgs = [d.message for d in err.value.diagnostics]
    assert len(msgs) == 4
    text = "\n".join(msgs)
    assert "bogus" in text and "missing `g1`" in text
    assert "`x` expects shape (3, 4) fp32, got shape (4, 3)" in text
    assert "`d_y`" in text and "<U1" in text


def test_partial_inputs_allowed_when_not_required() -> None:
    check_inputs(tt_step(), {"x": np.ones((3, 4))}, require_all=False)


def test_int8_checks() -> None:
    import dataclasses

    from tncc.ir import DType

    net = dataclasses.replace(tt_step(), dtype=DType.INT8)
    arrays = {t.name: np.zeros(net.shape(t.name), np.int8) for t in net.leaves()}
    check_inputs(net, arrays)
    arrays["x"] = np.full((3, 4), 300)
    arrays["g1"] = np.zeros((4, 2), np.float32)
    with pytest.raises(TnccError) as err:
        check_inputs(net, arrays)
    text = str(err.value)
    assert "-128..127" in text and "integers needed" in text
