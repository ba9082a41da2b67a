"""LoweringOptions: every choice the lowering weighs can be forced from the
API (``tncc.compile(..., lowering=)`` and the driver), the program is
lowered with exactly what was forced, and still matches numpy."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

import tncc
from tncc import LoweringOptions
from tncc.evaluation import workloads
from tncc.driver import compile_file
from tncc.errors import TnccError
from tncc.isa.table import Opcode

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SMALL = "fetta:buffer.bytes=32768"  # tt_linear streams: every option has something to act on


def test_text_round_trips_and_nothing_forced_is_empty() -> None:
    opts = LoweringOptions(stage_share=6, lookahead=True, deferred_stores=False)
    assert opts.text() == "stage_share=6,lookahead=on,deferred_stores=off"
    assert LoweringOptions.parse(opts.text()) == opts
    assert LoweringOptions.parse("co_schedule=auto, prefetch = OFF") == LoweringOptions(prefetch=False)
    assert LoweringOptions().text() == "" and LoweringOptions().forced() == {}
    wide = LoweringOptions(stage_share=Fraction(4, 3))  # three quarters of the buffer
    assert wide.text() == "stage_share=4/3" and LoweringOptions.parse(wide.text()) == wide
    assert LoweringOptions.parse("stage_share=8/4").stage_share == 2
    rule = LoweringOptions(residency="cpsat", co_schedule=False)
    assert rule.text() == "co_schedule=off,residency=cpsat" and LoweringOptions.parse(rule.text()) == rule


@pytest.mark.parametrize("bad, words", [
    (dict(stage_share=1), "above 1"), (dict(stage_share=Fraction(2, 3)), "above 1"),
    (dict(stage_share=True), "integer"), (dict(stage_share=1.5), "integer or a fraction"), (dict(lookahead="yes"), "True, False"),
    (dict(residency="lru"), "greedy, cpsat"), (dict(residency=True), "greedy, cpsat"),
])
def test_bad_values_are_clear_errors(bad: dict, words: str) -> None:
    with pytest.raises(TnccError, match=words):
        LoweringOptions(**bad)


@pytest.mark.parametrize("text, words", [("share=4", "KEY one of"), ("lookahead", "KEY=VALUE"),
                                         ("stage_share=x", "integer"), ("stage_share=4/0", "fraction such as"),
                                         ("stage_share=1/1", "above 1"), ("prefetch=maybe", "on, off or auto"),
                                         ("residency=on", "residency takes greedy, cpsat or auto")])
def test_bad_text_is_a_clear_error(text: str, words: str) -> None:
    with pytest.raises(TnccError, match=words):
        LoweringOptions.parse(text)


def test_compile_rejects_a_wrong_type() -> None:
    with pytest.raises(TnccError, match="lowering must be"):
        tncc.compile(EXAMPLES / "tree.tn", lowering=4)


@pytest.fixture(scope="module")
def default() -> tncc.Compiled:
    return tncc.compile(EXAMPLES / "tt_linear.tn", SMALL)


@pytest.mark.parametrize("field, value", [
    ("stage_share", 2), ("stage_share", 8), ("stage_share", Fraction(8, 7)), ("wide_paddings", False), ("wide_paddings", True),
    ("lookahead", True), ("lookahead", False), ("prefetch", False), ("deferred_stores", False),
    ("residency", "greedy"), ("residency", "cpsat"),
])
def test_a_forced_option_is_what_the_program_was_lowered_with(default: tncc.Compiled, field: str,
                                                               value: object) -> None:
    c = tncc.compile(EXAMPLES / "tt_linear.tn", SMALL, lowering=LoweringOptions(**{field: value}))
    assert getattr(c.lowered.chosen, field) == value
    assert c.lowering == LoweringOptions(**{field: value})
    if field == "stage_share":
        assert c.lowered.memory.share == value
    r = c.run(seed=1)
    assert r.match, r.report["outputs"]


def test_the_default_is_the_best_staging_share_and_residency_here(default: tncc.Compiled) -> None:
    """The tuner tries CP-SAT's streamed set at every staging share it
    lowers, not only at the greedy's best: here CP-SAT's placement with half
    the buffer for staging (4,221 cycles) beats everything at a quarter, the
    greedy's best share (5,177 greedy, 4,913 CP-SAT), which the tuner took
    before.  No forced share and residency gives a faster program, and the
    default takes the wide paddings (so forcing them off, above, takes a
    road the tuner did not)."""
    assert default.lowered.chosen.wide_paddings
    forced = [tncc.compile(EXAMPLES / "tt_linear.tn", SMALL, lowering=LoweringOptions(stage_share=k, residency=r))
              for k in (Fraction(4, 3), 2, 4, 6, 8) for r in ("greedy", "cpsat")]
    assert default.modelled_cycles() == min(c.modelled_cycles() for c in forced)
    greedy_best = min((c for c in forced if c.lowered.chosen.residency == "greedy"), key=lambda c: c.modelled_cycles())
    assert default.lowered.chosen.stage_share != greedy_best.lowered.chosen.stage_share


def test_a_small_buffer_takes_a_larger_staging_area_where_that_pays() -> None:
    """At 16 KiB TT linear streams most of what it touches: three quarters
    of the buffer for staging (larger blocks, fewer reloads and fewer
    transfers, each paying the DRAM latency) runs faster than half, and
    the lowering takes it unforced; the program still matches numpy."""
    arch = "fetta:buffer.bytes=16384"
    chosen = tncc.compile(EXAMPLES / "tt_linear.tn", arch)
    half = tncc.compile(EXAMPLES / "tt_linear.tn", arch, lowering=LoweringOptions(stage_share=2))
    assert chosen.lowered.chosen.stage_share < 2 and chosen.lowered.memory.share < 2
    assert chosen.lowered.memory.stage_words > half.lowered.memory.stage_words
    assert chosen.modelled_cycles() < half.modelled_cycles()
    r = chosen.run(seed=2)
    assert r.match and r.report["cycles"] == chosen.modelled_cycles()


def test_stores_not_deferred_follow_their_tiles(default: tncc.Compiled) -> None:
    """Deferred, a block's store waits for the next loads; forced off, no
    LOAD comes between a result block's last tile and its STORE."""
    def loads_before_stores(program) -> int:
        n, since_tile = 0, False
        for ins in program.instructions:
            if ins.opcode is Opcode.CTILE:
                since_tile = False
            elif ins.opcode is Opcode.LOAD:
                since_tile = True
            elif ins.opcode is Opcode.STORE and since_tile:
                n += 1
        return n

    c = tncc.compile(EXAMPLES / "tt_linear.tn", SMALL, lowering=LoweringOptions(deferred_stores=False))
    assert loads_before_stores(default.program) > 0
    assert loads_before_stores(c.program) == 0


def test_the_driver_takes_the_options_too(tmp_path: Path) -> None:
    ctx = compile_file(EXAMPLES / "tt_linear.tn", "tiled", options={"arch": SMALL, "lowering": "stage_share=2"})
    assert ctx.artifacts["tiled"].memory.share == 2


def test_co_scheduling_forced_off_and_on() -> None:
    """A small TT layer on a 32 KiB fetta is where the tuner pairs steps;
    forced off it has no pair, forced on it keeps them, and both match."""
    (net,) = tncc.load_source(workloads.tt_linear("attention", 8, 4))
    off = tncc.compile(net, SMALL, lowering=LoweringOptions(co_schedule=False))
    on = tncc.compile(net, SMALL, lowering=LoweringOptions(co_schedule=True))
    assert off.lowered.pairs == () and not off.lowered.chosen.co_schedule
    assert on.lowered.pairs and on.lowered.chosen.co_schedule
    assert off.run(seed=2).match and on.run(seed=2).match


def _walk(costs: dict, streamed: tuple[int, ...] = (10,), kind: str = "fetta", buffer_bytes: int = 4096,
          fail: tuple = ()) -> tuple:
    """The walk over a made-up cost per staging share: the best share and the
    shares tried, in order, with every share's trial recorded."""
    from tncc.isa.arch import load_arch
    from tncc.passes.tuner import walk_stage_shares

    arch = load_arch(f"{kind}:buffer.bytes={buffer_bytes}")
    asked = []

    def trial(share):
        asked.append(share)
        return None if share in fail else share

    walked = walk_stage_shares(arch, trial, lambda s: costs[s], lambda s: streamed)
    assert walked is not None
    best, tried = walked
    assert best in tried and costs[best] == min(costs[s] for s in tried)
    return best, tried, asked


F = Fraction
WIDE = (F(4, 3), F(8, 7), F(16, 15))


def test_the_staging_walk_grows_while_a_larger_area_pays_and_then_stops() -> None:
    costs = {2: 100, F(4, 3): 90, F(8, 7): 80, F(16, 15): 85, 4: 1, 6: 1, 8: 1}
    best, tried, asked = _walk(costs)
    # fifteen sixteenths lost, so it is asked but not kept; a larger area paid,
    # so no smaller one is tried (though a quarter would have been cheaper here)
    assert best == F(8, 7) and tried == [2, F(4, 3), F(8, 7)] and asked == [2, *WIDE]


def test_the_staging_walk_shrinks_on_fetta_only_where_growing_did_not_pay() -> None:
    costs = {2: 100, F(4, 3): 120, F(8, 7): 1, F(16, 15): 1, 4: 90, 6: 80, 8: 85}
    best, tried, asked = _walk(costs)
    # three quarters lost at once; a quarter and a sixth paid, an eighth did not
    # and is kept among the tried (CP-SAT's residency there can still win)
    assert best == 6 and tried == [2, 4, 6, 8] and asked == [2, F(4, 3), 4, 6, 8]
    # the systolic lowering never shrinks the staging area below a half
    best, tried, asked = _walk(costs, kind="systolic")
    assert best == 2 and tried == [2] and asked == [2, F(4, 3)]


def test_the_staging_walk_shrinks_only_while_a_streamed_tensor_could_stay() -> None:
    costs = {2: 100, F(4, 3): 120, 4: 90, 6: 80, 8: 70}
    words = 4096 // 4  # fetta's words are 4 bytes
    # nothing streams: no other area is tried
    assert _walk(costs, streamed=())[1:] == ([2], [2])
    # the streamed tensor is larger than even seven eighths of the buffer
    assert _walk(costs, streamed=(words,))[1:] == ([2], [2, F(4, 3)])
    # it fits beside a quarter of the buffer (three quarters resident): the walk shrinks
    assert _walk(costs, streamed=(words * 3 // 4,))[1] == [2, 4, 6, 8]
    # it does not (0.8 of the buffer), and the walk stops there: a quarter is the
    # first smaller area, and a smaller one is only tried after that one paid
    assert _walk(costs, streamed=(words * 4 // 5,))[1] == [2]


def test_the_staging_walk_stops_where_a_share_does_not_place() -> None:
    costs = {2: 100, F(4, 3): 90, F(8, 7): 80, F(16, 15): 70, 4: 1}
    best, tried, asked = _walk(costs, fail=(F(8, 7),))
    assert best == F(4, 3) and tried == [2, F(4, 3)] and asked == [2, F(4, 3), F(8, 7)]
