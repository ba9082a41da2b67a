"""The shared cost functions: closed forms, tile choice against brute force,
and the whole-contraction estimate's invariants."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tncc.errors import TnccError
from tncc.ir import DType
from tncc.isa import timing
from tncc.isa.arch import load_arch
from tncc.plan import Dataflow

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


def _legal(arch, t: timing.Tile, flow: str) -> bool:
    p, lanes, rp = arch.dist.ports, timing.total_lanes(arch), arch.red.ports
    if t.tb * t.tm * t.tkk > p or t.tb * t.tn * t.tkk > p or t.lanes > lanes:
        return False
    if flow == Dataflow.OUTER:
        return t.tb == 1 and t.tkk == 1
    if flow == Dataflow.BATCH:
        return t.tkk == 1
    return t.tb * t.tm * t.tn <= rp


SMALL = load_arch("fetta:dist.ports=16,red.ports=16,banks=16,ce_rows=2,ce_cols=2,lanes=8")


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 40), st.integers(1, 40), st.integers(1, 40),
       st.sampled_from([Dataflow.OUTER, Dataflow.BATCH, Dataflow.INNER]))
def test_choose_tile_is_legal_and_as_good_as_brute_force(b: int, m: int, n: int, k: int, flow: str) -> None:
    arch = SMALL
    t = timing.choose_tile(arch, b, m, n, k, flow)
    assert _legal(arch, t, flow)
    best = min(timing._tile_score(arch, b, m, n, k, timing.Tile(*c))
               for c in itertools.product(range(1, min(b, 16) + 1), range(1, min(m, 16) + 1),
                                          range(1, min(n, 16) + 1), range(1, min(k, 16) + 1))
               if _legal(arch, timing.Tile(*c), flow) and (flow != Dataflow.INNER or True))
    assert timing._tile_score(arch, b, m, n, k, t)[0] == best[0]


@pytest.mark.parametrize("shape", [(1, 1024, 1024, 1024), (32, 8, 8, 768), (1, 12, 30, 8), (4096, 1, 1, 1),
                                   (1, 32000, 768, 1), (50, 101, 101, 128)])
@pytest.mark.parametrize("dtype", [DType.FP32, DType.INT8])
def test_estimate_invariants(shape: tuple[int, int, int, int], dtype: DType) -> None:
    b, m, n, k = shape
    for arch, flows in ((FETTA, (Dataflow.OUTER, Dataflow.INNER, Dataflow.BATCH)), (SYSTOLIC, (Dataflow.GEMM,))):
        for flow in flows:
            e = timing.estimate_contraction(arch, b, m, n, k, flow, dtype)
            assert e.macs == b * m * n * k
            out_bytes = 4 if dtype.is_int else dtype.nbytes
            compulsory = b * (m * k + k * n) * dtype.nbytes + b * m * n * out_bytes
            assert e.dram_bytes >= compulsory
            assert e.cycles >= e.macs / arch.peak_macs_per_cycle
            assert e.cycles >= e.dram_bytes / arch.dram.bytes_per_cycle
            assert 0 < e.buffer_words <= arch.buffer_words
            assert e.energy_pj >= e.macs * arch.energy.mac_pj + e.dram_bytes * arch.energy.dram_byte_pj
        flow, est = timing.best_dataflow(arch, b, m, n, k, dtype)
        assert est == min((timing.estimate_contraction(arch, b, m, n, k, f, dtype) for f in flows),
                          key=lambda e: (e.cycles, e.energy_pj))


def test_estimate_prefers_inner_for_long_contractions_and_outer_for_outer_products() -> None:
    assert timing.best_dataflow(FETTA, 1, 4, 4, 4096, DType.FP32)[0] == Dataflow.INNER
    flow, est = timing.best_dataflow(FETTA, 1, 64, 64, 1, DType.FP32)
    assert flow == Dataflow.OUTER


def test_systolic_shape_words_cost_cycles() -> None:
    plain = timing.estimate_contraction(SYSTOLIC, 1, 256, 256, 256, Dataflow.GEMM, DType.FP32)
    shaped = timing.estimate_contraction(SYSTOLIC, 1, 256, 256, 256, Dataflow.GEMM, DType.FP32,
                                         shape_words=65536)
    assert shaped.cycles > plain.cycles and shaped.energy_pj > plain.energy_pj


def test_fetta_dataflows_need_a_fetta_arch() -> None:
    with pytest.raises(TnccError):
        timing.choose_tile(SYSTOLIC, 1, 8, 8, 8, Dataflow.OUTER)
    with pytest.raises(TnccError):
        timing.choose_tile(FETTA, 1, 8, 8, 8, "diagonal")
    assert math.prod(timing.choose_tile(SYSTOLIC, 1, 8, 8, 8, Dataflow.GEMM).__getattribute__(f)
                     for f in ("tm", "tn")) == 256


@pytest.mark.parametrize("m,n,k,blocks", [(256, 256, 256, dict(mb=256, nb=128, kb=128)),
                                          (512, 512, 512, dict(mb=512, nb=256, kb=64, c_buffers=1)),
                                          (128, 128, 1024, dict(mb=128, nb=128, kb=256))])
def test_estimate_tracks_the_emulated_cycles_of_a_blocked_gemm(m: int, n: int, k: int, blocks: dict) -> None:
    """One source of truth: the planner's estimate and the emulator's
    measurement of a sensible blocked GEMM program agree within 25%."""
    from tncc.runtime import Emulator
    from tncc.runtime.programs import fetta_gemm

    measured = Emulator(fetta_gemm(FETTA, m, n, k, **blocks)).run().report.cycles
    est = timing.estimate_contraction(FETTA, 1, m, n, k, Dataflow.OUTER, DType.FP32)
    assert 0.75 <= est.cycles / measured <= 1.25, (est.cycles, measured)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4096), st.integers(1, 4096), st.integers(1, 4096), st.integers(1, 4096),
       st.sampled_from([DType.FP32, DType.FP16, DType.INT8]))
def test_every_contraction_gets_an_estimate(b: int, m: int, n: int, k: int, dtype: DType) -> None:
    for arch in (FETTA, SYSTOLIC):
        flow, est = timing.best_dataflow(arch, b, m, n, k, dtype)
        assert est.macs == b * m * n * k and est.cycles > 0
        assert est.buffer_words <= arch.buffer_words


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
