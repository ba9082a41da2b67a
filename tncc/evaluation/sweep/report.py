"""What a user looks at after a sweep: speedups, the summary table, plots.

The speedup of a point is the cycles of its *reference point* over its own
cycles (above 1: faster than the reference).  The reference point is the
same workload and configuration with every axis named in the spec's
``[baseline]`` set to its baseline value; without ``[baseline]`` every
configuration axis (architecture keys, order, objective) takes its first
swept value, so each workload is compared with the sweep's first
configuration.  A point whose reference did not run has no speedup.
"""

from __future__ import annotations

import io
import math
from typing import Any, Mapping, Sequence

from tncc.errors import TnccError
from tncc.evaluation.compare_format import render_table
from tncc.isa.arch import load_arch

MAX_TABLE_ROWS = 200
MAX_PARETO_PANELS = 12


def _config_key(point: Mapping[str, Any], axes: Sequence[str], override: Mapping[str, Any]) -> tuple:
    return (point.get("workload"),) + tuple(override.get(a, point.get(a)) for a in axes)


def speedups(records: Sequence[Mapping[str, Any]], axes: Sequence[str], baseline: Mapping[str, Any]
             ) -> dict[str, float | None]:
    """Speedup of every record with a report, by key: ``axes`` are the
    configuration axes, ``baseline`` the axes the reference point changes
    and their values (see the module doc)."""
    cycles = {_config_key(r["point"], axes, {}): r["report"]["cycles"] for r in records if r.get("report")}
    out: dict[str, float | None] = {}
    for r in records:
        if not r.get("report"):
            continue
        ref = cycles.get(_config_key(r["point"], axes, baseline))
        own = r["report"]["cycles"]
        out[r["key"]] = ref / own if ref and own else None
    return out


def short_arch(spec: str) -> str:
    """``fetta:buffer.bytes=65536`` as it is; a path base by its file stem."""
    base, sep, rest = spec.partition(":") if not spec.startswith("/") else spec.rpartition(":")
    if "/" in base or base.endswith(".toml"):
        base = base.rsplit("/", 1)[-1].removesuffix(".toml")
    return base + (sep + rest if sep else "")


def _fmt(v: Any, kind: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if kind == "int":
        return f"{int(v):,}"
    if kind == "uj":
        return f"{v / 1e6:.3g}"
    if kind == "pct":
        return f"{100 * v:.0f}%"
    if kind == "x":
        return f"{v:.2f}x"
    return str(v)


def format_summary(spec: Any, records: Sequence[Mapping[str, Any]], speed: Mapping[str, float | None]) -> str:
    """The per-point table (spec order, at most :data:`MAX_TABLE_ROWS` rows)
    and the list of failed points with their errors."""
    swept = [a for a in ("order", "objective") if len(spec.axes.get(a, ())) > 1]
    header = ["workload", "arch", *swept, "status", "cycles", "energy uJ", "util", "DRAM B", "speedup"]
    rows = []
    for r in records[:MAX_TABLE_ROWS]:
        p, rep = r["point"], r.get("report") or {}
        rows.append([p.get("workload", "?"), short_arch(str(p.get("arch", "?"))), *[str(p.get(a)) for a in swept],
                     r["status"], _fmt(rep.get("cycles"), "int"), _fmt(rep.get("energy_pj"), "uj"),
                     _fmt(rep.get("utilization"), "pct"), _fmt(rep.get("dram_bytes"), "int"),
                     _fmt(speed.get(r["key"]), "x")])
    text = render_table(header, rows) if rows else "(no point has finished)"
    if len(records) > MAX_TABLE_ROWS:
        text += f"\n... {len(records) - MAX_TABLE_ROWS} more points in the results table"
    failed = [r for r in records if r["status"] in ("error", "lost")]
    if failed:
        text += "\n\nfailed points:"
        for r in failed:
            p = r["point"]
            first = (r.get("error") or "").strip().splitlines()
            text += f"\n  {p.get('workload')} on {short_arch(str(p.get('arch')))} / {p.get('order')}: " \
                    f"{first[0] if first else r['status']}"
    return text


def pareto(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats in both coordinates
    (both minimised), sorted by the first coordinate."""
    order = sorted(range(len(points)), key=lambda k: (points[k][0], points[k][1]))
    front, best = [], math.inf
    for k in order:
        if points[k][1] < best:
            front.append(k)
            best = points[k][1]
    return front


def _geomean(vals: Sequence[float]) -> float:
    vals = [v for v in vals if v and v > 0]
    return math.exp(sum(map(math.log, vals)) / len(vals)) if vals else math.nan


def _scale(ax: Any, axis: str, values: Sequence[float]) -> None:
    """Log scale when the values span more than a decade, else linear (log
    axes over a narrow range only show crowded minor labels)."""
    from matplotlib.ticker import MaxNLocator, NullFormatter

    vals = [v for v in values if v and v > 0]
    target = ax.xaxis if axis == "x" else ax.yaxis
    if vals and max(vals) / min(vals) > 10:
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
        target.set_minor_formatter(NullFormatter())
    else:
        target.set_major_locator(MaxNLocator(5))
        ax.ticklabel_format(axis=axis, style="sci", scilimits=(-3, 4))


def plot(spec: Any, records: Sequence[Mapping[str, Any]], speed: Mapping[str, float | None], fmt: str = "png") -> bytes:
    """The sweep's figure: speedup against each swept parameter (every point,
    and the geometric mean per value), then per workload the cycles-energy
    plane with the Pareto front, coloured by buffer size.  Raises TnccError
    without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed; must precede pyplot
        import matplotlib.colors as mcolors
        import matplotlib.pyplot as plt
    except ImportError:
        raise TnccError("--plot needs matplotlib, which is not installed: pip install 'tncc[plot]'") from None

    done = [r for r in records if r.get("report")]
    params = [a for a, vals in spec.axes.items() if len(vals) > 1 and a not in ("workload.family",)]
    workloads = list(dict.fromkeys(r["point"]["workload"] for r in done))[:MAX_PARETO_PANELS]
    ncols = 3
    nrows = max(1, math.ceil(len(params) / ncols)) + max(1, math.ceil(len(workloads) / ncols))
    fig = plt.figure(figsize=(4.6 * ncols, 3.4 * nrows), dpi=110, layout="constrained")
    bases = list(dict.fromkeys(str(r["point"].get("arch.base")) for r in done))
    colours = ("#c44e52", "#4c72b0", "#55a868", "#8172b2", "#dd8452", "#937860")
    grid = fig.add_gridspec(nrows, ncols)
    row = 0
    for k, param in enumerate(params):
        ax = fig.add_subplot(grid[row + k // ncols, k % ncols])
        values = list(spec.axes[param])
        xs, ys, xb = [], [], []
        for r in done:
            s = speed.get(r["key"])
            v = r["point"].get(param)
            if s and v in values:
                xs.append(values.index(v))
                ys.append(s)
                xb.append(str(r["point"].get("arch.base")))
        ax.scatter(xs, ys, s=14, alpha=0.35, color="#8c8c8c", label="points")
        # One geometric-mean line per architecture base when the bases are
        # swept too: their speedups differ by far more than the parameter's effect.
        groups: list[str | None] = list(bases) if param != "arch.base" and len(bases) > 1 else [None]
        for g, base in enumerate(groups):
            sel = [(x, y) for x, y, b in zip(xs, ys, xb) if base is None or b == base]
            means = [_geomean([y for x, y in sel if x == j]) for j in range(len(values))]
            ax.plot(range(len(values)), means, "-o", color=colours[g % len(colours)], ms=4,
                    label="geometric mean" + (f" ({short_arch(base)})" if base else ""))
        ax.set_xticks(range(len(values)), [short_arch(str(v)) if param == "arch.base" else str(v) for v in values],
                      rotation=20, fontsize=7)
        _scale(ax, "y", ys)
        ax.axhline(1.0, color="#8c8c8c", lw=0.8, ls=":")
        ax.set_xlabel(param, fontsize=8)
        ax.set_ylabel("speedup", fontsize=8)
        if k == 0 or len(groups) > 1:
            ax.legend(fontsize=7)
    row += max(1, math.ceil(len(params) / ncols)) if params else 0
    if not params:
        ax = fig.add_subplot(grid[0, :])
        ax.text(0.5, 0.5, "no parameter takes more than one value", ha="center", va="center")
        ax.set_axis_off()
        row = 1
    arch_bytes: dict[str, int] = {}
    for r in done:
        a = str(r["point"]["arch"])
        if a not in arch_bytes:
            arch_bytes[a] = load_arch(a).buffer.bytes
    sizes = sorted(set(arch_bytes.values())) or [1]
    norm = mcolors.LogNorm(vmin=min(sizes), vmax=max(sizes) * (1.0001 if len(sizes) == 1 else 1))
    markers = "osD^v<>PX*"
    scatter = None
    for k, wl in enumerate(workloads):
        ax = fig.add_subplot(grid[row + k // ncols, k % ncols])
        mine = [r for r in done if r["point"]["workload"] == wl]
        for b, base in enumerate(bases):
            sub = [r for r in mine if str(r["point"].get("arch.base")) == base]
            if sub:
                scatter = ax.scatter([r["report"]["cycles"] for r in sub], [r["report"]["energy_pj"] / 1e6 for r in sub],
                                     c=[arch_bytes[str(r["point"]["arch"])] for r in sub], cmap="viridis", norm=norm,
                                     marker=markers[b % len(markers)], s=26, label=short_arch(base))
        pts = [(r["report"]["cycles"], r["report"]["energy_pj"] / 1e6) for r in mine]
        front = [pts[j] for j in pareto(pts)]
        ax.step([p[0] for p in front], [p[1] for p in front], where="post", color="black", lw=1, label="Pareto front")
        _scale(ax, "x", [p[0] for p in pts])
        _scale(ax, "y", [p[1] for p in pts])
        ax.set_title(wl, fontsize=8)
        ax.set_xlabel("cycles", fontsize=8)
        ax.set_ylabel("energy (uJ)", fontsize=8)
        if k == 0:
            ax.legend(fontsize=6)
    if scatter is not None:
        fig.colorbar(scatter, ax=fig.axes[-len(workloads):], label="buffer bytes", shrink=0.8)
    fig.suptitle(f"sweep {spec.name}: speedup against each swept parameter; cycles vs energy, Pareto front",
                 fontsize=10)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    plt.close(fig)
    return buf.getvalue()
