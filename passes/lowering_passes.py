"""The lowering's passes: memory planning, tiling, layout tuning, code generation.

Each is a :class:`~tncc.passes.framework.Pass` (a frozen dataclass whose
fields are its options) over the records of :mod:`tncc.passes.lowered`::

    Plan --memory--> Placed --tile--> Tiled --tune--> Tuned --codegen--> Lowered

The tuner (:mod:`tncc.passes.tuner`) runs them once per candidate
:class:`~tncc.passes.options.LoweringOptions` and keeps the program with
the fewest modelled cycles; the :class:`Lowered` it keeps carries the
records of the passes that made it, so ``tncc compile --print-after
memory|tile|tune|codegen`` shows the kept candidate's levels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from tncc.isa.arch import Arch
from tncc.passes.alloc import plan_memory
from tncc.passes.backend import backend_for
from tncc.passes.banks import retile, tune_layouts
from tncc.passes.codegen import CodeGenerator
from tncc.passes.framework import Pass, PassContext, Pipeline
from tncc.passes.lowered import (Lowered, Placed, TileMemo, Tiled, Tuned, ones_words, scratch_words, tile_plan)
from tncc.passes.memory_ir import MemoryPlan
from tncc.passes.options import DEFAULT as DEFAULT_OPTIONS, MIN_STAGE_SHARE, LoweringOptions, Share
from tncc.passes.tiled_ir import TiledProgram
from tncc.plan import Plan


@dataclass(frozen=True)
class PlanMemory(Pass):
    """Plan -> :class:`Placed` (:func:`tncc.passes.alloc.plan_memory`).

    ``stage_share``: once anything streams, ``1/stage_share`` of the buffer
    is the staging area; ``wide``: the values whose reservation has room
    for the wide bank paddings; ``leaf_matrices`` (systolic): leaves kept in
    the matrix order their GEMMs read (``passes.alloc.leaf_orders``), else
    in declared order; ``residency``: the rule that chooses what streams
    (``"greedy"`` or ``"cpsat"``, ``passes.alloc.plan_memory``); ``early``:
    ``(value, step)`` pairs, each value live from that step on though first
    read later (a leaf loaded ahead).

    Leaves behind: every value of the plan placed (resident in the buffer
    or streamed from DRAM), a memory plan that passes its ``verify()``."""

    name: ClassVar[str] = "memory"
    stage_share: Share = MIN_STAGE_SHARE
    wide: frozenset[str] = frozenset()
    leaf_matrices: bool = True
    residency: str = "greedy"
    early: tuple[tuple[str, int], ...] = ()

    def apply(self, ir: Plan, ctx: PassContext) -> Placed:
        arch = ctx.arch
        return Placed(ir, plan_memory(ir, arch, ones_words(ir, arch), scratch_words(ir, arch), self.stage_share,
                                      self.wide, early=dict(self.early) or None, leaf_matrices=self.leaf_matrices,
                                      residency=self.residency))


@dataclass(frozen=True)
class Tile(Pass):
    """:class:`Placed` -> :class:`Tiled` (:func:`tncc.passes.lowered.tile_plan`).

    No options.  ``memo`` is a cache, not an option: tiled steps by (step,
    budget), shared by the tuner across the candidates of one plan (a step
    tiles the same for the same budget).

    Leaves behind: every step cut into blocks that fit the staging area
    and tiles that cover each block exactly once."""

    name: ClassVar[str] = "tile"
    memo: TileMemo | None = field(default=None, compare=False, repr=False)

    def apply(self, ir: Placed, ctx: PassContext) -> Tiled:
        return Tiled(ir, tile_plan(ir.plan, ctx.arch, ir.memory, self.memo))


@dataclass(frozen=True)
class TuneLayouts(Pass):
    """:class:`Tiled` -> :class:`Tuned`: where the back end tunes banks
    (fetta), the row pitches of resident tensors chosen against the tiles'
    access patterns (:func:`tncc.passes.banks.tune_layouts`), then each
    block re-tiled where the tuned layouts make another tiling cheaper
    (:func:`tncc.passes.banks.retile`); elsewhere the input as it is.

    No options.  Leaves behind: a memory plan whose resident tensors keep
    their places with tuned layouts, and a tiled program for it that
    passes its ``verify()``."""

    name: ClassVar[str] = "tune"

    def apply(self, ir: Tiled, ctx: PassContext) -> Tuned:
        mem, tiled = ir.placed.memory, ir.tiled
        if backend_for(ctx.arch).tunes_banks:
            mem = tune_layouts(tiled, mem, ctx.arch)
            tiled = retile(tiled, mem, ctx.arch)
        return Tuned(ir, mem, tiled)


@dataclass(frozen=True)
class CodeGen(Pass):
    """:class:`Tuned` -> :class:`Lowered`: the machine program
    (:class:`tncc.passes.codegen.CodeGenerator`).

    ``lookahead``, ``prefetch``, ``deferred_stores``, ``leaves_ahead``: the code generator's
    switches (:class:`~tncc.passes.options.LoweringOptions` says what each
    does); ``pairs``: co-scheduled steps ``(s, t)``, t running with s.

    Leaves behind: a program that passes its ``verify()`` and computes
    every output of the plan's network, with the options it was made with
    (every field decided) and the :class:`Tuned` record it came from."""

    name: ClassVar[str] = "codegen"
    lookahead: bool = False
    prefetch: bool = True
    deferred_stores: bool = True
    pairs: tuple[tuple[int, int], ...] = ()
    leaves_ahead: bool = False

    @classmethod
    def for_options(cls, opts: LoweringOptions, lookahead: bool | None = None,
                    pairs: dict[int, int] | None = None, leaves_ahead: bool | None = None) -> "CodeGen":
        """The pass for ``opts`` (a switch is on unless forced off; the
        lookahead and the leaves loaded ahead only where forced, unless given)."""
        return cls(opts.lookahead is True if lookahead is None else lookahead, opts.prefetch is not False,
                   opts.deferred_stores is not False, tuple(sorted((pairs or {}).items())),
                   opts.leaves_ahead is True if leaves_ahead is None else leaves_ahead)

    def apply(self, ir: Tuned, ctx: PassContext) -> Lowered:
        pairs = dict(self.pairs)
        gen = CodeGenerator(ir.plan, ir.tiled, ir.memory, ctx.arch, lookahead=self.lookahead, pairs=pairs,
                            prefetch=self.prefetch, defer=self.deferred_stores, leaves_ahead=self.leaves_ahead)
        program = gen.run()
        mem = ir.memory
        chosen = LoweringOptions(stage_share=mem.share, wide_paddings=bool(mem.wide), lookahead=self.lookahead,
                                 prefetch=self.prefetch, deferred_stores=self.deferred_stores,
                                 co_schedule=bool(pairs), leaves_ahead=self.leaves_ahead,
                                 smaller_buffer=False, residency=residency_rule(mem.residency))
        return Lowered(mem, ir.tiled, program, gen.e.shapes, gen.e.sync.pairs, ir.placed, chosen, self.pairs, ir)


def residency_rule(recorded: str) -> str:
    """The :class:`~tncc.passes.options.LoweringOptions` rule behind a memory
    plan's ``residency`` record (``"cpsat+greedy"``: CP-SAT's choice, which
    the greedy evictions finished where fragmentation defeated it)."""
    return "cpsat" if recorded.startswith("cpsat") else "greedy"


def finish(plan: Plan, arch: Arch, mem: MemoryPlan, tiled: TiledProgram, pairs: dict[int, int] | None = None,
           opts: LoweringOptions | None = None, verify: bool = False) -> Lowered:
    """The ``tune`` and ``codegen`` passes on ``mem`` and its tiling
    ``tiled`` (the lookahead only where ``opts`` forces it)."""
    opts = opts if opts is not None else DEFAULT_OPTIONS
    tiled_ir = Tiled(Placed(plan, mem), tiled)
    passes = Pipeline((TuneLayouts(), CodeGen.for_options(opts, pairs=pairs)))
    lowered: Lowered = passes.run(tiled_ir, PassContext(arch, verify))
    return lowered
