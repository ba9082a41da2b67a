"""Code generation end to end: examples compile on both presets, fetta needs
no SHAPE pass, systolic does where layouts disagree, memory and
synchronisation invariants hold, generated networks match numpy."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tncc
from tncc.errors import TnccError
from tncc.frontend import load_file, load_source
from tncc.isa.program import Instruction
from tncc.passes.options import LoweringOptions
from tncc.isa.table import Opcode, Unit
from tncc.passes.layout import compact
from tncc.passes.framework import PassContext, Pipeline
from tncc.passes.lowering_passes import CodeGen, PlanMemory, Tile, TuneLayouts
from tncc.passes.options import DEFAULT as DEFAULT_OPTIONS
from tncc.testing import networks

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.tn"))
PRESETS = ("fetta", "systolic")


def _opcodes(program) -> Counter:
    return Counter(ins.opcode for ins in program.instructions)


def _check_sync(program) -> None:
    """Every WAIT has an earlier matching SIGNAL (program order is the order
    each unit sees its queue), and the counts balance."""
    count: Counter = Counter()
    for ins in program.instructions:
        if ins.opcode is Opcode.SIGNAL:
            count[ins.sem] += 1
        elif ins.opcode is Opcode.WAIT:
            count[ins.sem] -= 1
            assert count[ins.sem] >= 0, f"WAIT on semaphore {ins.sem} before its SIGNAL"
    assert all(v == 0 for v in count.values())


def _check_memory(low) -> None:
    """Resident values whose lifetimes overlap use disjoint buffer ranges below staging."""
    mem = low.memory
    places = {p.value: p for p in mem.placements}
    res = [(v, places[v.name]) for v in mem.values if places[v.name].resident]
    for v, p in res:
        assert p.buf + p.layout.words <= mem.stage_base
    for k, (v, p) in enumerate(res):
        for w, q in res[k + 1:]:
            if v.first <= w.last and w.first <= v.last:
                assert p.buf + p.layout.words <= q.buf or q.buf + q.layout.words <= p.buf, (v.name, w.name)


@pytest.mark.parametrize("arch", PRESETS)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_compiles(path: Path, arch: str) -> None:
    for net in load_file(path):
        c = tncc.compile(net, arch)
        ops = _opcodes(c.program)
        if arch == "fetta":
            assert ops[Opcode.SHAPE] == 0 and ops[Opcode.GEMM] == 0 and ops[Opcode.CTILE] > 0
        else:
            assert ops[Opcode.CTILE] == 0 and ops[Opcode.DIST] == 0 and ops[Opcode.GEMM] > 0
        assert c.program.instructions[-1].opcode is Opcode.HALT
        _check_sync(c.program)
        _check_memory(c.lowered)
        assert c.lowered.tiled.steps and all(ts.macs for ts in c.lowered.tiled.steps)


TRANSPOSED = """
network transposed {
  index i = 13, k = 9, j = 20
  input x[i, k]
  param w[j, k]
  y[j, i] = x[i, k] * w[j, k]
  output y
}
"""


def test_systolic_shapes_where_layouts_disagree_fetta_never() -> None:
    (net,) = load_source(TRANSPOSED)
    f = tncc.compile(net, "fetta")
    s = tncc.compile(net, "systolic")
    assert _opcodes(f.program)[Opcode.SHAPE] == 0
    # One operand must be transposed whichever is A: by a SHAPE pass, or by
    # the load that brings the leaf into the buffer in its matrix order.
    permuted = [p for p in s.lowered.memory.placements if p.resident and p.layout is not None
                and p.dram_layout is not None and p.layout.strides != p.dram_layout.strides]
    assert _opcodes(s.program)[Opcode.SHAPE] + len(permuted) >= 1
    declared = Pipeline((PlanMemory(leaf_matrices=False), Tile(), TuneLayouts(),
                         CodeGen.for_options(DEFAULT_OPTIONS))).run(s.plan, PassContext(s.arch, True))
    assert _opcodes(declared.program)[Opcode.SHAPE] >= 1  # leaves as declared: a SHAPE pass transposes
    for c in (f, s):
        r = c.run(seed=3)
        assert r.match, r.report["outputs"]


def test_systolic_row_major_gemm_needs_no_shape() -> None:
    (net,) = load_source("network g {\n index i = 20, k = 30, j = 17\n input a[i, k]\n param b[k, j]\n"
                         " c[i, j] = a * b\n output c\n}\n")
    s = tncc.compile(net, "systolic")
    assert _opcodes(s.program)[Opcode.SHAPE] == 0
    assert s.run().match


def test_spills_when_the_buffer_is_small_and_still_matches() -> None:
    (net,) = [n for n in load_file(EXAMPLES[0].parent / "tt_linear.tn")]
    for arch in ("fetta:buffer.bytes=16384", "systolic:buffer.bytes=16384"):
        c = tncc.compile(net, arch)
        assert c.lowered.memory.streamed, "a 4096-word buffer cannot hold every tensor"
        _check_sync(c.program)
        r = c.run(seed=1)
        assert r.match, (arch, r.report["outputs"])


def test_output_larger_than_the_buffer_is_blocked() -> None:
    (net,) = load_source("network big {\n index i = 70, j = 90, r = 3\n input a[i, r]\n input b[j, r]\n"
                         " u[i, j] = a * b\n output u\n}\n")
    c = tncc.compile(net, "fetta:buffer.bytes=8192")
    assert "u" in c.lowered.memory.streamed
    assert len(c.lowered.tiled.steps[0].blocks) > 1
    assert c.run().match


def test_resource_error_points_at_the_statement() -> None:
    src = "network r {\n index i = 40, j = 40\n input a[i]\n input b[j]\n u[i, j] = a * b\n output u\n}\n"
    (net,) = load_source(src, file="tiny.tn")
    from tncc.isa.arch import load_arch
    from tncc.passes.lower import lower_plan

    plan = tncc.compile(net, "fetta").plan  # planned for the normal buffer, lowered for a tiny one
    with pytest.raises(TnccError, match=r"tiny.tn:5:\d+: statement `u`"):
        lower_plan(plan, load_arch("fetta:buffer.bytes=32,banks=4,dist.ports=4,red.ports=4"))


def test_program_size_follows_structure_not_elements() -> None:
    small = load_source("network s {\n index i = 16, k = 16, j = 16\n input a[i, k]\n param b[k, j]\n"
                        " c[i, j] = a * b\n output c\n}\n")[0]
    large = load_source("network s {\n index i = 256, k = 256, j = 256\n input a[i, k]\n param b[k, j]\n"
                        " c[i, j] = a * b\n output c\n}\n")[0]
    # Everything resident: the lowering for a smaller buffer (which streams
    # the 256 KiB operands block by block, when that is faster) is kept out.
    resident = LoweringOptions(smaller_buffer=False)
    n_small = len(tncc.compile(small, lowering=resident).program.instructions)
    n_large = len(tncc.compile(large, lowering=resident).program.instructions)
    assert n_large <= n_small + 8  # the tile loop nest grows, not the instruction count


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(networks(min_tensors=2, max_tensors=5, max_statements=2, grads=True), st.sampled_from(PRESETS),
       st.integers(0, 3))
def test_generated_networks_match_numpy(net, arch, seed) -> None:
    c = tncc.compile(net, arch)
    ops = _opcodes(c.program)
    if arch == "fetta":
        assert ops[Opcode.SHAPE] == 0
    _check_sync(c.program)
    r = c.run(seed=seed)
    assert r.match, (net, r.report["outputs"])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(networks(min_tensors=4, max_tensors=8, max_indices=8, max_rank=3, max_statements=1), st.sampled_from(PRESETS))
def test_generated_large_networks_match_numpy(net, arch) -> None:
    r = tncc.compile(net, arch).run()
    assert r.match, (net, r.report["outputs"])


def _emulate_checked(c, seed: int = 0):
    """Emulate with the synchronisation checker on: no access of one unit may
    overlap in time a conflicting access of another (the early SIGNALs of
    passes.sync must still cover every hazard)."""
    from tncc.runtime import Emulator

    res = Emulator(c.program, c.arch).run(seed=seed, strict_sync=True)
    return res.report


@pytest.mark.parametrize("arch", PRESETS)
@pytest.mark.parametrize("name", ["tt_linear", "tt_attention", "ttm_linear", "encoder_block"])
def test_static_estimate_is_the_emulated_makespan_and_sync_is_sound(name: str, arch: str) -> None:
    from tncc.passes.estimate import estimate_cycles

    (net,) = [n for p in EXAMPLES for n in load_file(p) if n.name == name]
    c = tncc.compile(net, arch)
    rep = _emulate_checked(c)
    assert rep.sync_hazards == 0
    assert estimate_cycles(c.program, c.arch) == rep.cycles


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(networks(min_tensors=2, max_tensors=6, max_statements=2, grads=True), st.sampled_from(
    PRESETS + ("fetta:buffer.bytes=16384", "systolic:buffer.bytes=16384")))
def test_generated_programs_estimate_exactly_and_sync_soundly(net, arch) -> None:
    from tncc.passes.estimate import estimate_cycles

    c = tncc.compile(net, arch)
    rep = _emulate_checked(c)
    assert rep.sync_hazards == 0
    assert estimate_cycles(c.program, c.arch) == rep.cycles


def test_signals_follow_the_last_conflicting_instruction_not_the_waiter() -> None:
    """Double buffering: a load into slot 0 waits for the tile that last read
    slot 0, not for the tile reading slot 1 that comes between them."""
    from tncc.passes.emitter import Emitter

    def ins(op, **kw):
        return Instruction.make(op, 0, **kw)

    e = Emitter()
    slot0, slot1 = (0, 99), (100, 199)
    e.emit(Unit.DMA, ins(Opcode.LOAD, dram=0, buf=0, desc=0), [], [slot0])
    e.emit(Unit.ARRAY, ins(Opcode.CTILE, tile=0), [slot0], [(500, 509)])
    e.emit(Unit.DMA, ins(Opcode.LOAD, dram=0, buf=100, desc=0), [], [slot1])
    e.emit(Unit.ARRAY, ins(Opcode.CTILE, tile=1), [slot1], [(510, 519)])
    e.emit(Unit.DMA, ins(Opcode.LOAD, dram=0, buf=0, desc=0), [], [slot0])
    code = [(i.opcode, dict(zip(("unit", "sem"), i.fields)) if i.opcode in (Opcode.SIGNAL, Opcode.WAIT) else None)
            for i in e.finish()]
    ops = [op for op, _ in code]
    first_ctile = ops.index(Opcode.CTILE)
    # ARRAY's signal comes right after the first tile; the DMA waits right
    # before the third load, with the second tile between them.
    assert ops[first_ctile + 1] is Opcode.SIGNAL and code[first_ctile + 1][1]["unit"] == int(Unit.ARRAY)
    last_load = len(ops) - 1 - ops[::-1].index(Opcode.LOAD)
    assert ops[last_load - 1] is Opcode.WAIT and code[last_load - 1][1]["unit"] == int(Unit.DMA)
    assert Opcode.CTILE in ops[first_ctile + 2:last_load]


def test_co_scheduling_overlaps_a_dma_bound_step_with_a_compute_bound_one(monkeypatch) -> None:
    """ttm_linear's training step spills 1.5 MB intermediates: some steps
    wait on the DMA, others on the array.  Independent ones run block by
    block together, each in half of the staging area: the program still
    matches numpy, has no sync hazard, and is faster than without pairs."""
    from tncc.passes import tuner

    (net,) = [n for p in EXAMPLES for n in load_file(p) if n.name == "ttm_linear"]
    found = []
    real = tuner.co_schedule
    monkeypatch.setattr(tuner, "co_schedule", lambda *a, **k: found.append(real(*a, **k)) or found[-1])
    paired = tncc.compile(net, "fetta")
    assert found and found[0] is not None and found[0][1]
    monkeypatch.setattr(tuner, "co_schedule", lambda *a, **k: None)
    single = tncc.compile(net, "fetta")
    rep = _emulate_checked(paired)
    assert rep.sync_hazards == 0 and rep.cycles < 0.95 * _emulate_checked(single).cycles
    assert paired.run(seed=4).match


def test_tuned_reservations_pin_exactly_the_tuned_layouts() -> None:
    """An allocation redone for a changed schedule may reserve each resident
    tensor's tuned layout instead of the room for any tuning: the pinned
    tensors get exactly those layouts, the memory invariants hold, nothing
    more streams, and the program lowered on it still matches numpy."""
    import dataclasses

    from tncc.passes import lowered, lowering_passes
    from tncc.passes.alloc import plan_memory

    (net,) = [n for p in EXAMPLES for n in load_file(p) if n.name == "ttm_linear"]
    c = tncc.compile(net, "fetta")
    placed, tuned = c.lowered.placed, c.lowered.memory
    fixed = {p.value: p.layout for p in tuned.placements if p.resident}
    early = {v.name: v.first for v in placed.values}  # the lifetimes the pairs gave
    chosen = placed.residency != "greedy"  # a streamed set chosen on the cost model stays chosen (co-scheduling)
    mem = plan_memory(c.plan, c.arch, lowered.ones_words(c.plan, c.arch), lowered.scratch_words(c.plan, c.arch),
                      placed.share, placed.wide, early, fixed, residency="cpsat" if chosen else "greedy",
                      stream=frozenset(placed.streamed) if chosen else frozenset())
    room = {p.value: p.layout for p in placed.placements if p.resident}
    assert set(mem.streamed) <= set(placed.streamed) and mem.pinned
    # Never more words than the room for any tuning (fewer where tuning padded less than it allowed).
    assert sum(fixed[v].words for v in mem.pinned) <= sum(room[v].words for v in mem.pinned)
    for p in mem.placements:
        if p.value in mem.pinned:
            assert p.layout == fixed[p.value]
    low = lowering_passes.finish(c.plan, c.arch, mem, lowered.tile_plan(c.plan, c.arch, mem))
    _check_memory(low)
    redone = dataclasses.replace(c, lowered=low)
    assert _emulate_checked(redone).sync_hazards == 0 and redone.run(seed=5).match


def test_a_pinned_layout_is_kept_when_retuning_would_outgrow_it() -> None:
    """Pinned to compact layouts, tt_attention's cores conflict and tuning
    would pad them; a pinned reservation has no room for that, so tuning
    keeps the pinned layout (or a tuned one within its words), and the
    program still matches."""
    import dataclasses

    from tncc.passes import lowered, lowering_passes
    from tncc.passes.alloc import plan_memory
    from tncc.passes.banks import tune_layouts

    (net,) = [n for p in EXAMPLES for n in load_file(p) if n.name == "tt_attention"]
    c = tncc.compile(net, "fetta")
    base = c.lowered.placed
    fixed = {p.value: compact(p.layout.shape) for p in base.placements if p.resident}
    mem = plan_memory(c.plan, c.arch, lowered.ones_words(c.plan, c.arch), lowered.scratch_words(c.plan, c.arch),
                      base.share, base.wide, None, fixed)
    tiled = lowered.tile_plan(c.plan, c.arch, mem)
    out = tune_layouts(tiled, mem, c.arch)
    kept = [p.value for p in out.placements if p.value in mem.pinned and p.layout == fixed[p.value]
            and len(p.layout.shape) > 1]
    assert kept  # some tensor's tuning wanted padding it had no room for
    for p in out.placements:
        if p.value in mem.pinned:
            assert p.layout.words <= fixed[p.value].words
    redone = dataclasses.replace(c, lowered=lowering_passes.finish(c.plan, c.arch, mem, tiled))
    assert redone.run(seed=6).match
