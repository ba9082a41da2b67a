"""One differential run: compile a network, emulate it, and hold the result
to every independent account of what it should be.

A :class:`Case` is a network, an architecture (a spec string, so a case can
be written down and run again), an order, an objective, forced lowering
options and an input seed.  :func:`check` compiles it and emulates the
program once with the strict synchronisation checker on
(``tncc.runtime.hazards``), then checks

* every output against the numpy reference (``tncc.reference``),
* that no access overlapped a conflicting one still running (the strict
  checker raises on the first),
* that the static estimate (``passes.estimate.estimate_cycles``) equals the
  emulated makespan, as it must on every program the emulator accepts.

A compile that ends in a clear :class:`~tncc.errors.TnccError` (a network
that fits no order of this buffer, say) is *rejected*, not a failure; any
other exception is a *crash*.  Cases whose plan has more MACs than the
caller affords are *skipped* before any emulation.  The fuzzing campaign
(``bench/fuzz.py``) and the test suite both judge runs with this function.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any, TypedDict

from tncc import guard
from tncc.compiled import Compiled, make_plan, resolve_arch
from tncc.errors import TnccError
from tncc.ir import Network
from tncc.passes.estimate import estimate_cycles
from tncc.passes.lower import lower_plan
from tncc.passes.options import LoweringOptions

FAILURES = ("mismatch", "sync", "estimate", "crash")  # statuses that are bugs
STATUSES = ("ok", "rejected", "skipped") + FAILURES


@dataclass(frozen=True)
class Case:
    """Everything one run depends on."""

    network: Network
    arch: str
    order: str = "csse"
    objective: str | None = None
    lowering: LoweringOptions | None = None
    seed: int = 0

    def label(self) -> str:
        parts = [self.arch, f"order={self.order}"]
        if self.objective:
            parts.append(f"objective={self.objective}")
        if self.lowering is not None and self.lowering.text():
            parts.append(f"lowering={self.lowering.text()}")
        return " ".join(parts)


class _Shape(TypedDict):
    """The :class:`Outcome` fields that describe the compiled program."""

    macs: int
    instructions: int
    streamed: int
    spilled: int
    chosen: str
    features: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What a run found: ``status`` (one of :data:`STATUSES`), a one-line
    ``detail`` for anything but ``ok``, and what the program looked like
    (for coverage tables: whether it streamed, spilled, paired steps, ...)."""

    status: str
    detail: str = ""
    cycles: int = 0
    macs: int = 0
    instructions: int = 0
    streamed: int = 0
    spilled: int = 0
    chosen: str = ""  # LoweringOptions.text() of what the program was lowered with
    seconds: float = 0.0
    features: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # a crash's exception type and innermost frame (``same_failure``)

    @property
    def failed(self) -> bool:
        return self.status in FAILURES


def check(case: Case, max_macs: int | None = None) -> Outcome:
    """Run ``case`` and judge it (module doc)."""
    t0 = time.perf_counter()
    try:
        arch = resolve_arch(case.arch)
        plan = make_plan(case.network, arch, case.order, case.objective)
        guard.check_plan(plan)  # as compile_network: no intermediate wider than numpy's arrays
        if max_macs is not None and plan.macs() > max_macs:
            return Outcome("skipped", f"{plan.macs()} MACs > {max_macs}", macs=plan.macs(),
                           seconds=time.perf_counter() - t0)
        lowered = lower_plan(plan, arch, case.lowering)
        c = Compiled(case.network, arch, plan, lowered, time.perf_counter() - t0, case.lowering)
    except TnccError as exc:
        return Outcome("rejected", str(exc).splitlines()[0], seconds=time.perf_counter() - t0)
    except Exception as exc:  # a compiler bug: keep the innermost frame for the report
        detail, key = _crash(exc, "compile")
        return Outcome("crash", detail, seconds=time.perf_counter() - t0, key=key)
    low = c.lowered
    shape = _Shape(macs=c.plan.macs(), instructions=len(c.program.instructions), streamed=len(low.memory.streamed),
                   spilled=len(low.memory.spilled), chosen=low.chosen.text() if low.chosen is not None else "",
                   features={"pairs": len(low.pairs)})
    try:
        r = c.run(seed=case.seed, strict_sync=True)
    except TnccError as exc:
        text = str(exc)
        status = "sync" if "SIGNAL/WAIT" in text else "crash"
        return Outcome(status, text.splitlines()[0], seconds=time.perf_counter() - t0, **shape)
    except Exception as exc:
        detail, key = _crash(exc, "run")
        return Outcome("crash", detail, seconds=time.perf_counter() - t0, key=key, **shape)
    cycles = r.report["cycles"]
    if not r.match:
        bad = {k: v["max_rel_err"] for k, v in r.report["outputs"].items() if not v["match"]}
        worst = ", ".join(f"{k} (max rel err {e:.3g})" for k, e in sorted(bad.items()))
        return Outcome("mismatch", f"outputs differ from numpy: {worst}", cycles, seconds=time.perf_counter() - t0,
                       **shape)
    est = estimate_cycles(c.program, c.arch)
    if est != cycles:
        return Outcome("estimate", f"static estimate {est} cycles, emulated {cycles}", cycles,
                       seconds=time.perf_counter() - t0, **shape)
    return Outcome("ok", "", cycles, seconds=time.perf_counter() - t0, **shape)


def _crash(exc: Exception, phase: str) -> tuple[str, str]:
    """The one-line detail of an unexpected exception and its key (type and
    innermost frame: two crashes with one key are taken for one bug)."""
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} ({frame.name})" if frame else "?"
    message = str(exc).splitlines()[0] if str(exc) else ""
    return f"{phase}: {type(exc).__name__}: {message} at {where}", f"{type(exc).__name__} at {where}"


def same_failure(a: Outcome, b: Outcome) -> bool:
    """Whether ``b`` is the failure ``a`` was, for shrinking: the same status
    and, for a crash, the same exception at the same place."""
    return a.status == b.status and a.key == b.key
