"""A lower bound of the cycles of any plan of a network on a machine.

It holds for every order and every lowering: no program runs faster than
its proven-minimal MACs at the array's peak, nor than its compulsory DRAM
traffic (every input read once, every output written once) at the DRAM's
bandwidth.  Set beside a plan's cycles (``passes.estimate``) it shows what
any reordering could still gain.  It runs the exact order search, so it
sits above ``passes.order`` (whose final choice compiles its candidates
through ``passes.estimate``).
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Mapping, Sequence

from tncc.ir import Network, Role
from tncc.isa.arch import Arch
from tncc.passes.diagonal import expand_diagonals
from tncc.passes.order.objectives import Macs
from tncc.passes.order.planner import contractions
from tncc.passes.order.search import search


@dataclass(frozen=True, slots=True)
class LowerBound:
    """Cycles no program for a network can beat on a machine (:func:`lower_bound`)."""

    macs: int  # fewest MACs of any order (proven, or a weaker bound where a search is not)
    proven: bool  # every statement's minimal MACs proven by the exact search
    compute: int  # ``macs`` at the array's peak
    dram_bytes: int  # compulsory traffic
    dma: int  # ``dram_bytes`` at the DRAM's bandwidth, plus one transfer's latency
    cycles: int  # the larger of the two


def lower_bound(net: Network, arch: Arch, time_limit: float = 10.0) -> LowerBound:
    """A lower bound of the cycles of any plan of ``net`` on ``arch``.

    *Compute*: every plan does at least as many MACs as the cheapest tree of
    each of its statements alone (the steps a statement depends on form a
    tree of it, shared values included), and every statement's result is
    made by a step of its own that does at least its size in MACs; so at
    least the larger of the largest minimum and the sum of result sizes.
    Minima come from the exact search (``passes.order.search``); where it is
    not proven (past its operand limit) a statement counts only its result
    size.  The array does at most ``peak_macs_per_cycle`` MACs a cycle.

    *Memory*: every input a statement reads is loaded from DRAM at least
    once in its element type, every output stored at least once in the type
    of results (the accumulator's for integer networks), and the DMA unit
    moves ``dram.bytes_per_cycle`` bytes a cycle, paying the DRAM latency at
    least once."""
    sizes = net.sizes()
    expanded = expand_diagonals(net)
    esizes = expanded.sizes()
    proven = True
    most = 0
    for c in contractions(expanded):
        r = search(c.inputs, c.output, esizes, Macs(), 1, time_limit=time_limit)
        if r.proven_optimal:
            most = max(most, min(score for score, _ in r.candidates))
        else:
            proven = False
    results = sum(_elements(st.indices, sizes) for st in net.statements)
    macs = max(most, results)
    read = {op.tensor for st in net.statements for op in st.operands}
    item = net.dtype.nbytes
    out_item = net.dtype.accumulator.nbytes if net.dtype.is_int else item
    nbytes = sum(_elements(net.tensor(t.name).indices, sizes) * item for t in net.tensors
                 if t.role in (Role.INPUT, Role.PARAM) and t.name in read)
    nbytes += sum(_elements(net.tensor(o).indices, sizes) * out_item for o in net.outputs)
    compute = -(-macs // arch.peak_macs_per_cycle)
    dma = arch.dram.latency + -(-nbytes // arch.dram.bytes_per_cycle) if nbytes else 0
    return LowerBound(macs, proven, compute, nbytes, dma, max(compute, dma))


def _elements(indices: Sequence[str], sizes: Mapping[str, int]) -> int:
    """Elements over the distinct ``indices`` (a repeated index, a diagonal,
    counts once: what must move at the least)."""
    return math.prod(sizes[i] for i in set(indices))
