"""Modelled cycles of a program without executing it.

The compiler lowers a plan more than one way where a choice trades one cost
against another (a smaller staging area against more reloads, wider bank
paddings against a spill) and keeps the cheaper program.  This estimate is
the emulator's timing model without the data: every instruction's cost comes
from its timing class (``tncc.isa.timing.COST_BY_CLASS``, the same functions
the emulator charges), a tile's bank-conflict passes from its descriptor's
port and drain patterns, and the units overlap through the program's own
SIGNAL/WAIT pairs in :class:`tncc.runtime.sched.Scheduler`.  What it leaves
out is only what needs the data: nothing the timing depends on, so on
programs the emulator accepts the two agree (a test holds them equal).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from tncc.isa import timing
from tncc.isa.program import Program
from tncc.isa.table import TABLE, Opcode
from tncc.runtime.memory import affine_offsets
from tncc.runtime.sched import Scheduler
from tncc.runtime.tile import drain_passes

_FIELDS = {op: tuple((f.name, f.ref.value if f.ref is not None else None) for f in s.fields)
           for op, s in TABLE.items()}


def tile_passes(desc: Any, arch: Any) -> tuple[int, int, int]:
    """Conflict passes of a tile's A and B beats and of its drain."""
    return _passes(desc.a.port_dims, desc.b.port_dims, desc.c.dims, arch.buffer.banks, arch.red.ports)


@lru_cache(maxsize=8192)
def _passes(a: tuple, b: tuple, c: tuple, banks: int, rports: int) -> tuple[int, int, int]:
    return (timing.conflict_passes(affine_offsets(a), banks), timing.conflict_passes(affine_offsets(b), banks),
            drain_passes(affine_offsets(c), rports, banks))


def estimate_cycles(program: Program, arch: Any) -> int:
    """The makespan the emulator would report for ``program`` on ``arch``."""
    sched = Scheduler(trace=False)
    fns = {op: timing.COST_BY_CLASS[s.timing_class] for op, s in TABLE.items()}
    passes: dict[int, tuple[int, int, int]] = {}
    costs: dict[tuple, Any] = {}
    refill = True
    for ins in program.instructions:
        op = ins.opcode
        if op is Opcode.HALT:
            break
        if op is Opcode.WAIT:
            sched.wait(ins.fields[0], ins.fields[1], "", "", {})
        elif op in (Opcode.DIST, Opcode.RED):
            refill = True
        key: tuple = (op, ins.fields)
        if op is Opcode.CTILE:
            key = (op, ins.fields, refill)
        cost = costs.get(key)
        if cost is None:
            ops = {name: (getattr(program, ref)[v] if ref is not None else v)
                   for (name, ref), v in zip(_FIELDS[op], ins.fields)}
            if op is Opcode.CTILE:
                d = program.tiles[ins.tile]
                p = passes.get(ins.tile)
                if p is None:
                    p = passes[ins.tile] = tile_passes(d, arch)
                points = 1
                for row in d.loops:
                    points *= row[0]
                ops.update(passes=p, points=points, refill=refill)
            cost = costs[key] = fns[op](arch, ops)
        if op is Opcode.CTILE:
            refill = False
        sched.charge(TABLE[op].unit(ins.fields), cost, "", {})
        if op is Opcode.SIGNAL:
            sched.signal(ins.fields[0], ins.fields[1])
    return sched.makespan()
