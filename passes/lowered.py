"""The lowering's IR records and the steps every lowering option shares.

Each pass of the lowering (:mod:`tncc.passes.lowering_passes`) returns one
record that carries the earlier levels forward:

* :class:`Placed` (``memory``) -- the plan and its memory plan;
* :class:`Tiled` (``tile``) -- that, and the tiled program;
* :class:`Tuned` (``tune``) -- that, and the memory plan with tuned bank
  layouts and the program re-tiled for them;
* :class:`Lowered` (``codegen``, and what the ``lower`` pass returns) -- the
  tuned memory plan, the tiled program and the machine program, with the
  options they were lowered with and the :class:`Tuned` record they came
  from.

Each has a ``verify()`` and a text form.  The functions here are the
building blocks those passes and co-scheduling
(:mod:`tncc.passes.coschedule`) share: tile a plan for a memory plan
(:func:`tile_plan`, :func:`tile_plan_step`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from tncc.errors import VerifyError
from tncc.ir import Statement
from tncc.isa.arch import Arch
from tncc.isa.asm import disassemble
from tncc.isa.program import Program
from tncc.passes.backend import backend_for
from tncc.passes.memory_ir import MemoryPlan, format_memory
from tncc.passes.options import LoweringOptions
from tncc.passes.tile import Budget, step_budget, tile_step
from tncc.passes.tiled_ir import TiledProgram, TiledStep, verify_tiled_step
from tncc.plan import Plan, Step

TileMemo = dict[tuple[int, Budget], TiledStep]  # tiled steps by (step number, budget), across the options of one plan


@dataclass(frozen=True)
class Placed:
    """The ``memory`` pass's result: a plan and where each of its values lives."""

    plan: Plan
    memory: MemoryPlan

    def verify(self) -> None:
        """Raise :class:`~tncc.errors.VerifyError` unless the memory plan
        passes its ``verify()`` and places every value the plan's steps use."""
        self.memory.verify()
        placed = {p.value for p in self.memory.placements}
        for k, step in enumerate(self.plan.steps):
            for v in [op.value for op in step.operands] + [step.result]:
                if v not in placed:
                    raise VerifyError(f"step {k} uses {v!r}, which the memory plan does not place")

    def text(self) -> str:
        return format_memory(self.memory)


@dataclass(frozen=True)
class Tiled:
    """The ``tile`` pass's result: :class:`Placed` and the tiled program
    for its memory plan's staging area."""

    placed: Placed
    tiled: TiledProgram

    @property
    def plan(self) -> Plan:
        return self.placed.plan

    def verify(self) -> None:
        """Raise :class:`~tncc.errors.VerifyError` unless the tiled program
        has one step per plan step and passes its ``verify()``."""
        _verify_steps(self.plan, self.tiled)

    def text(self) -> str:
        return self.tiled.text()


@dataclass(frozen=True)
class Tuned:
    """The ``tune`` pass's result: :class:`Tiled` and, after layout tuning,
    the memory plan with tuned bank layouts and the program re-tiled for
    them (both as they were where the back end tunes no banks)."""

    before: Tiled
    memory: MemoryPlan
    tiled: TiledProgram

    @property
    def plan(self) -> Plan:
        return self.before.plan

    @property
    def placed(self) -> MemoryPlan:
        """The memory plan before layout tuning."""
        return self.before.placed.memory

    def verify(self) -> None:
        """Raise :class:`~tncc.errors.VerifyError` unless the tuned memory
        plan and the re-tiled program each pass their ``verify()``."""
        self.memory.verify()
        _verify_steps(self.plan, self.tiled)

    def text(self) -> str:
        return format_memory(self.memory) + self.tiled.text()


def _verify_steps(plan: Plan, tiled: TiledProgram) -> None:
    if len(tiled.steps) != len(plan.steps):
        raise VerifyError(f"the tiled program has {len(tiled.steps)} steps, the plan {len(plan.steps)}")
    tiled.verify()


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
    # The records of the passes this program came out of (``--print-after``);
    # not part of what was decided, so not compared.
    tuned: Tuned | None = field(default=None, compare=False, repr=False)

    def trace(self) -> tuple[tuple[str, Placed | Tiled | Tuned], ...]:
        """The results of the ``memory``, ``tile`` and ``tune`` passes this
        program was generated from, by pass name."""
        if self.tuned is None:
            return ()
        return (("memory", self.tuned.before.placed), ("tile", self.tuned.before), ("tune", self.tuned))

    def text(self) -> str:
        """The machine program's assembly."""
        return disassemble(self.program)

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
    budget = step_budget(step, places, words, backend_for(arch).needs_scratch)
    ts = memo.get((k, budget)) if memo is not None else None
    if ts is None:
        st = plan.network.statement(step.statement) if step.statement in {s.result for s in plan.network.statements} else None
        ts = tile_step(k, step, plan.network.sizes(), arch, budget, _where(st, step))
        verify_tiled_step(ts, max_points=1 << 16)
        if memo is not None:
            memo[(k, budget)] = ts
    return ts


def _where(st: Statement | None, step: Step) -> str:
    if st is not None and st.span is not None:
        return f"{st.span.file}:{st.span.line}:{st.span.column}: statement `{st.result}`"
    return f"statement `{step.statement}`"


#: What the lowering's option search minimises for a program, compared as a
#: tuple (``passes.tuner.program_score``: the modelled cycles, or the energy
#: or energy-delay product then the cycles, by the plan's objective).
Score = tuple[float, ...]
Cost = Callable[[Lowered], Score]
