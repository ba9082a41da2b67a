"""Every ``tncc ...`` command shown in README.md's code blocks runs and exits 0,
and every ``python`` code block runs.

Shell lines are split at ``&&`` and ``;``; only the parts that start with
``tncc`` are run (the venv and pip parts are the reader's setup), in a
scratch folder where ``examples/`` points at the repository's examples, so
the files the commands write land there.  A command that needs an optional
tool which is not installed (Graphviz for pictures other than DOT,
matplotlib for ``--plot``) is skipped, saying so.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[^\n]*\n(.*?)^```", re.M | re.S)
SHELL_LANGS = ("", "sh", "bash", "shell", "console")
TIMEOUT = 900


def blocks() -> list[tuple[str, str]]:
    return [(m.group(1).lower(), m.group(2)) for m in FENCE.finditer(README.read_text(encoding="utf-8"))]


def tncc_commands() -> list[str]:
    """The ``tncc`` parts of every shell line, in order, without duplicates."""
    out: list[str] = []
    for lang, body in blocks():
        if lang not in SHELL_LANGS:
            continue
        for line in body.splitlines():
            line = line.strip()
            if line.startswith("$ "):
                line = line[2:]
            line = line.split(" #", 1)[0]
            for part in re.split(r"&&|;", line):
                part = part.strip()
                part = re.split(r"\s[|>]", part, maxsplit=1)[0].strip()  # drop pipes and redirections
                if part.startswith("tncc ") and part not in out:
                    out.append(part)
    return out


def python_blocks() -> list[str]:
    return [body for lang, body in blocks() if lang in ("python", "py")]


def test_readme_shows_commands() -> None:
    cmds = tncc_commands()
    assert cmds, "README.md shows no tncc command"
    assert any(c.startswith("tncc run ") for c in cmds)


def test_first_block_is_the_install_and_run_line() -> None:
    lang, body = blocks()[0]
    assert "pip install -q -e . && tncc run examples/tt_linear.tn" in body


def expand_globs(argv: list[str], cwd: Path) -> list[str]:
    """Expand ``*``/``?`` patterns the way a shell would (sorted; a pattern
    that matches nothing stays as written)."""
    out: list[str] = []
    for arg in argv:
        if any(ch in arg for ch in "*?["):
            matches = sorted(str(p.relative_to(cwd)) for p in cwd.glob(arg))
            out.extend(matches or [arg])
        else:
            out.append(arg)
    return out


def _skip_reason(argv: list[str]) -> str | None:
    if "--plot" in argv and importlib.util.find_spec("matplotlib") is None:
        return "matplotlib is not installed"
    if argv[1] == "viz" and shutil.which("dot") is None:
        outs = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("-o", "--output")]
        if any(Path(o).suffix.lower() not in (".dot", ".gv") for o in outs):
            return "Graphviz is not installed"
    return None


@pytest.fixture()
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    return tmp_path


@pytest.mark.parametrize("command", tncc_commands())
def test_command_exits_zero(command: str, scratch: Path) -> None:
    argv = expand_globs(shlex.split(command), scratch)
    reason = _skip_reason(argv)
    if reason:
        pytest.skip(reason)
    proc = subprocess.run([sys.executable, "-m", "tncc", *argv[1:]], cwd=scratch, capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert proc.returncode == 0, f"`{command}` exited {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_python_block_runs(index: int, scratch: Path) -> None:
    code = python_blocks()[index]
    proc = subprocess.run([sys.executable, "-c", code], cwd=scratch, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, f"python block {index} failed\n{code}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
