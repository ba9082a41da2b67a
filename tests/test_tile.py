"""Tiling: index classes, array limits, blocking budgets, and the exact-once
coverage of every iteration point (independent of the emulator)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tncc.errors import TnccError
from tncc.isa.arch import load_arch
from tncc.isa import timing
from tncc.passes.tile import Budget, classify, tile_step
from tncc.passes.tiled_ir import Group, ROLE_GROUP, Role, TiledProgram, tile_boxes, verify_tiled_step
from tncc.plan import PlanOperand, Step

FETTA = load_arch("fetta")
SYSTOLIC = load_arch("systolic")


def _step(a: tuple[str, ...], b: tuple[str, ...] | None, out: tuple[str, ...]) -> Step:
    ops = (PlanOperand("A", a),) + ((PlanOperand("B", b),) if b is not None else ())
    return Step("C", out, ops, "C")


def _points(ts) -> np.ndarray:
    """How many times each point of the step space is covered, by walking
    every loop iteration, beat and port of every tile."""
    sizes = [ix.size for ix in ts.indices]
    hits = np.zeros(sizes, dtype=np.int64)
    for block in ts.blocks:
        for tile in block.tiles:
            for box in tile_boxes(tile):
                hits[tuple(slice(lo, hi) for lo, hi in box)] += 1
    return hits


def test_classify_roles() -> None:
    st_ = _step(("b", "i", "k", "p"), ("b", "k", "j", "q"), ("b", "i", "j"))
    infos = {ix.name: ix for ix in classify(st_, dict(b=2, i=3, k=4, p=5, j=6, q=7))}
    assert infos["b"].role is Role.BATCH and infos["i"].role is Role.LEFT and infos["j"].role is Role.RIGHT
    assert infos["k"].role is Role.CONTRACTED and infos["k"].in_a and infos["k"].in_b
    # A-only and B-only summed indices are folded into the contracted range.
    assert infos["p"].role is Role.CONTRACTED and not infos["p"].in_b
    assert infos["q"].role is Role.CONTRACTED and not infos["q"].in_a


def test_unary_step_is_left_and_contracted() -> None:
    infos = classify(_step(("i", "k"), None, ("i",)), dict(i=3, k=5))
    assert [ix.role for ix in infos] == [Role.LEFT, Role.CONTRACTED]


@pytest.mark.parametrize("arch", [FETTA, SYSTOLIC], ids=["fetta", "systolic"])
def test_odd_sizes_cover_exactly_once(arch) -> None:
    st_ = _step(("i", "k"), ("k", "j"), ("i", "j"))
    ts = tile_step(0, st_, dict(i=101, j=37, k=13), arch, Budget(0), "test")
    assert (_points(ts) == 1).all()
    verify_tiled_step(ts)


def test_fetta_tiles_respect_array_limits() -> None:
    st_ = _step(("b", "i", "k"), ("b", "k", "j"), ("b", "i", "j"))
    ts = tile_step(0, st_, dict(b=7, i=33, j=65, k=9), FETTA, Budget(0), "test")
    lanes, ports, rports = timing.total_lanes(FETTA), FETTA.dist.ports, FETTA.red.ports
    for block in ts.blocks:
        for t in block.tiles:
            assert t.tb * t.tm * t.tkk <= ports and t.tb * t.tn * t.tkk <= ports
            assert t.tb * t.tm * t.tn * t.tkk <= lanes
            if t.tkk > 1:
                assert t.tb * t.tm * t.tn <= rports


def test_large_square_fills_the_array() -> None:
    ts = tile_step(0, _step(("i", "k"), ("k", "j"), ("i", "j")), dict(i=64, j=64, k=64), FETTA, Budget(0), "t")
    (block,) = ts.blocks
    assert max(t.tb * t.tm * t.tn * t.tkk for t in block.tiles) == timing.total_lanes(FETTA)


def test_blocking_fits_budget_and_accumulates_over_contracted_blocks() -> None:
    st_ = _step(("i", "k"), ("k", "j"), ("i", "j"))
    sizes = dict(i=50, j=40, k=300)
    budget = Budget(4000, (True, True, True))
    ts = tile_step(0, st_, sizes, FETTA, budget, "test")
    assert len(ts.blocks) > 1
    assert (_points(ts) == 1).all()
    firsts = [b for b in ts.blocks if b.first_k]
    # Every output region has exactly one first and one last block.
    assert len(firsts) == sum(b.last_k for b in ts.blocks)
    for b in ts.blocks:
        a = b.extent("i") * b.extent("k")
        bb = b.extent("k") * b.extent("j")
        c = b.extent("i") * b.extent("j")
        assert 2 * (a + bb + c) <= 4000 + 2 * (b.extent("i") + b.extent("k"))  # padding slack
        for t in b.tiles:
            assert t.accumulate == (not b.first_k)


def test_a_systolic_blocking_keeps_the_array_full_where_a_larger_buffer_streams_less() -> None:
    """The weight gradient of a TTM core (60 x 32 result, 2,560 contracted
    elements, fp32): with 1 MiB the core stays resident and only the other
    operand streams; blocking it along the free indices by traffic alone
    gave 5-row GEMMs on the 16 x 16 array (200,688 modelled cycles against
    38,772 with 512 KiB, where both operands stream).  Cut along the
    contracted range, the larger buffer is not slower."""
    from tncc.ir import DType
    from tncc.passes.order.hardware import gemm_layout, step_cost

    sizes = dict(m3=10, m4=10, n3=8, n4=6, r2=32, r3=32)
    a, b, out = ("m3", "m4", "n3", "n4", "r2"), ("r2", "m3", "n3", "r3"), ("r3", "m4", "n4")
    words, _ = gemm_layout(a, b, out, out, sizes)
    cycles = {}
    for kib in (512, 1024):
        arch = load_arch(f"systolic:buffer.bytes={kib * 1024}")
        c = step_cost(arch, DType.FP32, sizes, a, b, out, words, (False, True), True)
        assert c is not None
        cycles[kib] = c.cycles
    assert cycles[1024] <= cycles[512]
    # and the tiles the lowering builds at 1 MiB are full-height GEMMs
    arch = load_arch("systolic:buffer.bytes=1048576")
    ts = tile_step(0, _step(a, b, out), sizes, arch, Budget(155729, (True, False, False), True), "test")
    assert (_points(ts) == 1).all()
    assert min(t.tm for blk in ts.blocks for t in blk.tiles) == 60


def test_budget_too_small_is_a_clear_error() -> None:
    st_ = _step(("i",), ("j",), ("i", "j"))
    with pytest.raises(TnccError, match="example.tn:3"):
        tile_step(0, st_, dict(i=4, j=4), FETTA, Budget(3, (True, True, True)), "example.tn:3")


@st.composite
def steps(draw):
    names = ["a", "b", "c", "d", "e", "f"]
    sizes = {n: draw(st.sampled_from((1, 2, 3, 5, 7, 8, 13, 16, 31))) for n in names}
    while math.prod(sizes.values()) > 100_000:  # keep the point-by-point check cheap
        big = max(sizes, key=sizes.get)
        sizes[big] = max(1, sizes[big] // 3)
    a = tuple(n for n in names if draw(st.booleans()))
    unary = draw(st.integers(0, 4)) == 0
    b = None if unary else tuple(n for n in draw(st.permutations(names)) if draw(st.booleans()))
    present = set(a) | set(b or ())
    out = tuple(n for n in draw(st.permutations(sorted(present))) if draw(st.booleans()))
    if not present:
        a = ("a",)
    return _step(a, b, out), sizes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps(), st.sampled_from(["fetta", "systolic"]), st.sampled_from([0, 40, 400]))
def test_every_point_exactly_once(case, arch_name, budget_words) -> None:
    step, sizes = case
    arch = FETTA if arch_name == "fetta" else SYSTOLIC
    staged = (True, len(step.operands) > 1, True) if budget_words else (False, False, False)
    budget = Budget(budget_words or 0, staged, arch.kind != "fetta" and budget_words > 0)
    try:
        ts = tile_step(0, step, sizes, arch, budget, "gen")
    except TnccError:
        assert budget_words == 40  # only a tiny budget may be impossible
        return
    hits = _points(ts)
    assert hits.min(initial=1) == 1 and hits.max(initial=1) == 1
    verify_tiled_step(ts)
    assert ts.macs == math.prod(ix.size for ix in ts.indices)
    for block in ts.blocks:
        for t in block.tiles:
            for ax in t.axes:
                info = ts.info(ax.index)
                if ax.beats > 1:
                    assert info.role is Role.CONTRACTED  # beats walk only the contracted range
            for g, prod in ((Group.B, t.tb), (Group.M, t.tm), (Group.N, t.tn)):
                want = math.prod(ax.extent for ax in t.axes if ROLE_GROUP[ts.info(ax.index).role] is g)
                assert want == prod
    assert TiledProgram((ts,), arch.name).text().startswith("; tiled program")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Role)), st.integers(1, 40)), min_size=1, max_size=5))
def test_choice_costs_equal_the_costs_of_the_tiles_built(roles) -> None:
    """Tiling ranks candidate tilings by a cost computed without building
    the tiles; it equals the built tiles' cost for every candidate, and the
    conflict-aware cost (any passes) is never below it."""
    from tncc.passes.tile import _candidates, _cost, _plain_cost, _tiles_for
    from tncc.passes.tiled_ir import IndexInfo

    entries = tuple((f"i{k}", r, e) for k, (r, e) in enumerate(roles))
    infos = tuple(IndexInfo(n, e, r, True, True) for n, r, e in entries)
    box = tuple((n, 0, e) for n, _, e in entries)
    for choice in list(_candidates(FETTA, entries, ()))[:50]:
        tiles = _tiles_for(infos, box, choice, False)
        assert _plain_cost(FETTA, entries, choice) == (_cost(FETTA, tiles), len(tiles))
        assert _cost(FETTA, tiles, lambda t: (2, 1, 3)) >= _cost(FETTA, tiles)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=1, max_size=6).flatmap(
    lambda full: st.tuples(st.just(full), st.tuples(*(st.integers(1, f) for f in full)))))
def test_box_transfers_counts_the_copy_descriptors_the_code_emits(case) -> None:
    """The transfers the blocking model charges a block box are the pieces
    ``copy_descs`` emits for it (row-major DRAM tensor to a compact slot)."""
    from tncc.ir import DType
    from tncc.passes.shape import box_transfers, copy_descs

    full, box = case
    dram = [math.prod(full[k + 1:]) for k in range(len(full))]
    slot = [math.prod(box[k + 1:]) for k in range(len(box))]
    assert box_transfers(box, full) == len(copy_descs(list(box), dram, slot, DType.FP32))


def _blocking(step: Step, sizes: dict[str, int], arch, words: int):
    from tncc.passes.tile import _blocking_cost, _footprint, _Trials, block_extents

    infos = classify(step, sizes)
    budget = Budget(words, (True, len(step.operands) > 1, True), arch.kind != "fetta")
    full = {ix.name: ix.size for ix in infos}
    # the greedy's blockings (by traffic; on systolic also by cycles), before refinement
    trials = _Trials(step, infos, budget, arch, "test")
    greedy = [trials.fitted(c, full) for c in (False, True)[:1 + (arch.kind != "fetta")]]
    chosen = block_extents(step, infos, budget, arch, "test")
    foot = sum(w for w, _ in _footprint(step, infos, chosen, budget, arch.buffer.banks))
    return (chosen, foot, budget, _blocking_cost(step, infos, chosen, budget, arch, True),
            min(_blocking_cost(step, infos, g, budget, arch, True) for g in greedy))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps(), st.sampled_from(["fetta", "systolic"]), st.sampled_from([400, 2000]))
def test_refined_blocking_fits_and_is_never_worse_than_the_greedy(case, arch_name, words) -> None:
    step, sizes = case
    arch = FETTA if arch_name == "fetta" else SYSTOLIC
    try:
        chosen, foot, budget, cost, greedy_cost = _blocking(step, sizes, arch, words)
    except TnccError:
        return  # too small a budget for this step: the greedy alone says so
    assert foot <= budget.words or chosen == {ix.name: ix.size for ix in classify(step, sizes)}
    assert cost <= greedy_cost  # by modelled cycles, then traffic


def test_a_blocking_keeps_the_inner_axes_of_a_streamed_operand_whole() -> None:
    """Step 1 of the TTM embedding's forward pass at 64 KiB (x[t,m1,m2,m3,m4]
    * %0[m1,n1,m2,n2,r2] -> [t,m3,m4,n1,n2,r2], everything streamed, about
    8,000 staging words).  The shrinking greedy alone cut m3 and m4, the
    inner axes of x, so every block of x took four transfers of 5
    elements' rows, each paying the DRAM latency, and the program ran
    DMA-bound at 2.41M cycles.  Counted by its transfers, that blocking
    models at 407,680 cycles; refined, x's boxes take one transfer each and
    the blocking models at 340,800 (the program: 1.83M cycles)."""
    from tncc.passes.shape import box_transfers

    sizes = dict(t=1, m1=16, m2=20, m3=10, m4=10, n1=4, n2=4, r2=32)
    step = Step("%1", ("t", "m3", "m4", "n1", "n2", "r2"),
                (PlanOperand("x", ("t", "m1", "m2", "m3", "m4")), PlanOperand("%0", ("m1", "n1", "m2", "n2", "r2"))),
                "y")
    arch = load_arch("fetta:buffer.bytes=65536")
    chosen, foot, budget, cost, greedy_cost = _blocking(step, sizes, arch, 8000)
    assert foot <= 8000
    assert cost[0] < 0.9 * greedy_cost[0]  # 340,800 against 407,680
    x = ("t", "m1", "m2", "m3", "m4")
    assert box_transfers([chosen[i] for i in x], [sizes[i] for i in x]) == 1


def test_a_systolic_blocking_counts_the_shape_copies_of_its_result_blocks() -> None:
    """Step 2 of the TTM embedding's forward pass on the systolic preset at
    1 MiB (%0[r2,m3,n3,m4,n4], streamed, times s[b,m4,m3], held ->
    [r2,n3,n4,b]).  Cut along r2 alone, every block of the result is a
    row-major [r2 n3 n4, b] matrix the GEMM writes in place; cut along r2
    and n3 as well, the blocks are not, and each is copied out by a SHAPE
    (on the DMA unit's queue).  Both blockings move the same words and run
    the same GEMMs; the SHAPE copies are what tells them apart (the program
    with the second ran 406,098 cycles; with the copies counted, 373,326)."""
    from tncc.passes.shape import View, matrix_ld
    from tncc.passes.tile import _blocking_cost, _shape_cycles, block_extents

    sizes = dict(r2=32, m3=10, n3=8, m4=10, n4=6, b=32)
    step = Step("%2", ("r2", "n3", "n4", "b"),
                (PlanOperand("%0", ("r2", "m3", "n3", "m4", "n4")), PlanOperand("%1", ("b", "m4", "m3"))), "e")
    infos = classify(step, sizes)
    budget = Budget(131072, (True, False, False), True)
    in_place = dict(sizes, r2=4)
    copied = dict(sizes, r2=8, n3=4)
    s_words = sizes["b"] * sizes["m3"] * sizes["m4"]  # s is no [m3 m4, b] matrix: copied once, into B'
    out_words = sizes["r2"] * sizes["n3"] * sizes["n4"] * sizes["b"]
    assert _shape_cycles(step, infos, in_place, budget, SYSTOLIC) == timing.shape_cycles(SYSTOLIC, s_words)
    assert _shape_cycles(step, infos, copied, budget, SYSTOLIC) == timing.shape_cycles(SYSTOLIC, s_words + out_words)
    assert _blocking_cost(step, infos, in_place, budget, SYSTOLIC, True) < \
        _blocking_cost(step, infos, copied, budget, SYSTOLIC, True)
    # The search's blocking costs no more than the one in place, its copies
    # counted (whether it has them depends on what else fits the budget).
    chosen = block_extents(step, infos, budget, SYSTOLIC, "test")
    assert _blocking_cost(step, infos, chosen, budget, SYSTOLIC, True) <= \
        _blocking_cost(step, infos, in_place, budget, SYSTOLIC, True)
    out = View(0, (("r2", 8 * 6 * 32), ("n3", 6 * 32), ("n4", 32), ("b", 1)))
    in_matrix = matrix_ld(out, ["r2", "n3", "n4"], ["b"], chosen) is not None
    assert _shape_cycles(step, infos, chosen, budget, SYSTOLIC) == \
        timing.shape_cycles(SYSTOLIC, s_words + (0 if in_matrix else out_words))
    assert _shape_cycles(step, infos, chosen, budget, FETTA) == 0  # fetta shapes on the fly
    # where the memory plan stored s in matrix order ([m3, m4, b]: strides 1, 32, 320
    # for its axes b, m4, m3), the GEMM reads it in place: no copy of it is counted
    stored = Budget(budget.words, budget.staged, True, (None, (1, 32, 320), None))
    assert _shape_cycles(step, infos, in_place, stored, SYSTOLIC) == 0
    assert _shape_cycles(step, infos, copied, stored, SYSTOLIC) == timing.shape_cycles(SYSTOLIC, out_words)


@pytest.mark.parametrize("example, buffer", [("tt_linear", ":buffer.bytes=8192"), ("tree", ""),
                                             ("int8_forward", ""), ("int8_forward", ":buffer.bytes=8192"),
                                             ("matrix_chain", ":buffer.bytes=8192")])
def test_the_tilers_shape_words_are_the_shape_copies_the_back_end_emits(example, buffer) -> None:
    """The SHAPE words the blocking's model counts on systolic
    (``passes.tile.shape_words``: held tensors that are no matrix in place
    over a block, under the memory plan's layouts) add up, over a compiled
    program's steps, to the words its SHAPE instructions copy; at 8 KiB
    tensors stream and blocks leave remainders."""
    import tncc
    from tncc.isa.table import Opcode
    from tncc.passes.tile import block_order, shape_words, step_budget

    for net in tncc.load_file(Path(__file__).resolve().parent.parent / "examples" / f"{example}.tn"):
        c = tncc.compile(net, "systolic" + buffer)
        mem = c.lowered.memory
        places = {p.value: p for p in mem.placements}
        model = 0
        for ts in c.lowered.tiled.steps:
            assert any(ix.role is Role.CONTRACTED for ix in ts.indices) or len(ts.step.operands) > 1  # no copy step
            ext = {n: e for n, _, e in ts.blocks[0].box}
            budget = step_budget(ts.step, places, mem.stage_words, True)
            model += shape_words(ts.step, ts.indices, ext, budget, block_order(ts.step, ts.indices, ext, budget, c.arch))
        prog = c.program
        emitted = sum(prog.dmas[ins.field("desc")].elements for ins in prog.instructions if ins.opcode is Opcode.SHAPE)
        assert model == emitted, net.name


def _loaded(ts, step: Step, blocks) -> tuple[int, int]:
    """(boxes, words) the code generator loads for the streamed operands
    over ``blocks``: a box is loaded when it differs from the operand's
    previous one."""
    boxes = words = 0
    for op in step.operands:
        last = None
        for box in blocks:
            sub = tuple((s, e) for n, s, e in box if n in op.indices)
            if sub != last:
                boxes, words, last = boxes + 1, words + math.prod(e for _, e in sub), sub
    return boxes, words


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps(), st.sampled_from(["fetta", "systolic"]), st.sampled_from([400, 2000]))
def test_the_block_order_is_the_order_the_loads_are_counted_in(case, arch_name, words) -> None:
    """The blocks ``tile_step`` lists come in the loop order
    ``block_order`` chose, and the loads ``box_visits`` counts for that
    order (exact rule) are those the listed blocks make."""
    from tncc.passes.tile import block_order, box_visits

    step, sizes = case
    arch = FETTA if arch_name == "fetta" else SYSTOLIC
    budget = Budget(words, (True, len(step.operands) > 1, True), arch.kind != "fetta")
    try:
        ts = tile_step(0, step, sizes, arch, budget, "gen")
    except TnccError:
        return
    ext = {n: e for n, _, e in ts.blocks[0].box}
    order = block_order(step, ts.indices, ext, budget, arch)
    assert sorted(order) == sorted(ix.name for ix in ts.indices if ix.role is not Role.CONTRACTED)
    nb = {ix.name: -(-ix.size // ext[ix.name]) for ix in ts.indices}
    for op in step.operands:
        last, changes = None, 0
        for b in ts.blocks:
            sub = tuple((s, e) for n, s, e in b.box if n in op.indices)
            changes, last = changes + (sub != last), sub
        assert changes == box_visits(ts.indices, nb, op.indices, False, order), op.indices
    # the free indices never go back: each result box is finished before the next begins
    seen: list = []
    for b in ts.blocks:
        out = tuple((n, s) for n, s, _ in b.box if n in step.indices)
        if not seen or seen[-1] != out:
            assert out not in seen
            seen.append(out)


@pytest.mark.parametrize("arch", [FETTA, SYSTOLIC], ids=["fetta", "systolic"])
def test_the_block_loop_runs_the_free_index_that_reloads_less_inside(arch) -> None:
    """``y[n, m] = A[m, k] B[k, n]``, both free indices cut and the sum
    whole.  In the step's index order (m outer, n inner) A's box is kept
    over a row of blocks and the 29-odd boxes of m each load all of B
    again; the chosen loop runs m inside, keeps B's box instead and loads
    A once per box of n, the fewer words."""
    from tncc.passes.tile import block_boxes

    step = _step(("m", "k"), ("k", "n"), ("n", "m"))
    sizes = dict(m=512, k=32, n=128)
    budget = Budget(4000, (True, True, True), arch.kind != "fetta")
    ts = tile_step(0, step, sizes, arch, budget, "test")
    ext = {n: e for n, _, e in ts.blocks[0].box}
    assert ext["k"] == 32 and ext["m"] < 512 and ext["n"] < 128  # both free indices cut, the sum whole
    nb_m, nb_n = -(-512 // ext["m"]), -(-128 // ext["n"])
    chosen = _loaded(ts, step, [b.box for b in ts.blocks])
    in_step_order = _loaded(ts, step, [box for box, _, _ in block_boxes(ts.indices, ext)])
    assert in_step_order[1] == 512 * 32 + nb_m * 32 * 128  # A once, B once per box of m
    assert chosen[1] == nb_n * 512 * 32 + 32 * 128 < in_step_order[1]  # A once per box of n, B once
