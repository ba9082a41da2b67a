"""Machine costs of contraction steps, from the machine's one cost model.

The cost of a step is that of its tiling: the step goes through the
lowering's own tiler (``passes.tile.tile_step``) and the tiles and DRAM
transfers that come out are costed by ``tncc.isa.model`` (the timing
classes the emulator charges).  What the order search adds on top:

* *residency*: a candidate step does not know the whole plan's lifetimes,
  so it is tiled as if it ran alone: its three tensors stay in the buffer
  when they fit beside nothing else, otherwise the largest stream through
  the staging share the memory planner would give them (``passes.alloc``);
  leaves are loaded once and statement results stored once;
* on the ``systolic`` preset, the *layouts*: the GEMM reads ``A`` as a
  row-major ``[M, K]`` and ``B`` as ``[K, N]`` (batch outermost) and writes
  ``C`` as ``[M, N]``; an operand whose axis order is not already of that
  form, or whose batch/contracted order disagrees with the other operand's,
  is reshaped by an explicit SHAPE pass whose words the estimate charges
  (:func:`gemm_layout`).  On ``fetta`` layouts are free (the networks shape
  on the fly) and the tiler picks the dataflow (outer, inner, batch).

**Bounds.**  :func:`plan_costs` adds these step costs up, each step as
``max(compute, dma)``.  It cannot equal the program, and no estimate made
before lowering can come within 15% of it on every plan: the memory planner
decides residency over the whole plan (a small buffer spills intermediates
that a lone step would keep, and keeps what fits alone), the lowering
overlaps one step's transfers with its neighbours' compute and leaves the
first load and the last store exposed, a step's bank conflicts are only
known once layouts are tuned, and a step's cost does not know which earlier
step already loaded a leaf (:func:`repeated_loads`).  So the sum is held
from both sides instead, on the plan as a whole: with ``exact`` the cycles
of the compiled plan (``passes.estimate.estimate_plan``, equal to the
emulator) and ``(lo, hi) =`` :data:`BOUNDS` of the architecture kind,
``lo * exact <= plan_costs <= hi * exact + repeated_loads``; tested on the
examples (both presets, buffers of 64 KiB to 1 MiB) and on generated
networks, and measured over every example by ``python bench/csse.py --only
model``.  The low side is reached where the buffer is small (64 KiB: a TT
training step spills and re-streams what the lone-step model keeps
resident, down to about a third of the program on fetta and a quarter on
systolic); the high side on small networks whose steps' transfers the
program overlaps.  Per statement there is no such bound: a statement's
share of the program is the stretch from the end of the statement before
(``isa.model.ProgramCost.statement_cycles``), which overlap moves between
neighbours, and a value shared by statements is charged to the first (on
the examples the per-statement ratio ranges from about 0.01 to 8).  The
energy the sum adds up is held the same way (:data:`ENERGY_BOUNDS`, after
:func:`uncharged_energy`, against the compiled program's exact energy,
``isa.model.program_events``).  That
is why the search's final choice is made on the compiled plan (the exact
model), and the per-step sum only ranks the candidates it compiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from tncc.errors import TnccError
from tncc.ir import DType
from tncc.isa import model, timing
from tncc.isa.arch import Arch
from tncc.isa.timing import dma_cycles
from tncc.passes.alloc import STAGE_SHARE
from tncc.passes.layout import banked_words
from tncc.passes.work import blocked_work
from tncc.plan import Dataflow, Plan, PlanOperand, Step
from tncc.passes.tile import Budget

COST_CACHE = 200_000  # step costs kept across searches
#: plan_costs / compiled cycles, per architecture kind, at least and at most
#: (the high side after :func:`repeated_loads`; module doc; tested).  On
#: systolic the per-step sum charges SHAPE passes at the buffer's full
#: bandwidth, while the program's passes can be bank-conflicted (up to one
#: word per cycle), hence its lower floor.
BOUNDS = {"fetta": (0.3, 1.75), "systolic": (0.2, 1.5)}
#: plan_costs' energy / the compiled program's, at least and at most (the high
#: side after :func:`uncharged_energy`; tested).  Energy adds up where cycles
#: overlap, so the sum is close where the buffer holds every step's tensors
#: and the lowering streams nothing (the small examples: 1.000 to 1.01).  It
#: falls short by the DRAM bytes of what the program spills or streams and
#: the lone step keeps (TT ffn_down at 64 KiB on fetta: 0.37), and by what a
#: cycles plan's lowering streams to hide transfers (TT layers at 1 MiB:
#: about 0.75).  It runs over where every step charges its tile shape's
#: three reconfigurations and the program reuses one configuration across
#: steps: on generated networks of a few MACs, where those are a large share
#: of a few hundred picojoules, up to 1.24.
ENERGY_BOUNDS = (0.3, 1.5)


@dataclass(frozen=True, slots=True)
class StepCost:
    """Modelled cost of one step in one variant."""

    dataflow: str
    cycles: int
    energy_pj: float
    shape_words: int = 0
    #: instructions the step's tiling issues (tile runs or GEMMs, transfers,
    #: a SHAPE pass): the lowering's work grows with it (:func:`plan_work`)
    instructions: int = 0


def classify(a: tuple[str, ...], b: tuple[str, ...], result: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """``(batch, left, right, contracted)`` index groups of ``a * b -> result``,
    each in ``a``'s order (``right`` in ``b``'s)."""
    # An index an operand repeats (a diagonal read) is one index of the step.
    a, b = tuple(dict.fromkeys(a)), tuple(dict.fromkeys(b))
    bs, rs = set(b), set(result)
    batch = tuple(i for i in a if i in bs and i in rs)
    contracted = tuple(i for i in a if i in bs and i not in rs)
    left = tuple(i for i in a if i not in bs)
    sa = set(a)
    right = tuple(i for i in b if i not in sa)
    return batch, left, right, contracted


def extents(groups: tuple[tuple[str, ...], ...], sizes: Mapping[str, int]) -> tuple[int, int, int, int]:
    b, m, n, k = (math.prod(sizes[i] for i in g) for g in groups)
    return b, m, n, k


def _blocks(layout: tuple[str, ...], parts: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...] | None:
    """If ``layout`` is the concatenation of blocks holding exactly the index
    sets of ``parts`` (in that block order), the blocks; else ``None``."""
    out = []
    pos = 0
    for part in parts:
        block = layout[pos:pos + len(part)]
        if set(block) != set(part):
            return None
        out.append(tuple(block))
        pos += len(part)
    # A layout with an index twice (a diagonal read) is never a ready matrix.
    return tuple(out) if pos == len(layout) else None


def gemm_layout(la: tuple[str, ...], lb: tuple[str, ...], result: tuple[str, ...],
                final: tuple[str, ...] | None, sizes: Mapping[str, int]) -> tuple[int, tuple[str, ...]]:
    """Shape words and result layout of ``C = A @ B`` on the systolic array,
    with ``A`` stored in axis order ``la`` and ``B`` in ``lb``.

    ``A`` is ready when ``la = batch + M + K`` (as blocks), ``B`` when ``lb =
    batch + K + N``, and both agree on the batch and contracted orders.  Each
    operand that is not ready is reshaped (its words are charged once), to the
    orders of the other operand when that one is ready; when both are ready
    but disagree, the smaller is reshaped.  ``C`` is written as ``batch + M +
    N``; when the step must produce ``final`` (a statement's result order) and
    that differs, ``C`` is reshaped too.  Returns ``(words, layout of C)``."""
    batch, left, right, contracted = classify(la, lb, result)
    # Indices of A that are summed but absent from B count with M (see module doc).
    ba = _blocks(la, (batch, left, contracted))
    bb = _blocks(lb, (batch, contracted, right))
    wa = math.prod(sizes[i] for i in la)
    wb = math.prod(sizes[i] for i in lb)
    words = 0
    if ba is not None and bb is not None and (ba[0] != bb[0] or ba[2] != bb[1]):
        if wa <= wb:
            ba = None
        else:
            bb = None
    if ba is not None and bb is not None:
        b_ord, m_ord, n_ord = ba[0], ba[1], bb[2]
    elif bb is not None:  # A is reshaped to B's orders
        words += wa
        b_ord, n_ord = bb[0], bb[2]
        m_ord = left
    elif ba is not None:  # B is reshaped to A's orders
        words += wb
        b_ord, m_ord = ba[0], ba[1]
        n_ord = right
    else:
        words += wa + wb
        b_ord, m_ord, n_ord = batch, left, right
    natural = tuple(i for i in b_ord + m_ord + n_ord if i in set(result))
    if final is not None and tuple(final) != natural:
        words += math.prod(sizes[i] for i in final)
        return words, tuple(final)
    return words, natural


def _step(a: tuple[str, ...], b: tuple[str, ...] | None, result: tuple[str, ...]) -> Step:
    ops = (PlanOperand("A", a),) + ((PlanOperand("B", b),) if b is not None else ())
    return Step("C", result, ops, "")


def _resident(arch: Arch, words: list[int]) -> tuple[bool, ...]:
    """Which of a lone step's tensors stay in the buffer: all when they fit,
    else the smallest that fit beside the staging share (module doc)."""
    total = arch.buffer.bytes // arch.buffer.word_bytes
    if sum(words) <= total:
        return (True,) * len(words)
    room = total - total // STAGE_SHARE.get(arch.kind, 2)
    keep = [False] * len(words)
    for k in sorted(range(len(words)), key=lambda k: words[k]):
        if words[k] <= room:
            room -= words[k]
            keep[k] = True
    return tuple(keep)


def step_cost(arch: Arch, dtype: DType, sizes: Mapping[str, int], a: tuple[str, ...], b: tuple[str, ...] | None,
              result: tuple[str, ...], shape_words: int = 0, leaves: tuple[bool, bool] = (False, False),
              root: bool = False) -> StepCost | None:
    """The modelled cost of ``a * b -> result`` (``b`` None: a one-operand
    step) as its tiling runs it, with the operands flagged in ``leaves``
    loaded from DRAM and the result stored when ``root`` (module doc);
    ``None`` when it cannot be tiled into the buffer."""
    # The cost must not depend on axis orders the search leaves open (the
    # emitted plan orders a fetta intermediate by its operands), so every
    # order is canonical here unless it is a systolic operand's layout.
    result = tuple(sorted(result))
    if arch.kind == "fetta":
        a, b = tuple(sorted(a)), (tuple(sorted(b)) if b is not None else None)
        if b is not None and b < a:  # nor on which operand is A (the search keeps its first orientation)
            a, b, leaves = b, a, (leaves[1], leaves[0])
    key = (arch, dtype, tuple(sorted(sizes.items())), a, b, result, shape_words, leaves, root)
    hit = _COSTS.get(key)
    if hit is not None:
        return hit
    step = _step(a, b, result)
    tensors = [a] + ([b] if b is not None else []) + [result]
    words = [banked_words(tuple(sizes[i] for i in t), arch.buffer.banks) for t in tensors]
    keep = _resident(arch, words)
    staged = [not k for k in keep]
    if b is None:
        staged.insert(1, False)
    total = arch.buffer.bytes // arch.buffer.word_bytes
    stage = total - sum(w for w, k in zip(words, keep) if k)
    systolic = arch.kind != "fetta"
    # a statement's temporaries are held in the accumulator type, its result in
    # the stored type (int32 for int8, else the declared one; ``passes.alloc``)
    item, acc = dtype.nbytes, dtype.accumulator.nbytes
    out_bytes = dtype.stored.nbytes if root else acc
    in_bytes = tuple(item if leaf else acc for leaf in leaves)
    loads = tuple(math.prod(sizes[i] for i in t) * nb for t, nb, leaf, k in zip(tensors, in_bytes, leaves, keep)
                  if leaf and k)
    store = math.prod(sizes[i] for i in result) * out_bytes if root and keep[-1] else 0
    try:
        dataflow, work = blocked_work(step, dict(sizes), arch, Budget(stage, (staged[0], staged[1], staged[2]), systolic), in_bytes,
                                      out_bytes, loads, store, shape_words)
    except TnccError:
        return None
    c = model.step_cost(arch, work)
    count = (sum(r.count for r in work.runs) + sum(g[3] for g in work.gemms)
             + sum(n for _, n in (*work.loads, *work.stores)) + (1 if work.shape_words else 0))
    out = StepCost(dataflow, c.cycles, c.energy_pj, shape_words, count)
    if len(_COSTS) > COST_CACHE:
        _COSTS.clear()
    _COSTS[key] = out
    return out


_COSTS: dict[tuple[Any, ...], StepCost] = {}


def dataflows(arch: Arch, batch: bool) -> tuple[str, ...]:
    """The dataflows of ``arch`` (batch-parallel only with a batch index); the
    tiler picks among them per block."""
    if arch.kind != "fetta":
        return (Dataflow.GEMM,)
    return (Dataflow.OUTER, Dataflow.INNER) + ((Dataflow.BATCH,) if batch else ())


def single_cost(arch: Arch, dtype: DType, sizes: Mapping[str, int], a: tuple[str, ...], result: tuple[str, ...],
                leaf: bool = False, root: bool = False) -> StepCost:
    """A one-operand step (a permutation, or sums over indices only ``a`` has),
    a product with the all-ones constant on the array; on the systolic
    preset a permutation is a SHAPE copy (the tiler's), and a sum whose
    result order differs from ``a``'s is followed by a SHAPE pass of it."""
    words = 0
    summed = any(i not in set(result) for i in a)
    if arch.kind != "fetta" and summed and tuple(i for i in a if i in set(result)) != tuple(result):
        words = math.prod(sizes[i] for i in result)
    c = step_cost(arch, dtype, sizes, a, None, result, words, (leaf, False), root)
    if c is None:
        raise TnccError(f"a step over {a} does not fit the buffer of arch {arch.name!r}")
    return c


def step_estimate(plan: Plan, s: Step, arch: Arch) -> StepCost:
    """The cost of step ``s`` of ``plan`` (:func:`step_cost`): operands no
    earlier step makes are leaves, a named result (not ``%N``) is stored."""
    net = plan.network
    sizes = net.sizes()
    made = {st.result for st in plan.steps}
    leaves = tuple(op.value not in made for op in s.operands)
    root = not s.result.startswith("%")
    if len(s.operands) == 1:
        return single_cost(arch, net.dtype, sizes, s.operands[0].indices, s.indices, leaves[0], root)
    a, b = s.operands[0].indices, s.operands[1].indices
    words = 0
    if arch.kind != "fetta":
        words, _ = gemm_layout(a, b, s.indices, s.indices, sizes)
    c = step_cost(arch, net.dtype, sizes, a, b, s.indices, words, (leaves[0], leaves[1]), root)
    if c is None:
        raise TnccError(f"step {s.result} does not fit the buffer of arch {arch.name!r}")
    return c


def step_cycles(plan: Plan, s: Step, arch: Arch) -> int:
    """Modelled cycles of one step of ``plan`` (see :func:`plan_costs`)."""
    return step_estimate(plan, s, arch).cycles


def plan_costs(plan: Plan, arch: Arch) -> tuple[int, float]:
    """Modelled ``(cycles, energy in pJ)`` of ``plan`` on ``arch``: the sum of
    its steps' costs (:func:`step_cost`), steps run one after another (the
    bounds against the compiled plan are in the module doc).  On gemm steps
    ``operands[0]`` is ``A``."""
    cycles = 0
    energy = 0.0
    for s in plan.steps:
        c = step_estimate(plan, s, arch)
        cycles += c.cycles
        energy += c.energy_pj
    return cycles, energy


def repeated_loads(plan: Plan, arch: Arch) -> int:
    """DMA cycles of the leaf loads :func:`plan_costs` charges more than once:
    each step that reads a leaf is charged its load (a step's cost does not
    know who read the leaf before it), where the program loads it once.
    Each such load is a whole transfer (its latency and its bytes)."""
    return sum(dma_cycles(arch, nbytes) for nbytes in _repeated_loads(plan))


def uncharged_energy(plan: Plan, arch: Arch) -> float:
    """The energy (pJ) :func:`plan_costs` charges for transfers the program
    does not make: the leaf loads after a leaf's first
    (:func:`repeated_loads`), and the store of every statement result that
    is not an output of the network (a step's cost stores every named
    result; the program keeps a result another statement reads in the
    buffer unless it spills).  DRAM bytes and the buffer words they fill."""
    net = plan.network
    sizes = net.sizes()
    outputs = set(net.outputs)
    nbytes = sum(_repeated_loads(plan)) + sum(
        math.prod(sizes[i] for i in s.indices) * net.storage_dtype(s.result).nbytes for s in plan.steps
        if not s.result.startswith("%") and s.result not in outputs)
    return float(sum(timing.energy_pj(arch, dram_bytes=nbytes,
                                      buffer_words=nbytes // arch.buffer.word_bytes).values()))


def _repeated_loads(plan: Plan) -> list[int]:
    """The bytes of each leaf load after a leaf's first, in step order."""
    net = plan.network
    sizes = net.sizes()
    made = {st.result for st in plan.steps}
    item = net.dtype.nbytes
    seen: set[str] = set()
    out = []
    for s in plan.steps:
        for op in s.operands:
            if op.value in made:
                continue
            if op.value in seen:
                out.append(math.prod(sizes[i] for i in set(op.indices)) * item)
            seen.add(op.value)
    return out


def plan_work(plan: Plan, arch: Arch) -> int:
    """Instructions the steps of ``plan`` issue by the per-step model: the
    measure of the work of lowering it (and of costing it exactly), which
    the search's final choice budgets (``passes.order.planner``)."""
    return sum(step_estimate(plan, s, arch).instructions for s in plan.steps)
