"""The pipeline's stage list and its straight-line driver."""

from __future__ import annotations

from pathlib import Path

import pytest

from tncc.driver import STAGES, compile_file, get_stage, stage_names
from tncc.errors import TnccError
from tncc.ir import Network

TT = Path(__file__).resolve().parent.parent / "examples" / "tt_linear.tn"


def test_network_stage_comes_first() -> None:
    assert stage_names()[0] == "network" and STAGES[0].name == "network"
    ctx = compile_file(TT, "network")
    net = ctx.artifacts["network"]
    assert isinstance(net, Network) and net.name == "tt_linear"
    assert list(ctx.artifacts) == ["network"]
    assert get_stage("network").emit(net).startswith("network tt_linear {")


def test_unknown_stage_and_bad_input() -> None:
    with pytest.raises(KeyError):
        compile_file(TT, "nonsense")
    with pytest.raises(TnccError):
        compile_file(TT.parent / "missing.tn", "network")


def test_pass_names_match_the_pipeline() -> None:
    from tncc.driver import pass_names
    from tncc.stages import PASS_NAMES, STAGE_HELP

    assert pass_names() == PASS_NAMES
    assert stage_names() == tuple(name for name, _ in STAGE_HELP)
    assert all(get_stage(s).after in PASS_NAMES for s in stage_names())


def test_a_pass_that_breaks_the_ir_is_named() -> None:
    import dataclasses
    from typing import ClassVar

    from tncc.errors import VerifyError
    from tncc.isa.arch import resolve_arch
    from tncc.passes.pipeline import Order, Pass, PassContext, Pipeline
    from tncc.plan import Plan

    @dataclasses.dataclass(frozen=True)
    class DropLastStep(Pass):
        """A deliberately wrong pass: leaves a statement uncomputed."""

        name: ClassVar[str] = "drop-last-step"

        def apply(self, ir: Plan, ctx: PassContext) -> Plan:
            return dataclasses.replace(ir, steps=ir.steps[:-1])

    net = compile_file(TT, "network").artifacts["network"]
    seen: list[str] = []
    with pytest.raises(VerifyError, match="pass 'drop-last-step' produced invalid IR: statement .* never computed"):
        Pipeline((Order(), DropLastStep())).run(net, PassContext(resolve_arch(None)),
                                                lambda name, ir: seen.append(name))
    assert seen == ["order"]
    # Without verification the broken plan goes through (what verify=False trades away).
    broken = Pipeline((Order(), DropLastStep())).run(net, PassContext(resolve_arch(None), verify=False))
    assert len(broken.steps) == len(Pipeline((Order(),)).run(net, PassContext(resolve_arch(None))).steps) - 1


def test_print_after_shows_each_pass_and_emit_is_unchanged() -> None:
    printed: list[tuple[str, str]] = []
    ctx = compile_file(TT, "plan", print_after=("all",), printer=lambda n, t: printed.append((n, t)))
    assert [n for n, _ in printed] == ["frontend", "order"]
    assert printed[0][1] == get_stage("network").emit(ctx.artifacts["network"])
    assert printed[1][1] == get_stage("plan").emit(ctx.artifacts["plan"])
    with pytest.raises(TnccError, match="unknown pass 'nope'"):
        compile_file(TT, "plan", print_after=("nope",))


def test_one_compile_behind_the_api_and_the_driver() -> None:
    import tncc
    from tncc.isa.arch import DEFAULT_ARCH, resolve_arch
    from tncc.isa.asm import disassemble

    ctx = compile_file(TT, options={"arch": "systolic"})
    api = tncc.compile(TT, arch="systolic")
    assert get_stage("plan").emit(ctx.artifacts["plan"]) == get_stage("plan").emit(api.plan)
    assert disassemble(ctx.artifacts["asm"]) == disassemble(api.program)
    # One resolver: None is the default preset everywhere.
    assert resolve_arch(None) == resolve_arch(DEFAULT_ARCH) == tncc.compile(TT, arch=None).arch
    assert compile_file(TT, "plan", options={"arch": None}).arch == resolve_arch(DEFAULT_ARCH)
