"""Sweep specs: a TOML file naming workloads, architectures, orders and
objectives, expanded into the points of a design-space sweep.

A spec is one grid, or a list of grids (``[[point]]`` tables), over four axes::

    seed = 0                                  # the seed of every point's random inputs
    workloads = ["../examples/tt_linear.tn"]  # .tn files (relative to the spec),
                                              # or tables {file = "x.tn", network = "n"}
    [[generate]]                              # programs made by tncc.evaluation.workloads
    family = "tt_linear"                      # tt_linear, int8_forward, encoder_block, ...
    layer = ["attention", "ffn_up"]           # its parameters, each a value or a range
    r = [8, 16]
    tokens = 32

    [arch]
    base = ["fetta", "systolic"]              # presets or .toml files
    buffer.bytes = [65536, 131072, 262144, 1048576]   # any key --arch NAME:key=value takes
    "dram.bytes_per_cycle" = {start = 16, stop = 64, factor = 2}

    order = ["csse", "flops"]                 # as tncc run --order
    objective = "cycles"                      # as tncc run --objective (default: the order's)

A range is a value, a non-empty list of distinct values, or a table
``{start, stop, step}`` (arithmetic) or ``{start, stop, factor}``
(geometric), both including ``stop`` when it is reached.  Every point is the
``tncc run`` of one workload with one ``--arch`` string (the base with the
point's overrides), one ``--order``, one ``--objective`` and the ``seed``.
With ``[[point]]`` tables each table is a grid of its own over the same keys
(keys it leaves out come from the top level), and the sweep is their union.

Every error names the spec's file and the line of the key at fault.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import tncc
from tncc import __version__
from tncc.compiled import OBJECTIVES, ORDER_OBJECTIVES
from tncc.errors import TnccError, TnccError as _E
from tncc.evaluation import workloads as w
from tncc.evaluation.sweep.locate import PathPart
from tncc.evaluation.sweep.ranges import Reader, show, values_of
from tncc.io import read_text
from tncc.isa.arch import _field_type, _resolve_key, load_arch
from tncc.options import check_seed
from tncc.passes.order.strategies import STRATEGIES

GRID_KEYS = ("workloads", "generate", "arch", "order", "objective")
TOP_KEYS = ("name", "seed", "baseline", "point", *GRID_KEYS)


def generators() -> dict[str, Callable[..., str]]:
    """The program generators a spec may name in ``[[generate]] family``."""
    return {"tt_linear": w.tt_linear, "int8_forward": w.int8_forward, "ttm_embedding": w.ttm_embedding,
            "encoder_block": w.encoder_block, "outer_update": w.outer_update, "deepoheat": w.deepoheat}


@dataclass(frozen=True, slots=True)
class Workload:
    """One program of the sweep: a label, the ``.tn`` text, the file it is
    (or will be) read from, the network to pick, and its generator parameters."""

    label: str
    text: str
    file: Path | None  # None: generated, written under the results folder before the sweep runs
    network: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)  # family and generator parameters

    @property
    def sha(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Point:
    """One configuration: ``tncc run FILE --network N --arch ARCH --order O
    --objective J --seed S``.  ``key`` hashes the workload text, the resolved
    architecture, order, objective, seed and the tncc version; ``values``
    holds the swept values by column name (``arch.base``, ``arch.buffer.bytes``,
    ``workload.r``, ``order``, ...)."""

    key: str
    workload: Workload
    arch: str
    arch_toml: str
    order: str
    objective: str
    seed: int
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Spec:
    """A parsed spec: its file, title, points (in grid order, without
    duplicates), the swept axes (column name -> values, in order) and the
    baseline: the axes a point's reference point changes, with their values."""

    path: Path
    name: str
    points: tuple[Point, ...]
    axes: Mapping[str, tuple[Any, ...]]
    baseline: Mapping[str, Any]

    @property
    def config_axes(self) -> tuple[str, ...]:
        """The configuration axes (architecture keys, order, objective)."""
        return tuple(a for a in self.axes if not a.startswith("workload"))


def _arch_keys(rd: Reader, key: tuple[PathPart, ...], table: Any) -> dict[str, tuple[tuple[PathPart, ...], Any]]:
    """``[arch]`` flattened to dotted override keys (nested tables are
    sections; a table with start/stop is a range)."""
    if not isinstance(table, dict):
        raise rd.error(key, "`arch` must be a table: [arch] with base = ... and override keys")
    out: dict[str, tuple[tuple[PathPart, ...], Any]] = {}
    for k, v in table.items():
        sub = key + (k,)
        if isinstance(v, dict) and not ({"start", "stop"} & set(v)):
            for kk, (ksub, vv) in _arch_keys(rd, sub, v).items():
                out[f"{k}.{kk}"] = (ksub, vv)
        else:
            out[k] = (sub, v)
    return out


def _arch_axes(rd: Reader, key: tuple[PathPart, ...], table: Any, folder: Path
               ) -> list[tuple[str, tuple[PathPart, ...], tuple[Any, ...]]]:
    """(column, spec key, values) of every arch axis; ``arch.base`` first."""
    flat = _arch_keys(rd, key, table if table is not None else {})
    bkey, braw = flat.pop("base", (key + ("base",), "fetta"))
    bases = values_of(rd, bkey, braw, str)
    resolved = []
    for b in bases:
        path = folder / b
        if b.endswith(".toml"):
            if not path.is_file():
                raise rd.error(bkey, f"`arch.base`: no architecture file {path}")
            resolved.append(str(path.resolve()))
        else:
            resolved.append(b)
    axes = [("arch.base", bkey, tuple(resolved))]
    for k, (ksub, raw) in flat.items():
        try:
            sec, kk = _resolve_key(k, "arch")
        except _E as err:
            msg = err.diagnostics[0].message
            if k in TOP_KEYS:
                raise rd.error(ksub, f"`{k}` is inside [arch]: TOML puts every key after a [table] header "
                                     f"into that table, so write `{k} = ...` above [arch]") from None
            raise rd.error(ksub, f"`arch.{k}`: {'unknown architecture key' if msg == 'unknown key' else msg}"
                                 " (see tncc arch show fetta for every key)") from None
        ty = _field_type(sec, kk)
        kind = {"int": int, "float": float, "str": str}.get(ty, ty) if isinstance(ty, str) else ty
        full = f"{sec}.{kk}" if sec else kk
        axes.append((f"arch.{full}", ksub, values_of(rd, ksub, raw, kind)))
    return axes


def _override(v: Any) -> str:
    return repr(v) if isinstance(v, float) else str(v)


@dataclass
class _Grid:
    key: tuple[PathPart, ...]
    values: dict[str, Any]


def _file_workloads(rd: Reader, key: tuple[PathPart, ...], raw: Any, folder: Path) -> list[Workload]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise rd.error(key, "`workloads`: an empty list; name at least one .tn file")
    out = []
    for item in items:
        network = None
        if isinstance(item, dict):
            unknown = sorted(set(item) - {"file", "network"})
            if unknown or "file" not in item:
                raise rd.error(key, f"`workloads`: a table entry has keys file and network"
                                    f"{f', not {unknown[0]}' if unknown else ''}")
            item, network = item["file"], item.get("network")
        if not isinstance(item, str) or (network is not None and not isinstance(network, str)):
            raise rd.error(key, f"`workloads`: expected a .tn file path, got {show(item)}")
        path = (folder / item).resolve()
        if not path.is_file():
            raise rd.error(key, f"`workloads`: no such file {item} (looked for {path})")
        try:
            text = read_text(path)

            tncc.load_network(str(path), network)  # a broken program fails here, once, not at every point
        except TnccError as err:
            raise rd.error(key, f"`workloads`: {item}: {err.render().splitlines()[0]}") from None
        label = path.stem + (f":{network}" if network else "")
        out.append(Workload(label, text, path, network, {"workload.family": "file"}))
    return out


def _generated(rd: Reader, key: tuple[PathPart, ...], raw: Any) -> list[Workload]:
    tables = raw if isinstance(raw, list) else [raw]
    gens = generators()
    out = []
    for k, table in enumerate(tables):
        tkey = key + (k,) if isinstance(raw, list) else key
        if not isinstance(table, dict):
            raise rd.error(tkey, "`generate`: expected tables ([[generate]] with family = ...)")
        fam = table.get("family")
        if fam not in gens:
            raise rd.error(tkey + ("family",), f"`generate.family`: expected one of {', '.join(gens)}, got "
                                               f"{show(fam) if fam is not None else 'nothing'}")
        sig = inspect.signature(gens[fam])
        axes = []
        for p, v in table.items():
            if p == "family":
                continue
            if p not in sig.parameters or p == "name":
                allowed = ", ".join(n for n in sig.parameters if n != "name")
                raise rd.error(tkey + (p,), f"`{p}`: {fam} has no parameter `{p}` (it takes {allowed})")
            default = sig.parameters[p].default
            kind = type(default) if default is not inspect.Parameter.empty and default is not None else None
            axes.append((p, values_of(rd, tkey + (p,), v, kind)))
        for combo in itertools.product(*[vals for _, vals in axes]):
            kwargs = dict(zip([p for p, _ in axes], combo))
            try:
                text = gens[fam](**kwargs)
            except (KeyError, ValueError, TypeError) as exc:
                raise rd.error(tkey, f"`generate`: {fam}({_kwargs(kwargs)}) cannot be built: {exc}") from None
            label = f"{fam}({_kwargs(kwargs)})" if kwargs else fam
            params = {"workload.family": fam, **{f"workload.{p}": v for p, v in kwargs.items()}}
            out.append(Workload(label, text, None, None, params))
    return out


def _kwargs(kwargs: Mapping[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in kwargs.items())


def point_key(text: str, network: str | None, arch_toml: str, order: str, objective: str, seed: int) -> str:
    """The hash a point's result is stored under: the workload text, the
    resolved architecture (every parameter and its name), order, objective,
    seed and the tncc version."""
    blob = json.dumps({"workload": text, "network": network, "arch": arch_toml, "order": order,
                       "objective": objective, "seed": seed, "tncc": __version__}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:40]


def _orders(rd: Reader, key: tuple[PathPart, ...], raw: Any) -> tuple[str, ...]:
    names = [*ORDER_OBJECTIVES, *sorted(s for s in STRATEGIES if s != "auto")]
    values = values_of(rd, key, raw, str)
    for v in values:
        if v not in names:
            raise rd.error(key, f"`order`: unknown order {show(v)} (expected one of {', '.join(names)})")
    return values


def _objectives(rd: Reader, key: tuple[PathPart, ...], raw: Any) -> tuple[str | None, ...]:
    if raw is None:
        return (None,)
    values = values_of(rd, key, raw, str)
    for v in values:
        if v not in OBJECTIVES:
            raise rd.error(key, f"`objective`: unknown objective {show(v)} (expected one of {', '.join(OBJECTIVES)})")
    return values


def _default_objective(order: str) -> str:
    return ORDER_OBJECTIVES.get(order, "macs")  # what make_plan picks when no objective is given


def load_spec(path: str | Path) -> Spec:
    """Read and check the spec at ``path``; expand it into points.  Raises
    :class:`TnccError` naming the spec's line for an unknown key, a bad range,
    a missing file, an unknown order, objective or architecture key, or an
    architecture the values make impossible."""
    p = Path(path)
    text = read_text(p)
    rd = Reader(p, text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TnccError(f"not valid TOML: {exc}", where=str(p)) from None
    for k in doc:
        if k not in TOP_KEYS:
            raise rd.error((k,), f"unknown key `{k}` (a sweep spec has {', '.join(TOP_KEYS)})")
    folder = p.parent
    seed = doc.get("seed", 0)
    try:
        check_seed(seed)
    except TnccError as err:
        raise rd.error(("seed",), f"`seed`: {err.diagnostics[0].message}") from None
    name = doc.get("name", p.stem)
    if not isinstance(name, str):
        raise rd.error(("name",), "`name`: expected a string")
    top = _Grid((), {k: doc[k] for k in GRID_KEYS if k in doc})
    grids = [top]
    if "point" in doc:
        if not isinstance(doc["point"], list) or not all(isinstance(t, dict) for t in doc["point"]):
            raise rd.error(("point",), "`point`: expected [[point]] tables")
        grids = []
        for n, table in enumerate(doc["point"]):
            for kk in table:
                if kk not in GRID_KEYS:
                    raise rd.error(("point", n, kk), f"unknown key `{kk}` in [[point]] (it takes "
                                                     f"{', '.join(GRID_KEYS)})")
            merged = dict(top.values)
            if "workloads" in table or "generate" in table:  # a point's workloads replace the top level's
                merged.pop("workloads", None)
                merged.pop("generate", None)
            merged.update(table)
            grids.append(_Grid(("point", n), merged))

    points: dict[str, Point] = {}
    axes: dict[str, list[Any]] = {}
    arch_cache: dict[str, str] = {}

    def where(grid: _Grid, k: str) -> tuple[PathPart, ...]:
        """Where key ``k`` of a grid is written: in its [[point]] table or at the top level."""
        if grid.key and k in doc["point"][grid.key[1]]:
            return grid.key + (k,)
        return (k,)

    for grid in grids:
        g = grid.values
        wls: list[Workload] = []
        if "workloads" in g:
            wls += _file_workloads(rd, where(grid, "workloads"), g["workloads"], folder)
        if "generate" in g:
            wls += _generated(rd, where(grid, "generate"), g["generate"])
        if not wls:
            raise rd.error(grid.key, "no workloads: give `workloads = [\"x.tn\"]` or a [[generate]] table")
        arch_axes = _arch_axes(rd, where(grid, "arch"), g.get("arch"), folder)
        orders = _orders(rd, where(grid, "order"), g.get("order", "csse"))
        objectives = _objectives(rd, where(grid, "objective"), g.get("objective"))
        for col, _, vals in arch_axes:
            axes.setdefault(col, [])
            axes[col] += [v for v in vals if v not in axes[col]]
        resolved_obj = [o or _default_objective(order) for order in orders for o in objectives]
        for col, picked in (("order", orders), ("objective", resolved_obj)):
            axes.setdefault(col, [])
            axes[col] += [v for v in picked if v not in axes[col]]
        for wl in wls:
            for col, v in wl.params.items():
                axes.setdefault(col, [])
                if v not in axes[col]:
                    axes[col].append(v)
        archs = []
        for combo in itertools.product(*[vals for _, _, vals in arch_axes]):
            base, overrides = combo[0], combo[1:]
            items = [(col[len("arch."):], v) for (col, _, _), v in zip(arch_axes[1:], overrides)]
            spec = base + (":" + ",".join(f"{k}={_override(v)}" for k, v in items) if items else "")
            if spec not in arch_cache:
                try:
                    arch_cache[spec] = load_arch(spec).to_toml()
                except TnccError as err:
                    msg = err.diagnostics[0]
                    culprit = next((ksub for (col, ksub, _) in arch_axes[1:]
                                    if msg.where and msg.where.endswith("arch key " + col[len("arch."):])),
                                   arch_axes[0][1])
                    raise rd.error(culprit, f"architecture `{spec}`: {msg.message}") from None
            archs.append((spec, {"arch.base": base, **{f"arch.{k}": v for k, v in items}}))
        for wl in wls:
            for spec, values in archs:
                for order in orders:
                    for objective in objectives:
                        obj = objective or _default_objective(order)
                        key = point_key(wl.text, wl.network, arch_cache[spec], order, obj, seed)
                        if key not in points:
                            points[key] = Point(key, wl, spec, arch_cache[spec], order, obj, seed,
                                                {"workload": wl.label, **wl.params, **values,
                                                 "order": order, "objective": obj})
    baseline = _baseline(rd, doc.get("baseline"), axes)
    return Spec(p, name, tuple(points.values()), {k: tuple(v) for k, v in axes.items()}, baseline)


def _baseline(rd: Reader, raw: Any, axes: Mapping[str, list[Any]]) -> dict[str, Any]:
    """The axes a point's reference point changes, with their values (see
    :mod:`tncc.evaluation.sweep.report`): ``[baseline]`` maps axis names (``arch.base``,
    ``arch.buffer.bytes``, ``order``, ...) to one of their values; without
    it, every configuration axis at its first value."""
    out = {k: v[0] for k, v in axes.items() if not k.startswith("workload") and v}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        raise rd.error(("baseline",), "`baseline`: expected a table of axis = value")
    flat: dict[str, tuple[tuple[PathPart, ...], Any]] = {}

    def walk(prefix: tuple[str, ...], table: dict) -> None:
        for k, v in table.items():
            if isinstance(v, dict):
                walk(prefix + (k,), v)
            else:
                flat[".".join(prefix + (k,))] = (("baseline",) + prefix + (k,), v)

    walk((), raw)
    named: dict[str, Any] = {}
    for k, (key, v) in flat.items():
        if k not in out:
            raise rd.error(key, f"`baseline.{k}`: not a configuration axis of this sweep "
                                f"(axes: {', '.join(sorted(out))})")
        if v not in axes[k] and not (k == "arch.base" and any(str(a).endswith(str(v)) for a in axes[k])):
            raise rd.error(key, f"`baseline.{k}`: {show(v)} is not one of the swept values "
                                f"({', '.join(show(a) for a in axes[k])})")
        named[k] = v if v in axes[k] else next(a for a in axes[k] if str(a).endswith(str(v)))
    return named
