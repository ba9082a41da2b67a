"""The notebook side of tncc: compare configurations and turn any report into
a table.

    import tncc
    cmp = tncc.comparison("examples/tt_linear.tn", archs=["fetta", "systolic"], orders=["csse", "naive"])
    print(cmp.format())            # the table `tncc compare` prints
    df = cmp.to_dataframe()        # one row per configuration (pandas, or a list of dicts)

    result = tncc.compile("examples/tt_linear.tn", arch="fetta").run(seed=0)
    tncc.to_dataframe(result.report, by="statement")   # per-statement figures
    tncc.to_dataframe(result.report, by="instruction") # per-instruction records
    tncc.to_dataframe(result.report, by="unit")        # busy cycles per unit

:func:`to_dataframe` returns a ``pandas.DataFrame`` when pandas is
installed and a list of plain dicts (one per row, same columns) otherwise,
so a notebook works either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from tncc import guard
from tncc.errors import TnccError
from tncc.evaluation.compare import DEFAULT_ARCHS, Comparison, run_comparison
from tncc.evaluation.compare_format import dataframe, to_rows
from tncc.ir import Network

BY = ("summary", "statement", "instruction", "unit", "energy")


def comparison(source: str | Path | Network, archs: Sequence[str] = DEFAULT_ARCHS, orders: Sequence[str] = ("csse",),
            *, network: str | None = None, inputs: Mapping[str, Any] | None = None, seed: int = 0,
            baseline: int = 0, max_memory: int | str | None = None,
            max_work: float | str | None = None) -> Comparison:
    """Compile and run ``source`` (a ``.tn`` path or a Network) under every
    architecture in ``archs`` and order in ``orders`` (``csse``, ``flops``,
    ``naive``); return the :class:`~tncc.evaluation.compare.Comparison` (``.format()``,
    ``.to_dataframe()``, ``.to_json()``, ``.to_csv()``, ``.plot(path)``).
    Ratios divide by the configuration at index ``baseline`` (arch-major).
    ``max_memory`` bounds the host memory of every step and ``max_work`` its
    estimated compile time (:mod:`tncc.guard`)."""
    with guard.limit(max_memory, max_work):
        return run_comparison(source, tuple(archs), tuple(orders), network=network, inputs=inputs, seed=seed,
                              baseline=baseline)


def _report_dict(report: Any) -> Mapping[str, Any]:
    if isinstance(report, Mapping):
        return report
    inner = getattr(report, "report", None)  # a run result holding a report
    if inner is not None:
        return _report_dict(inner)
    to_dict = getattr(report, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    raise TnccError(f"cannot tabulate a {type(report).__name__}: expected a run report, its dict, or a Comparison")


def _flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts become dotted columns (``busy.ARRAY``)."""
    out: dict[str, Any] = {}
    for key, val in row.items():
        name = f"{prefix}{key}"
        if isinstance(val, Mapping):
            out.update(_flatten(val, name + "."))
        else:
            out[name] = val
    return out


def rows(obj: Any, by: str = "summary") -> list[dict[str, Any]]:
    """The rows :func:`to_dataframe` would hold, as plain dicts."""
    if isinstance(obj, Comparison):
        return to_rows(obj)
    if by not in BY:
        raise TnccError(f"unknown table {by!r}: expected one of {', '.join(BY)}")
    rep = _report_dict(obj)
    if by == "statement":
        return [_flatten(s) for s in rep.get("statements") or ()]
    if by == "instruction":
        records = rep.get("instructions")
        if not isinstance(records, list):
            # A run result keeps the emulator's own report, which has them.
            emu = getattr(obj, "emulator_report", None)
            records = emu.to_dict(instructions=True)["instructions"] if emu is not None else None
        if not isinstance(records, list):
            raise TnccError("this report has no instruction records (it was made without them)")
        return [_flatten(i) for i in records]
    if by == "unit":
        return [{"unit": u, "busy_cycles": b, "busy_share": b / rep["cycles"] if rep.get("cycles") else 0.0}
                for u, b in (rep.get("unit_busy") or {}).items()]
    if by == "energy":
        return [{"component": k, "energy_pj": v} for k, v in (rep.get("energy_by_component_pj") or {}).items()]
    return [_flatten({k: v for k, v in rep.items() if not isinstance(v, (list, tuple))})]


def to_dataframe(obj: Any, by: str = "summary") -> Any:
    """A table of ``obj`` -- a :class:`~tncc.evaluation.compare.Comparison` (one row per
    configuration) or a run report (``by``: ``summary``, ``statement``,
    ``instruction``, ``unit`` or ``energy``): a pandas DataFrame when pandas
    is installed, else a list of dicts."""
    return dataframe(rows(obj, by))
