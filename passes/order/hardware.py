"""Machine costs of contraction steps, from the machine's own cost functions.

Every figure here comes from :func:`tncc.isa.timing.estimate_contraction`, the
estimate the emulator's timing model is built from, so the planner and the
machine share one source of truth.  This module adds only what the order
search must decide on top of it:

* the *classification* of a pairwise step into batch ``b``, left ``m``,
  right ``n`` and contracted ``k`` extents (an index found in one operand
  only counts on that operand's side even when it is summed, so ``b*m*n*k``
  equals the step's MACs);
* on the ``systolic`` preset, the *layouts*: the GEMM reads ``A`` as a
  row-major ``[M, K]`` and ``B`` as ``[K, N]`` (batch outermost) and writes
  ``C`` as ``[M, N]``; an operand whose axis order is not already of that
  form, or whose batch/contracted order disagrees with the other operand's,
  is reshaped by an explicit SHAPE pass whose words the estimate charges
  (:func:`gemm_layout`).  On ``fetta`` layouts are free (the networks shape
  on the fly) and the dataflow (outer, inner, batch) is the choice.

:func:`plan_costs` recomputes a finished plan's modelled cycles and energy
from its steps alone; it is how tests check that the CP-SAT model and the
plan agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from tncc.errors import TnccError
from tncc.ir import DType
from tncc.plan import Dataflow, Plan


@dataclass(frozen=True, slots=True)
class StepCost:
    """Modelled cost of one step in one variant."""

    dataflow: str
    cycles: int
    energy_pj: float
    shape_words: int = 0


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
    return tuple(math.prod(sizes[i] for i in g) for g in groups)  # type: ignore[return-value]


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
    if ba is None and bb is None:
        words += wa + wb
        b_ord, m_ord, n_ord = batch, left, right
    elif ba is None:
        words += wa
        b_ord, n_ord = bb[0], bb[2]
        m_ord = left
    elif bb is None:
        words += wb
        b_ord, m_ord = ba[0], ba[1]
        n_ord = right
    else:
        b_ord, m_ord, n_ord = ba[0], ba[1], bb[2]
    natural = tuple(i for i in b_ord + m_ord + n_ord if i in set(result))
    if final is not None and tuple(final) != natural:
        words += math.prod(sizes[i] for i in final)
        return words, tuple(final)
    return words, natural


def step_cost(arch: Any, dtype: DType, sizes: Mapping[str, int], a: tuple[str, ...], b: tuple[str, ...],
              result: tuple[str, ...], dataflow: str, shape_words: int = 0) -> StepCost | None:
    """The estimate of ``a * b -> result`` in ``dataflow`` (``None`` when the
    machine cannot block it into its buffer: the variant is infeasible)."""
    from tncc.isa.timing import estimate_contraction

    bx, mx, nx, kx = extents(classify(a, b, result), sizes)
    try:
        est = estimate_contraction(arch, bx, mx, nx, kx, dataflow, dtype, shape_words=shape_words)
    except TnccError:
        return None
    return StepCost(dataflow, est.cycles, est.energy_pj, shape_words)


def dataflows(arch: Any, batch: bool) -> tuple[str, ...]:
    """The dataflows to consider on ``arch`` (batch-parallel only with a batch index)."""
    if arch.kind != "fetta":
        return (Dataflow.GEMM,)
    return (Dataflow.OUTER, Dataflow.INNER) + ((Dataflow.BATCH,) if batch else ())


def single_cost(arch: Any, dtype: DType, sizes: Mapping[str, int], a: tuple[str, ...], result: tuple[str, ...]) -> StepCost:
    """A one-operand step (a permutation, or sums over indices only ``a`` has),
    modelled as a contraction with a ones vector on the array, plus a SHAPE
    pass of the result on the systolic preset when the order changes."""
    summed = tuple(i for i in a if i not in set(result))
    best: StepCost | None = None
    for df in dataflows(arch, False):
        words = 0
        if arch.kind != "fetta" and tuple(i for i in a if i in set(result)) != tuple(result):
            words = math.prod(sizes[i] for i in result)
        c = step_cost(arch, dtype, sizes, a, summed, result, df, words)
        if c is not None and (best is None or (c.cycles, c.energy_pj) < (best.cycles, best.energy_pj)):
            best = c
    if best is None:
        raise TnccError(f"a step over {a} does not fit the buffer of arch {arch.name!r}")
    return best


def _step_estimate(plan: Plan, s: Any, arch: Any) -> StepCost:
    net = plan.network
    sizes = net.sizes()
    if len(s.operands) == 1:
        return single_cost(arch, net.dtype, sizes, s.operands[0].indices, s.indices)
    a, b = s.operands[0].indices, s.operands[1].indices
    words = 0
    if arch.kind != "fetta":
        words, _ = gemm_layout(a, b, s.indices, s.indices, sizes)
    flows = (s.dataflow,) if s.dataflow else dataflows(arch, bool(classify(a, b, s.indices)[0]))
    cands = [step_cost(arch, net.dtype, sizes, a, b, s.indices, df, words) for df in flows]
    cands = [x for x in cands if x is not None]
    if not cands:
        raise TnccError(f"step {s.result} does not fit the buffer of arch {arch.name!r}")
    return min(cands, key=lambda x: (x.cycles, x.energy_pj))


def step_cycles(plan: Plan, s: Any, arch: Any) -> int:
    """Modelled cycles of one step of ``plan`` (see :func:`plan_costs`)."""
    return _step_estimate(plan, s, arch).cycles


def plan_costs(plan: Plan, arch: Any) -> tuple[int, float]:
    """Modelled ``(cycles, energy in pJ)`` of ``plan`` on ``arch``: the sum of its
    steps, each in its recorded dataflow (or the best one when unset), steps
    run one after another.  On gemm steps ``operands[0]`` is ``A``."""
    cycles = 0
    energy = 0.0
    for s in plan.steps:
        c = _step_estimate(plan, s, arch)
        cycles += c.cycles
        energy += c.energy_pj
    return cycles, energy


class MachineObjective:
    """Base of the machine objectives: a path's score is its modelled cost on
    ``arch`` with the best dataflow of every step and, on the systolic preset,
    the best producer/consumer layouts (leaves in their stored order, the
    result in ``output`` order), found exactly by the bottom-up choice over
    that one tree; infinite when some step cannot be blocked into the buffer.
    Same interface as :class:`tncc.passes.order.objectives.Objective`."""

    name = ""
    bottleneck = False

    def __init__(self, arch: Any, dtype: DType = DType.FP32):
        self.arch = arch
        self.dtype = dtype

    def costs(self, inputs: Any, output: tuple[str, ...], sizes: Mapping[str, int], path: Any) -> tuple[float, float]:
        """``(cycles, energy_pj)`` of the cheapest-in-cycles realisation of ``path``."""
        from tncc.passes.order.dag import CandidateDag, Contraction
        from tncc.passes.order.select import _tree_dp, criterion

        c = Contraction("out", tuple(f"in{k}" for k in range(len(inputs))), tuple(tuple(ix) for ix in inputs), tuple(output))
        dag = CandidateDag(sizes, self.arch, self.dtype)
        dag.add_tree(c, tuple(path))
        dag.finish()
        if dag.root_node("out") is None:
            return math.inf, math.inf  # some step cannot be blocked into the buffer
        chosen = _tree_dp(dag, criterion(dag, "energy" if self.name == "energy" else "cycles"))
        return (sum(dag.transitions[k].cycles for k in chosen), sum(dag.transitions[k].energy_pj for k in chosen))

    def weights(self, inputs: Any, sizes: Mapping[str, int]) -> tuple[int, int]:
        return 1, 0  # the exact tree search ranks candidates by MACs; the machine choice follows


class Cycles(MachineObjective):
    name = "cycles"

    def score(self, inputs, output, sizes, path) -> int:
        return self.costs(inputs, output, sizes, path)[0]


class Energy(MachineObjective):
    name = "energy"

    def score(self, inputs, output, sizes, path) -> float:
        return self.costs(inputs, output, sizes, path)[1]


class EDP(MachineObjective):
    """Energy-delay product of the cycle-optimal realisation (cycles x pJ)."""

    name = "edp"

    def score(self, inputs, output, sizes, path) -> float:
        cyc, en = self.costs(inputs, output, sizes, path)
        return cyc * en
