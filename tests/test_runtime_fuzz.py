"""Any valid program, however nonsensical, either runs or stops with a
TnccError: never another exception, never an unbounded allocation."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tncc.errors import TnccError
from tncc.isa.arch import load_arch
from tncc.runtime import Emulator
from tncc.testing_isa import programs

ARCHS = (load_arch("fetta"), load_arch("systolic"))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.sampled_from(ARCHS), st.booleans())
def test_arbitrary_programs_run_or_fail_cleanly(prog, arch, check_sync: bool) -> None:
    try:
        res = Emulator(prog, arch, check_fingerprint=False).run(step_limit=64, check_sync=check_sync, trace=True)
    except TnccError as err:
        assert err.render()
    else:
        assert res.report.cycles >= 0
        assert set(res.outputs) <= {s.name for s in prog.symbols}
