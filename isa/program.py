"""Instructions, config records and the program container.

Every class here is a frozen, slotted dataclass that validates its values on
construction and raises :class:`TnccError` naming the offending field, so an
object that exists is encodable.  Sequences are normalised to tuples (of
ints), so a record built from lists equals the one the decoder returns.

Addresses are word addresses (one element per word).  Strides and loop steps
are signed; everything else is unsigned.  The binary format
(``tncc.isa.encoding``) and the assembly (``tncc.isa.asm``) carry every
value here exactly.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

from tncc.errors import TnccError, VerifyError
from tncc.ir import DType
from tncc.isa.table import (BUF_ADDR_BITS, DRAM_ADDR_BITS, NO_SRC, SRC_BITS, TABLE, TILE_DATAFLOWS, ConfigKind,
                            Dataflow, Opcode)

MAX_DIMS = 4  # dims of a DMA descriptor, a stream side or a drain
MAX_LOOPS = 8  # loops of a tile descriptor
EXTENT_MAX = (1 << 32) - 1
STRIDE_MAX = (1 << DRAM_ADDR_BITS) - 1  # |stride| and |step| bound
BUF_MAX = (1 << BUF_ADDR_BITS) - 1
DRAM_MAX = (1 << DRAM_ADDR_BITS) - 1
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")


def _int(value: Any, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TnccError(f"{what} must be an integer, got {type(value).__name__}")
    if not lo <= value <= hi:
        raise TnccError(f"{what} is {value}, outside {lo}..{hi}")
    return value


def _enum(value: Any, cls: type[enum.Enum], what: str) -> Any:
    if not isinstance(value, cls):
        raise TnccError(f"{what} must be a {cls.__name__}, got {value!r}")
    return value


def _dims(value: Iterable[Any], width: int, lo_dims: int, what: str) -> tuple[tuple[int, ...], ...]:
    """Normalise a sequence of (extent, stride, ...) rows; extents >= 1, strides signed."""
    try:
        rows = tuple(tuple(r) for r in value)
    except TypeError:
        raise TnccError(f"{what} must be a sequence of {width}-tuples") from None
    if not lo_dims <= len(rows) <= MAX_DIMS:
        raise TnccError(f"{what} has {len(rows)} dims, expected {lo_dims}..{MAX_DIMS}")
    for d, r in enumerate(rows):
        if len(r) != width:
            raise TnccError(f"{what} dim {d} has {len(r)} values, expected {width}")
        _int(r[0], 1, EXTENT_MAX, f"{what} dim {d} extent")
        for s in r[1:]:
            _int(s, -STRIDE_MAX, STRIDE_MAX, f"{what} dim {d} stride")
    return rows


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def extent(dims: tuple[tuple[int, ...], ...]) -> int:
    """Number of points of a row-major dims list (1 for no dims)."""
    return math.prod(d[0] for d in dims)


# ---------------------------------------------------------------- switch words

def benes_switches(ports: int) -> int:
    """2x2 switches of one Benes network on ``ports`` ports: (2 log2 N - 1) * N/2."""
    return (2 * (ports.bit_length() - 1) - 1) * (ports // 2)


def copy_switches(ports: int) -> int:
    """Copy-stage bits: one per position 1..N-1 ("take the value of the left neighbour")."""
    return ports - 1


def pack_bits(bits: Iterable[int]) -> bytes:
    """Pack bits LSB-first: bit ``i`` is bit ``i % 8`` of byte ``i // 8``."""
    bits = list(bits)
    out = bytearray((len(bits) + 7) // 8)
    for i, b in enumerate(bits):
        if b:
            out[i >> 3] |= 1 << (i & 7)
    return bytes(out)


def unpack_bits(data: bytes, count: int) -> tuple[int, ...]:
    """The first ``count`` bits of ``data`` in :func:`pack_bits` order."""
    return tuple((data[i >> 3] >> (i & 7)) & 1 for i in range(count))


def _bitstring(data: Any, count: int, what: str) -> bytes:
    if not isinstance(data, (bytes, bytearray)):
        raise TnccError(f"{what} must be bytes")
    data = bytes(data)
    if len(data) != (count + 7) // 8:
        raise TnccError(f"{what} has {len(data)} bytes, expected {(count + 7) // 8} for {count} bits")
    if count % 8 and data[-1] >> (count % 8):
        raise TnccError(f"{what} has bits set beyond its {count} switches")
    return data


# ---------------------------------------------------------------- config records

@dataclass(frozen=True, slots=True)
class DmaDesc:
    """A strided copy: ``dims`` rows ``(extent, stride_from, stride_to)`` enumerated
    row-major; ``dtype`` governs byte counting and rounding on store."""

    dims: tuple[tuple[int, int, int], ...]
    dtype: DType

    def __post_init__(self) -> None:
        _set(self, "dims", _dims(self.dims, 3, 1, "DMA descriptor"))
        _enum(self.dtype, DType, "DMA descriptor dtype")

    @property
    def elements(self) -> int:
        return extent(self.dims)


@dataclass(frozen=True, slots=True)
class SwitchConfig:
    """The switch bits of one Benes-copy-Benes network of ``ports`` ports, each a
    bit string packed by :func:`pack_bits` (bit order: ``tncc.isa.networks``)."""

    ports: int
    benes1: bytes
    copy: bytes
    benes2: bytes

    def __post_init__(self) -> None:
        _int(self.ports, 2, 1 << 12, "switch config ports")
        if self.ports & (self.ports - 1):
            raise TnccError(f"switch config ports is {self.ports}, not a power of two")
        _set(self, "benes1", _bitstring(self.benes1, benes_switches(self.ports), "switch config benes1"))
        _set(self, "copy", _bitstring(self.copy, copy_switches(self.ports), "switch config copy"))
        _set(self, "benes2", _bitstring(self.benes2, benes_switches(self.ports), "switch config benes2"))


@dataclass(frozen=True, slots=True)
class RedConfig:
    """Reduction grouping: sizes of groups of consecutive lanes, summed together."""

    groups: tuple[int, ...]

    def __post_init__(self) -> None:
        g = tuple(self.groups)
        if not 1 <= len(g) <= 1 << 16:
            raise TnccError(f"reduction config has {len(g)} groups, expected 1..65536")
        for i, s in enumerate(g):
            _int(s, 1, 1 << 16, f"reduction group {i} size")
        _set(self, "groups", g)


@dataclass(frozen=True, slots=True)
class Stream:
    """An operand stream: ``addr(t, p) = base + beat_offset(t) + port_offset(p)``,
    ports and beats enumerating their ``(extent, stride)`` dims row-major."""

    base: int
    port_dims: tuple[tuple[int, int], ...]
    beat_dims: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        _int(self.base, 0, BUF_MAX, "stream base")
        _set(self, "port_dims", _dims(self.port_dims, 2, 0, "stream port dims"))
        _set(self, "beat_dims", _dims(self.beat_dims, 2, 0, "stream beat dims"))

    @property
    def ports(self) -> int:
        return extent(self.port_dims)

    @property
    def beats(self) -> int:
        return extent(self.beat_dims)


@dataclass(frozen=True, slots=True)
class Drain:
    """Write addresses of the accumulators, enumerated (b, i, j) row-major."""

    base: int
    dims: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        _int(self.base, 0, BUF_MAX, "drain base")
        _set(self, "dims", _dims(self.dims, 2, 0, "drain dims"))


@dataclass(frozen=True, slots=True)
class TileDesc:
    """One fetta contraction tile, run once per point of ``loops``.

    ``loops`` rows are ``(count, a_step, b_step, c_step, reduce)``, row-major
    (last fastest); the A/B/C bases advance by the steps.  On iterations where
    some ``reduce`` loop counter is non-zero the drain adds to the buffer; on
    the others it adds iff ``accumulate``."""

    dtype: DType
    dataflow: Dataflow  # one of TILE_DATAFLOWS
    tb: int
    tm: int
    tn: int
    tkk: int
    a: Stream
    b: Stream
    c: Drain
    accumulate: bool
    loops: tuple[tuple[int, int, int, int, bool], ...] = ()

    def __post_init__(self) -> None:
        _enum(self.dtype, DType, "tile dtype")
        _enum(self.dataflow, Dataflow, "tile dataflow")
        if self.dataflow not in TILE_DATAFLOWS:
            raise TnccError(f"tile dataflow must be one of {', '.join(TILE_DATAFLOWS)}, got {self.dataflow.value!r}")
        for name in ("tb", "tm", "tn", "tkk"):
            _int(getattr(self, name), 1, 1 << 16, f"tile {name}")
        for name, cls in (("a", Stream), ("b", Stream), ("c", Drain)):
            _enum_like(getattr(self, name), cls, f"tile {name}")
        if not isinstance(self.accumulate, bool):
            raise TnccError(f"tile accumulate must be a bool, got {self.accumulate!r}")
        if self.a.ports != self.tb * self.tm * self.tkk:
            raise TnccError(f"tile A stream has {self.a.ports} ports, expected tb*tm*tkk = "
                            f"{self.tb * self.tm * self.tkk}")
        if self.b.ports != self.tb * self.tn * self.tkk:
            raise TnccError(f"tile B stream has {self.b.ports} ports, expected tb*tn*tkk = "
                            f"{self.tb * self.tn * self.tkk}")
        if self.a.beats != self.b.beats:
            raise TnccError(f"tile A stream has {self.a.beats} beats but B has {self.b.beats}")
        if extent(self.c.dims) != self.tb * self.tm * self.tn:
            raise TnccError(f"tile drain enumerates {extent(self.c.dims)} words, expected tb*tm*tn = "
                            f"{self.tb * self.tm * self.tn}")
        loops = []
        try:
            rows = tuple(tuple(r) for r in self.loops)
        except TypeError:
            raise TnccError("tile loops must be a sequence of 5-tuples") from None
        if len(rows) > MAX_LOOPS:
            raise TnccError(f"tile has {len(rows)} loops, at most {MAX_LOOPS}")
        for i, r in enumerate(rows):
            if len(r) != 5:
                raise TnccError(f"tile loop {i} has {len(r)} values, expected (count, a_step, b_step, c_step, reduce)")
            _int(r[0], 1, EXTENT_MAX, f"tile loop {i} count")
            for s, nm in zip(r[1:4], ("a_step", "b_step", "c_step")):
                _int(s, -STRIDE_MAX, STRIDE_MAX, f"tile loop {i} {nm}")
            if not isinstance(r[4], bool):
                raise TnccError(f"tile loop {i} reduce must be a bool, got {r[4]!r}")
            loops.append(r)
        _set(self, "loops", tuple(loops))

    @property
    def beats(self) -> int:
        return self.a.beats

    @property
    def points(self) -> int:
        """Tile executions: the product of the loop counts."""
        return math.prod(r[0] for r in self.loops)


def _enum_like(value: Any, cls: type, what: str) -> None:
    if not isinstance(value, cls):
        raise TnccError(f"{what} must be a {cls.__name__}, got {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class GemmDesc:
    """Systolic GEMM ``C[m,n] (+)= A[m,k] B[k,n]``, row-major in the buffer with
    leading dimensions ``lda >= k``, ``ldb >= n``, ``ldc >= n``."""

    dtype: DType
    m: int
    n: int
    k: int
    a: int
    lda: int
    b: int
    ldb: int
    c: int
    ldc: int
    accumulate: bool

    def __post_init__(self) -> None:
        _enum(self.dtype, DType, "GEMM dtype")
        for name in ("m", "n", "k"):
            _int(getattr(self, name), 1, EXTENT_MAX, f"GEMM {name}")
        for name in ("a", "b", "c"):
            _int(getattr(self, name), 0, BUF_MAX, f"GEMM {name}")
        for name, lo in (("lda", self.k), ("ldb", self.n), ("ldc", self.n)):
            _int(getattr(self, name), lo, BUF_MAX, f"GEMM {name}")
        if not isinstance(self.accumulate, bool):
            raise TnccError(f"GEMM accumulate must be a bool, got {self.accumulate!r}")


class SymbolRole(enum.Enum):
    INPUT = "input"
    PARAM = "param"
    OUTPUT = "output"
    GRAD_INPUT = "grad_input"
    SCRATCH = "scratch"
    ONES = "ones"  # a constant the program loader fills with ones (unary steps contract with it)
    DELTA = "delta"  # a constant the loader fills with a Kronecker delta (diagonal writes multiply with it)


@dataclass(frozen=True, slots=True)
class Symbol:
    """A tensor in DRAM: element ``idx`` lives at word ``dram + sum(idx_d * strides_d)``."""

    name: str
    role: SymbolRole
    dtype: DType
    shape: tuple[int, ...]
    dram: int
    strides: tuple[int, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not NAME_RE.match(self.name):
            raise TnccError(f"symbol name {self.name!r} is not an identifier")
        _enum(self.role, SymbolRole, f"symbol {self.name} role")
        _enum(self.dtype, DType, f"symbol {self.name} dtype")
        shape, strides = tuple(self.shape), tuple(self.strides)
        if len(shape) > 16 or len(strides) != len(shape):
            raise TnccError(f"symbol {self.name} has shape {shape} and strides {strides} (same rank <= 16 expected)")
        for d, s in enumerate(shape):
            _int(s, 1, EXTENT_MAX, f"symbol {self.name} extent {d}")
        for d, s in enumerate(strides):
            _int(s, 0, STRIDE_MAX, f"symbol {self.name} stride {d}")
        _int(self.dram, 0, DRAM_MAX, f"symbol {self.name} dram")
        _set(self, "shape", shape)
        _set(self, "strides", strides)


# ---------------------------------------------------------------- instructions

_MAXES: dict[int, tuple[Any, tuple[int, ...]]] = {}


def _field_maxes(spec: Any) -> tuple[int, ...]:
    """The largest value of each field of an opcode's table row (cached per row)."""
    hit = _MAXES.get(id(spec))
    if hit is None or hit[0] is not spec:
        hit = _MAXES[id(spec)] = (spec, tuple(f.max for f in spec.fields))
    return hit[1]


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction; ``fields`` follow the opcode's table row, and each
    field is also readable by name (``ins.dram``, ``ins.field("desc")``)."""

    opcode: Opcode
    fields: tuple[int, ...] = ()
    src: int = NO_SRC

    def __post_init__(self) -> None:
        if not isinstance(self.opcode, Opcode):
            raise TnccError(f"opcode must be an Opcode, got {self.opcode!r}")
        spec = TABLE[self.opcode]
        vals = tuple(self.fields)
        # Fast path: plain in-range ints (the common case when compiling).
        maxes = _field_maxes(spec)
        src = self.src
        if (len(vals) == len(maxes) and all(type(v) is int and 0 <= v <= m for v, m in zip(vals, maxes))
                and type(src) is int and 0 <= src < 1 << SRC_BITS):
            _set(self, "fields", vals)
            return
        if len(vals) != len(spec.fields):
            raise TnccError(f"{self.opcode.name} takes {len(spec.fields)} fields "
                            f"({', '.join(f.name for f in spec.fields) or 'none'}), got {len(vals)}")
        for f, v in zip(spec.fields, vals):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TnccError(f"field `{f.name}` of {self.opcode.name} must be an integer, got {v!r}")
            if v < 0:
                raise TnccError(f"field `{f.name}` of {self.opcode.name} is {v}, negative")
            if v > f.max:
                raise TnccError(f"field `{f.name}` of {self.opcode.name} is {v}, wider than {f.bits} bits")
        _set(self, "fields", tuple(int(v) for v in vals))  # plain ints, also when given IntEnums like Unit.DMA
        _int(self.src, 0, (1 << SRC_BITS) - 1, f"src of {self.opcode.name}")
        _set(self, "src", int(self.src))

    @classmethod
    def make(cls, opcode: Opcode, src: int = NO_SRC, **values: int) -> "Instruction":
        """Build from named fields: ``Instruction.make(Opcode.LOAD, dram=0, buf=64, desc=3)``."""
        # Fast path (the code generator's case): every field named, plain
        # in-range ints; the checks are __post_init__'s, without its
        # generality.  Anything else takes the checking path below.
        row = _ROWS.get(opcode) if type(opcode) is Opcode else None
        if row is not None and len(values) == len(row) and type(src) is int and 0 <= src <= _SRC_MAX:
            vals = []
            for name, most in row:
                v = values.get(name)
                if type(v) is not int or not 0 <= v <= most:
                    break
                vals.append(v)
            else:
                return cls.trusted(opcode, tuple(vals), src)
        spec = TABLE[opcode]
        names = [f.name for f in spec.fields]
        extra = set(values) - set(names)
        if extra:
            raise TnccError(f"{opcode.name} has no field `{sorted(extra)[0]}` (fields: {', '.join(names) or 'none'})")
        missing = [n for n in names if n not in values]
        if missing:
            raise TnccError(f"{opcode.name} needs field `{missing[0]}`")
        return cls(opcode, tuple(values[n] for n in names), src)

    @classmethod
    def trusted(cls, opcode: Opcode, fields: tuple[int, ...], src: int) -> "Instruction":
        """An instruction from values already known to be valid (plain ints
        within the opcode's field widths, an in-range ``src``): what
        construction would build, without checking again.  Only for values
        a checked path produced; parsed or decoded input goes through the
        constructor (or :meth:`make`), which rejects bad values."""
        ins = object.__new__(cls)
        _set(ins, "opcode", opcode)
        _set(ins, "fields", fields)
        _set(ins, "src", src)
        return ins

    def field(self, name: str) -> int:
        try:
            return self.fields[TABLE[self.opcode].field_index(name)]
        except KeyError:
            raise AttributeError(f"{self.opcode.name} has no field `{name}`") from None

    def __getattr__(self, name: str) -> int:
        # Only reached for names that are not dataclass attributes: the table's field names.
        if name.startswith("__") or name in ("opcode", "fields", "src"):
            raise AttributeError(name)
        return self.field(name)


_SRC_MAX = (1 << SRC_BITS) - 1
# Per opcode: its fields' names and largest values, in table order (for make's fast path).
_ROWS: dict[Opcode, tuple[tuple[str, int], ...]] = {
    op: tuple((f.name, f.max) for f in spec.fields) for op, spec in TABLE.items()}

# Per opcode: (position, config table) of each field that indexes a config table.
_REFS: dict[Opcode, tuple[tuple[int, str], ...]] = {
    op: tuple((i, f.ref.value) for i, f in enumerate(spec.fields) if f.ref is not None) for op, spec in TABLE.items()}


# ---------------------------------------------------------------- the program

CONFIG_TYPES: dict[ConfigKind, type] = {
    ConfigKind.DMA: DmaDesc, ConfigKind.SWITCH: SwitchConfig, ConfigKind.RED: RedConfig,
    ConfigKind.TILE: TileDesc, ConfigKind.GEMM: GemmDesc,
}


@dataclass(frozen=True, slots=True)
class Program:
    """A complete program: the instruction stream, its config sections, the DRAM
    symbol table and the source statements instructions point at (``src``)."""

    arch_name: str
    arch_fingerprint: int
    instructions: tuple[Instruction, ...]
    dmas: tuple[DmaDesc, ...] = ()
    switches: tuple[SwitchConfig, ...] = ()
    reds: tuple[RedConfig, ...] = ()
    tiles: tuple[TileDesc, ...] = ()
    gemms: tuple[GemmDesc, ...] = ()
    symbols: tuple[Symbol, ...] = ()
    statements: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _int(self.arch_fingerprint, 0, 0xFFFFFFFF, "program arch fingerprint")
        for name in ("instructions", "dmas", "switches", "reds", "tiles", "gemms", "symbols", "statements"):
            _set(self, name, tuple(getattr(self, name)))
        for kind, cls in CONFIG_TYPES.items():
            for i, rec in enumerate(getattr(self, kind.value)):
                if not isinstance(rec, cls):
                    raise TnccError(f"{kind.value}[{i}] must be a {cls.__name__}")
        if len(self.statements) >= NO_SRC:
            raise TnccError(f"{len(self.statements)} statements, at most {NO_SRC - 1}")
        for i, s in enumerate((self.arch_name,) + self.statements):
            what = "arch name" if i == 0 else f"statement {i - 1}"
            if not isinstance(s, str):
                raise TnccError(f"{what} must be a string")
            try:
                s.encode("utf-8")
            except UnicodeEncodeError:
                raise TnccError(f"{what} is not encodable as UTF-8") from None
        seen: set[str] = set()
        for sym in self.symbols:
            if not isinstance(sym, Symbol):
                raise TnccError("symbols must be Symbol records")
            if sym.name in seen:
                raise TnccError(f"symbol `{sym.name}` is defined twice")
            seen.add(sym.name)
        # Every instruction's references in range; _check_refs names the first that is not.
        counts = {kind.value: len(getattr(self, kind.value)) for kind in CONFIG_TYPES}
        limits = {op: tuple((i, counts[t]) for i, t in refs) for op, refs in _REFS.items()}
        nstat = len(self.statements)
        for idx, ins in enumerate(self.instructions):
            if not isinstance(ins, Instruction) or (ins.src != NO_SRC and ins.src >= nstat):
                self._check_refs(idx, ins)
                continue
            fields = ins.fields
            for i, n in limits[ins.opcode]:
                if fields[i] >= n:
                    self._check_refs(idx, ins)

    def _check_refs(self, idx: int, ins: Any) -> None:
        if not isinstance(ins, Instruction):
            raise TnccError(f"instruction {idx} is not an Instruction")
        where = f"instruction {idx} ({ins.opcode.name})"
        if ins.src != NO_SRC and ins.src >= len(self.statements):
            raise TnccError(f"src {ins.src} but the program has {len(self.statements)} statements", where=where)
        for f, v in zip(TABLE[ins.opcode].fields, ins.fields):
            if f.ref is not None and v >= len(getattr(self, f.ref.value)):
                raise TnccError(f"field `{f.name}` is {v} but the program has "
                                f"{len(getattr(self, f.ref.value))} {f.ref.value}", where=where)

    def verify(self) -> None:
        """Raise :class:`~tncc.errors.VerifyError` naming the first broken
        invariant of a compiled program: every instruction's config and
        statement references are in range, the stream ends with its only
        ``HALT``, every config record is used by some instruction, and the
        DRAM symbols occupy disjoint word ranges.  (Construction already
        rejects malformed fields; this states what the compiler guarantees
        on top, for programs it produced.)"""
        for idx, ins in enumerate(self.instructions):
            try:
                self._check_refs(idx, ins)
            except TnccError as exc:
                raise VerifyError(str(exc)) from None
        halts = [k for k, ins in enumerate(self.instructions) if ins.opcode is Opcode.HALT]
        if halts != [len(self.instructions) - 1]:
            raise VerifyError(f"the program must end with its only HALT; HALT at {halts or 'no instruction'}")
        used: dict[str, set[int]] = {kind.value: set() for kind in CONFIG_TYPES}
        for ins in self.instructions:
            for f, v in zip(TABLE[ins.opcode].fields, ins.fields):
                if f.ref is not None:
                    used[f.ref.value].add(v)
        for kind in CONFIG_TYPES:
            unused = sorted(set(range(len(self.config(kind)))) - used[kind.value])
            if unused:
                raise VerifyError(f"{kind.value}[{unused[0]}] is used by no instruction")
        spans = sorted((s.dram, s.dram + 1 + sum((n - 1) * st for n, st in zip(s.shape, s.strides)), s.name)
                       for s in self.symbols)
        for (lo1, hi1, n1), (lo2, hi2, n2) in zip(spans, spans[1:]):
            if lo2 < hi1:
                raise VerifyError(f"symbols `{n1}` [{lo1}, {hi1}) and `{n2}` [{lo2}, {hi2}) overlap in DRAM")

    def config(self, kind: ConfigKind) -> tuple[Any, ...]:
        return getattr(self, kind.value)

    def symbol(self, name: str) -> Symbol:
        for s in self.symbols:
            if s.name == name:
                return s
        raise TnccError(f"program has no symbol `{name}`")
