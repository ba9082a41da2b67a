"""Architecture files: the machine parameters every stage reads.

An architecture is a TOML file (read with :mod:`tomllib`) with the keys of
``docs/machine.md``; two presets ship in :mod:`tncc.presets` (``fetta`` and
``systolic``).  :func:`load_arch` accepts

* a preset name (``fetta``), or a path to a file (``my/arch.toml``), and
* either one followed by overrides, ``NAME_OR_PATH:key=value,key=value``:
  a key is dotted (``buffer.bytes=65536``) or bare (``rows=32``) when exactly
  one section has it; values are parsed by the key's type.

Keys missing from a file take the ``fetta`` defaults (the schema below);
unknown keys, wrong types and impossible values raise :class:`TnccError`
naming the key and the file.  The result is a frozen :class:`Arch`; its
:meth:`Arch.to_toml` is the resolved file (``tncc arch show``) and loads back
to an equal ``Arch``.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import json
import math
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tncc.errors import TnccError
from tncc.io import read_text
from tncc.isa.table import BUF_ADDR_BITS

KINDS = ("fetta", "systolic")
SYSTOLIC_DATAFLOWS = ("os", "ws", "is")


def _pos(v: Any) -> str | None:
    return None if v > 0 else "must be positive"


def _nonneg(v: Any) -> str | None:
    return None if v >= 0 else "must not be negative"


def _pow2(v: Any) -> str | None:
    return None if v >= 2 and v & (v - 1) == 0 else "must be a power of two (at least 2)"


def _choice(options: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        return None if v in options else f"must be one of {', '.join(options)}"
    return check


def _key(default: Any, check: Callable[[Any], str | None], doc: str) -> Any:
    """A schema entry: the default (fetta's value), its validity check and its doc."""
    return field(default=default, metadata={"check": check, "doc": doc})


@dataclass(frozen=True, slots=True)
class ArraySection:
    ce_rows: int = _key(4, _pos, "contraction engines per grid column (fetta)")
    ce_cols: int = _key(4, _pos, "contraction engines per grid row (fetta)")
    lanes: int = _key(16, _pos, "MAC lanes per contraction engine (fetta)")
    rows: int = _key(16, _pos, "systolic array rows (systolic)")
    cols: int = _key(16, _pos, "systolic array columns (systolic)")
    dataflow: str = _key("ws", _choice(SYSTOLIC_DATAFLOWS), "systolic dataflow: os, ws or is (systolic)")
    pipeline: int = _key(2, _nonneg, "cycles through one MAC lane")


@dataclass(frozen=True, slots=True)
class DistSection:
    ports: int = _key(64, _pow2, "ports of each Benes-copy-Benes distribution network")
    reconfig_cycles: int = _key(8, _nonneg, "cycles to load a distribution configuration")


@dataclass(frozen=True, slots=True)
class RedSection:
    ports: int = _key(64, _pow2, "ports (and accumulators) of the reduction network")
    reconfig_cycles: int = _key(4, _nonneg, "cycles to load a reduction grouping")


@dataclass(frozen=True, slots=True)
class BufferSection:
    bytes: int = _key(1048576, _pos, "global buffer capacity in bytes")
    banks: int = _key(64, _pow2, "buffer banks, one word per bank per cycle")
    word_bytes: int = _key(4, _pos, "bytes per buffer word")


@dataclass(frozen=True, slots=True)
class DramSection:
    bytes_per_cycle: int = _key(32, _pos, "off-chip bandwidth in bytes per cycle")
    latency: int = _key(100, _nonneg, "off-chip latency in cycles")


@dataclass(frozen=True, slots=True)
class EnergySection:
    mac_pj: float = _key(4.6, _nonneg, "one multiply-accumulate")
    buffer_word_pj: float = _key(7.0, _nonneg, "one buffer word read or written")
    dram_byte_pj: float = _key(244.0, _nonneg, "one byte moved to or from DRAM")
    hop_pj: float = _key(0.2, _nonneg, "one word through one network stage")
    reconfig_pj: float = _key(40.0, _nonneg, "one network reconfiguration")


# (section name, its class); the order of the resolved file.
SECTIONS: tuple[tuple[str, type], ...] = (
    ("array", ArraySection), ("dist", DistSection), ("red", RedSection),
    ("buffer", BufferSection), ("dram", DramSection), ("energy", EnergySection),
)
TOP_KEYS: dict[str, tuple[type, Callable[[Any], str | None]]] = {
    "name": (str, lambda v: None if v.strip() else "must not be empty"),
    "kind": (str, _choice(KINDS)),
    "clock_ghz": (float, _pos),
}


@dataclass(frozen=True, slots=True)
class Arch:
    """A resolved architecture.  ``name`` labels it (a preset name, plus the
    overrides applied, e.g. ``systolic:array.rows=32``); every other value is
    a machine parameter and enters :meth:`fingerprint`."""

    name: str
    kind: str
    clock_ghz: float
    array: ArraySection
    dist: DistSection
    red: RedSection
    buffer: BufferSection
    dram: DramSection
    energy: EnergySection

    @property
    def peak_macs_per_cycle(self) -> int:
        if self.kind == "systolic":
            return self.array.rows * self.array.cols
        return self.array.ce_rows * self.array.ce_cols * self.array.lanes

    @property
    def buffer_words(self) -> int:
        return self.buffer.bytes // self.buffer.word_bytes

    @property
    def bank_words(self) -> int:
        """Words per bank; word ``w`` lives in bank ``w % banks``, row ``w // banks``."""
        return self.buffer_words // self.buffer.banks

    @property
    def dist_stages(self) -> int:
        """Switch stages of one Benes network: ``2 log2 N - 1``."""
        return 2 * int(math.log2(self.dist.ports)) - 1

    @property
    def red_levels(self) -> int:
        return int(math.log2(self.red.ports))

    def values(self) -> dict[str, dict[str, Any] | Any]:
        """The resolved values as nested dicts (top keys, then one dict per section)."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "clock_ghz": self.clock_ghz}
        for sec, _ in SECTIONS:
            out[sec] = {f.name: getattr(getattr(self, sec), f.name)
                        for f in dataclasses.fields(getattr(self, sec))}
        return out

    def to_toml(self, *, with_name: bool = True) -> str:
        """The resolved architecture file, with every key; ``load_arch`` of it
        gives back an equal ``Arch``."""
        vals = self.values()
        lines = [f"name = {_toml_value(self.name)}"] if with_name else []
        lines += [f"kind = {_toml_value(self.kind)}", f"clock_ghz = {_toml_value(self.clock_ghz)}"]
        for sec, _ in SECTIONS:
            lines.append("")
            lines.append(f"[{sec}]")
            for k, v in vals[sec].items():
                lines.append(f"{k} = {_toml_value(v)}")
        return "\n".join(lines) + "\n"

    def fingerprint(self) -> int:
        """A stable 32-bit hash (CRC-32) of every machine parameter (not the name)."""
        return zlib.crc32(self.to_toml(with_name=False).encode("utf-8"))


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, int):
        return str(v)
    return json.dumps(v)  # a TOML basic string for the names and dataflows used here


def list_presets() -> tuple[str, ...]:
    """Names of the architecture files shipped in the package."""
    root = importlib.resources.files("tncc.presets")
    return tuple(sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml")))


def _is_file(path: str) -> bool:
    """Whether ``path`` names a file; a name the system refuses to look up
    (too long, say) is not one."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


def _read_source(base: str) -> tuple[str, str]:
    """Return (text, label) for a preset name or a path."""
    if base in list_presets():
        res = importlib.resources.files("tncc.presets").joinpath(f"{base}.toml")
        return res.read_text(encoding="utf-8"), f"preset {base}"
    p = Path(base)
    if _is_file(base):
        return read_text(p), str(p)
    raise TnccError(f"no architecture `{base}`: expected a preset ({', '.join(list_presets())}) "
                    "or the path of a TOML file")


def _split_spec(spec: str) -> tuple[str, list[tuple[str, str]]]:
    """Split ``NAME_OR_PATH[:k=v,...]`` into the base and its (key, value) overrides."""
    base, sep, rest = spec.rpartition(":")
    if not sep or "=" not in rest or (not base) or _is_file(spec):
        return spec, []
    overrides = []
    for item in rest.split(","):
        k, eq, v = item.partition("=")
        if not eq or not k.strip():
            raise TnccError(f"architecture `{spec}`: override `{item}` is not key=value")
        overrides.append((k.strip(), v.strip()))
    return base, overrides


def _resolve_key(key: str, where: str) -> tuple[str | None, str]:
    """Map a dotted or bare override key to (section or None for top level, key)."""
    if "." in key:
        sec, _, k = key.partition(".")
        classes = dict(SECTIONS)
        if sec not in classes:
            raise TnccError(f"unknown section `{sec}` (expected one of {', '.join(classes)})",
                            where=f"{where}: arch key {key}")
        if k not in {f.name for f in dataclasses.fields(classes[sec])}:
            raise TnccError(f"unknown key `{k}` in section [{sec}]", where=f"{where}: arch key {key}")
        return sec, k
    if key in TOP_KEYS:
        return None, key
    owners = [sec for sec, cls in SECTIONS if key in {f.name for f in dataclasses.fields(cls)}]
    if not owners:
        raise TnccError("unknown key", where=f"{where}: arch key {key}")
    if len(owners) > 1:
        raise TnccError(f"ambiguous key: write one of {', '.join(f'{s}.{key}' for s in owners)}",
                        where=f"{where}: arch key {key}")
    return owners[0], key


# Section fields are annotated as strings (postponed annotations): their types by name.
_FIELD_TYPES: dict[str, type] = {"int": int, "float": float, "str": str}


def _field_type(sec: str | None, key: str) -> type:
    if sec is None:
        return TOP_KEYS[key][0]
    cls = dict(SECTIONS)[sec]
    ty = {f.name: f.type for f in dataclasses.fields(cls)}[key]
    if isinstance(ty, type):
        return ty
    if ty not in _FIELD_TYPES:
        raise TypeError(f"arch key {sec}.{key} is declared as {ty!r}; keys are int, float or str")
    return _FIELD_TYPES[ty]


INT_LIMIT = (1 << 31) - 1
"""The largest integer an architecture key may take: counts, sizes and cycle
figures are multiplied together in 64-bit arithmetic by the timing model and
the emulator, so each factor must stay well inside it."""


def _parse_override(sec: str | None, key: str, text: str, where: str) -> Any:
    """The value of an override ``key=text``, checked exactly as the same
    value in a file is (:func:`_typed`), so both give the same error."""
    ty = _field_type(sec, key)
    label = f"{sec}.{key}" if sec else key
    if ty in (int, "int", float, "float"):
        value: Any
        digits = text.replace("_", "").lstrip("+-")
        try:
            value = int(text.replace("_", ""), 0)
        except ValueError:
            if digits.isdigit():  # too many digits for int(): out of range either way
                raise TnccError(f"an integer of {len(digits)} digits is out of range: an integer key is at "
                                f"most {INT_LIMIT}", where=f"{where}: arch key {label}") from None
            try:
                value = float(text)
            except ValueError:
                expected = "an integer" if ty in (int, "int") else "a finite number"
                raise TnccError(f"expected {expected}, got `{text}`", where=f"{where}: arch key {label}") from None
        return _typed(value, ty, label, where)
    return text


def _typed(value: Any, ty: Any, label: str, where: str) -> Any:
    """Check a TOML value against the key's type; ints are accepted for floats.
    Integers must lie within +-:data:`INT_LIMIT`, floats must be finite."""
    if ty in (int, "int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TnccError(f"expected an integer, got {_shown(value)}",
                            where=f"{where}: arch key {label}")
        if abs(value) > INT_LIMIT:
            shown = str(value) if value.bit_length() < 200 else f"an integer of {value.bit_length()} bits"
            raise TnccError(f"{shown} is out of range: an integer key is at most {INT_LIMIT}",
                            where=f"{where}: arch key {label}")
        return value
    if ty in (float, "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise TnccError(f"expected a finite number, got {_shown(value)}",
                            where=f"{where}: arch key {label}")
        return float(value)
    if not isinstance(value, str):
        raise TnccError(f"expected a string, got {type(value).__name__}", where=f"{where}: arch key {label}")
    return value


def _shown(v: Any) -> str:
    """A TOML value as the user wrote it (scalars) or its kind (tables, arrays, dates)."""
    return _toml_value(v) if isinstance(v, (int, float, str)) else type(v).__name__


def parse_arch(text: str, where: str = "<arch>", overrides: list[tuple[str, str]] | tuple = (),
               default_name: str = "custom") -> Arch:
    """Build an :class:`Arch` from TOML text, apply ``overrides`` ((key, text) pairs), validate.
    A file without ``name`` is called ``default_name``."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TnccError(f"not valid TOML: {exc}", where=where) from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise TnccError(f"not a usable TOML file: {exc}", where=where) from None
    top: dict[str, Any] = {"name": default_name, "kind": "fetta", "clock_ghz": 1.0}
    secs: dict[str, dict[str, Any]] = {}
    classes = dict(SECTIONS)
    for k, v in doc.items():
        if k in TOP_KEYS:
            top[k] = _typed(v, TOP_KEYS[k][0], k, where)
        elif k in classes:
            if not isinstance(v, dict):
                raise TnccError(f"expected a table [{k}]", where=f"{where}: arch key {k}")
            names = {f.name: f for f in dataclasses.fields(classes[k])}
            for kk, vv in v.items():
                if kk not in names:
                    raise TnccError(f"unknown key `{kk}` in section [{k}]", where=f"{where}: arch key {k}.{kk}")
                secs.setdefault(k, {})[kk] = _typed(vv, names[kk].type, f"{k}.{kk}", where)
        else:
            raise TnccError("unknown key", where=f"{where}: arch key {k}")
    applied = []
    for key, raw in overrides:
        sec, k = _resolve_key(key, where)
        value = _parse_override(sec, k, raw, where)
        if sec is None:
            top[k] = value
        else:
            secs.setdefault(sec, {})[k] = value
        applied.append(f"{sec}.{k}={raw}" if sec else f"{k}={raw}")
    if applied and "name" not in [k for k, _ in overrides]:
        top["name"] = f"{top['name']}:{','.join(applied)}"
    for k, (_, check) in TOP_KEYS.items():
        problem = check(top[k])
        if problem:
            raise TnccError(f"`{top[k]}` {problem}", where=f"{where}: arch key {k}")
    built: dict[str, Any] = {}
    for sec, cls in SECTIONS:
        vals = secs.get(sec, {})
        for f in dataclasses.fields(cls):
            if f.name in vals:
                problem = f.metadata["check"](vals[f.name])
                if problem:
                    raise TnccError(f"{_toml_value(vals[f.name])} {problem}",
                                    where=f"{where}: arch key {sec}.{f.name}")
        built[sec] = cls(**vals)
    arch = Arch(name=top["name"], kind=top["kind"], clock_ghz=float(top["clock_ghz"]), **built)
    _check_consistency(arch, where)
    return arch


def _check_consistency(arch: Arch, where: str) -> None:
    """Relations between keys (each error names the key that must change)."""
    b = arch.buffer
    if b.bytes % (b.word_bytes * b.banks):
        raise TnccError(f"{b.bytes} is not a multiple of word_bytes * banks = {b.word_bytes * b.banks}",
                        where=f"{where}: arch key buffer.bytes")
    if arch.buffer_words > 1 << BUF_ADDR_BITS:
        raise TnccError(f"{arch.buffer_words} words exceed the ISA's {BUF_ADDR_BITS}-bit buffer addresses",
                        where=f"{where}: arch key buffer.bytes")
    if arch.kind == "fetta" and b.banks > arch.dist.ports:
        # A word enters the distribution network on the slot of its bank.
        raise TnccError(f"{b.banks} banks need at least as many distribution ports (dist.ports = {arch.dist.ports})",
                        where=f"{where}: arch key buffer.banks")


def load_arch(spec: str) -> Arch:
    """Load ``NAME_OR_PATH[:key=value,...]`` (see the module doc)."""
    if not spec or not spec.strip():
        raise TnccError("empty architecture name")
    base, overrides = _split_spec(spec.strip())
    text, label = _read_source(base)
    # An unnamed file is named by its path, so the name a program records loads it again.
    return parse_arch(text, label, overrides, default_name=base)


DEFAULT_ARCH = "fetta"
"""The architecture a compilation targets when none is named."""


def resolve_arch(arch: Arch | str | None) -> Arch:
    """The one way every entry point (CLI, Python API, comparison, benchmarks)
    turns what the user named into an :class:`Arch`: an ``Arch`` as is, a
    spec string through :func:`load_arch`, ``None`` as :data:`DEFAULT_ARCH`.
    (The order search alone also runs without a machine; it keeps ``None``
    itself rather than calling this.)"""
    if isinstance(arch, Arch):
        return arch
    if arch is None:
        return load_arch(DEFAULT_ARCH)
    if not isinstance(arch, str):
        raise TnccError(f"an architecture is an Arch or a spec string such as 'fetta', not {type(arch).__name__}")
    return load_arch(arch)


def schema_docs() -> list[tuple[str, str, Any]]:
    """(dotted key, doc, default) for every key, in file order (for docs and ``arch show``)."""
    rows: list[tuple[str, str, Any]] = [("name", "label of the architecture", "(the file's path)"),
                                        ("kind", "fetta or systolic", "fetta"),
                                        ("clock_ghz", "clock frequency in GHz", 1.0)]
    for sec, cls in SECTIONS:
        for f in dataclasses.fields(cls):
            rows.append((f"{sec}.{f.name}", f.metadata["doc"], f.default))
    return rows
