"""The memory-plan IR: where every value of a contraction plan lives, and when.

Produced by :func:`tncc.passes.alloc.plan_memory` (and rewritten by
:func:`tncc.passes.banks.tune_layouts`, which only changes buffer layouts);
consumed by tiling and code generation.  A *value* is a leaf, a temporary or
a statement result of the plan with its lifetime in plan steps
(``first..last``, inclusive); its :class:`Placement` says whether it stays in
the global buffer (``resident``: an address and a layout) and where its DRAM
symbol is (leaves, outputs and spilled intermediates).

Invariants (checked by :meth:`MemoryPlan.verify`):

* every value has exactly one placement and value names are unique;
* a resident value has a buffer address and layout whose shape is the
  value's; a value that is not resident has a DRAM symbol;
* every leaf and every output has a DRAM symbol with a compact layout;
* resident values whose lifetimes overlap occupy disjoint buffer ranges,
  all below the staging area; the staging area ends at or below the
  all-ones constant;
* DRAM symbols (and the all-ones constant's) are disjoint and lie below
  ``dram_words``;
* ``wide`` and ``pinned`` name values of the plan.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from tncc.errors import VerifyError
from tncc.ir import DType
from tncc.isa.program import SymbolRole
from tncc.passes.layout import Layout
from tncc.passes.options import Share

ONES = "const.ones"  # the constant all-ones symbol unary steps multiply with
class Kind(enum.Enum):
    LEAF = "leaf"
    TEMP = "temp"
    RESULT = "result"  # a statement result that is not an output
    OUTPUT = "output"


@dataclass(frozen=True, slots=True)
class Value:
    name: str
    axes: tuple[str, ...]  # index names of the stored axes
    shape: tuple[int, ...]
    dtype: DType
    kind: Kind
    first: int  # first step that reads or writes it
    last: int  # last step that reads it (its defining step if never read)

    @property
    def words(self) -> int:
        return max(1, math.prod(self.shape))


@dataclass(frozen=True, slots=True)
class Placement:
    """``buf``/``layout``: the buffer copy (resident values); ``dram`` /
    ``dram_layout``: the DRAM symbol (leaves, outputs, spills), else None."""

    value: str
    resident: bool
    buf: int | None
    layout: Layout | None
    dram: int | None
    dram_layout: Layout | None
    role: SymbolRole | None

    def buffer_copy(self) -> tuple[int, Layout]:
        """``(buf, layout)`` of a resident value; a VerifyError for a value
        that has no buffer copy."""
        if self.buf is None or self.layout is None:
            raise VerifyError(f"value {self.value!r} has no buffer copy")
        return self.buf, self.layout

    def dram_symbol(self) -> tuple[int, Layout, SymbolRole]:
        """``(dram, dram_layout, role)`` of a value with a DRAM symbol; a
        VerifyError for a value that has none."""
        if self.dram is None or self.dram_layout is None or self.role is None:
            raise VerifyError(f"value {self.value!r} has no DRAM symbol")
        return self.dram, self.dram_layout, self.role


@dataclass(frozen=True, slots=True)
class MemoryPlan:
    values: tuple[Value, ...]
    placements: tuple[Placement, ...]
    stage_base: int
    stage_words: int
    ones_buf: int
    ones_words: int
    ones_dram: int
    dram_words: int
    peak_words: int  # resident words at the busiest step
    wide: frozenset[str] = frozenset()  # values whose reservation has the wide bank paddings
    share: Share = 2  # 1/share of the buffer is staging once anything streams
    pinned: frozenset[str] = frozenset()  # values reserving exactly a layout tuned before (``plan_memory(fixed=)``)
    # the rule that chose what streams: "greedy", "cpsat", or "cpsat+greedy" (evictions after the choice)
    residency: str = "greedy"

    def value(self, name: str) -> Value:
        return self._index()[0][name]

    def place(self, name: str) -> Placement:
        return self._index()[1][name]

    def _index(self) -> tuple[dict[str, Value], dict[str, Placement]]:
        # Small plans: a linear scan is cheaper than caching on a frozen object.
        return {v.name: v for v in self.values}, {p.value: p for p in self.placements}

    @property
    def spilled(self) -> tuple[str, ...]:
        vals, places = self._index()
        return tuple(n for n, p in places.items() if not p.resident and vals[n].kind in (Kind.TEMP, Kind.RESULT))

    @property
    def streamed(self) -> tuple[str, ...]:
        return tuple(p.value for p in self.placements if not p.resident)

    def verify(self) -> None:
        """Raise :class:`~tncc.errors.VerifyError` naming the first broken invariant (module doc)."""
        verify_memory(self)

    def text(self) -> str:
        return format_memory(self)


def _disjoint(ranges: list[tuple[int, int, str]], what: str) -> None:
    """``ranges`` are ``(lo, hi, name)`` half-open; raise if two overlap."""
    ranges = sorted(ranges)
    for (lo1, hi1, n1), (lo2, hi2, n2) in zip(ranges, ranges[1:]):
        if lo2 < hi1:
            raise VerifyError(f"{what} of {n1!r} [{lo1}, {hi1}) and {n2!r} [{lo2}, {hi2}) overlap")


def verify_memory(mem: MemoryPlan) -> None:
    """Raise :class:`~tncc.errors.VerifyError` naming the first broken invariant (module doc)."""
    names = [v.name for v in mem.values]
    if len(set(names)) != len(names):
        raise VerifyError("a value is listed twice in the memory plan")
    placed = [p.value for p in mem.placements]
    if sorted(placed) != sorted(names):
        missing = sorted(set(names) ^ set(placed)) or sorted(n for n in placed if placed.count(n) > 1)
        raise VerifyError(f"value {missing[0]!r} has no placement, or more than one")
    places = {p.value: p for p in mem.placements}
    resident: list[tuple[Value, Placement]] = []
    dram: list[tuple[int, int, str]] = []
    for v in mem.values:
        p = places[v.name]
        if v.first > v.last:
            raise VerifyError(f"value {v.name!r} is live from step {v.first} to step {v.last}")
        if p.resident:
            if p.buf is None or p.layout is None:
                raise VerifyError(f"resident value {v.name!r} has no buffer address or layout")
            if p.layout.shape != v.shape:
                raise VerifyError(f"value {v.name!r} has shape {v.shape} but its buffer layout {p.layout.shape}")
            if p.buf < 0 or p.buf + p.layout.words > mem.stage_base:
                raise VerifyError(f"resident value {v.name!r} at [{p.buf}, {p.buf + p.layout.words}) "
                                  f"leaves the buffer below the staging area at {mem.stage_base}")
            resident.append((v, p))
        elif p.dram is None:
            raise VerifyError(f"value {v.name!r} is neither resident nor in DRAM")
        if v.kind in (Kind.LEAF, Kind.OUTPUT) and p.dram is None:
            raise VerifyError(f"{v.kind.value} {v.name!r} has no DRAM symbol")
        if p.dram is not None:
            if p.dram_layout is None or p.dram_layout.shape != v.shape:
                raise VerifyError(f"value {v.name!r}: its DRAM layout does not have its shape {v.shape}")
            if p.role is None:
                raise VerifyError(f"value {v.name!r} has a DRAM symbol but no symbol role")
            dram.append((p.dram, p.dram + p.dram_layout.words, v.name))
    if mem.ones_words:
        dram.append((mem.ones_dram, mem.ones_dram + mem.ones_words, ONES))
    _disjoint(dram, "DRAM symbols")
    if dram and max(hi for _, hi, _ in dram) > mem.dram_words:
        raise VerifyError(f"a DRAM symbol ends beyond the program's {mem.dram_words} DRAM words")
    if mem.stage_base + mem.stage_words > mem.ones_buf:
        raise VerifyError(f"the staging area [{mem.stage_base}, {mem.stage_base + mem.stage_words}) "
                          f"overlaps the all-ones constant at {mem.ones_buf}")
    # Lifetimes are inclusive step ranges: check each step's live values.
    steps = sorted({v.first for v, _ in resident})
    for s in steps:
        live = [(_buf(p), _buf(p) + _words(p), v.name) for v, p in resident if v.first <= s <= v.last]
        _disjoint(live, f"at step {s}, the buffer ranges")
    for what, group in (("wide", mem.wide), ("pinned", mem.pinned)):
        unknown = sorted(set(group) - set(names))
        if unknown:
            raise VerifyError(f"the {what} set names {unknown[0]!r}, which is not a value of the plan")


def _buf(p: Placement) -> int:
    return p.buf if p.buf is not None else 0


def _words(p: Placement) -> int:
    return p.layout.words if p.layout is not None else 0


def format_memory(mem: MemoryPlan) -> str:
    """Deterministic text of a memory plan (part of ``--emit tiled``)."""
    lines = [f"; memory: staging {mem.stage_words} words at {mem.stage_base}, peak resident {mem.peak_words} words,"
             f" DRAM {mem.dram_words} words"]
    places = {p.value: p for p in mem.placements}
    for v in mem.values:
        p = places[v.name]
        where = f"buffer {p.buf} strides {p.buffer_copy()[1].strides}" if p.resident else "DRAM (streamed)"
        dram = f" dram {p.dram}" if p.dram is not None else ""
        lines.append(f";   {v.name:<12} {v.kind.value:<7} {str(v.shape):<20} steps {v.first}..{v.last}  {where}{dram}")
    if mem.spilled:
        lines.append(f"; spilled to DRAM: {', '.join(mem.spilled)}")
    if mem.residency != "greedy":
        lines.append(f"; streamed set chosen by: {mem.residency}")
    return "\n".join(lines) + "\n"
