"""The timing model: units in program order, semaphores, tile overlap."""

from __future__ import annotations

import pytest

from tncc.errors import TnccError
from tncc.isa.table import Unit
from tncc.isa.sched import Scheduler


def test_units_run_independently_until_a_semaphore_orders_them() -> None:
    s = Scheduler(trace=True)
    assert s.simple(Unit.DMA, 100, "LOAD", {}) == (0, 100)
    assert s.simple(Unit.DIST, 8, "DIST", {}) == (0, 8)  # overlaps the DMA
    t = s.signal(Unit.DMA, 0)
    assert t == 100
    assert s.wait(Unit.ARRAY, 0, "w", "WAIT", {}) == (0, 100)
    assert s.simple(Unit.ARRAY, 10, "GEMM", {}) == (100, 110)
    assert s.makespan() == 110
    assert s.busy == [100, 8, 10, 0]


def test_signals_are_consumed_in_order_and_a_missing_one_is_a_deadlock() -> None:
    s = Scheduler(trace=False)
    s.simple(Unit.DMA, 5, "", {})
    s.signal(Unit.DMA, 1)
    s.simple(Unit.DMA, 5, "", {})
    s.signal(Unit.DMA, 1)
    assert s.wait(Unit.RED, 1, "w", "", {})[1] == 5
    assert s.wait(Unit.RED, 1, "w", "", {})[1] == 10
    with pytest.raises(TnccError, match="deadlock"):
        s.wait(Unit.RED, 1, "instruction 9 (WAIT)", "", {})


def test_consecutive_tiles_overlap_drain_with_the_next_front() -> None:
    s = Scheduler(trace=True)
    a = s.tile(fill=10, front=32, drain=4, count=2, busy=(64, 64, 8), name="t1", args={})
    b = s.tile(fill=0, front=32, drain=4, count=1, busy=(32, 32, 4), name="t2", args={})
    assert a == (0, 10 + 32 + 4 + 32)
    assert b[0] == 10 + 64  # starts when DIST/ARRAY are free, while RED still drains t1
    assert b[1] == b[0] + 36
    for tid in range(4):
        track = sorted((e for e in s.events if e["tid"] == tid), key=lambda e: e["ts"])
        for x, y in zip(track, track[1:]):
            assert x["ts"] + x["dur"] <= y["ts"]
    assert s.done[Unit.ARRAY] == b[1]  # a tile is done once drained


def test_charge_places_a_cost_on_its_unit_or_pipelines_a_tile() -> None:
    from tncc.isa.timing import Cost

    s = Scheduler(trace=False)
    assert s.charge(Unit.DMA, Cost(100), "", {}) == (0, 100)
    assert s.charge(None, Cost(), "", {}) == (0, 0)
    with pytest.raises(TnccError, match="no unit"):
        s.charge(None, Cost(3), "NOP", {})
    tile = Cost(front=32, drain=4, count=2, fill=10, pipelined=True, busy=(0, 64, 64, 8))
    assert s.charge(Unit.ARRAY, tile, "", {}) == (0, tile.span)
    assert s.busy == [100, 64, 64, 8]
