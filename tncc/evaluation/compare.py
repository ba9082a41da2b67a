"""The comparison engine behind ``tncc compare`` and :func:`tncc.comparison`.

One program is compiled and emulated under every (architecture, order)
configuration asked for; each run's report becomes a
:class:`~tncc.evaluation.metrics.Metrics` row, and a :class:`Comparison` holds the rows
with a baseline to which every other row is compared: ratios are row /
baseline, so a ratio above 1 means the row costs more.  Every figure is read
from the run report of that configuration (the same dict ``tncc run --json``
writes), so a comparison column equals what ``run`` reports.

Output forms (text table, CSV, JSON, bar chart) live in
:mod:`tncc.evaluation.compare_format`; reading a report into metrics in
:mod:`tncc.evaluation.metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import tncc
from tncc.driver import lower_plan
from tncc.errors import TnccError
from tncc.evaluation.compare_format import dataframe, format_comparison, plot_png, to_csv, to_json, to_rows
from tncc.evaluation.metrics import (  # noqa: F401 - re-exported: the comparison's data model
    METRICS,
    RATIOS,
    Breakdown,
    Metrics,
    PhaseFigures,
    breakdown,
    metric,
    metrics_from_report,
    records_summary,
)
from tncc.evaluation.planning import compile_args
from tncc.evaluation.training import ReuseSummary, has_gradients, reuse_summary, unshared_plan
from tncc.io import atomic_write_bytes
from tncc.ir import Network
from tncc.isa.arch import load_arch
from tncc.plan import Plan
from tncc.progress import Progress

# Orders the compiler's search offers (see ``tncc.compile``'s ``order``):
# csse = hardware-aware search, flops = MAC-optimal order, naive = each
# statement's operands left to right.
ORDERS = ("csse", "flops", "naive")
DEFAULT_ARCHS = ("fetta", "systolic")


@dataclass(frozen=True, slots=True)
class Config:
    """One column of a comparison: an architecture spec (preset name, path,
    or either with ``:key=value`` overrides) and an order strategy.  With
    ``reuse=False`` the order's plan runs with every temporary shared between
    statements recomputed per statement (:func:`tncc.evaluation.training.unshared_plan`):
    the measured cost of *not* reusing forward intermediates."""

    arch: str
    order: str
    reuse: bool = True

    @property
    def label(self) -> str:
        arch = Path(self.arch).stem if self.arch.endswith(".toml") else self.arch
        return f"{arch}/{self.order}" + ("" if self.reuse else "-noreuse")


@dataclass(frozen=True)
class Result:
    """One configuration's outcome: its metrics, the raw report they came
    from, the reuse summary of its plan (training steps only) and the plan."""

    config: Config
    metrics: Metrics
    report: Mapping[str, Any] = field(default_factory=dict)
    reuse: ReuseSummary | None = None
    plan: Plan | None = field(default=None, repr=False)  # the plan that ran (draw it with tncc.evaluation.viz.plan_dot)


@dataclass(frozen=True)
class Comparison:
    """The rows of a comparison; ``baseline`` indexes the row every ratio
    divides by; ``failures`` lists the configurations that could not be
    compiled or run, with their error."""

    network: str
    results: tuple[Result, ...]
    baseline: int = 0
    failures: tuple[tuple[str, str], ...] = ()  # (config label, first line of its error)

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

    # -- output forms (implemented in tncc.evaluation.compare_format) ---------------------
    def format(self) -> str:
        """The text table ``tncc compare`` prints."""
        return format_comparison(self)

    def to_rows(self) -> list[dict[str, Any]]:
        """One flat dict per configuration (the CSV columns)."""
        return to_rows(self)

    def to_dataframe(self) -> Any:
        """:meth:`to_rows` as a pandas DataFrame, or the list itself without pandas."""
        return dataframe(to_rows(self))

    def to_json(self) -> str:
        return to_json(self)

    def to_csv(self) -> str:
        return to_csv(self)

    def plot(self, path: str | Path) -> None:
        """Write the cycle-breakdown bar chart as PNG to ``path`` (needs matplotlib)."""
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


def configs(archs: Sequence[str], orders: Sequence[str], no_reuse: bool = False) -> tuple[Config, ...]:
    """Every (arch, order) pair, arch-major (the first is the default
    baseline); with ``no_reuse`` each is followed by its no-reuse twin."""
    reuse_modes = (True, False) if no_reuse else (True,)
    return tuple(Config(a, o, r) for a in archs for o in check_orders(orders) for r in reuse_modes)


def result_of_run(config: Config, report: Mapping[str, Any], clock_ghz: float, plan: Plan | None,
                  word_bytes: int = 4) -> Result:
    """Build a :class:`Result` from one run report (and the plan it ran)."""
    net = plan.network if plan is not None else None
    reuse = reuse_summary(plan) if plan is not None and has_gradients(plan.network) else None
    return Result(config, metrics_from_report(report, clock_ghz, net, word_bytes), dict(report), reuse, plan)


def run_config(source: "str | Path | Network", config: Config, *, network: str | None = None,
               inputs: Mapping[str, Any] | None = None, seed: int = 0) -> Result:
    """Compile ``source`` for one configuration, run it on the emulator, and
    read the run's report (the dict ``tncc run --json`` writes), plus the
    per-opcode cycles and instruction times of the same run."""
    arch = load_arch(config.arch)
    order, objective = compile_args(config.order)
    compiled = tncc.compile(source, arch=arch, network=network, order=order, objective=objective)
    if not config.reuse:
        compiled = _without_reuse(compiled)
    outcome = compiled.run(inputs=inputs, seed=seed)
    report = dict(outcome.report)
    for key, val in records_summary(getattr(outcome, "emulator_report", None)).items():
        report.setdefault(key, val)
    return result_of_run(config, report, arch.clock_ghz, getattr(compiled, "plan", None), arch.buffer.word_bytes)


def _without_reuse(compiled: Any) -> Any:
    """``compiled`` re-lowered from its plan's unshared twin (same trees,
    shared temporaries recomputed per statement) by the same back end."""
    import dataclasses

    twin = unshared_plan(compiled.plan)
    return dataclasses.replace(compiled, plan=twin, lowered=lower_plan(twin, compiled.arch, getattr(compiled, "lowering", None)))


def run_comparison(source: "str | Path | Network", archs: Sequence[str] = DEFAULT_ARCHS,
                   orders: Sequence[str] = ("csse",), *, network: str | None = None,
                   inputs: Mapping[str, Any] | None = None, seed: int = 0, baseline: int = 0,
                   progress: bool | None = None, no_reuse: bool = False) -> Comparison:
    """Run every (arch, order) configuration of ``source`` and compare them.

    Every architecture spec is loaded before any work starts, so a misspelt
    name fails at once with the loader's message.  A configuration that
    fails (a TnccError while compiling or running it) is recorded in
    ``Comparison.failures`` and the others are compared; if the baseline
    failed, the first configuration that ran is the baseline; if all fail,
    the first error is raised.  ``progress`` shows a progress line on a
    terminal (``None``: when stderr is one).  ``no_reuse`` adds, after each
    configuration, the same plan run without cross-statement reuse."""
    cfgs = configs(archs, orders, no_reuse)
    for spec in dict.fromkeys(c.arch for c in cfgs):
        load_arch(spec)
    if not 0 <= baseline < len(cfgs):
        raise TnccError(f"baseline {baseline} out of range (there are {len(cfgs)} configurations)")
    results: list[Result] = []
    failures: list[tuple[Config, TnccError]] = []
    base_result: int | None = None
    name = network or (source.name if isinstance(source, Network) else Path(str(source)).stem)
    with Progress(total=len(cfgs), description="compare", enabled=False if progress is False else None,
                  live=True) as bar:
        for k, cfg in enumerate(cfgs):
            bar.set_description(f"compare {cfg.label}")
            try:
                r = run_config(source, cfg, network=network, inputs=inputs, seed=seed)
            except TnccError as err:
                # A configuration the machine cannot hold (e.g. the naive
                # order's intermediates overflow the buffer) is a finding, not
                # a reason to lose the others; input errors fail every
                # configuration alike and are raised below.
                failures.append((cfg, err))
            else:
                name = str(r.report.get("network", name))
                if k == baseline:
                    base_result = len(results)
                results.append(r)
            bar.update(1)
    if not results:
        raise failures[0][1]
    notes = tuple((cfg.label, err.render().splitlines()[0]) for cfg, err in failures)
    return Comparison(name, tuple(results), 0 if base_result is None else base_result, notes)
