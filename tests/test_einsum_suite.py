"""opt_einsum's own contraction test equations (tests/data/opt_einsum_equations.txt)
compile, run on both presets and match the numpy reference; the reference of
each network equals numpy.einsum of the equation itself.  The whole list runs
(about ten seconds); bench/einsum_suite.py prints the same runs as a table."""

from __future__ import annotations

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("einsum_suite", os.path.join(ROOT, "bench", "einsum_suite.py"))
suite = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(suite)  # type: ignore[union-attr]

EQUATIONS = suite.equations()


def test_the_list_is_the_whole_language() -> None:
    # The yardstick must hold what the language adds: scalars, diagonals and
    # traces, implicit outputs and ellipses (and not have been cut short).
    assert len(EQUATIONS) >= 75
    assert ",,->" in EQUATIONS and "ab,->ab" in EQUATIONS
    assert any(len(set(t)) < len(t) for eq in EQUATIONS for t in eq.split("->")[0].split(","))
    assert any("->" not in eq for eq in EQUATIONS)
    assert sum("..." in eq for eq in EQUATIONS) >= 8


@pytest.mark.parametrize("equation", EQUATIONS)
@pytest.mark.parametrize("arch", suite.ARCHS)
def test_opt_einsum_equation_runs_and_matches(equation: str, arch: str) -> None:
    r = suite.run_case(equation, arch)
    assert r["match"], f"{equation} on {arch}: max relative error {r['max_rel_err']:.3g}"
    assert r["cycles"] > 0
