"""The resource guard: huge programs stop at once with an error naming the
statement, the tensor, its size and the limit; --max-memory (and
max_memory= in the API) sets the limit; limits of the machine's encoding are
reported as such; the reference contracts along the plan's pairwise order."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import tncc
from tncc import guard
from tncc.cli import main
from tncc.errors import TnccError
from tncc.frontend import load_file
from tncc.ir import Network
from tncc.reference import _pairwise, evaluate

ROOT = Path(__file__).resolve().parent.parent

HUGE = """network big {
  index i = 2147483647
  input x[i]
  param w[i]
  y[i] = x * w
  output y
}
"""


def _outer(n: int, size: int) -> str:
    ix = [f"i{k}" for k in range(n)]
    body = "".join(f"  input t{k}[{i}]\n" for k, i in enumerate(ix))
    return (f"network outer {{\n  index {', '.join(f'{i} = {size}' for i in ix)}\n{body}"
            f"  y[{', '.join(ix)}] = {' * '.join(f't{k}' for k in range(n))}\n  output y\n}}\n")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("text,value", [("4G", 4 << 30), ("512M", 512 << 20), ("1.5GiB", 3 << 29),
                                        ("1000000", 1000000), ("64k", 64 << 10), ("2 TB", 2 << 40)])
def test_sizes_parse(text: str, value: int) -> None:
    assert guard.parse_memory(text) == value


@pytest.mark.parametrize("text", ["", "-1G", "12Q", "0", "nanG", "1e9"])
def test_bad_sizes_are_usage_errors(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(TnccError):
        guard.parse_memory(text)
    with pytest.raises(SystemExit) as info:
        main(["run", str(_write(tmp_path, "x.tn", HUGE)), "--max-memory", text])
    assert info.value.code == 2 and "--max-memory" in capsys.readouterr().err


def test_default_is_half_the_machine() -> None:
    mem = guard.physical_memory()
    assert mem is None or guard.default_max_memory() == int(mem * guard.DEFAULT_FRACTION)
    assert guard.max_memory() == guard.default_max_memory()
    with guard.limit("1M"):
        assert guard.max_memory() == 1 << 20
        with guard.limit(None):
            assert guard.max_memory() == 1 << 20
    assert guard.max_memory() == guard.default_max_memory()


def test_huge_index_fails_clearly_at_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, "big.tn", HUGE)
    assert main(["check", str(src)]) == 0
    capsys.readouterr()
    assert main(["run", str(src)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{src}:5:3: error: the result 'y' has 2,147,483,647 elements")
    assert "memory limit" in err and "--max-memory raises it" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["run", "compare"])
def test_outer_product_stops_before_work(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, "outer.tn", _outer(12, 10))
    assert main([command, str(src), "--arch", "fetta"]) == 1
    err = capsys.readouterr().err
    assert "the result 'y' has 1,000,000,000,000 elements" in err and "TiB" in err
    assert f"{src}:15:3:" in err


def test_max_memory_raises_and_lowers_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, "outer.tn", _outer(3, 16))  # 4096 result elements
    assert main(["run", str(src), "--max-memory", "64K"]) == 1
    assert "more than the memory limit of 64.0 KiB (--max-memory)" in capsys.readouterr().err
    assert main(["run", str(src), "--max-memory", "64M"]) == 0


def test_compile_guards_the_tiling(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An outer product tiled into hundreds of blocks: compile stops before
    building them when they would not fit."""
    src = _write(tmp_path, "wide.tn", "network wide {\n  index i = 4096, j = 4096\n  input a[i]\n  param b[j]\n"
                                      "  y[i, j] = a * b\n  output y\n}\n")
    assert main(["compile", str(src), "--max-memory", "256K", "--emit", "asm"]) == 1
    err = capsys.readouterr().err
    assert f"{src}:5:3: statement `y`: error: statement 'y' would be tiled into" in err
    assert "256.0 KiB (--max-memory)" in err


def test_api_takes_max_memory(tmp_path: Path) -> None:
    src = _write(tmp_path, "outer.tn", _outer(3, 16))
    compiled = tncc.compile(str(src), max_memory="64M")
    with pytest.raises(guard.ResourceError, match="the result 'y' has 4,096 elements"):
        compiled.run(max_memory=64 << 10)
    assert compiled.run(max_memory="64M").match
    with pytest.raises(TnccError, match="positive number of bytes"):
        compiled.run(max_memory=-5)


def test_sim_guards_the_emulators_memories(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, "outer.tn", _outer(2, 4))
    tnb = tmp_path / "p.tnb"
    assert main(["compile", str(src), "-o", str(tnb)]) == 0
    assert main(["sim", str(tnb), "--max-memory", "64K"]) == 1
    err = capsys.readouterr().err
    assert "the emulator's memory 'buffer'" in err and "while emulating the program" in err


def test_more_than_64_indices_is_a_check_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ix = [f"i{k}" for k in range(65)]
    src = _write(tmp_path, "many.tn", f"network many {{\n  index {', '.join(f'{i} = 1' for i in ix)}\n"
                                      f"  input x[{', '.join(ix)}]\n  y[] = x\n  output y\n}}\n")
    assert main(["check", str(src)]) == 1
    err = capsys.readouterr().err
    col = 1 + len("  input x[") + len(", ".join(ix[:64])) + 2
    assert f"{src}:3:{col}: error: tensor 'x' has 65 indices; at most 64 are supported" in err


def test_encoding_limits_are_reported_as_machine_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A descriptor table past its index field (16-bit CTILE `tile` on the
    real ISA; lowered here to 1 so a small program reaches it) names the
    statement and says the machine cannot express the program."""
    import tncc.passes.emitter as emitter

    src = _write(tmp_path, "lin.tn", (ROOT / "examples" / "tt_linear.tn").read_text())
    monkeypatch.setattr(emitter, "CONFIG_INDEX_MAX", 0)
    with pytest.raises(TnccError) as err:
        tncc.compile(str(src))
    text = str(err.value)
    assert "a program the machine cannot express: statement '" in text
    assert "16-bit fields" in text and f"{src}:" in text and "syntax" not in text


def test_reference_contracts_a_thousand_operands_pairwise() -> None:
    """A chain of 1000 matrices along a left-to-right pairwise path: one
    two-operand einsum per step, no path search over all operands."""
    from tncc.ir import Operand, Statement

    n, rng = 1000, np.random.default_rng(0)
    mats = [rng.standard_normal((2, 2)) * 0.7 for _ in range(n)]
    ops = tuple(Operand(f"m{k}", (f"k{k}", f"k{k + 1}")) for k in range(n))
    st = Statement("y", ("k0", f"k{n}"), ops)
    path = [(0, 1)] + [(n + k, k + 2) for k in range(n - 2)]
    got = _pairwise(st, mats, path)
    want = mats[0]
    for m in mats[1:]:
        want = want @ m
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("name", ["tt_linear", "peps_2x2", "tree", "ttm_embedding"])
def test_reference_along_the_plan_equals_numpys_path(name: str) -> None:
    from tncc.compiled import make_plan
    from tncc.isa.arch import load_arch

    for net in load_file(ROOT / "examples" / f"{name}.tn"):
        assert isinstance(net, Network)
        plan = make_plan(net, load_arch("fetta"), "flops")
        a = evaluate(net, seed=3, float64=True)
        b = evaluate(net, seed=3, float64=True, plan=plan)
        for k in a:
            scale = max(1.0, float(np.abs(a[k]).max(initial=0.0)))
            np.testing.assert_allclose(b[k], a[k], rtol=1e-9, atol=1e-9 * scale)
            assert math.isfinite(scale)


def test_too_deep_a_program_is_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Plans are walked recursively; the command line raises Python's limit
    and turns what still overflows it into one line."""
    import sys

    import tncc.cli.commands.check as check

    def deep(args: object) -> int:
        assert sys.getrecursionlimit() >= 10_000
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(check, "run", deep)
    src = _write(tmp_path, "x.tn", HUGE)
    from tncc.cli import main as fresh_main  # builds its parser from the patched module

    assert fresh_main(["check", str(src)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the program is nested too deeply") and "Traceback" not in err


def test_a_long_tiling_is_announced(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = int(guard.SLOW_SECONDS / guard.BLOCK_SECONDS) + 1000
    with guard.limit(1 << 40):
        guard.check_blocks(blocks, "y", None, "x.tn:3:1: statement `y`")
        guard.check_blocks(blocks, "y", None, "x.tn:3:1: statement `y`")  # announced once
    err = capsys.readouterr().err
    assert err.count("note: statement 'y' is tiled into") == 1 and "minute" in err


def test_a_thirty_index_outer_product_stops_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """2**32 result elements in 262,144 blocks: about 6.6 minutes of
    compiling; the work guard stops before any block is built, and
    --max-work below the estimate says so (the memory limit is raised so
    that it is the work that is guarded)."""
    src = _write(tmp_path, "outer32.tn", _outer(32, 2))
    assert main(["compile", str(src), "--max-memory", "1T", "-o", str(tmp_path / "p.tnb")]) == 1
    err = capsys.readouterr().err
    assert f"{src}:35:3: statement `y`: error: statement 'y' would be tiled into 262,144 blocks" in err
    assert "more than the work limit of 2.0 minutes (the default; --max-work raises it)" in err
    assert not (tmp_path / "p.tnb").exists()


def test_max_work_sets_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, "wide.tn", "network wide {\n  index i = 4096, j = 4096\n  input a[i]\n  param b[j]\n"
                                      "  y[i, j] = a * b\n  output y\n}\n")
    assert main(["compile", str(src), "--max-work", "0.001", "--emit", "asm"]) == 1
    assert "more than the work limit of 0 s (--max-work)" in capsys.readouterr().err
    with pytest.raises(guard.ResourceError, match="work limit"):
        tncc.compile(str(src), max_work=0.001)
    with pytest.raises(TnccError, match="positive number of seconds"):
        tncc.compile(str(src), max_work=float("nan"))


@pytest.mark.parametrize("text,value", [("600", 600.0), ("90s", 90.0), ("10m", 600.0), ("1.5h", 5400.0)])
def test_durations_parse(text: str, value: float) -> None:
    assert guard.parse_seconds(text) == value


@pytest.mark.parametrize("text", ["", "-1", "0", "5d", "nan", "inf"])
def test_bad_durations_are_usage_errors(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(TnccError):
        guard.parse_seconds(text)
    with pytest.raises(SystemExit) as info:
        main(["compile", str(_write(tmp_path, "x.tn", HUGE)), "--max-work", text])
    assert info.value.code == 2 and "--max-work" in capsys.readouterr().err
