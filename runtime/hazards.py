"""An opt-in check that the timing model respects the program's order.

Functional execution is in program order, but the units run decoupled: if a
program forgets a semaphore, a LOAD and the CTILE that reads its words may
overlap in time, and the modelled cycles are then too optimistic for the
numbers the program produced.  With checking on, every instruction's memory
accesses (bounding boxes of the words it reads and writes, per memory) are
compared with those of earlier instructions still running: an access may not
start before every earlier *conflicting* access (write/read, read/write or
write/write on overlapping words) of another instruction has ended.  A
violation is a *sync hazard*: counted in the report, or a TnccError in strict
mode.

Bounding boxes are conservative: interleaved regions whose boxes overlap can
report a hazard that the exact word sets would not have.
"""

from __future__ import annotations

import numpy as np

from tncc.errors import TnccError

WINDOW = 512  # accesses remembered; older ones are long finished in practice


class SyncChecker:
    """Remembers the last :data:`WINDOW` accesses in a ring of numpy arrays so
    each check is a handful of vector operations."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.hazards: list[str] = []
        self.count = 0
        self._lo = np.zeros(WINDOW, dtype=np.int64)
        self._hi = np.full(WINDOW, -1, dtype=np.int64)
        self._end = np.zeros(WINDOW, dtype=np.int64)
        self._mem = np.zeros(WINDOW, dtype=np.int8)
        self._write = np.zeros(WINDOW, dtype=bool)
        self._idx = np.full(WINDOW, -1, dtype=np.int64)
        self._next = 0

    def access(self, mem: int, write: bool, lo: int, hi: int, start: int, end: int, idx: int,
               where: object, mem_name: str) -> None:
        """Check, then remember, that instruction ``idx`` accesses words
        ``lo..hi`` of memory ``mem`` during cycles ``start..end``."""
        clash = ((self._mem == mem) & (self._lo <= hi) & (self._hi >= lo) & (self._end > start)
                 & (self._write | write) & (self._idx != idx))
        if clash.any():
            k = int(np.argmax(clash))
            self.count += 1
            msg = (f"{'writes' if write else 'reads'} {mem_name} words {lo:#x}..{hi:#x} from cycle {start}, but "
                   f"instruction {int(self._idx[k])} {'writes' if self._write[k] else 'reads'} "
                   f"{mem_name} words {int(self._lo[k]):#x}..{int(self._hi[k]):#x} until cycle "
                   f"{int(self._end[k])} (a missing SIGNAL/WAIT)")
            if self.strict:
                raise TnccError(msg, where=str(where))
            if len(self.hazards) < 10:
                self.hazards.append(f"{where}: {msg}")
        n = self._next
        self._lo[n], self._hi[n], self._end[n] = lo, hi, end
        self._mem[n], self._write[n], self._idx[n] = mem, write, idx
        self._next = (n + 1) % WINDOW
