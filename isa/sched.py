"""The timing model: four decoupled units, semaphores, and the trace.

Each unit (``DMA``, ``DIST``, ``ARRAY``, ``RED``) executes its instructions in
program order; an instruction starts when its unit (or, for a tile, every
unit it engages) is free.  Units synchronise only through semaphores:
``SIGNAL u s`` records the time at which every earlier instruction issued on
unit ``u`` has finished; ``WAIT u s`` holds unit ``u`` until the oldest
unconsumed signal of ``s``.  Functional execution is in program order, so a
``WAIT`` must come after the ``SIGNAL`` it consumes in the instruction
stream (a ``WAIT`` with nothing to consume is reported as a deadlock).

A tile sequence (``CTILE``) engages DIST and ARRAY for its fill and
read/multiply phase and RED for the drains, which start after the first
tile's front phase and end with the sequence; RED of one CTILE therefore
overlaps DIST/ARRAY of the next (double-buffered accumulators).

Every interval a unit is engaged becomes one trace slice on that unit's
track; slices of one track never overlap because a unit's next slice starts
no earlier than its free time.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from tncc.errors import TnccError
from tncc.isa.table import Unit
from tncc.isa.timing import Cost

UNITS: tuple[str, ...] = tuple(u.name for u in Unit)


class Scheduler:
    """Start/end times of instructions on the units; see the module doc."""

    def __init__(self, trace: bool) -> None:
        self.free = [0] * len(UNITS)  # when a unit can start its next instruction
        self.done = [0] * len(UNITS)  # when every instruction issued on it has finished
        self.busy = [0] * len(UNITS)
        self.sems: dict[int, deque[int]] = {}
        self.events: list[dict[str, Any]] | None = [] if trace else None

    def _slice(self, unit: int, start: int, end: int, name: str, args: dict[str, Any]) -> None:
        if self.events is not None and end > start:
            self.events.append({"name": name, "cat": UNITS[unit], "ph": "X", "ts": start, "dur": end - start,
                                "pid": 0, "tid": unit, "args": args})

    def charge(self, unit: int | None, cost: Cost, name: str, args: dict[str, Any]) -> tuple[int, int]:
        """Charge an instruction's :class:`~tncc.isa.timing.Cost` (from its
        timing class) to the unit the ISA table issues it on: a pipelined
        cost is a tile sequence (:meth:`tile`), any other occupies ``unit``
        for ``cost.front`` cycles.  ``unit`` None (the control sequencer)
        takes no unit time."""
        if cost.pipelined:
            busy = cost.busy_by_unit(unit)
            return self.tile(cost.fill, cost.front, cost.drain, cost.count, (busy[Unit.DIST], busy[Unit.ARRAY],
                                                                                busy[Unit.RED]), name, args)
        if unit is None:
            if cost.front:
                raise TnccError(f"{name or 'a control instruction'} has a cost of {cost.front} cycles but no unit "
                                f"to charge it to")
            return 0, 0
        return self.simple(unit, cost.front, name, args)

    def simple(self, unit: int, cycles: int, name: str, args: dict[str, Any]) -> tuple[int, int]:
        """An instruction occupying one unit for ``cycles``."""
        start = self.free[unit]
        end = start + cycles
        self.free[unit] = end
        self.done[unit] = max(self.done[unit], end)
        self.busy[unit] += cycles
        self._slice(unit, start, end, name, args)
        return start, end

    def tile(self, fill: int, front: int, drain: int, count: int, busy: tuple[int, int, int], name: str,
             args: dict[str, Any]) -> tuple[int, int]:
        """A CTILE: ``count`` tiles with per-tile ``front`` (read/multiply) and
        ``drain`` phases and ``fill`` cycles of pipeline fill up front.
        ``busy`` = (DIST, ARRAY, RED) busy cycles."""
        dist, arr, red = Unit.DIST, Unit.ARRAY, Unit.RED
        lead = fill + front  # when the first drain starts, relative to the start
        start = max(self.free[dist], self.free[arr], self.free[red] - lead)
        end = start + fill + front + drain + (count - 1) * max(front, drain)
        front_end = start + fill + count * front if front >= drain else end - drain
        for u in (dist, arr):
            self._slice(u, start, front_end, name, args)
            self.free[u] = front_end
        self._slice(red, start + lead, end, name, args)
        self.free[red] = end
        for u, b in zip((dist, arr, red), busy):
            self.busy[u] += b
        self.done[arr] = max(self.done[arr], end)  # the CTILE is issued on ARRAY: done once drained
        for u in (dist, red):
            self.done[u] = max(self.done[u], self.free[u])
        return start, end

    def signal(self, unit: int, sem: int) -> int:
        t = max(self.done[unit], self.free[unit])
        self.sems.setdefault(sem, deque()).append(t)
        return t

    def wait(self, unit: int, sem: int, where: object, name: str, args: dict[str, Any]) -> tuple[int, int]:
        q = self.sems.get(sem)
        if not q:
            raise TnccError(f"{UNITS[unit]} waits on semaphore {sem}, which no earlier instruction signals "
                            f"(the units would deadlock)", where=str(where))
        t = q.popleft()
        start = self.free[unit]
        if t > start:
            self._slice(unit, start, t, name, args)
            self.free[unit] = t
        return start, max(start, t)

    def makespan(self) -> int:
        return max(max(self.free), max(self.done))

    def chrome_trace(self, program_name: str) -> list[dict[str, Any]]:
        """The trace: thread-name metadata (one track per unit) then slices.
        Timestamps and durations are in cycles."""
        meta: list[dict[str, Any]] = [{"name": "process_name", "ph": "M", "pid": 0,
                                       "args": {"name": f"tncc emulator: {program_name} (1 us = 1 cycle)"}}]
        for i, u in enumerate(UNITS):
            meta.append({"name": "thread_name", "ph": "M", "pid": 0, "tid": i, "args": {"name": u}})
            meta.append({"name": "thread_sort_index", "ph": "M", "pid": 0, "tid": i, "args": {"sort_index": i}})
        return meta + list(self.events or [])
