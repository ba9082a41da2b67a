"""The binary program container (``.tnb``): :func:`encode` and :func:`decode`.

Layout (integers little-endian unless said otherwise)::

    offset  size
    0       4     magic b"TNCC"
    4       2     format version (FORMAT_VERSION)
    6       2     number of sections (len(SECTION_ORDER))
    8       4     arch fingerprint
    12      4     CRC-32 of every byte after the header
    16      8*S   per section: u32 record count, u32 byte length
    ...           the sections, back to back, in SECTION_ORDER

Instruction words (section ``code``) are 16 bytes each, big-endian, so a hex
dump shows the opcode first (bit layout in ``tncc.isa.table``).  Config
records, symbols and statements use LEB128 varints (signed values zigzag),
so a program's size follows its structure, not its element count.

:func:`decode` rejects every malformed input (bad magic or version, a wrong
checksum, truncation, counts that do not fit, unknown opcodes or codes,
non-zero padding, bytes left over, records that violate their invariants)
with a :class:`TnccError` naming the byte offset and, for code, the
instruction index.  It raises no other exception type.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any, Callable

from tncc.errors import TnccError
from tncc.isa.program import (DmaDesc, Drain, GemmDesc, Instruction, Program, RedConfig, Stream, SwitchConfig,
                              Symbol, SymbolRole, TileDesc, benes_switches, copy_switches)
from tncc.isa.table import (DATAFLOW_BY_CODE, DATAFLOW_CODES, DTYPE_BY_CODE, DTYPE_CODES, FIELD_BITS, OPCODE_BITS,
                            SRC_BITS, TABLE, WORD_BITS, WORD_BYTES, Opcode)

MAGIC = b"TNCC"
FORMAT_VERSION = 1
SECTION_ORDER = ("arch", "statements", "symbols", "dmas", "switches", "reds", "tiles", "gemms", "code")
HEADER = struct.Struct("<4sHHII")
SECTION_ENTRY = struct.Struct("<II")
HEADER_BYTES = HEADER.size + SECTION_ENTRY.size * len(SECTION_ORDER)
ROLE_CODES: dict[SymbolRole, int] = {r: i for i, r in enumerate(SymbolRole)}
ROLE_BY_CODE: dict[int, SymbolRole] = {i: r for r, i in ROLE_CODES.items()}


class DecodeError(Exception):
    """Internal: a problem at a byte offset; turned into TnccError by decode()."""

    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset = offset
        self.message = message


# ---------------------------------------------------------------- primitives

class Writer:
    def __init__(self) -> None:
        self.buf = bytearray()

    def u8(self, v: int) -> None:
        self.buf.append(v)

    def uvar(self, v: int) -> None:
        if v < 0:
            raise ValueError(v)
        while True:
            b = v & 0x7F
            v >>= 7
            if v:
                self.buf.append(b | 0x80)
            else:
                self.buf.append(b)
                return

    def svar(self, v: int) -> None:
        self.uvar(v * 2 if v >= 0 else -v * 2 - 1)  # zigzag

    def raw(self, b: bytes) -> None:
        self.buf += b

    def text(self, s: str) -> None:
        data = s.encode("utf-8")
        self.uvar(len(data))
        self.buf += data


class Reader:
    """Reads ``data[pos:end]``; every failure is a DecodeError at an offset."""

    def __init__(self, data: bytes, pos: int, end: int):
        self.data, self.pos, self.end = data, pos, end

    def need(self, n: int, what: str) -> None:
        if self.pos + n > self.end:
            raise DecodeError(self.pos, f"truncated {what}: needs {n} bytes, {self.end - self.pos} left in section")

    def u8(self, what: str = "byte") -> int:
        self.need(1, what)
        v = self.data[self.pos]
        self.pos += 1
        return v

    def uvar(self, what: str = "integer") -> int:
        start, v, shift = self.pos, 0, 0
        while True:
            b = self.u8(what)
            v |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
            if shift >= 70:
                raise DecodeError(start, f"{what}: varint longer than 10 bytes")
        if v >= 1 << 64:
            raise DecodeError(start, f"{what}: varint exceeds 64 bits")
        if self.pos - start > 1 and b == 0:
            raise DecodeError(start, f"{what}: overlong varint")
        return v

    def svar(self, what: str = "integer") -> int:
        z = self.uvar(what)
        return z >> 1 if not z & 1 else -(z >> 1) - 1

    def raw(self, n: int, what: str) -> bytes:
        self.need(n, what)
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return bytes(b)

    def text(self, what: str) -> str:
        start = self.pos
        n = self.uvar(f"{what} length")
        b = self.raw(n, what)
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(start, f"{what} is not UTF-8 (byte {exc.start})") from None

    def code(self, table: dict[int, Any], what: str) -> Any:
        start = self.pos
        c = self.u8(what)
        if c not in table:
            raise DecodeError(start, f"unknown {what} code {c}")
        return table[c]

    def flag(self, what: str) -> bool:
        return bool(self.code({0: False, 1: True}, what))


# ---------------------------------------------------------------- records

def _w_dims(w: Writer, dims: tuple[tuple[int, ...], ...]) -> None:
    w.u8(len(dims))
    for row in dims:
        w.uvar(row[0])
        for s in row[1:]:
            w.svar(s)


def _r_dims(r: Reader, width: int, what: str) -> tuple[tuple[int, ...], ...]:
    start = r.pos
    n = r.u8(f"{what} dim count")
    if n > 16:
        raise DecodeError(start, f"{what}: {n} dims")
    return tuple((r.uvar(f"{what} extent"),) + tuple(r.svar(f"{what} stride") for _ in range(width - 1))
                 for _ in range(n))


def _r_pairs(r: Reader, what: str) -> tuple[tuple[int, int], ...]:
    """``(extent, stride)`` dims."""
    return tuple((e, st) for e, st in _r_dims(r, 2, what))


def _w_stream(w: Writer, s: Stream) -> None:
    w.uvar(s.base)
    _w_dims(w, s.port_dims)
    _w_dims(w, s.beat_dims)


def _r_stream(r: Reader) -> Stream:
    return Stream(r.uvar("stream base"), _r_pairs(r, "stream ports"), _r_pairs(r, "stream beats"))


def _w_dma(w: Writer, d: DmaDesc) -> None:
    _w_dims(w, d.dims)
    w.u8(DTYPE_CODES[d.dtype])


def _r_dma(r: Reader) -> DmaDesc:
    dims = tuple((e, dram, buf) for e, dram, buf in _r_dims(r, 3, "DMA descriptor"))
    return DmaDesc(dims, r.code(DTYPE_BY_CODE, "dtype"))


def _w_switch(w: Writer, s: SwitchConfig) -> None:
    w.uvar(s.ports)
    w.raw(s.benes1 + s.copy + s.benes2)


def _r_switch(r: Reader) -> SwitchConfig:
    start = r.pos
    ports = r.uvar("switch ports")
    if ports < 2 or ports > 1 << 12 or ports & (ports - 1):
        raise DecodeError(start, f"switch config ports is {ports}, not a power of two in 2..4096")
    nb, nc = (benes_switches(ports) + 7) // 8, (copy_switches(ports) + 7) // 8
    return SwitchConfig(ports, r.raw(nb, "benes1 bits"), r.raw(nc, "copy bits"), r.raw(nb, "benes2 bits"))


def _w_red(w: Writer, c: RedConfig) -> None:
    w.uvar(len(c.groups))
    for g in c.groups:
        w.uvar(g)


def _r_red(r: Reader) -> RedConfig:
    start = r.pos
    n = r.uvar("group count")
    if n > r.end - r.pos:
        raise DecodeError(start, f"{n} reduction groups cannot fit in the section")
    return RedConfig(tuple(r.uvar("group size") for _ in range(n)))


def _w_tile(w: Writer, t: TileDesc) -> None:
    w.u8(DTYPE_CODES[t.dtype])
    w.u8(DATAFLOW_CODES[t.dataflow])
    for v in (t.tb, t.tm, t.tn, t.tkk):
        w.uvar(v)
    _w_stream(w, t.a)
    _w_stream(w, t.b)
    w.uvar(t.c.base)
    _w_dims(w, t.c.dims)
    w.u8(int(t.accumulate))
    w.u8(len(t.loops))
    for count, sa, sb, sc, red in t.loops:
        w.uvar(count)
        w.svar(sa)
        w.svar(sb)
        w.svar(sc)
        w.u8(int(red))


def _r_tile(r: Reader) -> TileDesc:
    dtype = r.code(DTYPE_BY_CODE, "dtype")
    flow = r.code(DATAFLOW_BY_CODE, "dataflow")
    tb, tm, tn, tkk = (r.uvar("tile size") for _ in range(4))
    a, b = _r_stream(r), _r_stream(r)
    c = Drain(r.uvar("drain base"), _r_pairs(r, "drain"))
    acc = r.flag("accumulate flag")
    start = r.pos
    n = r.u8("loop count")
    if n > 16:
        raise DecodeError(start, f"{n} tile loops")
    loops = tuple((r.uvar("loop count"), r.svar("a step"), r.svar("b step"), r.svar("c step"), r.flag("reduce flag"))
                  for _ in range(n))
    return TileDesc(dtype, flow, tb, tm, tn, tkk, a, b, c, acc, loops)


def _w_gemm(w: Writer, g: GemmDesc) -> None:
    w.u8(DTYPE_CODES[g.dtype])
    for v in (g.m, g.n, g.k, g.a, g.lda, g.b, g.ldb, g.c, g.ldc):
        w.uvar(v)
    w.u8(int(g.accumulate))


def _r_gemm(r: Reader) -> GemmDesc:
    dtype = r.code(DTYPE_BY_CODE, "dtype")
    m, n, k, a, lda, b, ldb, c, ldc = (r.uvar("GEMM value") for _ in range(9))
    return GemmDesc(dtype, m, n, k, a, lda, b, ldb, c, ldc, r.flag("accumulate flag"))


def _w_symbol(w: Writer, s: Symbol) -> None:
    w.text(s.name)
    w.u8(ROLE_CODES[s.role])
    w.u8(DTYPE_CODES[s.dtype])
    w.u8(len(s.shape))
    for v in s.shape:
        w.uvar(v)
    w.uvar(s.dram)
    for v in s.strides:
        w.uvar(v)


def _r_symbol(r: Reader) -> Symbol:
    name = r.text("symbol name")
    role = r.code(ROLE_BY_CODE, "symbol role")
    dtype = r.code(DTYPE_BY_CODE, "dtype")
    start = r.pos
    rank = r.u8("rank")
    if rank > 16:
        raise DecodeError(start, f"symbol rank {rank}")
    shape = tuple(r.uvar("extent") for _ in range(rank))
    dram = r.uvar("dram address")
    return Symbol(name, role, dtype, shape, dram, tuple(r.uvar("stride") for _ in range(rank)))


RECORDS: dict[str, tuple[Callable[[Writer, Any], None], Callable[[Reader], Any]]] = {
    "statements": (Writer.text, lambda r: r.text("statement")),
    "symbols": (_w_symbol, _r_symbol),
    "dmas": (_w_dma, _r_dma),
    "switches": (_w_switch, _r_switch),
    "reds": (_w_red, _r_red),
    "tiles": (_w_tile, _r_tile),
    "gemms": (_w_gemm, _r_gemm),
}


# ---------------------------------------------------------------- instruction words

def encode_instruction(ins: Instruction) -> bytes:
    word = (int(ins.opcode) << (WORD_BITS - OPCODE_BITS)) | (ins.src << FIELD_BITS)
    pos = FIELD_BITS
    for f, v in zip(TABLE[ins.opcode].fields, ins.fields):
        pos -= f.bits
        word |= v << pos
    return word.to_bytes(WORD_BYTES, "big")


def decode_instruction(data: bytes, index: int = 0, offset: int = 0) -> Instruction:
    """Decode one 16-byte word; errors name the instruction index and byte offset."""
    where = f"instruction {index} at byte offset 0x{offset:x}"
    if len(data) != WORD_BYTES:
        raise TnccError(f"an instruction is {WORD_BYTES} bytes, got {len(data)}", where=where)
    word = int.from_bytes(data, "big")
    code = word >> (WORD_BITS - OPCODE_BITS)
    try:
        op = Opcode(code)
    except ValueError:
        raise TnccError(f"unknown opcode 0x{code:02x}", where=where) from None
    src = (word >> FIELD_BITS) & ((1 << SRC_BITS) - 1)
    pos, vals = FIELD_BITS, []
    for f in TABLE[op].fields:
        pos -= f.bits
        vals.append((word >> pos) & f.max)
    if word & ((1 << pos) - 1):
        raise TnccError(f"{op.name} has non-zero bits after its fields", where=where)
    try:
        return Instruction(op, tuple(vals), src)
    except TnccError as err:
        raise TnccError(err.diagnostics[0].message, where=where) from None


# ---------------------------------------------------------------- container

def encode(program: Program) -> bytes:
    """The ``.tnb`` bytes of ``program``."""
    bodies: list[tuple[int, bytes]] = []
    w = Writer()
    w.text(program.arch_name)
    bodies.append((1, bytes(w.buf)))
    for name in SECTION_ORDER[1:-1]:
        write = RECORDS[name][0]
        w = Writer()
        items = getattr(program, name)
        for item in items:
            write(w, item)
        bodies.append((len(items), bytes(w.buf)))
    code = b"".join(encode_instruction(i) for i in program.instructions)
    bodies.append((len(program.instructions), code))
    table = b"".join(SECTION_ENTRY.pack(n, len(b)) for n, b in bodies)
    payload = table + b"".join(b for _, b in bodies)
    head = HEADER.pack(MAGIC, FORMAT_VERSION, len(SECTION_ORDER), program.arch_fingerprint,
                       zlib.crc32(payload[len(table):]))
    return head + payload


def decode(data: bytes, source: str = "<tnb>") -> Program:
    """Parse ``.tnb`` bytes; see the module doc for what is rejected."""
    try:
        return _decode(bytes(data))
    except DecodeError as err:
        raise TnccError(err.message, where=f"{source}: byte offset 0x{err.offset:x}") from None
    except TnccError as err:
        d = err.diagnostics[0]
        where = f"{source}: {d.where}" if d.where else source
        raise TnccError(d.message, where=where) from None


def _decode(data: bytes) -> Program:
    if len(data) < HEADER.size:
        raise DecodeError(len(data), f"truncated header: {len(data)} bytes, expected at least {HEADER_BYTES}")
    magic, version, nsec, fingerprint, crc = HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        raise DecodeError(0, f"bad magic {magic!r}, expected {MAGIC!r} (not a tncc binary)")
    if version != FORMAT_VERSION:
        raise DecodeError(4, f"format version {version}, this tncc reads version {FORMAT_VERSION}")
    if nsec != len(SECTION_ORDER):
        raise DecodeError(6, f"{nsec} sections, expected {len(SECTION_ORDER)}")
    if len(data) < HEADER_BYTES:
        raise DecodeError(len(data), f"truncated section table: {len(data)} bytes, expected at least {HEADER_BYTES}")
    entries = [SECTION_ENTRY.unpack_from(data, HEADER.size + i * SECTION_ENTRY.size) for i in range(nsec)]
    total = HEADER_BYTES + sum(length for _, length in entries)
    if total != len(data):
        problem = "truncated" if total > len(data) else "trailing bytes"
        raise DecodeError(min(total, len(data)), f"{problem}: sections need {total} bytes, file has {len(data)}")
    if zlib.crc32(data[HEADER_BYTES:]) != crc:
        raise DecodeError(12, "checksum mismatch: the file is corrupt")
    pos, parts = HEADER_BYTES, {}
    for name, (count, length) in zip(SECTION_ORDER, entries):
        parts[name] = _section(data, name, count, pos, pos + length)
        pos += length
    if len(parts["arch"]) != 1:
        raise DecodeError(HEADER.size, "the arch section holds exactly one name")
    return Program(parts["arch"][0], fingerprint, parts["code"], **{k: parts[k] for k in SECTION_ORDER[1:-1]})


def _section(data: bytes, name: str, count: int, start: int, end: int) -> tuple[Any, ...]:
    if name == "code":
        if count * WORD_BYTES != end - start:
            raise DecodeError(start, f"code section is {end - start} bytes for {count} instructions")
        return tuple(decode_instruction(data[start + i * WORD_BYTES:start + (i + 1) * WORD_BYTES], i,
                                        start + i * WORD_BYTES) for i in range(count))
    if count > end - start:  # every record takes at least one byte
        raise DecodeError(start, f"section {name}: {count} records cannot fit in {end - start} bytes")
    r = Reader(data, start, end)
    read = (lambda rr: rr.text("arch name")) if name == "arch" else RECORDS[name][1]
    out = []
    for i in range(count):
        at = r.pos
        try:
            out.append(read(r))
        except TnccError as err:
            raise DecodeError(at, f"{name}[{i}]: {err.diagnostics[0].message}") from None
    if r.pos != end:
        raise DecodeError(r.pos, f"section {name}: {end - r.pos} bytes left after {count} records")
    return tuple(out)
