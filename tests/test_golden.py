"""Every stage's --emit text for a few small examples equals its golden file
exactly (``tests/golden/README.md``; regenerate with
``python tests/golden_cases.py --update`` after an intended change)."""

from __future__ import annotations

import difflib

import pytest

from golden_cases import CASES, ROOT, Case, render


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.example}-{c.network or ''}-{c.arch}")
def test_stages_match_golden(case: Case) -> None:
    for stage, text in render(case).items():
        f = case.file(stage)
        assert f.exists(), f"{f.relative_to(ROOT)} is missing: run python tests/golden_cases.py --update"
        want = f.read_text()
        if text != want:
            diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True),
                                                str(f.relative_to(ROOT)), "compiler output", n=2))
            pytest.fail(f"--emit {stage} differs from {f.relative_to(ROOT)} "
                        f"(python tests/golden_cases.py --update if intended):\n{diff[:4000]}")
