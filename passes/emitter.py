"""The instruction stream under construction, shared by both back ends.

:class:`Emitter` appends instructions with the synchronisation
:class:`~tncc.passes.sync.SyncTracker` derives from the buffer ranges each
one reads and writes, and deduplicates the config records instructions
point at (DMA descriptors, switch, reduction, tile and GEMM configs).
:class:`Copy` is one DMA transfer (``LOAD``, ``STORE`` or ``SHAPE``) as the
code generator plans it, before it is cut into descriptors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from tncc.ir import DType
from tncc.isa.table import CONFIG_INDEX_BITS, Unit
from tncc.isa.program import Instruction
from tncc.passes.layout import Layout
from tncc.passes.shape import View, words_spanned
from tncc.passes.sync import SyncTracker

CONFIG_TABLES = ("dma", "sw", "red", "tile", "gemm")  # the deduplicated config tables, by short name
CONFIG_INDEX_MAX = (1 << CONFIG_INDEX_BITS) - 1
_TABLE_NAMES = {"dma": "DMA", "sw": "switch", "red": "reduction", "tile": "tile", "gemm": "GEMM"}


class CannotExpress(Exception):
    """The ISA cannot encode what a step needs (a descriptor table past its
    index field); :meth:`tncc.passes.codegen.CodeGenerator.run` names the statement."""


@dataclass
class Emitter:
    """Instruction stream under construction with deduplicated config tables."""

    sync: SyncTracker = field(default_factory=SyncTracker)
    code: list[Instruction] = field(default_factory=list)
    tables: dict[str, dict[Any, int]] = field(default_factory=lambda: {k: {} for k in CONFIG_TABLES})
    shapes: int = 0
    where: list[int] = field(default_factory=lambda: [-1])  # seq of an access -> its index in code

    # Indices of records by identity: a record object the code generator
    # reuses (the cached DMA descriptors and tile configs) is not hashed
    # again, hashing walks every field.  Each entry keeps its record alive,
    # so ids stay unique.
    by_id: dict[int, tuple[Any, int]] = field(default_factory=dict)
    # Indices of records by the values they were built from (see ref_values).
    by_values: dict[str, dict[Any, int]] = field(default_factory=lambda: {k: {} for k in CONFIG_TABLES})

    def ref(self, kind: str, rec: Any) -> int:
        """The index of config record ``rec`` in table ``kind``, added when new."""
        hit = self.by_id.get(id(rec))
        if hit is not None and hit[0] is rec:
            return hit[1]
        idx = self._index(kind, rec)
        self.by_id[id(rec)] = (rec, idx)
        return idx

    def _index(self, kind: str, rec: Any) -> int:
        t = self.tables[kind]
        idx = t.get(rec)
        if idx is None:
            if len(t) > CONFIG_INDEX_MAX:
                raise CannotExpress(f"it needs more than {CONFIG_INDEX_MAX + 1:,} distinct {_TABLE_NAMES[kind]} "
                                    f"descriptors, and instructions index them with {CONFIG_INDEX_BITS}-bit fields")
            idx = t[rec] = len(t)
        return idx

    def ref_values(self, kind: str, values: tuple[Any, ...], make: Callable[..., Any]) -> int:
        """``ref(kind, make(*values))``, building the record only for values
        not seen before: ``make`` must build equal records from equal values
        (a record's fields as given, as :class:`~tncc.isa.program.GemmDesc`)."""
        t = self.by_values[kind]
        idx = t.get(values)
        if idx is None:
            idx = t[values] = self._index(kind, make(*values))
        return idx

    def emit(self, unit: Unit, ins: Instruction, reads: list, writes: list, early_reads: list | None = None) -> None:
        self.code.extend(self.sync.access(unit, reads, writes, ins.src, early_reads))
        self.where.append(len(self.code))
        self.code.append(ins)

    def finish(self) -> list[Instruction]:
        """The stream with the early SIGNALs (``SyncTracker.early``) placed
        right after the instructions they follow."""
        after: dict[int, list[Instruction]] = {self.where[seq]: sigs for seq, sigs in self.sync.early.items()}
        if not after:
            return self.code
        out: list[Instruction] = []
        for k, ins in enumerate(self.code):
            out.append(ins)
            sigs = after.get(k)
            if sigs:
                out.extend(sigs)
        return out

    def records(self, kind: str) -> tuple:
        return tuple(self.tables[kind])


@dataclass(frozen=True, slots=True)
class Copy:
    """One box moved by the DMA: ``extents`` elements of ``dtype`` from
    ``src_base`` (walked with ``src_strides``) to ``dst_base`` (walked with
    ``dst_strides``), for the statement with index ``src``.  Buffer or DRAM
    addresses, as the opcode (``LOAD``: DRAM to buffer, ``STORE``: buffer to
    DRAM, ``SHAPE``: buffer to buffer) says."""

    src_base: int
    src_strides: tuple[int, ...]
    dst_base: int
    dst_strides: tuple[int, ...]
    extents: tuple[int, ...]
    dtype: DType
    src: int

    def src_range(self) -> tuple[int, int]:
        return buffer_range(self.src_base, self.extents, self.src_strides)

    def dst_range(self) -> tuple[int, int]:
        return buffer_range(self.dst_base, self.extents, self.dst_strides)


def copy_of(src_base: int, src_strides: Any, dst_base: int, dst_strides: Any, extents: Any, dtype: DType,
            src: int) -> Copy:
    """A :class:`Copy` from any sequences of ints."""
    return Copy(src_base, tuple(src_strides), dst_base, tuple(dst_strides), tuple(extents), dtype, src)


def buffer_range(base: int, extents: Any, strides: Any) -> tuple[int, int]:
    """The inclusive ``(lo, hi)`` word range a box of ``extents`` walked with
    ``strides`` from ``base`` touches."""
    lo = base + sum((e - 1) * s for e, s in zip(extents, strides) if s < 0)
    return (lo, lo + words_spanned(list(extents), list(strides)) - 1)


def symbol_name(value: str) -> str:
    """DRAM symbol of a value: its name, temporaries ``%N`` as ``tmp.N``."""
    return "tmp." + value[1:] if value.startswith("%") else value


def tensor_view(base: int, layout: Layout, indices: tuple[str, ...], origin: tuple[tuple[str, int], ...] = ()) -> View:
    """The view of a tensor stored at ``base`` with ``layout``, its axes named ``indices``."""
    strides: dict[str, int] = {}
    for i, s in zip(indices, layout.strides):
        strides[i] = strides.get(i, 0) + s  # a repeated index walks the diagonal
    return View(base, tuple(strides.items()), tuple(dict(origin).items()))
