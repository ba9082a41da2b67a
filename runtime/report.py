"""What a run measured: totals, per unit, per instruction, per source statement.

Counters are recorded per instruction (a :class:`Record`); energy is
linear in them, so it is computed from the per-event table of the arch file
(``tncc.isa.timing.energy_pj``) when the report is built, per instruction
and per statement alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tncc.isa import timing
from tncc.isa.arch import Arch
from tncc.isa.sched import UNITS
from tncc.jsonsafe import dumps


COUNTERS = ("macs", "dram_bytes", "buffer_words", "hops", "conflicts", "reconfigs")


@dataclass(frozen=True, slots=True)
class Record:
    """One executed instruction, as the emulator records it: its index, opcode
    name and source statement, its start and end cycle, its counters
    (:data:`COUNTERS`) and the cycles it kept each unit busy (in ``UNITS``
    order: DMA, DIST, ARRAY, RED)."""

    index: int
    opcode: str
    src: int
    start: int
    end: int
    macs: int = 0
    dram_bytes: int = 0
    buffer_words: int = 0
    hops: int = 0
    conflicts: int = 0
    reconfigs: int = 0
    busy: tuple[int, ...] = (0, 0, 0, 0)

    def numbers(self) -> tuple[int, ...]:
        """The counters, then the busy cycles per unit (what :class:`Totals` sums)."""
        return (self.macs, self.dram_bytes, self.buffer_words, self.hops, self.conflicts, self.reconfigs,
                *self.busy)


def _stmt(statements: tuple[str, ...], src: int) -> str | None:
    return statements[src] if 0 <= src < len(statements) else None


@dataclass(slots=True)
class Totals:
    """Sums of the counters over a set of instructions."""

    instructions: int = 0
    macs: int = 0
    dram_bytes: int = 0
    buffer_words: int = 0
    hops: int = 0
    conflicts: int = 0
    reconfigs: int = 0
    busy: list[int] = field(default_factory=lambda: [0, 0, 0, 0])

    @classmethod
    def of(cls, rows: np.ndarray) -> "Totals":
        """From rows of :meth:`Record.numbers`."""
        s = [int(v) for v in rows.sum(axis=0)] if rows.size else [0] * 10
        return cls(int(rows.shape[0]), s[0], s[1], s[2], s[3], s[4], s[5], busy=s[6:10])

    def energy(self, arch: Arch) -> dict[str, float]:
        return timing.energy_pj(arch, macs=self.macs, buffer_words=self.buffer_words, dram_bytes=self.dram_bytes,
                                hops=self.hops, reconfigs=self.reconfigs)

    def to_dict(self, arch: Arch) -> dict[str, Any]:
        return {"instructions": self.instructions, "macs": self.macs, "dram_bytes": self.dram_bytes,
                "buffer_words": self.buffer_words, "bank_conflicts": self.conflicts,
                "reconfigurations": self.reconfigs, "busy": dict(zip(UNITS, self.busy)),
                "energy_pj": float(sum(self.energy(arch).values()))}


class Report:
    """The measurements of one run.  ``cycles`` is the makespan; unit busy
    cycles come from the scheduler; everything else sums the instructions."""

    def __init__(self, arch: Arch, statements: tuple[str, ...], records: list[Record], cycles: int,
                 unit_busy: list[int]) -> None:
        self.arch = arch
        self.statements = statements
        self.records = records
        self.cycles = int(cycles)
        self.unit_busy = dict(zip(UNITS, (int(b) for b in unit_busy)))
        nums = np.array([r.numbers() for r in records], dtype=np.int64).reshape(len(records), 10)
        srcs = np.array([r.src for r in records], dtype=np.int64)
        self.totals = Totals.of(nums)
        self.sync_hazards: int | None = None  # set when the run checked synchronisation
        self.sync_messages: tuple[str, ...] = ()
        self.by_statement: dict[int, Totals] = {int(src): Totals.of(nums[srcs == src]) for src in np.unique(srcs)}

    # -- headline numbers ---------------------------------------------------------
    @property
    def array_cycles(self) -> int:
        return self.unit_busy["ARRAY"]

    @property
    def macs(self) -> int:
        return self.totals.macs

    @property
    def utilization(self) -> float:
        """MACs performed over MACs the array could perform in ``cycles``."""
        peak = self.arch.peak_macs_per_cycle * self.cycles
        return self.totals.macs / peak if peak else 0.0

    @property
    def dram_bytes(self) -> int:
        return self.totals.dram_bytes

    @property
    def buffer_bytes(self) -> int:
        return self.totals.buffer_words * self.arch.buffer.word_bytes

    @property
    def energy_by_component(self) -> dict[str, float]:
        return self.totals.energy(self.arch)

    @property
    def energy_pj(self) -> float:
        return float(sum(self.energy_by_component.values()))

    # -- forms ----------------------------------------------------------------------
    def to_dict(self, instructions: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "arch": self.arch.name,
            "cycles": self.cycles,
            "array_cycles": self.array_cycles,
            "macs": self.macs,
            "utilization": self.utilization,
            "energy_pj": self.energy_pj,
            "energy_by_component_pj": self.energy_by_component,
            "dram_bytes": self.dram_bytes,
            "buffer_bytes": self.buffer_bytes,
            "bank_conflicts": self.totals.conflicts,
            "reconfigurations": self.totals.reconfigs,
            "unit_busy": self.unit_busy,
            "instructions_executed": self.totals.instructions,
            "sync_hazards": self.sync_hazards,
            "statements": [{"statement": _stmt(self.statements, src), **t.to_dict(self.arch)}
                           for src, t in sorted(self.by_statement.items())],
        }
        if instructions:
            out["instructions"] = [self.instruction(i) for i in range(len(self.records))]
        return out

    def instruction(self, i: int) -> dict[str, Any]:
        """The ``i``-th executed instruction's record as a dict."""
        r = self.records[i]
        t = Totals(1, r.macs, r.dram_bytes, r.buffer_words, r.hops, r.conflicts, r.reconfigs, busy=list(r.busy))
        return {"index": r.index, "opcode": r.opcode, "statement": _stmt(self.statements, r.src), "start": r.start,
                "end": r.end, **{k: v for k, v in t.to_dict(self.arch).items() if k != "instructions"}}

    def to_json(self, instructions: bool = True) -> str:
        """The report as JSON; a value that is not finite (an energy past the
        float range) is ``null`` (:mod:`tncc.jsonsafe`)."""
        return dumps(self.to_dict(instructions), indent=1)

    def format(self) -> str:
        """A human summary: totals, units, energy, and the statements by cost."""
        lines = [
            f"arch {self.arch.name}: {self.cycles} cycles, {self.totals.instructions} instructions",
            f"  MACs {self.macs}  utilisation {100 * self.utilization:.1f}%",
            f"  DRAM {self.dram_bytes} B  buffer {self.buffer_bytes} B  bank conflicts {self.totals.conflicts}"
            f"  reconfigurations {self.totals.reconfigs}",
            "  busy cycles: " + "  ".join(f"{u} {b} ({100 * b / self.cycles if self.cycles else 0:.0f}%)"
                                          for u, b in self.unit_busy.items()),
            f"  energy {self.energy_pj / 1e6:.3f} uJ: " + "  ".join(
                f"{k} {v / 1e6:.3f}" for k, v in self.energy_by_component.items()),
        ]
        if self.sync_hazards:
            lines.append(f"  sync hazards {self.sync_hazards} (units overlap where program order says they "
                         f"may not):")
            lines += [f"    {m}" for m in self.sync_messages]
        if self.by_statement:
            lines.append("  per statement (busy ARRAY cycles, MACs, DRAM bytes, energy uJ):")
            rows = sorted(self.by_statement.items(), key=lambda kv: -kv[1].busy[2])
            for src, t in rows:
                text = _stmt(self.statements, src) or "(no statement)"
                lines.append(f"    {t.busy[2]:>10} {t.macs:>12} {t.dram_bytes:>10} "
                             f"{sum(t.energy(self.arch).values()) / 1e6:>9.3f}  {text}")
        return "\n".join(lines)
