"""The compilation pipeline as one straight function over an ordered list of stages.

A :class:`Stage` turns the previous stage's artifact into the next one.  The
first stage, ``network``, reads a ``.tn`` file and produces the checked
:class:`~tncc.ir.Network`.  Later stages (plan, tiled, asm, ...) are added by
appending to :data:`STAGES` in pipeline order; ``tncc compile --emit STAGE``
offers every stage name in this list, and :func:`compile_file` stops after the
requested one.  After each stage its ``verify`` runs; a failure there is a
compiler bug and is reported naming the stage.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

from tncc.ir import Network


@dataclass(slots=True)
class Context:
    """What a compilation knows: the source path, the selected network name,
    free-form options for later stages (architecture, strategy, ...), and the
    artifact of every stage run so far, by stage name."""

    path: str
    network: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Stage:
    """One pipeline stage.

    ``run(previous_artifact, ctx)`` returns this stage's artifact (the first
    stage receives ``None``); ``emit(artifact)`` gives its deterministic text
    (or bytes) form for ``--emit``; ``verify(artifact)`` raises AssertionError
    when an invariant of the stage's IR is broken."""

    name: str
    run: Callable[[Any, Context], Any]
    emit: Callable[[Any], str | bytes]
    verify: Callable[[Any], None] | None = None
    help: str = ""


def _network_stage(_: None, ctx: Context) -> Network:
    from tncc.frontend import load_network

    return load_network(ctx.path, ctx.network)


def _emit_network(net: Network) -> str:
    from tncc.printer import format_network

    return format_network(net)


def _verify_network(net: Network) -> None:
    net.verify()


# -- back end stages: plan, tiled, asm ------------------------------------------------


def _arch(ctx: Context) -> Any:
    from tncc.compiled import resolve_arch

    arch = ctx.artifacts.get("_arch")
    if arch is None:
        arch = ctx.artifacts["_arch"] = resolve_arch(ctx.options.get("arch") or "fetta")
    return arch


def _plan_stage(net: Network, ctx: Context) -> Any:
    from tncc.compiled import make_plan

    return make_plan(net, _arch(ctx), ctx.options.get("order") or "csse", ctx.options.get("objective"))


def _emit_plan(plan: Any) -> str:
    lines = [f"; plan of network {plan.network.name}: {plan.macs()} MACs, objective {plan.objective}"]
    for k, st in enumerate(plan.steps):
        ops = " * ".join(f"{o.value}[{','.join(o.indices)}]" for o in st.operands)
        flow = f"  ; {st.dataflow}" if st.dataflow else ""
        lines.append(f"{k}: {st.result}[{','.join(st.indices)}] = {ops}  ({st.statement}){flow}")
    return "\n".join(lines) + "\n"


def _tiled_stage(plan: Any, ctx: Context) -> Any:
    from tncc.compiled import lowering_options
    from tncc.guard import check_plan
    from tncc.passes.lower import lower_plan

    check_plan(plan)  # no intermediate wider than numpy's arrays
    return lower_plan(plan, _arch(ctx), lowering_options(ctx.options.get("lowering")))


def _emit_tiled(low: Any) -> str:
    from tncc.passes.lower import format_memory

    return format_memory(low.memory) + low.tiled.text()


def _verify_tiled(low: Any) -> None:
    from tncc.passes.tiled_ir import verify_tiled_step

    for ts in low.tiled.steps:
        verify_tiled_step(ts, max_points=1 << 16)


def _asm_stage(low: Any, ctx: Context) -> Any:
    return low.program


def _emit_asm(program: Any) -> str:
    from tncc.isa.asm import disassemble

    return disassemble(program)


STAGES: list[Stage] = [
    Stage("network", _network_stage, _emit_network, _verify_network,
          "the checked network IR, gradients expanded, as .tn text"),
    Stage("plan", _plan_stage, _emit_plan, lambda p: p.verify(),
          "the contraction plan: pairwise steps in order, with dataflows"),
    Stage("tiled", _tiled_stage, _emit_tiled, _verify_tiled,
          "memory plan and the blocks and tiles of every step"),
    Stage("asm", _asm_stage, _emit_asm, None,
          "the ISA program as text assembly (-o OUT.tnb writes the binary)"),
]


def stage_names() -> tuple[str, ...]:
    return tuple(s.name for s in STAGES)


def get_stage(name: str) -> Stage:
    for s in STAGES:
        if s.name == name:
            return s
    raise KeyError(name)


def compile_file(path: str | os.PathLike[str], until: str | None = None, *, network: str | None = None,
                 options: dict[str, Any] | None = None) -> Context:
    """Run the stages in order up to and including ``until`` (default: the last).

    Returns the context; ``ctx.artifacts[name]`` holds each stage's result.
    Raises :class:`~tncc.errors.TnccError` for bad input, and AssertionError
    (naming the stage) if a stage breaks its IR's invariants."""
    names = stage_names()
    target = names[-1] if until is None else until
    if target not in names:
        raise KeyError(f"unknown stage {target!r}; stages are {', '.join(names)}")
    ctx = Context(str(path), network, dict(options or {}))
    artifact: Any = None
    for stage in STAGES:
        artifact = stage.run(artifact, ctx)
        if stage.verify is not None:
            try:
                stage.verify(artifact)
            except AssertionError as exc:
                raise AssertionError(f"internal error: stage '{stage.name}' produced invalid IR: {exc}") from exc
        ctx.artifacts[stage.name] = artifact
        if stage.name == target:
            break
    return ctx
