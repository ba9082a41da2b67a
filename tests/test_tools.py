"""The linter and the type checker pass on the tree (configured in pyproject.toml).

Both are in the test extras, so the command CI runs (README's second line)
runs them; a failure shows their report.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(tool) is None and subprocess.run([sys.executable, "-m", tool, "--version"],
                                                     capture_output=True).returncode != 0:
        pytest.fail(f"{tool} is not installed: pip install -e '.[test]' installs it")
    return subprocess.run([sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_passes() -> None:
    res = _run("ruff", "check", ".")
    assert res.returncode == 0, f"ruff check found problems:\n{res.stdout}{res.stderr}"


def test_mypy_passes() -> None:
    res = _run("mypy")
    assert res.returncode == 0, f"mypy found problems:\n{res.stdout}{res.stderr}"
