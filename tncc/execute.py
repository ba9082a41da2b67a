"""Running a ``.tn`` file the way ``tncc run`` does, for the command line and
the sweeps alike.

:func:`execute` loads a network, checks its tensors against the memory
limit, compiles it for an architecture, emulates the program and compares
every output with the numpy reference; :func:`report_json` is the text
``tncc run --json`` writes for the run's report.  ``tncc run``
(:mod:`tncc.cli.commands.run`) and every point of ``tncc sweep``
(:mod:`tncc.evaluation.sweep.point`) run through these two, so a sweep's
record is what the command would have printed.
"""

from __future__ import annotations

from typing import Any

from tncc import guard
from tncc.compiled import RunResult, compile_network
from tncc.frontend import load_network
from tncc.jsonsafe import dumps
from tncc.passes.order.planner import DEFAULT_TIME_LIMIT


def execute(file: str, arch: str, network: str | None = None, order: str = "csse", objective: str | None = None,
            seed: int = 0, inputs: dict[str, Any] | None = None, trace: bool = False, max_memory: int | None = None,
            lowering: str | None = None, time_limit: float | None = None, max_work: float | None = None) -> RunResult:
    """What ``tncc run`` does with its arguments: load ``file``, check its
    tensors against the memory limit, compile for ``arch``, emulate and
    compare with the reference; the ``RunResult``.  ``time_limit`` None is
    the order search's default budget."""
    with guard.limit(max_memory, max_work):
        net = load_network(file, network)
        guard.check_run(net)  # the tensors alone: before the minutes a compile of a huge network takes
        budget = DEFAULT_TIME_LIMIT if time_limit is None else time_limit
        compiled = compile_network(net, arch, order, objective, lowering=lowering, time_limit=budget)
        return compiled.run(inputs, seed=seed, trace=trace)


def report_json(report: dict[str, Any]) -> str:
    """The text ``tncc run --json`` writes for a run report."""
    return dumps(report, indent=1) + "\n"
