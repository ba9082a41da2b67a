"""The one compilation pipeline: front end, then the passes, with every IR printable.

Every entry point compiles through here: ``tncc compile`` / ``tncc run`` /
``tncc compare`` on the command line, ``tncc.compile`` in Python, and the
benchmarks (through ``tncc.compile``).  The pipeline is

    .tn file --front end--> network --order--> plan --lower--> memory plan,
    tiled program, machine program

where the passes are :mod:`tncc.passes.pipeline`'s.  One architecture
resolver (:func:`tncc.isa.arch.resolve_arch`: ``None`` is the ``fetta``
preset) and one order-search budget
(:data:`~tncc.passes.order.planner.DEFAULT_TIME_LIMIT`, overridable) serve
them all, so the same inputs give the same program whichever way they come.

*Stages* are the IR views ``tncc compile --emit STAGE`` prints: ``network``
(after the front end), ``plan`` (after ``order``), ``tiled`` (the memory
plan and tiled program after ``lower``) and ``asm`` (the machine program
after ``lower``).  ``--print-after PASS`` prints the whole IR after a pass;
the lowering's passes (``memory``, ``tile``, ``tune``, ``codegen``) run once
per candidate inside ``lower``, and print the candidate kept (the records
its :class:`~tncc.passes.lowered.Lowered` carries), just before ``lower``.
The IR is verified after the front end and after every pass
(:class:`~tncc.errors.VerifyError` names the pass that broke it);
``verify=False`` skips that in a compile whose time matters more.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

from tncc.errors import TnccError
from tncc.frontend import load_network
from tncc.ir import Network
from tncc.isa.arch import Arch, resolve_arch
from tncc.isa.asm import disassemble
from tncc.passes.lower import Lowered
from tncc.passes.estimate import reusing_lowerings
from tncc.passes.memory_ir import format_memory
from tncc.passes.options import LoweringOptions
from tncc.passes.order.planner import DEFAULT_TIME_LIMIT
from tncc.passes.lowered import Placed, Tiled, Tuned
from tncc.passes.lowering_passes import CodeGen
from tncc.passes.pipeline import LOWERING_PASSES, Lower, PassContext, Pipeline, default_passes, verify_after
from tncc.passes.pipeline import pass_names as pipeline_pass_names
from tncc.plan import Plan, format_plan
from tncc.printer import format_network
from tncc.stages import STAGE_HELP

FRONTEND = "frontend"  # the name --print-after gives the front end


@dataclass(slots=True)
class Context:
    """What a compilation knows: the source path, the selected network name,
    its options (``arch``, ``order``, ``objective``, ``time_limit``,
    ``lowering``, ``verify``; others are ignored), the resolved architecture once a pass
    needed it, and the artifact of every stage reached so far, by stage name."""

    path: str
    network: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, Any] = field(default_factory=dict)
    arch: Arch | None = None


@dataclass(frozen=True, slots=True)
class Stage:
    """One ``--emit`` stage: the IR view ``view(result)`` of the result of
    pass ``after``, and its deterministic text form ``emit(artifact)``."""

    name: str
    after: str
    view: Callable[[Any], Any]
    emit: Callable[[Any], str | bytes]
    help: str = ""


def _same(ir: Any) -> Any:
    return ir


def emit_tiled(low: Lowered) -> str:
    """``--emit tiled``: the memory plan, then the tiled program."""
    return format_memory(low.memory) + low.tiled.text()


_VIEWS: dict[str, tuple[str, Callable[[Any], Any], Callable[[Any], str | bytes]]] = {
    "network": (FRONTEND, _same, format_network),
    "plan": ("order", _same, format_plan),
    "tiled": ("lower", _same, emit_tiled),
    "asm": ("lower", lambda low: low.program, disassemble),
}

STAGES: list[Stage] = [Stage(name, *_VIEWS[name], help) for name, help in STAGE_HELP]


def stage_names() -> tuple[str, ...]:
    return tuple(s.name for s in STAGES)


def get_stage(name: str) -> Stage:
    for s in STAGES:
        if s.name == name:
            return s
    raise KeyError(name)


def pass_names() -> tuple[str, ...]:
    """Every name ``--print-after`` accepts, in pipeline order."""
    return (FRONTEND, *pipeline_pass_names())


def format_ir(ir: Any, pass_name: str | None = None) -> str:
    """The text of any IR level (``--print-after``): after ``codegen`` the
    machine program alone, after ``lower`` the memory plan, the tiled
    program and the machine program."""
    if isinstance(ir, Network):
        return format_network(ir)
    if isinstance(ir, Plan):
        return format_plan(ir)
    if isinstance(ir, Lowered):
        return ir.text() if pass_name == CodeGen.name else emit_tiled(ir) + disassemble(ir.program)
    if isinstance(ir, (Placed, Tiled, Tuned)):
        return ir.text()
    raise TypeError(f"no text form for {type(ir).__name__}")


Printer = Callable[[str, str], None]


def compile_file(path: str | os.PathLike[str], until: str | None = None, *, network: str | None = None,
                 options: dict[str, Any] | None = None, print_after: tuple[str, ...] = (),
                 printer: Printer | None = None) -> Context:
    """Run the pipeline on the ``.tn`` file at ``path`` up to and including
    stage ``until`` (default: the last).

    Returns the context; ``ctx.artifacts[name]`` holds each stage's artifact.
    ``print_after`` names passes (or ``all``) whose resulting IR is given to
    ``printer(pass_name, text)``; the pipeline runs on to the last of them
    (``all``: to ``until``).  Raises :class:`~tncc.errors.TnccError`
    for bad input, and :class:`~tncc.errors.VerifyError` (naming the pass)
    if a pass breaks its IR's invariants."""
    names = stage_names()
    target = names[-1] if until is None else until
    if target not in names:
        raise KeyError(f"unknown stage {target!r}; stages are {', '.join(names)}")
    known = pass_names()
    for p in print_after:
        if p != "all" and p not in known:
            raise TnccError(f"unknown pass {p!r}; passes are {', '.join(known)} (or all)", where="--print-after")
    opts = dict(options or {})
    ctx = Context(str(path), network, opts)
    wanted = set(known) if "all" in print_after else set(print_after)
    # Run as far as the stage asked for, or the last pass asked to print
    # (an inner pass of the lowering is reached by running ``lower``).
    last_pass = max([get_stage(target).after, *(p for p in print_after if p != "all")], key=known.index)
    if last_pass in LOWERING_PASSES:
        last_pass = Lower.name

    def after(name: str, ir: Any) -> None:
        for s in STAGES:
            if s.after == name and (s.name == target or names.index(s.name) < names.index(target)):
                ctx.artifacts[s.name] = s.view(ir)
        if name in wanted and printer is not None:
            printer(name, format_ir(ir, name))

    verify = bool(opts.get("verify", True))
    net = load_network(ctx.path, network)
    if verify:
        verify_after(FRONTEND, net)
    after(FRONTEND, net)
    if last_pass == FRONTEND:
        return ctx
    ctx.arch = resolve_arch(opts.get("arch"))
    pipeline = default_passes(opts.get("order") or "csse", opts.get("objective"),
                              _time_limit(opts.get("time_limit")), lowering_options(opts.get("lowering")))
    pipeline.run(net, PassContext(ctx.arch, verify), after, until=last_pass)
    return ctx


def _time_limit(value: float | None) -> float:
    return DEFAULT_TIME_LIMIT if value is None else float(value)


def lowering_options(lowering: LoweringOptions | str | None) -> LoweringOptions | None:
    """``lowering`` as :class:`~tncc.passes.options.LoweringOptions`: one
    already, ``None`` (the lowering chooses everything), or its text form
    (``"co_schedule=off,stage_share=4"``, :meth:`LoweringOptions.parse`)."""
    if lowering is None or isinstance(lowering, LoweringOptions):
        return lowering
    if isinstance(lowering, str):
        return LoweringOptions.parse(lowering)
    raise TnccError(f"lowering must be a LoweringOptions, its text form or None, not {type(lowering).__name__}")


@dataclass(frozen=True, slots=True)
class Compilation:
    """What :func:`compile_network` produced: the architecture it resolved,
    the plan and the back end's decisions (``lowered``)."""

    arch: Arch
    plan: Plan
    lowered: Lowered


def compile_network(net: Network, arch: Arch | str | None = None, order: str = "csse",
                    objective: str | None = None, time_limit: float = DEFAULT_TIME_LIMIT,
                    lowering: LoweringOptions | None = None, verify: bool = True) -> Compilation:
    """Run the passes on a network (the pipeline after the front end)."""
    if verify:
        verify_after(FRONTEND, net)
    ctx = PassContext(resolve_arch(arch), verify)
    seen: dict[str, Any] = {}
    with reusing_lowerings():  # the plan the search chose is lowered once
        lowered = default_passes(order, objective, time_limit, lowering).run(
            net, ctx, lambda name, ir: seen.__setitem__(name, ir))
    return Compilation(ctx.arch, seen["order"], lowered)


def lower_plan(plan: Plan, arch: Arch | str | None = None, lowering: LoweringOptions | None = None,
               verify: bool = True) -> Lowered:
    """The ``lower`` pass alone, on a plan made elsewhere (``tncc compare
    --no-reuse`` lowers a plan's unshared twin)."""
    lowered: Lowered = Pipeline((Lower(lowering),)).run(plan, PassContext(resolve_arch(arch), verify))
    return lowered
