"""The lowering's result and the steps every lowering option shares.

:class:`Lowered` is what the ``lower`` pass returns: the memory plan, the
tiled program and the machine program, with the options they were lowered
with.  The functions here are the building blocks the tuner
(:mod:`tncc.passes.tuner`) and co-scheduling (:mod:`tncc.passes.coschedule`)
combine: tile a plan for a memory plan (:func:`tile_plan`), tune the layouts
and generate the code (:func:`finish`, :func:`generate`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tncc.ir import Statement
from tncc.isa.arch import Arch
from tncc.isa.program import Program
from tncc.passes.backend import backend_for
from tncc.passes.banks import retile, tune_layouts
from tncc.passes.codegen import CodeGenerator
from tncc.passes.memory_ir import MemoryPlan
from tncc.passes.options import DEFAULT as DEFAULT_OPTIONS, LoweringOptions
from tncc.passes.tile import Budget, tile_step
from tncc.passes.tiled_ir import TiledProgram, TiledStep, verify_tiled_step
from tncc.plan import Plan, Step

TileMemo = dict[tuple[int, Budget], TiledStep]  # tiled steps by (step number, budget), across the options of one plan


@dataclass(frozen=True)
class Lowered:
    """Everything the back end decided for one plan: the memory plan, the
    tiled IR and the program, plus counts the report uses."""

    memory: MemoryPlan
    tiled: TiledProgram
    program: Program
    shapes: int  # SHAPE instructions (0 on fetta by construction)
    sync_pairs: int
    placed: MemoryPlan  # the memory plan before layout tuning (to lower it again)
    # What this program was lowered with, every field decided: the staging
    # share, whether any tensor reserved wide paddings, the code generator's
    # switches, and whether any steps are co-scheduled (``pairs``: s -> t).
    chosen: LoweringOptions | None = None
    pairs: tuple[tuple[int, int], ...] = ()

    def verify(self) -> None:
        """Raise :class:`~tncc.errors.VerifyError` unless the memory plan, the
        tiled program and the program each pass their own ``verify()``."""
        self.memory.verify()
        self.tiled.verify()
        self.program.verify()


def ones_words(plan: Plan, arch: Arch) -> int:
    """Length of the all-ones constant unary steps contract with (the back end's rule)."""
    return backend_for(arch).ones_words(plan)


def scratch_words(plan: Plan, arch: Arch) -> int:
    """Staging words every step needs at least (the back end's reshaping room)."""
    return backend_for(arch).scratch_words(plan)


def codegen_flags(opts: LoweringOptions) -> dict[str, bool]:
    """The code generator's switches for ``opts`` (forced off, or on)."""
    return {"prefetch": opts.prefetch is not False, "defer": opts.deferred_stores is not False}


def tile_plan(plan: Plan, arch: Arch, mem: MemoryPlan, memo: TileMemo | None = None) -> TiledProgram:
    """Tile every step for ``mem``'s staging area; ``memo`` keeps tiled
    steps by (step, budget) across the lowering options of one plan."""
    return TiledProgram(tuple(tile_plan_step(plan, arch, mem, k, mem.stage_words, memo) for k in range(len(plan.steps))),
                        arch.name)


def tile_plan_step(plan: Plan, arch: Arch, mem: MemoryPlan, k: int, words: int, memo: TileMemo | None) -> TiledStep:
    """Step ``k`` tiled with ``words`` of staging."""
    step = plan.steps[k]
    places = {p.value: p for p in mem.placements}
    staged = [not places[op.value].resident for op in step.operands]
    if len(staged) == 1:
        staged.append(False)
    staged.append(not places[step.result].resident)
    budget = Budget(words, (staged[0], staged[1], staged[2]), backend_for(arch).needs_scratch)
    ts = memo.get((k, budget)) if memo is not None else None
    if ts is None:
        st = plan.network.statement(step.statement) if step.statement in {s.result for s in plan.network.statements} else None
        ts = tile_step(k, step, plan.network.sizes(), arch, budget, _where(st, step))
        verify_tiled_step(ts, max_points=1 << 16)
        if memo is not None:
            memo[(k, budget)] = ts
    return ts


def finish(plan: Plan, arch: Arch, mem: MemoryPlan, tiled: TiledProgram,
            pairs: dict[int, int] | None = None, opts: LoweringOptions | None = None) -> Lowered:
    """Layout tuning (where the back end tunes banks) and code generation
    (with the lookahead only where ``opts`` forces it)."""
    opts = opts if opts is not None else DEFAULT_OPTIONS
    placed = mem
    if backend_for(arch).tunes_banks:
        mem = tune_layouts(tiled, mem, arch)
        tiled = retile(tiled, mem, arch)
    return generate(plan, arch, mem, tiled, placed, pairs, opts.lookahead is True, opts)


def generate(plan: Plan, arch: Arch, mem: MemoryPlan, tiled: TiledProgram, placed: MemoryPlan,
              pairs: dict[int, int] | None, lookahead: bool, opts: LoweringOptions) -> Lowered:
    """Code generation for a tuned memory plan and its tiling."""
    flags = codegen_flags(opts)
    lw = CodeGenerator(plan, tiled, mem, arch, lookahead=lookahead, pairs=pairs, **flags)
    prog = lw.run()
    chosen = LoweringOptions(stage_share=mem.share, wide_paddings=bool(mem.wide), lookahead=lookahead,
                             prefetch=flags["prefetch"], deferred_stores=flags["defer"], co_schedule=bool(pairs))
    return Lowered(mem, tiled, prog, lw.e.shapes, lw.e.sync.pairs, placed, chosen, tuple(sorted((pairs or {}).items())))


def _where(st: Statement | None, step: Step) -> str:
    if st is not None and st.span is not None:
        return f"{st.span.file}:{st.span.line}:{st.span.column}: statement `{st.result}`"
    return f"statement `{step.statement}`"
