"""Output forms of a :class:`~tncc.evaluation.compare.Comparison`: an aligned text table
for people, CSV and JSON for scripts, and a stacked bar chart of the cycle
breakdown (matplotlib, the optional ``plot`` extra); rows become a pandas
DataFrame where pandas is installed (:func:`dataframe`).

All forms carry the same figures: one row per configuration, the ratios to
the baseline row, and for training steps the forward/backward split and the
reuse summary.
"""

from __future__ import annotations

import csv
import io
import math
from typing import TYPE_CHECKING, Any, Sequence

from tncc.errors import TnccError
from tncc.evaluation.metrics import METRICS, RATIOS, metric
from tncc.jsonsafe import dumps

if TYPE_CHECKING:  # annotations only: compare builds its output forms from this module
    from tncc.evaluation.compare import Comparison, Result


def _fmt(key: str, value: float) -> str:
    if key == "utilization":
        return f"{100 * value:.1f}%"
    if key in ("cycles", "dram_bytes", "peak_buffer_bytes"):
        return f"{int(value):,}"
    if value == 0:
        return "0"
    if abs(value) >= 1000 or abs(value) < 0.01:
        return f"{value:.3g}"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def _fmt_ratio(value: float) -> str:
    if math.isinf(value):
        return "inf"
    return f"{value:.2f}x"


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns right-aligned except the first; two spaces between columns."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    lines = []
    for r, row in enumerate([list(header), *[list(x) for x in rows]]):
        cells = [str(row[0]).ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if r == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_comparison(cmp: Comparison) -> str:
    """The human table (plus the training-step tables when there are phases)."""
    base = cmp.base.config.label
    header = ["config", *[h for _, h in METRICS], "compute", "shaping", "memory",
              *[h for _, h in RATIOS], "match"]
    rows = []
    for k, r in enumerate(cmp.results):
        m = r.metrics
        b = m.breakdown
        share = [f"{100 * part / m.cycles:.0f}%" if m.cycles else "-" for part in (b.compute, b.shaping, b.memory)]
        rows.append([
            r.config.label,
            *[_fmt(key, metric(m, key)) for key, _ in METRICS],
            *share,
            *[_fmt_ratio(cmp.ratio(k, key)) for key, _ in RATIOS],
            "yes" if m.match else f"NO ({m.max_rel_err:.2g})",
        ])
    parts = [f"network {cmp.network}: {len(cmp.results)} configuration(s); ratios are row / {base}", render_table(header, rows)]
    if cmp.failures:
        parts.append("configurations that could not run:")
        parts.extend(f"  {label}: {msg}" for label, msg in cmp.failures)
    if any(r.metrics.phases for r in cmp.results):
        parts.append("")
        parts.append("training step: forward and backward (span = first start to last end of the phase's "
                     "instructions; array = ARRAY busy cycles)")
        parts.append(_phase_table(cmp))
    if any(r.reuse for r in cmp.results):
        parts.append("")
        parts.append("reuse of forward intermediates in the backward pass (from each plan)")
        parts.append(_reuse_table(cmp))
    return "\n".join(parts)


def _phase_table(cmp: Comparison) -> str:
    header = ["config", "fwd span", "bwd span", "fwd array", "bwd array", "fwd energy uJ", "bwd energy uJ",
              "fwd MACs", "bwd MACs", "fwd DRAM B", "bwd DRAM B"]
    rows = []
    for r in cmp.results:
        ph = {p.phase: p for p in r.metrics.phases}
        f, b = ph.get("forward"), ph.get("backward")
        if f is None or b is None:
            rows.append([r.config.label] + ["-"] * (len(header) - 1))
            continue
        rows.append([r.config.label, f"{int(f.cycles):,}", f"{int(b.cycles):,}", f"{int(f.array_cycles):,}",
                     f"{int(b.array_cycles):,}", _fmt("e", f.energy_pj * 1e-6), _fmt("e", b.energy_pj * 1e-6),
                     f"{int(f.macs):,}", f"{int(b.macs):,}", f"{int(f.dram_bytes):,}", f"{int(b.dram_bytes):,}"])
    return render_table(header, rows)


def _reuse_table(cmp: Comparison) -> str:
    header = ["config", "shared values", "MACs", "MACs w/o reuse", "MACs saved", "kept for bwd B",
              "peak B", "peak B w/o reuse", "reuse costs B"]
    rows = []
    for r in cmp.results:
        u = r.reuse
        if u is None:
            rows.append([r.config.label] + ["-"] * (len(header) - 1))
            continue
        rows.append([r.config.label, str(len(u.shared_values)), f"{u.macs:,}", f"{u.macs_unshared:,}",
                     f"{u.macs_saved:,}", f"{u.kept_bytes:,}", f"{u.peak_bytes:,}", f"{u.peak_bytes_unshared:,}",
                     f"{u.extra_peak_bytes:+,}"])
    return render_table(header, rows)


def result_dict(cmp: Comparison, k: int) -> dict[str, Any]:
    """One row as a flat dict (the CSV columns; JSON adds nested parts)."""
    r: Result = cmp.results[k]
    m = r.metrics
    d: dict[str, Any] = {"config": r.config.label, "arch": r.config.arch, "order": r.config.order}
    for key, _ in METRICS:
        d[key] = getattr(m, key)  # ints stay ints in CSV and JSON
    d["energy_pj"] = m.energy_pj
    d["macs"] = m.macs
    d["clock_ghz"] = m.clock_ghz
    d["compute_cycles"] = m.breakdown.compute
    d["shaping_cycles"] = m.breakdown.shaping
    d["memory_cycles"] = m.breakdown.memory
    for key, _ in RATIOS:
        d[f"ratio_{key}"] = cmp.ratio(k, key)
    for p in m.phases:
        d[f"{p.phase}_cycles"] = p.cycles
        d[f"{p.phase}_array_cycles"] = p.array_cycles
        d[f"{p.phase}_energy_pj"] = p.energy_pj
        d[f"{p.phase}_macs"] = p.macs
        d[f"{p.phase}_dram_bytes"] = p.dram_bytes
    if r.reuse is not None:
        d["reuse_macs_saved"] = r.reuse.macs_saved
        d["reuse_kept_bytes"] = r.reuse.kept_bytes
        d["reuse_extra_peak_bytes"] = r.reuse.extra_peak_bytes
    d["match"] = m.match
    d["max_rel_err"] = m.max_rel_err
    return d


def to_rows(cmp: Comparison) -> list[dict[str, Any]]:
    """Every row as a flat dict: what ``to_dataframe`` and the CSV are made of."""
    return [result_dict(cmp, k) for k in range(len(cmp.results))]


def dataframe(rows: list[dict[str, Any]]) -> Any:
    """``rows`` as a pandas DataFrame, or the list itself when pandas is not
    installed (so a notebook works either way)."""
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows)


def to_csv(cmp: Comparison) -> str:
    rows = to_rows(cmp)
    fields: list[str] = []
    for row in rows:
        fields.extend(k for k in row if k not in fields)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buf.getvalue()


def to_dict(cmp: Comparison) -> dict[str, Any]:
    configs = []
    for k, r in enumerate(cmp.results):
        d = result_dict(cmp, k)
        d["breakdown"] = {"compute": r.metrics.breakdown.compute, "shaping": r.metrics.breakdown.shaping,
                          "memory": r.metrics.breakdown.memory}
        d["phases"] = {p.phase: {"cycles": p.cycles, "array_cycles": p.array_cycles, "energy_pj": p.energy_pj, "macs": p.macs,
                                 "dram_bytes": p.dram_bytes} for p in r.metrics.phases}
        d["reuse"] = r.reuse.to_dict() if r.reuse is not None else None
        configs.append(d)
    return {"network": cmp.network, "baseline": cmp.base.config.label, "configs": configs,
            "failures": [{"config": label, "error": msg} for label, msg in cmp.failures]}


def to_json(cmp: Comparison) -> str:
    """The comparison as JSON; a value that is not finite (a ratio over a zero
    baseline) is ``null`` (:mod:`tncc.jsonsafe`)."""
    return dumps(to_dict(cmp), indent=2) + "\n"


def plot_png(cmp: Comparison) -> bytes:
    """A PNG bar chart: one stacked bar per configuration (compute, shaping,
    memory cycles), with the ratio of cycles to the baseline on each bar.
    Raises TnccError when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed; must precede pyplot
        import matplotlib.pyplot as plt
    except ImportError:
        raise TnccError("--plot needs matplotlib, which is not installed: pip install 'tncc[plot]'") from None
    labels = [r.config.label for r in cmp.results]
    parts = {
        "compute (array busy)": [r.metrics.breakdown.compute for r in cmp.results],
        "shaping (explicit passes)": [r.metrics.breakdown.shaping for r in cmp.results],
        "memory and other stalls": [r.metrics.breakdown.memory for r in cmp.results],
    }
    colours = ("#4c72b0", "#dd8452", "#8c8c8c")
    # Left: absolute cycles with the ratio to the baseline on each bar.
    # Right: the same bars as shares of each configuration's cycles, which
    # stays readable when the configurations differ by orders of magnitude.
    fig, (ax, ax_share) = plt.subplots(1, 2, figsize=(max(6.0, 2.2 * len(labels) + 3), 4.2), dpi=120)
    totals = [max(1, r.metrics.cycles) for r in cmp.results]
    bottom = [0.0] * len(labels)
    share_bottom = [0.0] * len(labels)
    for (name, vals), colour in zip(parts.items(), colours):
        ax.bar(labels, vals, bottom=bottom, label=name, color=colour)
        shares = [100.0 * v / t for v, t in zip(vals, totals)]
        ax_share.bar(labels, shares, bottom=share_bottom, color=colour)
        bottom = [b + v for b, v in zip(bottom, vals)]
        share_bottom = [b + v for b, v in zip(share_bottom, shares)]
    for k, top in enumerate(bottom):
        ax.annotate(_fmt_ratio(cmp.ratio(k, "cycles")), (k, top), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("cycles")
    ax_share.set_ylabel("share of cycles (%)")
    ax_share.set_ylim(0, 100)
    fig.suptitle(f"{cmp.network}: cycle breakdown (ratios to {cmp.base.config.label})", fontsize=10)
    ax.legend(fontsize=7)
    for a in (ax, ax_share):
        a.tick_params(axis="x", labelrotation=20, labelsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
