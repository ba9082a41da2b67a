"""THE opcode table: the single source of truth of tncc's instruction set.

Every instruction is one 128-bit word::

    bits 127..120  opcode (8 bits)
    bits 119..104  src    (16 bits: index into the program's statement table,
                           0xFFFF = no source statement)
    bits 103..     the opcode's fields, packed from the top in table order,
                   each as wide as the table says; unused low bits are zero

The encoder, decoder, assembler, disassembler, the documentation
(``isa/README.md``) and the emulator's handler registry all loop over
:data:`TABLE`; nothing dispatches on method names.  Config records (DMA
descriptors, switch words, reduction groupings, tile and GEMM descriptors)
live in the program's config sections and are referenced by index (a field's
``ref``).

This module also holds the machine-reading helpers every component shares:
unit names, dtype codes, dataflow names.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tncc.ir import DType

WORD_BITS = 128
WORD_BYTES = WORD_BITS // 8
OPCODE_BITS = 8
SRC_BITS = 16
FIELD_BITS = WORD_BITS - OPCODE_BITS - SRC_BITS  # 104 bits for an opcode's fields
NO_SRC = 0xFFFF
DRAM_ADDR_BITS = 40  # word addresses
BUF_ADDR_BITS = 24  # word addresses; the arch loader rejects larger buffers
CONFIG_INDEX_BITS = 16
SEM_BITS = 8


class Opcode(enum.IntEnum):
    HALT = 0x00
    NOP = 0x01
    LOAD = 0x10
    STORE = 0x11
    SHAPE = 0x12
    DIST = 0x20
    RED = 0x21
    CTILE = 0x30
    GEMM = 0x31
    SIGNAL = 0x40
    WAIT = 0x41


class Unit(enum.IntEnum):
    """The decoupled units; the value is the encoding of a ``unit`` field."""

    DMA = 0
    DIST = 1
    ARRAY = 2
    RED = 3


class Issue(enum.Enum):
    """Who executes an opcode: the control sequencer, a fixed unit, or the
    unit named by the instruction's ``unit`` field."""

    CTRL = "ctrl"
    DMA = "DMA"
    DIST = "DIST"
    ARRAY = "ARRAY"
    RED = "RED"
    FIELD = "any (field unit)"


class TimingClass(enum.Enum):
    """How an instruction is costed: each class has one cost function in
    ``tncc.isa.timing.COST_BY_CLASS``, the only place an instruction's cycles
    are decided."""

    CONTROL = "control"  # no cycles on any unit
    DMA = "dma"  # latency + ceil(bytes / bytes_per_cycle)
    SHAPE = "shape"  # one buffer read + one write per word at buffer bandwidth
    RECONFIG_DIST = "reconfig-dist"  # dist.reconfig_cycles
    RECONFIG_RED = "reconfig-red"  # red.reconfig_cycles
    TILE = "tile"  # max(read, mac) + drain per loop point, fill on reconfiguration
    GEMM = "gemm"  # SCALE-Sim's cycle formula for the array's dataflow
    SYNC = "sync"  # zero cycles; orders units through semaphores


class ConfigKind(enum.Enum):
    """The program's config sections an instruction field can index."""

    DMA = "dmas"
    SWITCH = "switches"
    RED = "reds"
    TILE = "tiles"
    GEMM = "gemms"


class Dataflow(enum.StrEnum):
    """How a contraction runs on the array: the one spelling from the plan's
    steps through the tiles to the binary's tile descriptors (docs/machine.md).

    A ``StrEnum``, so a member equals, hashes and prints as its value: plan
    text, JSON reports and dicts keyed by the plain names are unchanged."""

    OUTER = "outer"  # fetta: output-stationary outer products
    INNER = "inner"  # fetta: inner products with cross-engine reduction
    BATCH = "batch"  # fetta: batch-parallel outer products
    GEMM = "gemm"  # the systolic baseline (its os/ws/is flavour is set by the arch)
    COPY = "copy"  # systolic, a unary step without summation: a SHAPE copy, no GEMM


Dataflow.ALL = (Dataflow.OUTER, Dataflow.INNER, Dataflow.BATCH, Dataflow.GEMM)  # type: ignore[attr-defined]
"""The dataflows a plan step can have (``COPY`` is only ever a tile's)."""

TILE_DATAFLOWS: tuple[Dataflow, ...] = (Dataflow.OUTER, Dataflow.INNER, Dataflow.BATCH)
"""The dataflows a fetta tile descriptor (``CTILE``) encodes."""

TileDataflow = Dataflow  # the name the ISA used before the one enum; tile descriptors take TILE_DATAFLOWS


# Binary codes of element types and dataflows; never renumber (file format).
DTYPE_CODES: dict[DType, int] = {DType.FP32: 0, DType.FP16: 1, DType.BF16: 2, DType.INT8: 3, DType.INT32: 4}
DTYPE_BY_CODE: dict[int, DType] = {v: k for k, v in DTYPE_CODES.items()}
DATAFLOW_CODES: dict[Dataflow, int] = {Dataflow.OUTER: 0, Dataflow.INNER: 1, Dataflow.BATCH: 2}
DATAFLOW_BY_CODE: dict[int, Dataflow] = {v: k for k, v in DATAFLOW_CODES.items()}


@dataclass(frozen=True, slots=True)
class Field:
    """One instruction field: an unsigned integer of ``bits`` bits.

    ``symbols`` names the values (assembly prints ``net=B``, ``unit=DMA``);
    ``ref`` says which config section the value indexes; ``hex`` prints it in
    hexadecimal (addresses)."""

    name: str
    bits: int
    doc: str
    symbols: tuple[str, ...] = ()
    ref: ConfigKind | None = None
    hex: bool = False

    @property
    def max(self) -> int:
        return (1 << self.bits) - 1


@dataclass(frozen=True, slots=True)
class OpSpec:
    fields: tuple[Field, ...]
    issue: Issue
    timing_class: TimingClass
    doc: str

    def field_index(self, name: str) -> int:
        for i, f in enumerate(self.fields):
            if f.name == name:
                return i
        raise KeyError(name)

    @property
    def fixed_unit(self) -> Unit | None:
        """The unit a fixed-issue opcode's time is charged to; None for the
        control sequencer and for opcodes whose ``unit`` field names it."""
        return None if self.issue in (Issue.CTRL, Issue.FIELD) else Unit[self.issue.name]

    def unit(self, fields: tuple[int, ...]) -> Unit | None:
        """The unit an instruction with these field values is charged to
        (its ``unit`` field for ``Issue.FIELD``); None for control."""
        if self.issue is Issue.FIELD:
            return Unit(fields[self.field_index("unit")])
        return self.fixed_unit


_UNIT_NAMES = tuple(u.name for u in Unit)
_DRAM = Field("dram", DRAM_ADDR_BITS, "DRAM word address of the first element", hex=True)
_DESC = Field("desc", CONFIG_INDEX_BITS, "index of the DMA descriptor (shape, strides, dtype)", ref=ConfigKind.DMA)

TABLE: dict[Opcode, OpSpec] = {
    Opcode.HALT: OpSpec((), Issue.CTRL, TimingClass.CONTROL,
                        "End of program: every unit drains its queue, then the machine stops."),
    Opcode.NOP: OpSpec((), Issue.CTRL, TimingClass.CONTROL, "Does nothing."),
    Opcode.LOAD: OpSpec(
        (_DRAM, Field("buf", BUF_ADDR_BITS, "buffer word address of the first element", hex=True), _DESC),
        Issue.DMA, TimingClass.DMA,
        "Copy DRAM -> buffer.  Element e of the descriptor's row-major enumeration is read "
        "from `dram + sum(i_d * stride_from_d)` and written to `buf + sum(i_d * stride_to_d)`."),
    Opcode.STORE: OpSpec(
        (Field("buf", BUF_ADDR_BITS, "buffer word address of the first element", hex=True), _DRAM, _DESC),
        Issue.DMA, TimingClass.DMA,
        "Copy buffer -> DRAM with the descriptor's strides (from = buffer, to = DRAM); values "
        "are rounded to the descriptor's element type."),
    Opcode.SHAPE: OpSpec(
        # Not `src`/`dst`: `src` is every instruction's source-statement index.
        (Field("sbuf", BUF_ADDR_BITS, "buffer word address read first", hex=True),
         Field("dbuf", BUF_ADDR_BITS, "buffer word address written first", hex=True), _DESC),
        Issue.DMA, TimingClass.SHAPE,
        "Buffer -> buffer permuting copy (the explicit transpose/reshape pass of a conventional "
        "accelerator; never emitted for fetta)."),
    Opcode.DIST: OpSpec(
        (Field("net", 1, "which distribution network", symbols=("A", "B")),
         Field("cfg", CONFIG_INDEX_BITS, "index of the switch configuration", ref=ConfigKind.SWITCH)),
        Issue.DIST, TimingClass.RECONFIG_DIST,
        "Load a Benes-copy-Benes switch configuration into distribution network A or B."),
    Opcode.RED: OpSpec(
        (Field("cfg", CONFIG_INDEX_BITS, "index of the reduction grouping", ref=ConfigKind.RED),),
        Issue.RED, TimingClass.RECONFIG_RED,
        "Load a reduction grouping (group sizes over consecutive lanes) into the reduction network."),
    Opcode.CTILE: OpSpec(
        (Field("tile", CONFIG_INDEX_BITS, "index of the tile descriptor", ref=ConfigKind.TILE),),
        Issue.ARRAY, TimingClass.TILE,
        "Run a fetta contraction tile (engages DIST, ARRAY and RED) once per point of the "
        "descriptor's loop nest, streaming A and B through the loaded networks and draining C."),
    Opcode.GEMM: OpSpec(
        (Field("gemm", CONFIG_INDEX_BITS, "index of the GEMM descriptor", ref=ConfigKind.GEMM),),
        Issue.ARRAY, TimingClass.GEMM,
        "Run a systolic GEMM `C[M,N] (+)= A[M,K] B[K,N]` on row-major operands in the buffer."),
    Opcode.SIGNAL: OpSpec(
        (Field("unit", 2, "the unit that signals", symbols=_UNIT_NAMES),
         Field("sem", SEM_BITS, "semaphore number")),
        Issue.FIELD, TimingClass.SYNC,
        "The named unit increments semaphore `sem` once all its earlier instructions have finished."),
    Opcode.WAIT: OpSpec(
        (Field("unit", 2, "the unit that waits", symbols=_UNIT_NAMES),
         Field("sem", SEM_BITS, "semaphore number")),
        Issue.FIELD, TimingClass.SYNC,
        "The named unit blocks until semaphore `sem` is positive, then decrements it."),
}


def spec(op: Opcode) -> OpSpec:
    return TABLE[op]


def opcode_by_name(name: str) -> Opcode | None:
    """The opcode whose mnemonic is ``name`` (case-insensitive), or None."""
    return Opcode.__members__.get(name.upper())


def _check_table() -> None:
    # The packing contract: every opcode's fields fit in one word.
    for op, s in TABLE.items():
        assert sum(f.bits for f in s.fields) <= FIELD_BITS, op
        assert len({f.name for f in s.fields}) == len(s.fields), op
        assert not {f.name for f in s.fields} & {"src", "opcode", "fields"}, op  # Instruction attributes
        assert (s.issue is Issue.FIELD) == ("unit" in {f.name for f in s.fields}), op
    assert set(TABLE) == set(Opcode)


_check_table()
