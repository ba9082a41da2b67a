"""The comparison engine behind ``tncc compare`` and :func:`tncc.api.compare`.

One program is compiled and emulated under every (architecture, order)
configuration asked for; each run's report becomes a :class:`Metrics` row,
and a :class:`Comparison` holds the rows with a baseline to which every other
row is compared.  Every figure is read from the run report of that
configuration (the same dict ``tncc run --json`` writes), never recomputed
another way, so a comparison column equals what ``run`` reports.

Derived figures:

* latency = cycles / clock (the architecture's ``clock_ghz``);
* EDP = energy x latency (reported in uJ x us);
* the cycle breakdown splits the makespan into *compute* (cycles the array is
  busy), *shaping* (explicit SHAPE passes, at most the remaining cycles: on
  ``fetta`` there are none, the networks shape while data flows) and
  *memory* (the rest: the array waits for DMA, network fill or drains);
* ratios are row / baseline: a ratio above 1 means the row costs more.

Formatting (text table, CSV, JSON, bar chart) lives in
:mod:`tncc.compare_format`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from tncc.errors import TnccError
from tncc.ir import Network
from tncc.plan import Plan
from tncc.training import Phase, ReuseSummary, has_gradients, reuse_summary, split_by_phase

# Orders the compiler's search offers (see ``tncc.compile``'s ``order``):
# csse = hardware-aware search, flops = MAC-optimal order, naive = each
# statement's operands left to right.
ORDERS = ("csse", "flops", "naive")
DEFAULT_ARCHS = ("fetta", "systolic")


@dataclass(frozen=True, slots=True)
class Config:
    """One column of a comparison: an architecture spec (preset name, path,
    or either with ``:key=value`` overrides) and an order strategy."""

    arch: str
    order: str

    @property
    def label(self) -> str:
        arch = Path(self.arch).stem if self.arch.endswith(".toml") else self.arch
        return f"{arch}/{self.order}"


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


# The figures a comparison shows, in order: (key, header, unit, getter).
METRICS: tuple[tuple[str, str], ...] = (
    ("cycles", "cycles"),
    ("latency_us", "latency us"),
    ("energy_uj", "energy uJ"),
    ("edp", "EDP uJ*us"),
    ("utilization", "MAC util"),
    ("dram_bytes", "DRAM bytes"),
    ("peak_buffer_bytes", "peak buffer B"),
)
RATIOS: tuple[tuple[str, str], ...] = (
    ("cycles", "x cycles"),
    ("energy_uj", "x energy"),
    ("edp", "x EDP"),
    ("dram_bytes", "x DRAM"),
)


def metric(m: Metrics, key: str) -> float:
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


@dataclass(frozen=True)
class Result:
    """One configuration's outcome: its metrics, the raw report they came
    from, and the reuse summary of its plan (training steps only)."""

    config: Config
    metrics: Metrics
    report: Mapping[str, Any] = field(default_factory=dict)
    reuse: ReuseSummary | None = None


@dataclass(frozen=True)
class Comparison:
    """The rows of a comparison; ``baseline`` indexes the row every ratio
    divides by."""

    network: str
    results: tuple[Result, ...]
    baseline: int = 0

    def __post_init__(self) -> None:
        if not self.results:
            raise ValueError("a comparison needs at least one result")
        if not 0 <= self.baseline < len(self.results):
            raise ValueError(f"baseline {self.baseline} out of range")

    @property
    def base(self) -> Result:
        return self.results[self.baseline]

    def ratio(self, row: int, key: str) -> float:
        """``row``'s figure ``key`` divided by the baseline's (inf when the
        baseline's is 0 and the row's is not; 1 when both are 0)."""
        num = metric(self.results[row].metrics, key)
        den = metric(self.base.metrics, key)
        if den == 0:
            return 1.0 if num == 0 else float("inf")
        return num / den

    def find(self, arch: str, order: str) -> Result:
        for r in self.results:
            if r.config.arch == arch and r.config.order == order:
                return r
        raise KeyError((arch, order))

    @property
    def all_match(self) -> bool:
        return all(r.metrics.match for r in self.results)

    # -- output forms (implemented in tncc.compare_format) ---------------------
    def format(self) -> str:
        """The text table ``tncc compare`` prints."""
        from tncc.compare_format import format_comparison

        return format_comparison(self)

    def to_rows(self) -> list[dict[str, Any]]:
        """One flat dict per configuration (the CSV columns)."""
        from tncc.compare_format import to_rows

        return to_rows(self)

    def to_dataframe(self) -> Any:
        """:meth:`to_rows` as a pandas DataFrame, or the list itself without pandas."""
        from tncc.api import to_dataframe

        return to_dataframe(self)

    def to_json(self) -> str:
        from tncc.compare_format import to_json

        return to_json(self)

    def to_csv(self) -> str:
        from tncc.compare_format import to_csv

        return to_csv(self)

    def plot(self, path: str | Path) -> None:
        """Write the cycle-breakdown bar chart as PNG to ``path`` (needs matplotlib)."""
        from tncc.compare_format import plot_png
        from tncc.io import atomic_write_bytes

        atomic_write_bytes(path, plot_png(self))


def split_list(values: Sequence[str] | str | None, default: Sequence[str]) -> tuple[str, ...]:
    """Comma-separated option values (the option may also repeat).  A piece
    with ``=`` but no ``:`` continues the previous architecture's overrides,
    so ``fetta,systolic:rows=32,cols=32`` is two specs, not three."""
    if values is None:
        return tuple(default)
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        for piece in value.split(","):
            piece = piece.strip()
            if not piece:
                continue
            if "=" in piece and ":" not in piece and out:
                out[-1] = f"{out[-1]},{piece}"
            else:
                out.append(piece)
    if not out:
        raise TnccError("an empty list was given; name at least one value")
    return tuple(dict.fromkeys(out))


def check_orders(orders: Sequence[str]) -> tuple[str, ...]:
    bad = [o for o in orders if o not in ORDERS]
    if bad:
        raise TnccError(f"unknown order {bad[0]!r}: expected one of {', '.join(ORDERS)}", where="--order")
    return tuple(orders)


def configs(archs: Sequence[str], orders: Sequence[str]) -> tuple[Config, ...]:
    """Every (arch, order) pair, arch-major (the first is the default baseline)."""
    return tuple(Config(a, o) for a in archs for o in check_orders(orders))


def result_of_run(config: Config, report: Mapping[str, Any], clock_ghz: float, plan: Plan | None,
                  word_bytes: int = 4) -> Result:
    """Build a :class:`Result` from one run report (and the plan it ran)."""
    net = plan.network if plan is not None else None
    reuse = reuse_summary(plan) if plan is not None and has_gradients(plan.network) else None
    return Result(config, metrics_from_report(report, clock_ghz, net, word_bytes), dict(report), reuse)


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


def run_config(source: "str | Path | Network", config: Config, *, network: str | None = None,
               inputs: Mapping[str, Any] | None = None, seed: int = 0) -> Result:
    """Compile ``source`` for one configuration, run it on the emulator, and
    read the run's report (the dict ``tncc run --json`` writes), plus the
    per-opcode cycles and instruction times of the same run."""
    import tncc
    from tncc.isa.arch import load_arch
    from tncc.planning import compile_args

    arch = load_arch(config.arch)
    order, objective = compile_args(config.order)
    compiled = tncc.compile(source, arch=arch, network=network, order=order, objective=objective)
    outcome = compiled.run(inputs=inputs, seed=seed)
    report = dict(outcome.report if isinstance(outcome.report, Mapping) else outcome.report.to_dict())
    for key, val in records_summary(getattr(outcome, "emulator_report", None)).items():
        report.setdefault(key, val)
    return result_of_run(config, report, arch.clock_ghz, getattr(compiled, "plan", None), arch.buffer.word_bytes)


def run_comparison(source: "str | Path | Network", archs: Sequence[str] = DEFAULT_ARCHS,
                   orders: Sequence[str] = ("csse",), *, network: str | None = None,
                   inputs: Mapping[str, Any] | None = None, seed: int = 0, baseline: int = 0,
                   progress: bool | None = None) -> Comparison:
    """Run every (arch, order) configuration of ``source`` and compare them.

    Every architecture spec is loaded before any work starts, so a misspelt
    name fails at once with the loader's message.  ``progress`` shows a
    progress line on a terminal (``None``: when stderr is one)."""
    from tncc.isa.arch import load_arch
    from tncc.progress import Progress

    cfgs = configs(archs, orders)
    for spec in dict.fromkeys(c.arch for c in cfgs):
        load_arch(spec)
    if not 0 <= baseline < len(cfgs):
        raise TnccError(f"baseline {baseline} out of range (there are {len(cfgs)} configurations)")
    results = []
    name = network or (source.name if isinstance(source, Network) else Path(str(source)).stem)
    with Progress(total=len(cfgs), description="compare", enabled=False if progress is False else None) as bar:
        for cfg in cfgs:
            bar.set_description(f"compare {cfg.label}")
            r = run_config(source, cfg, network=network, inputs=inputs, seed=seed)
            name = str(r.report.get("network", name))
            results.append(r)
            bar.update(1)
    return Comparison(name, tuple(results), baseline)
