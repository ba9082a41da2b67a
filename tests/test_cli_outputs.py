"""Every command's outputs: '-' is standard output for every file option,
files are written before anything is printed, and a closed pipe or a full
disk on standard output ends the command with one line on standard error
and a non-zero status that keeps the verdict (a mismatch stays 3)."""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from tncc.cli import main

ROOT = Path(__file__).resolve().parent.parent
SMALL = """network small {
  index i = 4, j = 3, k = 2
  input a[i, j]
  param b[j, k]
  y[i, k] = a * b
  output y
}
"""


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    p = tmp_path / "small.tn"
    p.write_text(SMALL)
    return p


class _FailingStdout(io.TextIOWrapper):
    """A standard output whose every write fails with ``err`` (a closed pipe,
    a full disk), as the real stream does once its buffer is flushed."""

    def __init__(self, err: OSError) -> None:
        self._err = err
        super().__init__(io.BytesIO(), encoding="utf-8")

    def write(self, s: str) -> int:
        raise self._err

    def flush(self) -> None:
        raise self._err

    @property
    def buffer(self):  # type: ignore[override]
        outer = self

        class _B:
            def write(self, b: bytes) -> int:
                raise outer._err

            def flush(self) -> None:
                raise outer._err

        return _B()

    def fileno(self) -> int:
        raise io.UnsupportedOperation("no descriptor")


EPIPE = BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))
ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _run_failing(argv: list[str], err: OSError, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    with monkeypatch.context() as m:
        m.setattr(sys, "stdout", _FailingStdout(err))
        code = main(argv)
    return code, capsys.readouterr().err


def _commands(small: Path, tmp_path: Path) -> dict[str, list[str]]:
    tnb = tmp_path / "p.tnb"
    assert main(["compile", str(small), "-o", str(tnb)]) == 0
    return {
        "check": ["check", str(small)],
        "compile": ["compile", str(small), "--emit", "network"],
        "run": ["run", str(small)],
        "disasm": ["disasm", str(tnb)],
        "from-einsum": ["from-einsum", "ij,jk->ik", "--sizes", "i=2,j=3,k=4"],
        "plan": ["plan", str(small), "--json"],
        "compare": ["compare", str(small), "--arch", "fetta", "--json", "-"],
        "sim": ["sim", str(tnb)],
        "viz": ["viz", str(small)],
        "arch": ["arch", "show", "fetta"],
    }


@pytest.mark.parametrize("err", [EPIPE, ENOSPC], ids=["closed-pipe", "full-disk"])
def test_failing_stdout_is_one_line_and_nonzero(err: OSError, small: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    for name, argv in _commands(small, tmp_path).items():
        code, stderr = _run_failing(argv, err, monkeypatch, capsys)
        assert code == 1, name
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: standard output"), (name, stderr)
        assert "Traceback" not in stderr


def test_files_are_written_before_a_closed_pipe(small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    npz, rep, trace = tmp_path / "g.npz", tmp_path / "g.json", tmp_path / "t.json"
    code, stderr = _run_failing(["run", str(small), "--outputs", str(npz), "--json", str(rep),
                                 "--trace", str(trace)], EPIPE, monkeypatch, capsys)
    assert code == 1 and "pipe was closed" in stderr
    assert json.loads(rep.read_text())["match"] is True
    assert set(np.load(npz).files) == {"y"}
    assert "traceEvents" in json.loads(trace.read_text())


def _perturbed_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the numpy reference disagree with the emulator, so the run's
    verdict is a real mismatch (status 3)."""
    import tncc.reference as ref

    real: Callable = ref.evaluate

    def off(net, values, **kw):  # type: ignore[no-untyped-def]
        return {k: np.asarray(v) + 1.0 for k, v in real(net, values, **kw).items()}

    monkeypatch.setattr(ref, "evaluate", off)


@pytest.mark.parametrize("err", [EPIPE, ENOSPC], ids=["closed-pipe", "full-disk"])
def test_a_mismatch_keeps_status_3_when_stdout_fails(err: OSError, small: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _perturbed_reference(monkeypatch)
    assert main(["run", str(small)]) == 3
    rep = tmp_path / "r.json"
    code, stderr = _run_failing(["run", str(small), "--json", str(rep)], err, monkeypatch, capsys)
    assert code == 3 and stderr.startswith("error: standard output")
    assert json.loads(rep.read_text())["match"] is False
    code, _ = _run_failing(["run", str(small), "--json", "-"], err, monkeypatch, capsys)
    assert code == 3


def test_dash_is_stdout_for_every_file_option(small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["run", str(small), "--json", "-"]) == 0
    rep = json.loads(capsys.readouterr().out)  # only the JSON: the table is left out
    assert rep["match"] is True
    assert main(["run", str(small), "--trace", "-"]) == 0
    assert "traceEvents" in json.loads(capsys.readouterr().out)
    assert main(["compile", str(small), "--emit", "asm", "-o", "-"]) == 0
    asm = capsys.readouterr().out
    assert asm.startswith("; tncc assembly")
    (tmp_path / "p.s").write_text(asm)
    assert main(["asm", str(tmp_path / "p.s"), "-o", "p.tnb"]) == 0
    assert main(["disasm", "p.tnb", "-o", "-"]) == 0
    assert capsys.readouterr().out == asm
    assert main(["sim", "p.tnb", "--json", "-"]) == 0
    assert "cycles" in json.loads(capsys.readouterr().out)
    assert main(["from-einsum", "ij->i", "--sizes", "i=2,j=2", "-o", "-"]) == 0
    assert "network einsum" in capsys.readouterr().out
    assert not (tmp_path / "-").exists()


def test_binary_outputs_to_stdout(small: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    """--outputs - writes the .npz archive itself to standard output."""
    assert main(["run", str(small), "--outputs", "-"]) == 0
    with np.load(io.BytesIO(capfdbinary.readouterr().out)) as z:
        assert z.files == ["y"] and z["y"].shape == (4, 2)


def test_two_outputs_on_stdout_is_an_error_before_work(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(small), "--json", "-", "--outputs", "-"]) == 1
    assert "both write to standard output" in capsys.readouterr().err
    assert main(["compare", str(small), "--json", "-", "--csv", "-"]) == 1


def test_real_closed_pipe_keeps_files_and_fails(small: Path, tmp_path: Path) -> None:
    """The case from the field: `tncc run ... | grep -q` with the reader gone."""
    r, w = os.pipe()
    os.close(r)
    try:
        proc = subprocess.run([sys.executable, "-m", "tncc", "run", str(small), "--outputs", "g.npz",
                               "--json", "g.json"], stdout=w, stderr=subprocess.PIPE, cwd=tmp_path)
    finally:
        os.close(w)
    assert proc.returncode == 1
    assert proc.stderr.decode().strip() == "error: standard output: the reading end of the pipe was closed"
    assert (tmp_path / "g.npz").exists() and json.loads((tmp_path / "g.json").read_text())["match"] is True
