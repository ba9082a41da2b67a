"""Synchronisation of the decoupled units from memory hazards.

The machine's units (DMA, DIST, ARRAY, RED) run their own instruction
queues and meet only through semaphores (``docs/machine.md``, "Units").
:class:`SyncTracker` records, for each unit, the buffer ranges (and network
configuration registers) its instructions read and write.  Before an
instruction of unit ``U`` is emitted it finds every other unit ``V`` with an
earlier, not yet ordered access that conflicts (read-after-write,
write-after-read or write-after-write on overlapping ranges) and emits
``WAIT U, s`` on the channel semaphore ``s`` of the pair ``V -> U``, and
the matching ``SIGNAL V, s`` goes right after ``V``'s *last conflicting*
instruction (not just before the waiter): a SIGNAL covers all of ``V``'s
earlier instructions, so signalling as early as the hazard allows keeps
``V``'s later, unrelated work (the next block's tile, say) out of the wait.
Later instructions of ``U`` need no new pair until ``V`` touches a
conflicting range after the signalled point.

Each channel is signalled only by ``V`` and waited only by ``U``, both in
program order, and the signalled points of a channel only move forward, so
counting semaphores pair up first-in first-out.  The result is minimal for
this model: units overlap wherever no hazard exists, which is exactly the
double (or deeper) buffering of staging slots.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from tncc.isa.program import Instruction
from tncc.isa.table import Opcode, Unit

# Pseudo-ranges for the configuration registers of the networks.
NET_A = (-3, -3)
NET_B = (-2, -2)
RED_CFG = (-1, -1)

Range = tuple[int, int]  # inclusive word range
WINDOW = 256  # unordered accesses of another unit scanned before ordering anyway
PRUNE_AT = 512  # accesses logged per unit and kind before the log is first pruned (then at twice what is left)


def _kind(r: Range) -> Range | bool:
    """The log a range is kept in: a configuration register's pseudo-range
    (negative addresses) its own, every buffer range ``False``."""
    return r if r[0] < 0 else False

_UNITS = tuple(int(u) for u in Unit)
_NUNITS = len(Unit)
_BUFFER_ONLY = (False,)  # the logs an access of buffer ranges only touches


@lru_cache(maxsize=None)
def _pair(src: int, signaller: int, waiter: int, sem: int) -> tuple[Instruction, Instruction]:
    """``SIGNAL signaller, sem`` + ``WAIT waiter, sem`` (instructions are
    immutable, so one pair of objects serves every use)."""
    return (Instruction.make(Opcode.SIGNAL, src, unit=signaller, sem=sem),
            Instruction.make(Opcode.WAIT, src, unit=waiter, sem=sem))


def _overlap(r: Range, s: Range) -> bool:
    return r[0] <= s[1] and s[0] <= r[1]


class SyncTracker:
    """Emits the SIGNAL/WAIT pairs hazards need (module doc)."""

    def __init__(self) -> None:
        self.seq = 0
        # Units are kept as plain ints indexing lists (hashing enum members
        # is slow on this hot path).  Per unit one log of buffer ranges (key
        # False) and one per configuration register (key: its pseudo-range),
        # so a unit that only touches registers (DIST, RED) never scans the
        # long buffer history of the DMA, nor registers it does not touch.
        # A log entry is (seq, lo, hi, wrote).
        self.logs: list[dict[Any, list[tuple[int, int, int, bool]]]] = [
            {k: [] for k in (False, NET_A, NET_B, RED_CFG)} for _ in Unit]
        # synced[u][v]: the seq of V's last instruction that U is ordered after.
        self.synced: list[list[int]] = [[-1] * _NUNITS for _ in Unit]
        self.last_seq: list[int] = [-1] * _NUNITS
        self.pairs = 0
        self.prev_writes: list[list[Range]] = [[] for _ in Unit]
        # Signals placed after an earlier instruction: seq -> SIGNALs to emit
        # right after the instruction recorded with that seq (placed by
        # passes.emitter.Emitter.finish).
        self.early: dict[int, list[Instruction]] = {}
        self.prune_at: list[dict[Any, int]] = [{k: PRUNE_AT for k in logs} for logs in self.logs]

    @staticmethod
    def sem(src: Unit, dst: Unit) -> int:
        return int(src) * len(Unit) + int(dst)

    def access(self, unit: Unit, reads: list[Range], writes: list[Range], src: int,
               early_reads: list[Range] | None = None) -> list[Instruction]:
        """Synchronisation instructions to emit before an instruction of
        ``unit`` that reads ``reads`` and writes ``writes``; records the access.

        ``early_reads`` (a tile's operands) are read before the unit's
        previous instruction has finished writing (its drain overlaps the
        next tile's operand reads): reading what that instruction writes
        needs the unit to wait for itself."""
        out: list[Instruction] = []
        u = int(unit)
        if early_reads:
            prev = self.prev_writes[u]
            if any(lo <= rhi and rlo <= hi for lo, hi in prev for rlo, rhi in early_reads):
                out.extend(_pair(src, u, u, u * _NUNITS + u))
                self.pairs += 1
        kinds: Any
        if all(r[0] >= 0 for r in reads) and all(w[0] >= 0 for w in writes):
            kinds = _BUFFER_ONLY  # the common case: buffer ranges only
        else:
            # The logs in the order this set iterates them (it decides which
            # one hits the scanning window first).
            kinds = {r if r[0] < 0 else False for r in reads} | {w if w[0] < 0 else False for w in writes}
        synced = self.synced[u]
        for v in _UNITS:
            if v == u:
                continue
            floor = synced[v]
            last = self.last_seq[v]
            if last <= floor:  # nothing of V since U was last ordered after it
                continue
            logs = self.logs[v]
            at = -1  # the latest conflicting V instruction: the SIGNAL follows it
            for kind in kinds:
                log = logs[kind]
                # Entries at index <= stop are WINDOW or more back: past
                # WINDOW unordered accesses, order conservatively (one extra
                # pair keeps the tracker linear in program size).
                stop = len(log) - 1 - WINDOW
                i = len(log) - 1
                while i >= 0:
                    seq, lo, hi, wrote = log[i]
                    if seq <= floor or seq <= at:
                        break
                    if i <= stop:
                        at = last  # too far back to scan: order all of V so far
                        break
                    hit = False
                    for wlo, whi in writes:
                        if lo <= whi and wlo <= hi:
                            hit = True
                            break
                    if not hit and wrote:
                        for rlo, rhi in reads:
                            if lo <= rhi and rlo <= hi:
                                hit = True
                                break
                    if hit:
                        at = seq
                        break
                    i -= 1
                if at == last:
                    break
            if at >= 0:
                sig, wait = _pair(src, v, u, v * _NUNITS + u)
                if at == last:
                    out.append(sig)
                else:
                    self.early.setdefault(at, []).append(sig)
                out.append(wait)
                synced[v] = at
                self.pairs += 1
        self.seq += 1
        seq = self.seq
        logs = self.logs[u]
        for r in reads:
            logs[_kind(r)].append((seq, r[0], r[1], False))
        for w in writes:
            logs[_kind(w)].append((seq, w[0], w[1], True))
        self.last_seq[u] = seq
        self.prev_writes[u] = writes
        prune_at = self.prune_at[u]
        for kind in kinds:
            if len(logs[kind]) > prune_at[kind]:
                self._prune(u, kind)
                prune_at[kind] = max(PRUNE_AT, 2 * len(logs[kind]))
        return out

    def _prune(self, v: int, kind: Any) -> None:
        """Forget accesses every other unit is already ordered after."""
        floor = min(self.synced[u][v] for u in _UNITS if u != v)
        self.logs[v][kind] = [e for e in self.logs[v][kind] if e[0] > floor]
