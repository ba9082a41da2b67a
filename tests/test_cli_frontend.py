"""The front end's commands: check, compile --emit network, from-einsum.
Exit status 0 on success, 1 for errors in the input, 2 for bad usage, and
never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tncc.cli import main
from tncc.frontend import load_network
from tncc.printer import format_network

ROOT = Path(__file__).resolve().parent.parent
TT = ROOT / "examples" / "tt_linear.tn"
BAD = "network n {\n  index i = 2\n  input x[i, q]\n  y[i] = x * v\n  output y\n}\n"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0), capsys.readouterr().err


def test_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["check", str(TT)], capsys)
    assert (code, err) == (0, "") and out == f"{TT}: ok (1 network: tt_linear)\n"
    code, out, _ = run(["check", str(ROOT / "examples" / "tt_ffn.tn")], capsys)
    assert code == 0 and "ok (2 networks: tt_ffn_up, tt_ffn_down)" in out


def test_check_reports_every_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "bad.tn"
    p.write_text(BAD)
    code, out, err = run(["check", str(p), str(TT)], capsys)
    assert code == 1
    assert f"{p}:3:14: error: unknown index 'q'" in err and f"{p}:4:14: error: unknown tensor 'v'" in err
    assert "      input x[i, q]\n                 ^" in err
    assert f"{TT}: ok" in out  # the other file is still checked


@pytest.mark.parametrize("content", [b"\xff\xfe\x00junk", b"network n {\x00\x01}", b"\x89PNG\r\n\x1a\n",
                                     "network é { }".encode(), b""])
def test_junk_files_are_input_errors(tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "junk.tn"
    p.write_bytes(content)
    code, _, err = run(["check", str(p)], capsys)
    assert code == 1 and err.startswith(str(p)) and "Traceback" not in err


def test_missing_file_and_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["check", str(tmp_path / "nope.tn")], capsys)
    assert code == 1 and "no such file" in err
    code, _, err = run(["compile", str(tmp_path), "--emit", "network"], capsys)
    assert code == 1 and "is a directory" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert usage(["check"], capsys)[0] == 2
    code, err = usage(["compile", str(TT), "--emit", "bogus"], capsys)
    assert code == 2 and "invalid choice" in err
    assert usage(["from-einsum", "ij->i"], capsys)[0] == 2  # --sizes is required
    assert usage(["no-such-command"], capsys)[0] == 2
    assert main([]) == 2


def test_help_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["check", "--help"], ["compile", "--help"], ["from-einsum", "--help"]):
        code, _ = usage(argv, capsys)
        assert code == 0
    with pytest.raises(SystemExit):
        main(["compile", "--help"])
    assert "network" in capsys.readouterr().out


def test_compile_emit_network(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["compile", str(TT), "--emit", "network"], capsys)
    assert (code, err) == (0, "")
    assert out == format_network(load_network(TT))
    dest = tmp_path / "out.tn"
    code, out, _ = run(["compile", str(TT), "--emit", "network", "-o", str(dest)], capsys)
    assert code == 0 and out == "" and dest.read_text() == format_network(load_network(TT))
    assert [p.name for p in tmp_path.iterdir()] == ["out.tn"]  # no temporary left behind


def test_compile_selects_a_network(capsys: pytest.CaptureFixture[str]) -> None:
    ffn = str(ROOT / "examples" / "tt_ffn.tn")
    code, _, err = run(["compile", ffn, "--emit", "network"], capsys)
    assert code == 1 and "holds 2 networks (tt_ffn_up, tt_ffn_down); choose one with --network NAME" in err
    code, out, _ = run(["compile", ffn, "--emit", "network", "--network", "tt_ffn_down"], capsys)
    assert code == 0 and out.startswith("network tt_ffn_down {")
    code, _, err = run(["compile", ffn, "--emit", "network", "--network", "nope"], capsys)
    assert code == 1 and "has no network 'nope'" in err


def test_compile_output_in_missing_folder_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["compile", str(TT), "--emit", "network", "-o", str(tmp_path / "no" / "x.tn")], capsys)
    assert code == 1 and "cannot write" in err


def test_from_einsum(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["from-einsum", "bi,io->bo", "--sizes", "b=32,i=64,o=16", "--name", "lin",
                        "--dtype", "int8"], capsys)
    assert code == 0 and "network lin {" in out and "dtype int8" in out
    p = tmp_path / "lin.tn"
    p.write_text(out)
    net = load_network(p)
    assert net.sizes() == {"b": 32, "i": 64, "o": 16} and net.statement("out").indices == ("b", "o")
    code, _, err = run(["from-einsum", "ii->i", "--sizes", "i=2,j=3"], capsys)
    assert code == 1 and "size given for 'j'" in err
    code, out, _ = run(["from-einsum", "...ii,->...i", "--sizes", "...=3x2,i=2"], capsys)
    assert code == 0 and "out[dots0, dots1, i] = t0[dots0, dots1, i, i] * t1[]" in out
    code, _, err = run(["from-einsum", "ij->i", "--sizes", "i=2,j"], capsys)
    assert code == 1 and "LETTER=SIZE" in err
    code, _, err = run(["from-einsum", "ij->i", "--sizes", "i=2,j=2", "--name", "input"], capsys)
    assert code == 1 and "not a valid network name" in err


def test_subprocess_never_shows_a_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tn"
    junk.write_bytes(b"network \xc3\x28 {{{ ]]] \x00")
    res = subprocess.run([sys.executable, "-m", "tncc", "check", str(junk)], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 1 and "Traceback" not in res.stderr and str(junk) in res.stderr
    res = subprocess.run([sys.executable, "-m", "tncc", "check"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr
