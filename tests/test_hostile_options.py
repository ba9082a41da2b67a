"""Hostile option values: each is a clear error, the same from the command
line and from a file (architecture keys) or from the Python API (seeds)."""

from __future__ import annotations

from pathlib import Path

import pytest

import tncc
from tncc.cli import main
from tncc.errors import TnccError
from tncc.isa.arch import load_arch, parse_arch

DOT = """network dot {
  index i = 4
  input x[i]
  param w[i]
  y[] = x * w
  output y
}
"""


@pytest.fixture()
def dot(tmp_path: Path) -> Path:
    p = tmp_path / "dot.tn"
    p.write_text(DOT)
    return p


def _message(fn) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(TnccError) as err:
        fn()
    return str(err.value)


@pytest.mark.parametrize("key,text", [
    ("dram.latency", "9223372036854775807"),
    ("dram.latency", "12345678901234567890123"),
    ("dram.latency", "-9223372036854775809"),
    ("buffer.banks", "1.5"),
    ("clock_ghz", "inf"),
    ("clock_ghz", "nan"),
    ("energy.mac_pj", "-inf"),
])
def test_arch_values_fail_the_same_from_a_file_and_an_override(key: str, text: str, tmp_path: Path) -> None:
    sec, _, k = key.rpartition(".")
    toml = f"[{sec}]\n{k} = {text}\n" if sec else f"{k} = {text}\n"
    from_file = _message(lambda: parse_arch(toml, "x.toml"))
    from_override = _message(lambda: parse_arch("", "x.toml", [(key, text)]))
    assert from_file == from_override
    assert f"x.toml: arch key {key}: error:" in from_file
    assert "out of range" in from_file or "expected" in from_file


def test_huge_integers_are_errors_not_tracebacks(tmp_path: Path, dot: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.toml"
    big.write_text("[dram]\nlatency = " + "9" * 5000 + "\n")
    assert main(["run", str(dot), "--arch", str(big)]) == 1
    assert main(["run", str(dot), "--arch", "fetta:dram.latency=" + "9" * 5000]) == 1
    assert main(["run", str(dot), "--arch", "9" * 5000]) == 1  # a name too long for the file system
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("error:") == 3


def test_largest_accepted_latency_runs(dot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert load_arch("fetta:dram.latency=2147483647").dram.latency == 2**31 - 1
    assert main(["run", str(dot), "--arch", "fetta:dram.latency=2147483647"]) == 0


@pytest.mark.parametrize("command", ["run", "compare"])
def test_negative_seed_is_a_usage_error(command: str, dot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, str(dot), "--seed", "-1"])
    assert info.value.code == 2
    assert "--seed: must be an integer from 0 to 18446744073709551615, got '-1'" in capsys.readouterr().err


def test_seed_checked_by_sim_and_the_api(dot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tnb = tmp_path / "p.tnb"
    assert main(["compile", str(dot), "-o", str(tnb)]) == 0
    with pytest.raises(SystemExit):
        main(["sim", str(tnb), "--seed", "-1"])
    compiled = tncc.compile(str(dot))
    for bad in (-1, 2**64, 1.5, True):
        assert "seed must be an integer from 0 to" in _message(lambda: compiled.run(seed=bad))
    assert compiled.run(seed=2**64 - 1).match


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_plan_time_limit_must_be_a_positive_number(value: str, dot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(dot), "--time-limit", value]) == 1
    assert "--time-limit must be a positive number of seconds" in capsys.readouterr().err
