"""What one run measured, as the evaluation tools read it.

:func:`metrics_from_report` turns a run report -- the dict ``tncc run
--json`` writes, optionally extended with the emulator's instruction records
(:func:`records_summary`) -- into :class:`Metrics`:

* latency = cycles / clock (the architecture's ``clock_ghz``);
* EDP = energy x latency (reported in uJ x us);
* the cycle breakdown splits the makespan into *compute* (cycles the array is
  busy), *shaping* (explicit SHAPE passes, at most the remaining cycles: on
  ``fetta`` there are none, the networks shape while data flows) and
  *memory* (the rest: the array waits for DMA, network fill or drains);
* for a training step, the forward and backward phases: per-statement
  figures summed by phase, and each phase's span from its instruction
  records (:mod:`tncc.evaluation.training` says which statement is which phase).

Every figure is read from the report, never recomputed another way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from tncc.errors import TnccError
from tncc.ir import Network
from tncc.evaluation.training import Phase, has_gradients, split_by_phase


@dataclass(frozen=True, slots=True)
class Breakdown:
    """The makespan split into compute, shaping and memory (see module doc);
    the three always add up to the cycles."""

    compute: int
    shaping: int
    memory: int

    @property
    def total(self) -> int:
        return self.compute + self.shaping + self.memory


@dataclass(frozen=True, slots=True)
class PhaseFigures:
    """Figures attributed to one phase of a training step."""

    phase: str
    cycles: float  # span of the phase's instructions (ARRAY busy when the report has no records)
    array_cycles: float
    energy_pj: float
    macs: float
    dram_bytes: float


@dataclass(frozen=True, slots=True)
class Metrics:
    """What one configuration's run report says, in one place."""

    cycles: int
    clock_ghz: float
    energy_pj: float
    macs: int
    utilization: float
    dram_bytes: int
    peak_buffer_bytes: int
    breakdown: Breakdown
    match: bool
    max_rel_err: float
    phases: tuple[PhaseFigures, ...] = ()

    @property
    def latency_us(self) -> float:
        return self.cycles / (self.clock_ghz * 1e3)

    @property
    def energy_uj(self) -> float:
        return self.energy_pj * 1e-6

    @property
    def edp(self) -> float:
        """Energy-delay product in uJ x us."""
        return self.energy_uj * self.latency_us


# The figures a comparison shows, in order: (Metrics attribute, column header).
METRICS: tuple[tuple[str, str], ...] = (
    ("cycles", "cycles"),
    ("latency_us", "latency us"),
    ("energy_uj", "energy uJ"),
    ("edp", "EDP uJ*us"),
    ("utilization", "MAC util"),
    ("dram_bytes", "DRAM bytes"),
    ("peak_buffer_bytes", "peak buffer B"),
)
# The figures shown as ratios to the baseline row.
RATIOS: tuple[tuple[str, str], ...] = (
    ("cycles", "x cycles"),
    ("energy_uj", "x energy"),
    ("edp", "x EDP"),
    ("dram_bytes", "x DRAM"),
)


def metric(m: Metrics, key: str) -> float:
    """The figure ``key`` (a Metrics attribute or property) as a float."""
    return float(getattr(m, key))


def _need(report: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in report:
        raise TnccError(f"the run report has no {key!r} (keys: {', '.join(sorted(report))})", where=where)
    return report[key]


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def shaping_cycles(report: Mapping[str, Any]) -> int:
    """Cycles of explicit SHAPE passes: from the report's per-opcode table
    when it has one, else summed over its instruction records (0 when the
    program has none, as on ``fetta``)."""
    per_op = report.get("per_opcode")
    if isinstance(per_op, Mapping):
        entry = per_op.get("SHAPE") or {}
        return int(_number(entry.get("cycles", 0))) if isinstance(entry, Mapping) else 0
    total = 0
    for ins in _records(report):
        if isinstance(ins, Mapping) and ins.get("opcode") == "SHAPE":
            total += int(_number(ins.get("end", 0)) - _number(ins.get("start", 0)))
    return total


def _records(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The report's instruction records: ``instruction_records``, or the
    emulator's own ``instructions`` list (in ``tncc run``'s report that key
    is a count, not a list)."""
    for key in ("instruction_records", "instructions"):
        val = report.get(key)
        if isinstance(val, list):
            return [v for v in val if isinstance(v, Mapping)]
    return []


def statement_result(text: str | None, results: set[str]) -> str | None:
    """The statement result a report's statement label names: the label
    itself, or the name before its index list / ``=`` (``y[b,o] = ...``)."""
    if text is None:
        return None
    if text in results:
        return text
    head = text.split("=")[0].split("[")[0].strip()
    return head if head in results else None


def per_statement(report: Mapping[str, Any], net: Network) -> dict[str, dict[str, float]]:
    """The report's per-statement figures keyed by statement result:
    ``array_cycles`` (ARRAY busy), ``macs``, ``dram_bytes``, ``energy_pj``
    and, when instruction records are present, ``cycles`` (the span from the
    statement's first instruction start to its last end)."""
    results = {st.result for st in net.statements}
    out: dict[str, dict[str, float]] = {}
    for entry in report.get("statements") or ():
        name = statement_result(entry.get("statement"), results)
        if name is None:
            continue
        busy = entry.get("busy") or {}
        fig = out.setdefault(name, {"array_cycles": 0.0, "macs": 0.0, "dram_bytes": 0.0, "energy_pj": 0.0})
        fig["array_cycles"] += _number(busy.get("ARRAY", 0))
        for key in ("macs", "dram_bytes", "energy_pj"):
            fig[key] += _number(entry.get(key, 0))
    return out


def phase_spans(report: Mapping[str, Any], net: Network) -> dict[str, float]:
    """Per phase, the cycles from its first instruction's start to its last
    instruction's end (phases overlap when units run ahead), from the
    report's instruction records; empty without them."""
    results = {st.result for st in net.statements}
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for ins in _records(report):
        name = statement_result(ins.get("statement"), results)
        if name is None or ins.get("opcode") in ("SIGNAL", "WAIT", "NOP", "HALT"):
            continue
        ph = "backward" if net.statement(name).grad_of is not None else "forward"
        first[ph] = min(first.get(ph, float("inf")), _number(ins.get("start", 0)))
        last[ph] = max(last.get(ph, 0.0), _number(ins.get("end", 0)))
    return {ph: last[ph] - first[ph] for ph in first}


def breakdown(cycles: int, array_cycles: int, shape_cycles: int) -> Breakdown:
    """Split ``cycles`` as the module doc says; clamped so the parts add up."""
    compute = max(0, min(array_cycles, cycles))
    shaping = max(0, min(shape_cycles, cycles - compute))
    return Breakdown(compute, shaping, cycles - compute - shaping)


def peak_buffer_bytes(report: Mapping[str, Any], word_bytes: int) -> int:
    """Peak buffer use: the report's ``peak_buffer_bytes``, or else the
    compiler's memory plan as the run report states it -- the most words of
    resident values at any step plus the staging/scratch area reserved for
    streamed blocks and (systolic) reshaping copies."""
    if "peak_buffer_bytes" in report:
        return int(_number(report["peak_buffer_bytes"]))
    words = _number(report.get("buffer_peak_words", 0)) + _number(report.get("staging_words", 0))
    return int(words) * word_bytes


def metrics_from_report(report: Mapping[str, Any], clock_ghz: float, net: Network | None = None,
                        word_bytes: int = 4) -> Metrics:
    """Read a run report (the dict of ``tncc run --json``) into :class:`Metrics`.
    ``net`` enables the forward/backward split (from the report's
    per-statement figures) when the network has gradients."""
    where = f"report of {report.get('network', '?')} on {report.get('arch', '?')}"
    cycles = int(_need(report, "cycles", where))
    array_cycles = int(_need(report, "array_cycles", where))
    phases: tuple[PhaseFigures, ...] = ()
    if net is not None and has_gradients(net):
        split = split_by_phase(net, per_statement(report, net))
        spans = phase_spans(report, net)
        phases = tuple(
            PhaseFigures(ph.value, spans.get(ph.value, split[ph].get("array_cycles", 0.0)),
                         split[ph].get("array_cycles", 0.0), split[ph].get("energy_pj", 0.0),
                         split[ph].get("macs", 0.0), split[ph].get("dram_bytes", 0.0))
            for ph in (Phase.FORWARD, Phase.BACKWARD)
        )
    return Metrics(
        cycles=cycles,
        clock_ghz=clock_ghz,
        energy_pj=float(_need(report, "energy_pj", where)),
        macs=int(_need(report, "macs", where)),
        utilization=float(_need(report, "utilization", where)),
        dram_bytes=int(_need(report, "dram_bytes", where)),
        peak_buffer_bytes=peak_buffer_bytes(report, word_bytes),
        breakdown=breakdown(cycles, array_cycles, shaping_cycles(report)),
        match=bool(report.get("match", True)),
        max_rel_err=float(_number(report.get("max_rel_err", 0.0))),
        phases=phases,
    )


def records_summary(emulator_report: Any) -> dict[str, Any]:
    """``per_opcode`` (count and cycles of each opcode) and
    ``instruction_records`` (opcode, statement, start, end of each) from the emulator's instruction
    records, for the shaping split and the phase spans; empty when the
    report has no records."""
    records = getattr(emulator_report, "records", None)
    if not records:
        return {}
    statements = tuple(getattr(emulator_report, "statements", ()))
    per_op: dict[str, dict[str, int]] = {}
    rows = []
    for r in records:
        # A record is the runtime's tuple (index, opcode, src, start, end, ...)
        # or an object with those attributes.
        if hasattr(r, "opcode"):
            opcode, src, start, end = r.opcode, r.src, r.start, r.end
        else:
            opcode, src, start, end = r[1], r[2], r[3], r[4]
        entry = per_op.setdefault(opcode, {"count": 0, "cycles": 0})
        entry["count"] += 1
        entry["cycles"] += int(end - start)
        stmt = statements[src] if 0 <= src < len(statements) else None
        rows.append({"opcode": opcode, "statement": stmt, "start": int(start), "end": int(end)})
    return {"per_opcode": per_op, "instruction_records": rows}
