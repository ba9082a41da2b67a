"""The lowering a smaller buffer would make, where the model finds it cheaper.

When every value of a plan stays in the buffer, nothing streams, and the
code generator loads each leaf whole before its first step and stores each
output whole after its last, with only that step's own work to hide the
transfer under (systolic's DMA cannot prefetch at all; fetta's prefetches
only the first block of a streaming step).  A smaller buffer forces the
large tensors to stream block by block, each block's transfer running
under the previous block's GEMMs or contractions, and can be faster: on
systolic, the TT attention layer at r=8 with 16 tokens, 18,672 cycles with
a 256 KiB buffer against 19,966 (19,788 with leaves loaded ahead,
:mod:`tncc.passes.leaves_ahead`) with 512 KiB or more; on fetta, the
batched node-perturbation network, 9,633 cycles at 256 KiB against 10,865
at 512 KiB.

A program lowered for a smaller buffer also runs on the larger one (its
addresses fit), so :func:`choose_smaller_buffer` lowers the plan for the
largest halving of the buffer that no longer holds everything (through
the whole option search, :func:`tncc.passes.tuner.lower_plan`),
generates its code again for the real machine, and keeps it if the model
finds it cheaper: the cycles of a plan's lowering then never grow with
the buffer across the halvings that hold everything.  That halving is
found from the memory plan's peak, and packing can need more: the
halving above it is lowered first, and where that one streams already it
is a candidate too (the DeepOHeat reconstruction at 21 x 21 x 12 on
fetta streams at 256 KiB in 7,179 cycles, while the peak points at
128 KiB, 13,193 cycles; with 1 MiB it ran 9,346).
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from tncc.errors import TnccError
from tncc.isa.arch import Arch
from tncc.passes.framework import PassContext, Pipeline
from tncc.passes.lowered import Cost, Lowered
from tncc.passes.lowering_passes import CodeGen

MIN_BUFFER_BYTES = 4096  # below this a halving is not tried


def smaller_arch(arch: Arch, need_words: int) -> Arch | None:
    """``arch`` with the largest halving of its buffer that holds fewer
    than ``need_words`` words (None: none of at least ``MIN_BUFFER_BYTES``)."""
    size = arch.buffer.bytes
    while size // arch.buffer.word_bytes >= need_words:
        size //= 2
    if size < MIN_BUFFER_BYTES or size == arch.buffer.bytes:
        return None
    return dataclasses.replace(arch, buffer=dataclasses.replace(arch.buffer, bytes=size))


def choose_smaller_buffer(best: Lowered, ctx: PassContext, cost: Cost,
                          lower: Callable[[Arch], Lowered], forced: bool = False) -> Lowered:
    """``best`` (lowered with everything in the buffer), or the lowering for
    a smaller buffer (module doc; ``lower`` lowers the plan for an arch)
    with its code generated for ``ctx.arch``, when the model finds that
    cheaper (``forced``: whenever there is one).

    The halving that no longer holds everything is found from the memory
    plan's peak, which packing can exceed: the halving above it is tried
    first (its lowering either streams, or, holding everything, tries the
    ones below itself), and where it streams, the halving below it too."""
    mem = best.memory
    if mem.streamed or mem.spilled:
        return best
    small_arch = smaller_arch(ctx.arch, mem.peak_words + mem.stage_words + mem.ones_words)
    if small_arch is None:
        return best
    sizes = [small_arch]
    above = 2 * small_arch.buffer.bytes
    if above < ctx.arch.buffer.bytes:
        sizes.insert(0, dataclasses.replace(small_arch, buffer=dataclasses.replace(small_arch.buffer, bytes=above)))
    kept: Lowered | None = None
    for at in sizes:
        try:
            small = lower(at)
        except TnccError:  # the smaller buffer cannot hold the program's working set at all
            continue
        other = _regenerated(small, ctx)
        if other is not None and (kept is None or cost(other) < cost(kept)):
            kept = other
        nested = small.chosen is not None and small.chosen.smaller_buffer
        if nested or not (small.memory.streamed or small.memory.spilled):
            break  # it held everything, so its own lowering tried the halvings below it
    if kept is None:
        return best
    return kept if forced or cost(kept) < cost(best) else best


def _regenerated(small: Lowered, ctx: PassContext) -> Lowered | None:
    """The lowering ``small`` made for a smaller buffer, with its code
    generated for ``ctx.arch`` (None: nothing to regenerate)."""
    if small.tuned is None or small.chosen is None:
        return None
    regen = CodeGen.for_options(small.chosen, pairs=dict(small.pairs))
    other: Lowered = Pipeline((regen,)).run(small.tuned, ctx)
    if other.chosen is not None:
        other = dataclasses.replace(other, chosen=dataclasses.replace(other.chosen, smaller_buffer=True))
    return other
