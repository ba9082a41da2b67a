"""The lowering's passes (memory, tile, tune, codegen): one interface, verified
between passes, printable after each one."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tncc.cli import main
from tncc.driver import compile_file, emit_tiled, get_stage
from tncc.errors import VerifyError
from tncc.isa.arch import resolve_arch
from tncc.isa.asm import disassemble
from tncc.passes.framework import Pass, PassContext, Pipeline
from tncc.passes.lowered import Lowered, Placed, Tiled, Tuned
from tncc.passes.lowering_passes import CodeGen, PlanMemory, Tile, TuneLayouts
from tncc.passes.memory_ir import format_memory
from tncc.passes.options import LoweringOptions
from tncc.passes.tuner import lower_plan
from tncc.plan import Plan

ROOT = Path(__file__).resolve().parent.parent
TT = ROOT / "examples" / "tt_linear.tn"
LOWERING = ("memory", "tile", "tune", "codegen")


@pytest.fixture(scope="module")
def plan() -> Plan:
    p: Plan = compile_file(TT, "plan").artifacts["plan"]
    return p


def _drop_a_tile(tiled: Any) -> Any:
    """``tiled`` (a TiledProgram) with the first tile of step 0's first block
    gone: part of the step space is then computed by no tile."""
    step = tiled.steps[0]
    block = step.blocks[0]
    broken = dataclasses.replace(block, tiles=block.tiles[1:])
    step = dataclasses.replace(step, blocks=(broken, *step.blocks[1:]))
    return dataclasses.replace(tiled, steps=(step, *tiled.steps[1:]))


def test_print_after_each_lowering_pass_prints_its_level() -> None:
    printed: dict[str, str] = {}
    order: list[str] = []

    def printer(name: str, text: str) -> None:
        order.append(name)
        printed[name] = text

    ctx = compile_file(TT, print_after=("all",), printer=printer)
    assert order == ["frontend", "order", *LOWERING, "lower"]
    low = compile_file(TT, "tiled").artifacts["tiled"]
    assert isinstance(low, Lowered) and low.tuned is not None
    # memory: the memory plan before layout tuning; tile: the tiling for it;
    # tune: the tuned memory plan and re-tiled program (exactly --emit tiled);
    # codegen: the program (exactly --emit asm); lower: both.
    assert printed["memory"] == format_memory(low.tuned.placed) and printed["memory"].startswith("; memory:")
    assert printed["tile"] == low.tuned.before.tiled.text() and printed["tile"].startswith("; tiled program")
    assert printed["tune"] == get_stage("tiled").emit(low) == emit_tiled(low)
    assert printed["codegen"] == get_stage("asm").emit(ctx.artifacts["asm"]) == disassemble(low.program)
    assert printed["lower"] == printed["tune"] + printed["codegen"]


@pytest.mark.parametrize("name", LOWERING)
def test_cli_print_after_accepts_each_lowering_pass(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", str(TT), "--emit", "plan", "--print-after", name, "-o", "-"]) == 0
    err = capsys.readouterr().err
    assert err.count("; ---- IR after pass") == 1 and f"; ---- IR after pass '{name}' ----\n" in err
    head = {"memory": "; memory:", "tile": "; tiled program", "tune": "; memory:", "codegen": "; tncc assembly"}
    assert err.split("\n", 2)[1].startswith(head[name])


def test_the_passes_alone_make_the_program_the_tuner_makes_with_every_choice_forced(plan: Plan) -> None:
    for arch in (resolve_arch("fetta"), resolve_arch("systolic")):
        ctx = PassContext(arch)
        seen: list[tuple[str, Any]] = []
        low = Pipeline((PlanMemory(2), Tile(), TuneLayouts(), CodeGen())).run(
            plan, ctx, lambda name, ir: seen.append((name, ir)))
        assert [n for n, _ in seen] == list(LOWERING)
        assert [type(ir) for _, ir in seen] == [Placed, Tiled, Tuned, Lowered]
        forced = LoweringOptions(stage_share=2, wide_paddings=False, lookahead=False, prefetch=True,
                                 deferred_stores=True, co_schedule=False, leaves_ahead=False,
                                 smaller_buffer=False)
        tuned = lower_plan(plan, arch, forced, verify=True)
        assert disassemble(low.program) == disassemble(tuned.program)
        assert low.memory == tuned.memory and low.tiled == tuned.tiled and low.chosen == tuned.chosen
        # What the kept program records is what each pass returned.
        assert [n for n, _ in low.trace()] == list(LOWERING[:-1])
        assert [ir for _, ir in low.trace()] == [ir for _, ir in seen[:-1]]


def test_a_broken_level_between_lowering_passes_is_named(plan: Plan) -> None:
    @dataclasses.dataclass(frozen=True)
    class DropTile(Pass):
        """A deliberately wrong pass: loses one tile of the tiling."""

        name: ClassVar[str] = "drop-tile"

        def apply(self, ir: Tiled, ctx: PassContext) -> Tiled:
            return Tiled(ir.placed, _drop_a_tile(ir.tiled))

    ctx = PassContext(resolve_arch("fetta"))
    seen: list[str] = []
    with pytest.raises(VerifyError, match="pass 'drop-tile' produced invalid IR"):
        Pipeline((PlanMemory(2), Tile(), DropTile(), TuneLayouts(), CodeGen())).run(
            plan, ctx, lambda name, ir: seen.append(name))
    assert seen == ["memory", "tile"]
    # A memory pass that places a value twice is named by its own name.

    @dataclasses.dataclass(frozen=True)
    class PlaceTwice(PlanMemory):
        def apply(self, ir: Plan, ctx: PassContext) -> Placed:
            placed = super().apply(ir, ctx)
            mem = placed.memory
            return Placed(ir, dataclasses.replace(mem, placements=mem.placements + mem.placements[:1]))

    with pytest.raises(VerifyError, match="pass 'memory' produced invalid IR: value .* more than one"):
        Pipeline((PlaceTwice(2), Tile())).run(plan, ctx)


def test_a_lowering_pass_gone_wrong_is_named_by_the_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kept candidate's records are verified by the pipeline: a tune pass
    that loses a tile is reported as the tune pass's, however the tuner ran."""
    apply = TuneLayouts.apply

    def broken(self: TuneLayouts, ir: Tiled, ctx: PassContext) -> Tuned:
        tuned = apply(self, ir, ctx)
        return Tuned(tuned.before, tuned.memory, _drop_a_tile(tuned.tiled))

    monkeypatch.setattr(TuneLayouts, "apply", broken)
    # The pipeline verifies the kept program's records under their passes' names.
    with pytest.raises(VerifyError, match="pass 'tune' produced invalid IR"):
        compile_file(TT, options={"arch": "fetta", "time_limit": 1.0})
    with pytest.raises(VerifyError, match="pass 'tune' produced invalid IR"):
        compile_file(TT, options={"arch": "fetta", "order": "naive", "lowering": "co_schedule=off"})
    # The tuner verifying every candidate names it before the code generator
    # sees it (on systolic a block has one tile: unverified, the code
    # generator would fail on the empty block instead).
    net = compile_file(TT, "network").artifacts["network"]
    from tncc.passes.pipeline import Order

    naive = Order("naive").apply(net, PassContext(resolve_arch("systolic")))
    with pytest.raises(VerifyError, match="pass 'tune' produced invalid IR"):
        lower_plan(naive, resolve_arch("systolic"), verify=True)
