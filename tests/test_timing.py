"""The shared cost functions: closed forms and the cost of every timing class."""

from __future__ import annotations


import pytest

from tncc.errors import TnccError
from tncc.ir import DType
from tncc.isa import timing
from tncc.isa.arch import load_arch

FETTA = load_arch("fetta")
SYSTOLIC = load_arch("systolic")


def test_dma_and_shape_cycles() -> None:
    assert timing.dma_cycles(FETTA, 0) == 100
    assert timing.dma_cycles(FETTA, 1) == 101
    assert timing.dma_cycles(FETTA, 64) == 102
    assert timing.dma_cycles(load_arch("fetta:dram.latency=7,bytes_per_cycle=8"), 17) == 7 + 3
    assert timing.shape_cycles(FETTA, 128) == 4  # 2 cycles of reads + 2 of writes on 64 banks
    assert timing.banked_access_cycles(list(range(128)), 64) == 2
    assert timing.banked_access_cycles([0, 64, 128, 1], 64) == 3  # three words of bank 0 in one chunk


def test_gemm_cycles_closed_form_against_scalesim_reference() -> None:
    # reference/scalesim_gemm.md (SCALE-Sim 3.0.0, 32 x 32): (100, 50, 70) -> 1055 / 1163 / 1727.
    arch = load_arch("systolic:rows=32,cols=32")
    assert [timing.gemm_cycles(arch, 100, 50, 70, f) for f in ("os", "ws", "is")] == [1055, 1163, 1727]
    with pytest.raises(TnccError):
        timing.gemm_cycles(arch, 1, 1, 1, "xx")


def test_tile_timing_and_sequence() -> None:
    t = timing.tile_timing(FETTA, beats=32, pa=2, pb=1, drain_words=256, pc=1)
    assert (t.read, t.mac, t.drain, t.front) == (64, 32, 4, 64)
    assert timing.tile_sequence_cycles(t, 1, 10) == 10 + 64 + 4
    assert timing.tile_sequence_cycles(t, 5, 0) == 64 + 4 + 4 * 64
    drain_bound = timing.tile_timing(FETTA, beats=1, pa=1, pb=1, drain_words=256, pc=1)
    assert timing.tile_sequence_cycles(drain_bound, 3, 0) == 1 + 4 + 2 * 4
    assert timing.tile_fill(FETTA) == 2 * 11 + 1 + 2 + 6
    assert timing.conflict_passes([0, 64, 64, 1], 64) == 2


def test_cost_by_class_applies_the_formulas() -> None:
    from types import SimpleNamespace

    from tncc.isa.table import TimingClass, Unit

    cost = timing.COST_BY_CLASS
    desc = SimpleNamespace(elements=16, dtype=DType.FP32, dims=((16, 1, 1),))
    assert cost[TimingClass.DMA](FETTA, {"desc": desc}).front == timing.dma_cycles(FETTA, 64)
    assert cost[TimingClass.SHAPE](FETTA, {"desc": desc, "sbuf": 0, "dbuf": 64}).front == 2
    assert cost[TimingClass.RECONFIG_DIST](FETTA, {}).front == FETTA.dist.reconfig_cycles
    assert cost[TimingClass.RECONFIG_RED](FETTA, {}).front == FETTA.red.reconfig_cycles
    g = SimpleNamespace(m=100, n=50, k=70)
    assert cost[TimingClass.GEMM](SYSTOLIC, {"gemm": g}).front == timing.gemm_cycles(SYSTOLIC, 100, 50, 70)
    for cls in (TimingClass.CONTROL, TimingClass.SYNC):
        assert cost[cls](FETTA, {}) == timing.Cost()
    tile = SimpleNamespace(beats=32, tb=1, tm=16, tn=16, tkk=1)
    c = cost[TimingClass.TILE](FETTA, {"tile": tile, "passes": (2, 1, 1), "points": 5, "refill": True})
    t = timing.tile_timing(FETTA, 32, 2, 1, 256, 1)
    assert c.pipelined and c.span == timing.tile_sequence_cycles(t, 5, timing.tile_fill(FETTA))
    assert c.busy_by_unit(Unit.ARRAY) == (0, 5 * t.read, 5 * t.mac, 5 * t.drain)
    plain = timing.Cost(7)
    assert plain.span == 7 and plain.busy_by_unit(Unit.RED) == (0, 0, 0, 7) and plain.busy_by_unit(None) == (0,) * 4
