"""Tiling: classify each step's indices, cut its space into buffer blocks and
array tiles (the tiled IR of ``tncc.passes.tiled_ir``).

Contract of :func:`tile_step` (checked by ``verify_tiled_step``): the tiles
cover the step space exactly once, every fetta tile respects the array's
limits (``docs/machine.md``, "The CE array")::

    TB*TM*TKK <= dist.ports,  TB*TN*TKK <= dist.ports,
    TB*TM*TN*TKK <= lanes,    TKK > 1  =>  TB*TM*TN <= red.ports

and the working set of every block fits the staging budget it was given.

Decisions (documented here and in ``docs/machine.md``):

* A-only / B-only summed indices are *folded* into the contracted range: the
  other operand reads them with stride 0 (a multicast on the fetta networks).
  No pre-reduction pass exists.
* Indices of any size are cut into an in-tile extent and a loop count; the
  remainder becomes a second tile (a second tile descriptor), never padding.
  Contracted indices spread over ports (``inner``) use a divisor of their
  size so the rest is walked exactly by beats.
* The whole contracted range of a block runs through one tile's beats
  (accumulators are local), so drains only add across *blocks*, when a
  DRAM-resident step is blocked along a contracted index.
* Dataflow: every legal (TB, TM, TN, TKK) is scored with the machine's
  cost model (``tncc.isa.model``) and the cheapest wins; the plan's
  per-step dataflow hint is not binding because the planner sees products
  of index sizes while this pass sees the per-index remainders.
"""

from __future__ import annotations

import enum
import itertools
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterator, Mapping, Sequence

from tncc.errors import TnccError
from tncc.guard import check_blocks
from tncc.isa import model, timing
from tncc.isa.arch import Arch
from tncc.isa.program import MAX_DIMS
from tncc.passes.layout import compact, matrix_words, staged_words
from tncc.passes.shape import View, box_transfers, contracted_order, gemm_orders, matrix_ld
from tncc.passes.tiled_ir import (DOUBLE_BUFFER, OPERAND_SLOTS, ROLE_GROUP, SLOT_RESULT, Block, Group, IndexInfo, Role,
                                  Tile, TileAxis, TiledStep)
from tncc.plan import Dataflow, Step

if TYPE_CHECKING:
    from tncc.passes.memory_ir import Placement

COPY = Dataflow.COPY  # systolic unary step without summation: a SHAPE copy, no GEMM
UNRANKED = 99  # port-filling rank of an index the hint does not rank: after every ranked one


class Walk(enum.Enum):
    """An in-tile choice that is not an extent: the contracted index is
    walked by the tile's loop nest (one element a repetition, ``count`` its
    extent) instead of by beats; chosen for the contracted indices beyond
    the ``MAX_DIMS`` a stream's beats can address."""

    LOOP = "loop"


Choice = int | Walk
"""What the tiler chooses per index of a block: the in-tile extent (spread
over ports for B, M, N, over beats for a contracted index; the rest walked
by the loop nest), or :attr:`Walk.LOOP`."""


@dataclass(frozen=True, slots=True)
class Budget:
    """What a step may use besides the resident tensors: ``words`` of
    staging/scratch buffer; ``staged`` says which of (A, B, C) live in DRAM
    and are moved block by block (double-buffered; by ``SLOT_A``,
    ``SLOT_B``, ``SLOT_RESULT``); ``scratch`` (systolic)
    reserves room to reshape A, B and C of each block; ``held``: the buffer
    strides of each resident one, where the memory plan is known (else
    None: taken as compact in its own index order)."""

    words: int
    staged: tuple[bool, bool, bool] = (False, False, False)
    scratch: bool = False
    held: tuple[tuple[int, ...] | None, tuple[int, ...] | None, tuple[int, ...] | None] = (None, None, None)


def step_budget(step: Step, places: Mapping[str, Placement], words: int, scratch: bool) -> Budget:
    """The :class:`Budget` of ``step`` under a memory plan's placements
    (by value): which of A, B and the result are streamed, and the buffer
    strides of those held."""
    vals = [op.value for op in step.operands] + ([None] if len(step.operands) == 1 else []) + [step.result]
    staged = tuple(v is not None and not places[v].resident for v in vals)
    layouts = [None if v is None or staged[k] else places[v].layout for k, v in enumerate(vals)]
    held = tuple(None if lay is None else lay.strides for lay in layouts)
    return Budget(words, (staged[0], staged[1], staged[2]), scratch, (held[0], held[1], held[2]))


def step_space(step: Step) -> tuple[str, ...]:
    """The step's index order: A's indices, then B's new ones."""
    seen: dict[str, None] = {}
    for op in step.operands:
        for i in op.indices:
            seen[i] = None
    return tuple(seen)


def classify(step: Step, sizes: dict[str, int]) -> tuple[IndexInfo, ...]:
    """Role of every index of the step space (module doc of ``tiled_ir``)."""
    a = set(step.operands[0].indices)
    b = set(step.operands[1].indices) if len(step.operands) > 1 else set()
    out = set(step.indices)
    infos = []
    for i in step_space(step):
        in_a, in_b = i in a, i in b
        if i not in out:
            role = Role.CONTRACTED
        elif in_a and in_b:
            role = Role.BATCH
        elif in_a:
            role = Role.LEFT
        else:
            role = Role.RIGHT
        infos.append(IndexInfo(i, sizes[i], role, in_a, in_b))
    return tuple(infos)


# -- blocking ------------------------------------------------------------------------


def _footprint(step: Step, infos: tuple[IndexInfo, ...], ext: dict[str, int], budget: Budget, banks: int) -> list[tuple[int, tuple[str, ...]]]:
    """Terms (words, indices) of a block's working set: two staging slots per
    DRAM-resident tensor and, on the systolic preset, the reshaped copies
    ``A'[B,M,K]``, ``B'[B,K,N]`` and ``C'[B,M,N]`` (K includes the indices
    only the other operand has: they are broadcast)."""
    staged, scratch = _footprint_terms(step, infos, budget)
    terms = [(DOUBLE_BUFFER * staged_words(tuple(ext[i] for i in ixs), banks), ixs) for ixs in staged]
    for ixs, rows, row in scratch:
        # rows at an odd pitch (``layout.matrix_layout``)
        terms.append((matrix_words(math.prod(ext[i] for i in rows), math.prod(ext[i] for i in row)), ixs))
    return terms


@lru_cache(maxsize=4096)
def _footprint_terms(step: Step, infos: tuple[IndexInfo, ...], budget: Budget) -> tuple[tuple, tuple]:
    """What :func:`_footprint` sums that the block extents do not change:
    the indices of each staged tensor, and of each reshaped copy its
    indices, those along its rows and those along a row."""
    tensors = [tuple(op.indices) for op in step.operands]
    while len(tensors) < OPERAND_SLOTS:
        tensors.append(())
    tensors.append(tuple(step.indices))
    staged = tuple(ixs for k, ixs in enumerate(tensors) if budget.staged[k] and ixs)
    scratch = []
    if budget.scratch:
        not_right = tuple(ix.name for ix in infos if ix.role is not Role.RIGHT)
        not_left = tuple(ix.name for ix in infos if ix.role is not Role.LEFT)
        con = {ix.name for ix in infos if ix.role is Role.CONTRACTED}
        right = {ix.name for ix in infos if ix.role is Role.RIGHT}
        for ixs, row in ((not_right, con), (not_left if len(step.operands) > 1 else (), right),
                         (tuple(step.indices), right)):
            scratch.append((ixs, tuple(i for i in ixs if i not in row), tuple(i for i in ixs if i in row)))
    return staged, tuple(scratch)


def box_visits(infos: tuple[IndexInfo, ...], nb: dict[str, int], ixs: Sequence[str], uncut: bool = True,
               order: tuple[str, ...] | None = None) -> int:
    """How often the block loop (free indices in ``order``, slowest first,
    by default step order; then contracted ones, the last fastest; ``nb``
    blocks along each index) comes to a new box of a tensor with indices
    ``ixs``: trailing indices it lacks reuse its box.  ``uncut``: an index
    it has counts even where it is not cut (1 block), the rule the traffic
    models keep (the exact rule, tried there, chose blockings that ran
    slower); without, only a box that changes counts, as the code
    generator's loads and the systolic back end's copies do."""
    run = 1
    for i in _loop_order(infos, order):
        if i in ixs and (uncut or nb[i] > 1):
            break
        run *= nb[i]
    return math.prod(nb.values()) // run


@lru_cache(maxsize=4096)
def _loop_order(infos: tuple[IndexInfo, ...], order: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The block loop's indices, fastest first: contracted ones in reverse
    step order, then the free ones in reverse ``order`` (by default step
    order) (:func:`box_visits`, on every trial blocking)."""
    free = order if order is not None else tuple(ix.name for ix in infos if ix.role is not Role.CONTRACTED)
    return tuple(reversed(free + tuple(ix.name for ix in infos if ix.role is Role.CONTRACTED)))


def stream_visits(step: Step, infos: tuple[IndexInfo, ...], ext: dict[str, int], budget: Budget,
                  uncut: bool = True, order: tuple[str, ...] | None = None) -> dict[int, tuple[int, int]]:
    """Per streamed operand (by slot): how many boxes of it the block loop
    loads (:func:`box_visits`) and how many distinct boxes it has.  Where
    all of an operand's boxes fit in slots of their own beside the other
    staging slots (largest operand first), each is loaded once, as
    ``passes.staging`` places them."""
    nb = {ix.name: -(-ix.size // ext[ix.name]) for ix in infos}
    size = {ix.name: ix.size for ix in infos}
    tensors = [tuple(op.indices) for op in step.operands]
    slot = {k: DOUBLE_BUFFER * math.prod(ext[i] for i in ixs) for k, ixs in enumerate(tensors) if budget.staged[k]}
    spare = budget.words - sum(slot.values())
    out = {}
    for k, ixs in sorted(enumerate(tensors), key=lambda kx: -math.prod(size[i] for i in kx[1])):
        if not budget.staged[k]:
            continue
        own = math.prod(nb[i] for i in ixs)  # distinct boxes
        words = math.prod(size[i] for i in ixs)
        times = box_visits(infos, nb, ixs, uncut, order)
        if own > DOUBLE_BUFFER and times > own and words - slot[k] <= spare:
            spare -= words - slot[k]
            times = own  # a slot per box: each loaded once
        out[k] = (times, own)
    return out


def block_order(step: Step, infos: tuple[IndexInfo, ...], ext: dict[str, int], budget: Budget,
                arch: Arch) -> tuple[str, ...]:
    """The block loop's free indices, slowest first: the step order, or
    the indices grouped by role (batch, left, right: an operand's box
    changes alike whichever index of a group moves) in whichever order of
    the groups makes the fewest SHAPE copies (systolic) and then the loads
    that take the fewest modelled DMA cycles, counted as the code generator
    loads (a box equal to the previous one is reused: an operand keeps its
    box while only indices it lacks change); step order where no other is
    cheaper.  Copies come first: a SHAPE pass can be bank-conflicted, and
    it waits for the GEMMs it copies out of, so the DMA time it is charged
    understates what it costs (TT ffn_up on systolic at 64 KiB: an order
    that loads 161,280 fewer words but copies 637,440 more ran 973,177
    cycles against 848,701).  Contracted indices stay fastest, so every result box is
    finished before the next is begun."""
    free = tuple(ix.name for ix in infos if ix.role is not Role.CONTRACTED)
    cut = sum(1 for ix in infos if ix.role is not Role.CONTRACTED and ext[ix.name] < ix.size)
    if cut < 2 or not any(budget.staged[:len(step.operands)]):
        return free
    size = {ix.name: ix.size for ix in infos}
    tensors = [tuple(op.indices) for op in step.operands]
    groups = [tuple(ix.name for ix in infos if ix.role is r) for r in (Role.BATCH, Role.LEFT, Role.RIGHT)]
    best, best_cost = free, None
    for perm in itertools.chain([free], (sum(p, ()) for p in itertools.permutations(groups))):
        words = transfers = 0
        for k, (times, own) in stream_visits(step, infos, ext, budget, False, perm).items():
            ixs = tensors[k]
            words += math.prod(size[i] for i in ixs) * times // own
            transfers += times * box_transfers([ext[i] for i in ixs], [size[i] for i in ixs])
        cost = (_shape_cycles(step, infos, ext, budget, arch, perm),
                model.transfers_cycles(arch, transfers, words * arch.buffer.word_bytes))
        if best_cost is None or cost < best_cost:
            best, best_cost = perm, cost
    return best


def _traffic(step: Step, infos: tuple[IndexInfo, ...], ext: dict[str, int], budget: Budget, arch: Arch) -> float:
    """Modelled DRAM cycles of a blocking (:func:`tncc.isa.model.transfers_cycles`):
    each streamed operand is reloaded whenever an index it has changes in
    the block loop order (:func:`box_visits`), a streamed result is stored
    once.  Every transfer pays a DRAM latency, and a block box takes as many
    transfers as its strided copy needs descriptors
    (:func:`~tncc.passes.shape.box_transfers`: a box cut along an inner axis
    of its tensor does not merge into a few dims)."""
    nb = {ix.name: -(-ix.size // ext[ix.name]) for ix in infos}
    size = {ix.name: ix.size for ix in infos}
    words = 0.0
    transfers = 0
    tensors = [tuple(op.indices) for op in step.operands]
    for k, ixs in enumerate(tensors):
        if not budget.staged[k]:
            continue
        times = box_visits(infos, nb, ixs)
        words += times * math.prod(ext[i] for i in ixs)
        transfers += times * box_transfers([ext[i] for i in ixs], [size[i] for i in ixs])
    if budget.staged[SLOT_RESULT]:
        out = tuple(step.indices)
        words += math.prod(size[i] for i in out)
        transfers += math.prod(nb[i] for i in out) * box_transfers([ext[i] for i in out], [size[i] for i in out])
    return model.transfers_cycles(arch, transfers, words * arch.buffer.word_bytes)


def _smaller(size: int, cur: int) -> int:
    """The next smaller balanced block extent of an index of ``size``."""
    q = -(-size // cur)
    while True:
        q += 1
        e = -(-size // q)
        if e < cur:
            return e


def _gemm_compute(step: Step, infos: tuple[IndexInfo, ...], ext: dict[str, int], arch: Arch) -> int:
    """Array cycles of a blocking's GEMMs on the systolic preset
    (:func:`tncc.isa.timing.gemm_cycles` of every block shape, one GEMM per
    batch point, as :func:`tile_block_gemm` tiles them); on fetta those of
    the tiles :func:`tile_block_fetta` chooses for every block shape (a
    block extent that no tile shape divides leaves lanes idle); 0 for a
    copy."""
    if arch.kind == "fetta":
        return _fetta_compute(step, infos, ext, arch)
    if len(step.operands) == 1 and not any(ix.role is Role.CONTRACTED for ix in infos):
        return 0
    # extent -> blocks of that extent, per group (the product over its indices)
    groups: dict[Group, dict[int, int]] = {g: {1: 1} for g in Group}
    for ix in infos:
        q, r = divmod(ix.size, ext[ix.name])
        g = ROLE_GROUP[ix.role]
        merged: dict[int, int] = {}
        for e, c in groups[g].items():
            for se, sc in ((ext[ix.name], q), (r, 1)):
                if se and sc:
                    merged[e * se] = merged.get(e * se, 0) + c * sc
        groups[g] = merged
    total = 0
    for (b, cb), (m, cm), (n, cn), (k, ck) in itertools.product(
            *(groups[g].items() for g in (Group.B, Group.M, Group.N, Group.K))):
        total += cb * cm * cn * ck * b * timing.gemm_cycles(arch, m, n, k)
    return total


def _fetta_compute(step: Step, infos: tuple[IndexInfo, ...], ext: dict[str, int], arch: Arch) -> int:
    """:func:`_gemm_compute` on fetta: each distinct block shape (at most two
    extents per index, the block's and the remainder's) tiled once and
    counted by its multiplicity."""
    hint = port_hint(step)
    return sum(times * _cost(arch, tile_block_fetta(arch, infos, box, False, hint))
               for box, times in block_shapes(infos, ext))


def block_shapes(infos: tuple[IndexInfo, ...], ext: dict[str, int]) -> Iterator[tuple[tuple[tuple[str, int, int], ...], int]]:
    """Each distinct block shape of the blocking ``ext`` (per index the
    block's extent and the remainder's) as a box at the origin, with how
    many blocks have it."""
    segs = []
    for ix in infos:
        q, r = divmod(ix.size, ext[ix.name])
        segs.append([(e, c) for e, c in ((ext[ix.name], q), (r, 1)) if e and c])
    for combo in itertools.product(*segs):
        yield tuple((ix.name, 0, e) for ix, (e, _) in zip(infos, combo)), math.prod(c for _, c in combo)


def block_extents(step: Step, infos: tuple[IndexInfo, ...], budget: Budget, arch: Arch, where: str) -> dict[str, int]:
    """Per-index block extents whose working set fits ``budget.words``
    (:func:`_block_extents`, remembered: the lowering's options and the
    order search's candidates tile the same steps under the same budgets)."""
    try:
        return dict(_remembered_extents(step, infos, budget, arch))
    except TnccError:
        return _block_extents(step, infos, budget, arch, where)  # raises, naming ``where``


@lru_cache(maxsize=16384)
def _remembered_extents(step: Step, infos: tuple[IndexInfo, ...], budget: Budget,
                        arch: Arch) -> tuple[tuple[str, int], ...]:
    return tuple(_block_extents(step, infos, budget, arch, "").items())


def _block_extents(step: Step, infos: tuple[IndexInfo, ...], budget: Budget, arch: Arch, where: str) -> dict[str, int]:
    """Per-index block extents whose working set fits ``budget.words``.

    Greedy: while the working set is too large, shrink the one index (to its
    next smaller balanced extent) that adds the least modelled traffic per
    word saved (:func:`_traffic`); contracted indices pay an extra factor,
    since cutting them makes drains accumulate across blocks.  On the
    systolic preset a second greedy ranks each cut by the step's modelled
    cycles, ``max(`` array cycles (:func:`_gemm_compute`) ``,`` DMA cycles
    ``)``, then by DMA cycles (:func:`_blocking_cost`: traffic and SHAPE
    copies): a cut of a free index below the array's rows or
    columns can cost more array passes than it saves transfers (a 60 x 32
    result over 2,560 contracted elements blocked to 5-row GEMMs runs 5x
    slower than blocked along the contracted range).  Each greedy's blocking
    is then refined by local moves (:meth:`_Trials.refined`), and of the two
    the one with the fewer modelled cycles (then DMA cycles) is kept."""
    full = {ix.name: ix.size for ix in infos}
    trials = _Trials(step, infos, budget, arch, where)
    first = trials.fitted(False, full)
    if first == full:
        return first
    first = trials.refined(False, first)
    if arch.kind == "fetta":
        return first
    second = trials.refined(True, trials.fitted(True, full))
    if trials.cost(second, True) < trials.cost(first, True):
        return second
    return first


#: rounds of :meth:`_Trials.refined`'s moves at most (each a full scan of the indices)
REFINE_ROUNDS = 24


class _Trials:
    """The blocking search of one step under one budget.  The greedy and its
    refinement come back to the same trial extents many times (each move
    re-runs the greedy from a grown index), so each trial's working set and
    cost are computed once."""

    def __init__(self, step: Step, infos: tuple[IndexInfo, ...], budget: Budget, arch: Arch, where: str) -> None:
        self.step, self.infos, self.budget, self.arch, self.where = step, infos, budget, arch, where
        self.names = tuple(ix.name for ix in infos)
        self.size = {ix.name: ix.size for ix in infos}
        self.contracted = {ix.name for ix in infos if ix.role is Role.CONTRACTED}
        self._foot: dict[tuple[int, ...], int] = {}
        self._cost: dict[tuple[tuple[int, ...], bool], tuple[float, float]] = {}
        self._dma: dict[tuple[int, ...], float] = {}

    def _key(self, ext: dict[str, int]) -> tuple[int, ...]:
        return tuple(ext[n] for n in self.names)

    def foot(self, ext: dict[str, int]) -> int:
        """Words of the blocking's working set (:func:`_footprint`)."""
        key = self._key(ext)
        if key not in self._foot:
            self._foot[key] = sum(w for w, _ in _footprint(self.step, self.infos, ext, self.budget,
                                                            self.arch.buffer.banks))
        return self._foot[key]

    def cost(self, ext: dict[str, int], compute: bool) -> tuple[float, float]:
        """:func:`_blocking_cost` of the blocking."""
        key = (self._key(ext), compute)
        if key not in self._cost:
            self._cost[key] = _blocking_cost(self.step, self.infos, ext, self.budget, self.arch, compute,
                                             self.dma(ext) if compute else None)
        return self._cost[key]

    def dma(self, ext: dict[str, int]) -> float:
        """:func:`_blocking_dma` of the blocking."""
        key = self._key(ext)
        if key not in self._dma:
            self._dma[key] = _blocking_dma(self.step, self.infos, ext, self.budget, self.arch)
        return self._dma[key]

    def fitted(self, compute: bool, ext: dict[str, int]) -> dict[str, int]:
        """:meth:`greedy` with every index free to be cut (it raises rather
        than return ``None``)."""
        out = self.greedy(compute, ext)
        assert out is not None
        return out

    def greedy(self, compute: bool, ext: dict[str, int], frozen: str | None = None) -> dict[str, int] | None:
        """:func:`block_extents`'s greedy from the extents ``ext``, each cut
        ranked by traffic alone, or with ``compute`` by the modelled cycles
        and then DMA cycles.  ``frozen``: an index not cut; with it, ``None``
        when the block cannot be made to fit."""
        total = self.foot(ext)
        now = self.cost(ext, compute)
        while total > self.budget.words:
            best, best_score = None, None
            for i in ext:
                if ext[i] <= 1 or i == frozen:
                    continue
                trial = dict(ext)
                trial[i] = _smaller(self.size[i], ext[i])
                f = self.foot(trial)
                if f >= total:
                    continue
                factor = 4.0 if i in self.contracted else 1.0
                if compute and best_score is not None and \
                        (self.dma(trial) - now[0]) / (total - f) * factor > best_score[0]:
                    # its cycles are at least its DMA cycles: it cannot rank first,
                    # and its array cycles (tiling every block shape) are not needed
                    continue
                c = self.cost(trial, compute)
                score = ((c[0] - now[0]) / (total - f) * factor, (c[1] - now[1]) / (total - f) * factor)
                if best_score is None or score < best_score:
                    best, best_score = (trial, f, c), score
            if best is None:
                if frozen is not None:
                    return None
                raise TnccError(
                    f"{self.where}: even a single element of every tensor of this contraction needs "
                    f"{total} buffer words but only {self.budget.words} are free for it"
                )
            ext, total, now = best
        return ext

    def refined(self, compute: bool, ext: dict[str, int]) -> dict[str, int]:
        """The greedy's blocking improved by local moves: one index grown (to
        its next larger balanced extent, or whole) and the others shrunk
        again by the greedy (its cuts ranked as ``compute`` says) until the
        block fits; the best move by modelled cycles (``max(`` array, DMA
        ``)``, then DMA) is taken while one lowers them.  The greedy alone is
        myopic: cutting the inner axes of an operand first can leave a
        blocking whose boxes take several transfers each, where growing
        those axes back and cutting an outer one moves the same words in a
        few; and a blocking that moves fewer words can leave blocks that
        fill the array badly."""
        best = self.cost(ext, True)
        for _ in range(REFINE_ROUNDS):
            move = None
            for ix in self.infos:
                cur = ext[ix.name]
                for grown in dict.fromkeys((_larger(ix.size, cur), ix.size)):
                    if grown <= cur:
                        continue
                    trial = self.greedy(compute, {**ext, ix.name: grown}, frozen=ix.name)
                    if trial is None:
                        continue
                    # A blocking's cycles are at least its DMA cycles, and on a tie
                    # those rank it second: one whose DMA cycles alone reach the
                    # best's (or the best move's) cycles cannot beat it, and its
                    # array cycles (tiling every block shape) are not needed.
                    d = self.dma(trial)
                    if d >= best[0] or (move is not None and d >= move[0][0]):
                        continue
                    c = self.cost(trial, True)
                    if c < best and (move is None or c < move[0]):
                        move = (c, trial)
            if move is None:
                break
            best, ext = move
        return ext


def _larger(size: int, cur: int) -> int:
    """The next larger balanced block extent of an index of ``size``."""
    q = -(-size // cur)
    while q > 1:
        q -= 1
        e = -(-size // q)
        if e > cur:
            return e
    return size


def _blocking_cost(step: Step, infos: tuple[IndexInfo, ...], ext: dict[str, int], budget: Budget, arch: Arch,
                   compute: bool, dma: float | None = None) -> tuple[float, float]:
    """``(cycles, DMA cycles)`` of a blocking as :func:`block_extents` ranks
    it: with ``compute`` the cycles are ``max(`` array ``,`` DMA ``)``, the
    DMA unit's work being the transfers and (systolic) the SHAPE copies the
    blocking makes (:func:`_shape_cycles`); without, both are the traffic
    alone.  Two blockings that move the same words and run the same GEMMs
    differ in the copies: ranked after the cycles, the DMA cycles prefer
    the one whose blocks the GEMM reads and writes in place (a SHAPE on
    the DMA queue also waits for the GEMMs it copies out of).  ``dma``:
    the DMA cycles where already known (:func:`_blocking_dma`)."""
    if not compute:
        t = _traffic(step, infos, ext, budget, arch)
        return t, t
    d = dma if dma is not None else _blocking_dma(step, infos, ext, budget, arch)
    return max(d, _gemm_compute(step, infos, ext, arch)), d


def _blocking_dma(step: Step, infos: tuple[IndexInfo, ...], ext: dict[str, int], budget: Budget, arch: Arch) -> float:
    """The DMA cycles :func:`_blocking_cost` ranks a blocking by (with
    ``compute``): the transfers and the SHAPE copies.  The blocking's
    cycles are at least these."""
    return _traffic(step, infos, ext, budget, arch) + _shape_cycles(step, infos, ext, budget, arch)


def _shape_cycles(step: Step, infos: tuple[IndexInfo, ...], ext: dict[str, int], budget: Budget, arch: Arch,
                  order: tuple[str, ...] | None = None) -> int:
    """Cycles of the SHAPE copies a blocking makes the systolic back end
    issue, on the DMA unit's queue beside the transfers
    (:func:`shape_words`); 0 on fetta, which shapes on the fly."""
    if arch.kind == "fetta" or (all(budget.staged[:len(step.operands)]) and budget.staged[SLOT_RESULT]):
        return 0
    return timing.shape_cycles(arch, _remembered_shape_words(step, infos, tuple(ext.items()), budget, order))


@lru_cache(maxsize=65536)
def _remembered_shape_words(step: Step, infos: tuple[IndexInfo, ...], ext: tuple[tuple[str, int], ...],
                            budget: Budget, order: tuple[str, ...] | None) -> int:
    # the blocking's greedy and refinement try the same extents many times
    return shape_words(step, infos, dict(ext), budget, order)


def shape_words(step: Step, infos: tuple[IndexInfo, ...], ext: dict[str, int], budget: Budget,
                order: tuple[str, ...] | None = None) -> int:
    """Words the systolic back end copies by SHAPE into and out of GEMM
    matrices for a blocking: a tensor held in the buffer that is not, over
    a block, a row-major matrix the GEMM reads in place
    (:func:`~tncc.passes.shape.matrix_ld`) is copied into one for every new
    box of it, and a result for every box it is finished in.  A streamed
    tensor needs none: its slot is compact in matrix order.  A held tensor
    is where ``budget.held`` says; where that is not known (the order
    search, before memory is planned) it is taken as compact in its own
    index order (as intermediates are placed; a leaf may be stored in
    matrix order instead).  0 for a copy step (a SHAPE whatever the
    blocking) and where an operand repeats an index."""
    fixed = _shape_setup(step, infos, budget)
    if fixed is None:
        return 0
    tensors, held, perms, batch, left, right = fixed
    unary = len(step.operands) == 1
    by_name = {ix.name: ix for ix in infos}
    views = []
    for ixs, h, perm in zip(tensors, held, perms):
        # a streamed box sits compact in its GEMM matrix's order (the back end's staging layout)
        strides = h if h is not None else compact(tuple(ext[i] for i in ixs), perm).strides
        views.append(View(0, tuple(zip(ixs, strides))))
    a_ix, b_ix = tensors[0], (tensors[1] if not unary else ())
    b_view = views[1] if not unary else views[0]
    con = contracted_order(views[0], b_view, a_ix, b_ix, by_name, batch, left, right, ext, unary)
    nb = {ix.name: -(-ix.size // ext[ix.name]) for ix in infos}
    words = 0
    mats = [(0, left, con)] + ([] if unary else [(1, con, right)])
    for k, rows, cols in mats:
        if budget.staged[k] or matrix_ld(views[k], rows, cols, ext) is not None:
            continue
        # blocks in a row with the same box of it share one copy (the back end's `_place`);
        # the distinct boxes tile the tensor, so each pass over them copies its words once
        passes = box_visits(infos, nb, tensors[k], False, order) // math.prod(nb[i] for i in tensors[k])
        words += passes * math.prod(by_name[i].size for i in tensors[k])
    if not budget.staged[SLOT_RESULT] and matrix_ld(views[-1], left, right, ext) is None:
        words += math.prod(by_name[i].size for i in tensors[-1])
    return words


@lru_cache(maxsize=4096)
def _shape_setup(step: Step, infos: tuple[IndexInfo, ...], budget: Budget) -> tuple | None:
    """What :func:`shape_words` needs that the block extents do not change:
    each tensor's indices, a held one's strides (None for a streamed one)
    and a streamed one's axis order in its slot, the batch, left and right
    indices; None where no copy is counted."""
    unary = len(step.operands) == 1
    if unary and not any(ix.role is Role.CONTRACTED for ix in infos):
        return None
    tensors = [tuple(op.indices) for op in step.operands] + [tuple(step.indices)]
    if any(len(set(ixs)) != len(ixs) for ixs in tensors):
        return None
    size = {ix.name: ix.size for ix in infos}
    role = {ix.name: ix.role for ix in infos}
    orders = gemm_orders(step)
    held: list[tuple[int, ...] | None] = []
    perms: list[tuple[int, ...] | None] = []
    for k, ixs in zip(list(range(len(step.operands))) + [SLOT_RESULT], tensors):
        h = budget.held[k]
        mat = orders.get(k)
        perms.append(None if mat is None else tuple(ixs.index(i) for i in mat))
        if budget.staged[k]:
            held.append(None)
        elif h is not None and len(h) == len(ixs):
            held.append(h)
        else:
            held.append(compact(tuple(size[i] for i in ixs)).strides)
    a_ix, b_ix = tensors[0], (tensors[1] if not unary else ())
    return (tensors, held, perms, [i for i in a_ix if role[i] is Role.BATCH],
            [i for i in a_ix if role[i] is Role.LEFT], [i for i in b_ix if role[i] is Role.RIGHT])


def block_boxes(infos: tuple[IndexInfo, ...], ext: dict[str, int], order: tuple[str, ...] | None = None
                ) -> list[tuple[tuple[tuple[str, int, int], ...], bool, bool]]:
    """Boxes of the blocking, the free indices in ``order`` (slowest first;
    by default step order) and the contracted ones varying fastest, with
    their (first_k, last_k) flags.  Each box lists the step's indices in
    step order."""
    free = [ix for ix in infos if ix.role is not Role.CONTRACTED]
    if order is not None:
        free.sort(key=lambda ix: order.index(ix.name))
    con = [ix for ix in infos if ix.role is Role.CONTRACTED]
    starts = {ix.name: list(range(0, ix.size, ext[ix.name])) for ix in infos}
    out = []
    for fpt in itertools.product(*(starts[ix.name] for ix in free)):
        for cpt in itertools.product(*(starts[ix.name] for ix in con)):
            at = {ix.name: s for ix, s in zip(free, fpt)} | {ix.name: s for ix, s in zip(con, cpt)}
            box = tuple((ix.name, at[ix.name], min(ext[ix.name], ix.size - at[ix.name])) for ix in infos)
            first = all(s == 0 for s in cpt)
            last = all(s == starts[ix.name][-1] for ix, s in zip(con, cpt))
            out.append((box, first, last))
    return out


# -- fetta tiles ----------------------------------------------------------------------


def _greedy(members: tuple[tuple[str, int], ...], cap: int, divisor: bool) -> tuple[int, ...]:
    """In-tile extents for a port group: whole indices while they fit, then one
    index split (balanced, or the largest divisor for contracted ports)."""
    out, prod, split = [], 1, False
    for _, e in members:
        if split:
            out.append(1)
        elif prod * e <= cap:
            out.append(e)
            prod *= e
        else:
            room = cap // prod
            t = 1
            if room >= 2:
                if divisor:
                    t = max(d for d in range(1, room + 1) if e % d == 0)
                else:
                    t = -(-e // -(-e // room))
            out.append(t)
            prod *= t
            split = True
    return tuple(out)


def _options(members: tuple[tuple[str, int], ...], limit: int, divisor: bool) -> list[tuple[int, ...]]:
    total = math.prod(e for _, e in members)
    caps = {1, min(total, limit)} | {1 << k for k in range(limit.bit_length()) if (1 << k) <= limit}
    caps |= {-(-total // q) for q in range(1, 9) if -(-total // q) <= limit}
    opts = {_greedy(members, c, divisor) for c in caps}
    return sorted(opts, key=lambda t: -math.prod(t))


def _segments(start: int, size: int, t: Choice, contracted: bool) -> list[TileAxis]:
    """The axis segments of an index of ``size`` from ``start`` for choice
    ``t``: a contracted extent runs ``size // t`` beats; a free extent (or a
    walked index, extent 1) repeats by the loop nest, the remainder a
    segment of its own."""
    if t is Walk.LOOP:
        t = 1
    elif contracted:
        return [TileAxis("", start, t, size // t, 1)]
    q, r = divmod(size, t)
    segs = [TileAxis("", start, t, 1, q)] if q else []
    if r:
        segs.append(TileAxis("", start + q * t, r, 1, 1))
    return segs


def _tiles_for(infos: Sequence[IndexInfo], box: tuple[tuple[str, int, int], ...], choice: dict[str, Choice], accumulate: bool) -> list[Tile]:
    per_index = []
    for ix, (_, st, ext) in zip(infos, box):
        segs = _segments(st, ext, choice[ix.name], ix.role is Role.CONTRACTED)
        per_index.append([TileAxis(ix.name, s.start, s.extent, s.beats, s.count) for s in segs])
    tiles = []
    for axes in itertools.product(*per_index):
        prod = {g: 1 for g in Group}
        beats = 1
        for ix, ax in zip(infos, axes):
            prod[ROLE_GROUP[ix.role]] *= ax.extent
            beats *= ax.beats
        tb, tm, tn, tkk = prod[Group.B], prod[Group.M], prod[Group.N], prod[Group.K]
        df = Dataflow.INNER if tkk > 1 else (Dataflow.BATCH if tb > 1 else Dataflow.OUTER)
        tiles.append(Tile(df, tuple(axes), tb, tm, tn, tkk, beats, accumulate))
    return tiles


def _cost(arch: Arch, tiles: Sequence[Tile], passes: Callable[[Tile], tuple[int, int, int]] | None = None) -> int:
    """Modelled cycles of ``tiles`` run one after the other, each shape
    paying its fill (:func:`tncc.isa.model.tile_run_cycles`)."""
    return sum(model.tile_run_cycles(arch, t.beats, t.tb * t.tm * t.tn, t.count,
                                     passes(t) if passes is not None else (1, 1, 1)) for t in tiles)


def _plain_cost(arch: Arch, entries: tuple[tuple[str, Role, int], ...], choice: dict[str, Choice],
                memo: dict | None = None) -> tuple[int, int]:
    """(``_cost`` without conflicts, number of tiles) of the tiles
    ``_tiles_for`` makes for a block with ``entries`` at ``choice``, without
    building them (the inner loop of :func:`_choose`).  ``memo``: a dict
    kept across the candidates of one block shape (they share most
    per-index segments and tile shapes)."""
    if memo is None:
        memo = {}
    per = []
    for k, (n, r, e) in enumerate(entries):
        key = (k, choice[n])
        segs = memo.get(key)
        if segs is None:
            keep = ROLE_GROUP[r] is not Group.K  # K extents are summed, not drained
            segs = memo[key] = [(s.extent if keep else 1, s.beats, s.count)
                                for s in _segments(0, e, choice[n], r is Role.CONTRACTED)]
        per.append(segs)
    total = tiles = 0
    for combo in itertools.product(*per):
        words = beats = count = 1
        for w, b, c in combo:
            words *= w
            beats *= b
            count *= c
        tiles += 1
        run = (beats, words, count)
        cycles = memo.get(run)
        if cycles is None:
            cycles = memo[run] = model.tile_run_cycles(arch, beats, words, count)
        total += cycles
    return total, tiles


def tile_block_fetta(arch: Arch, infos: tuple[IndexInfo, ...], box: tuple[tuple[str, int, int], ...], accumulate: bool,
                     hint: dict[str, int]) -> tuple[Tile, ...]:
    """The cheapest legal tiling of one block on the fetta array.  ``hint``
    ranks indices for port filling (innermost stored axis first, so port
    offsets stay contiguous)."""
    entries = tuple((ix.name, ix.role, ext) for ix, (_, _, ext) in zip(infos, box))
    choice = dict(_choose(arch, entries, tuple(sorted(hint.items()))))
    return tuple(_tiles_for(infos, box, choice, accumulate))


@lru_cache(maxsize=4096)
def _choose(arch: Arch, entries: tuple[tuple[str, Role, int], ...], hint_items: tuple[tuple[str, int], ...]) -> tuple[tuple[str, Choice], ...]:
    """Per-index in-tile choices (:data:`Choice`) of the cheapest legal tiling of a block with ``entries``
    ``(index, role, extent)``; cached per block shape."""
    best, best_cost = None, None
    memo: dict = {}
    for choice in _candidates(arch, entries, hint_items):
        c = _plain_cost(arch, entries, choice, memo)
        if best_cost is None or c < best_cost:
            best, best_cost = choice, c
    assert best is not None
    return tuple(sorted(best.items()))


def _candidates(arch: Arch, entries: tuple[tuple[str, Role, int], ...], hint_items: tuple[tuple[str, int], ...]) -> Iterator[dict[str, Choice]]:
    """Every legal per-index in-tile choice (:data:`Choice`) for a block with
    ``entries``, in a fixed order."""
    hint = dict(hint_items)
    ports, lanes, rports = arch.dist.ports, timing.total_lanes(arch), arch.red.ports
    groups: dict[Group, tuple[tuple[str, int], ...]] = {}
    for g in Group:
        mem = [(n, e) for n, r, e in entries if ROLE_GROUP[r] is g and e > 1]
        mem.sort(key=lambda m: hint.get(m[0], UNRANKED))
        groups[g] = tuple(mem)
    opts = {g: _options(groups[g], ports, g is Group.K) for g in Group}
    grouped = tuple((n, ROLE_GROUP[r]) for n, r, _ in entries)
    ext = {n: e for n, _, e in entries}
    for ob in opts[Group.B]:
        tb = math.prod(ob)
        for om in opts[Group.M]:
            tm = math.prod(om)
            if tb * tm > ports:
                continue
            for on in opts[Group.N]:
                tn = math.prod(on)
                if tb * tn > ports or tb * tm * tn > lanes:
                    continue
                # The largest contracted spread that is legal and keeps every
                # stream within MAX_DIMS dims (a smaller one when the largest
                # spreads too many indices).
                choice: dict[str, int] | None = None
                for cand in opts[Group.K]:
                    tkk = math.prod(cand)
                    if tkk > 1 and tb * tm * tn > rports:
                        continue
                    if tb * max(tm, tn) * tkk > ports or tb * tm * tn * tkk > lanes:
                        continue
                    trial: dict[str, int] = {}
                    for g, o in ((Group.B, ob), (Group.M, om), (Group.N, on), (Group.K, cand)):
                        for (n, _), t in zip(groups[g], o):
                            trial[n] = t
                    for n, _, e in entries:
                        trial.setdefault(n, 1)
                    if _dims_fit(grouped, trial):
                        choice = trial
                        break
                if choice is None:
                    continue
                # At most MAX_DIMS beat dims: further contracted indices are
                # walked by reduce loops (the drain then adds).
                walked = [n for n, _ in groups[Group.K] if ext[n] // choice[n] > 1]
                out: dict[str, Choice] = dict(choice)
                for n in walked[MAX_DIMS:]:
                    out[n] = Walk.LOOP
                yield out


def retile_block(arch: Arch, infos: tuple[IndexInfo, ...], block: Block, hint: dict[str, int],
                 passes: Callable[[Tile], tuple[int, int, int]]) -> dict[str, Choice] | None:
    """The in-tile extents of the cheapest legal tiling of ``block`` when the
    stored layouts are known (``passes(tile)``: a tile's conflict passes for
    A, B and the drain), or None when its current tiles are that."""
    entries = tuple((ix.name, ix.role, ext) for ix, (_, _, ext) in zip(infos, block.box))
    best, best_key = None, (_cost(arch, block.tiles, passes), -1)
    # Conflicts only add cycles: a candidate whose conflict-free cost is
    # already above the best cannot win, so candidates go cheapest-bound
    # first and the search stops there (ties keep the candidate order).
    memo: dict = {}
    bounded = sorted((_plain_cost(arch, entries, choice, memo)[0], k, choice)
                     for k, choice in enumerate(_candidates(arch, entries, tuple(sorted(hint.items())))))
    for bound, k, choice in bounded:
        if bound > best_key[0]:
            break
        key = (_cost(arch, _tiles_for(infos, block.box, choice, not block.first_k), passes), k)
        if key < best_key:
            best, best_key = choice, key
    return best


def tiles_for(infos: tuple[IndexInfo, ...], block: Block, choice: dict[str, Choice]) -> tuple[Tile, ...]:
    """``block``'s tiles for per-index in-tile choices ``choice``."""
    return tuple(_tiles_for(infos, block.box, choice, not block.first_k))


def _dims_fit(grouped: tuple[tuple[str, Group], ...], choice: dict[str, int]) -> bool:
    """Port and drain dims of every stream stay within ``MAX_DIMS`` (counted
    one per index spread over ports, before any merging); ``grouped``: each
    index with its group."""
    spread = dict.fromkeys(Group, 0)
    for n, g in grouped:
        if choice[n] > 1:
            spread[g] += 1
    a = spread[Group.B] + spread[Group.M] + spread[Group.K]
    b = spread[Group.B] + spread[Group.N] + spread[Group.K]
    c = spread[Group.B] + spread[Group.M] + spread[Group.N]
    return max(a, b, c) <= MAX_DIMS


# -- systolic tiles ---------------------------------------------------------------------


def tile_block_gemm(infos: tuple[IndexInfo, ...], box: tuple[tuple[str, int, int], ...], accumulate: bool, unary: bool) -> tuple[Tile, ...]:
    """One GEMM per batch point of the block (batch indices loop), M, N whole,
    K walked by the systolic array's temporal dimension; a unary step without
    summation is a plain copy."""
    axes, prod, beats = [], {g: 1 for g in Group}, 1
    for ix, (_, st, ext) in zip(infos, box):
        if ix.role is Role.BATCH:
            axes.append(TileAxis(ix.name, st, 1, 1, ext))
        elif ix.role is Role.CONTRACTED:
            axes.append(TileAxis(ix.name, st, 1, ext, 1))
            beats *= ext
        else:
            axes.append(TileAxis(ix.name, st, ext, 1, 1))
            prod[ROLE_GROUP[ix.role]] *= ext
    copy = unary and not any(ix.role is Role.CONTRACTED for ix in infos)
    df = COPY if copy else Dataflow.GEMM
    return (Tile(df, tuple(axes), 1, prod[Group.M], prod[Group.N], 1, beats, accumulate),)


# -- a whole step -------------------------------------------------------------------------


def port_hint(step: Step) -> dict[str, int]:
    """Rank of each index for port filling: A's innermost axis first, then B's."""
    hint: dict[str, int] = {}
    for op in step.operands:
        for r, i in enumerate(reversed(op.indices)):
            hint.setdefault(i, len(hint) + r)
    return hint


def tile_step(number: int, step: Step, sizes: dict[str, int], arch: Arch, budget: Budget, where: str) -> TiledStep:
    """Block and tile one plan step for ``arch`` (module doc)."""
    infos = classify(step, sizes)
    unary = len(step.operands) == 1
    if any(budget.staged) or budget.scratch:
        ext = block_extents(step, infos, budget, arch, where)
    else:
        ext = {ix.name: ix.size for ix in infos}
    # Before any block is built: their number, against the host memory limit.
    check_blocks(math.prod(-(-ix.size // ext[ix.name]) for ix in infos), step.statement, None, where)
    hint = port_hint(step)
    blocks = []
    for box, first, last in block_boxes(infos, ext, block_order(step, infos, ext, budget, arch)):
        acc = not first
        if arch.kind == "fetta":
            tiles = tile_block_fetta(arch, infos, box, acc, hint)
        else:
            tiles = tile_block_gemm(infos, box, acc, unary)
        blocks.append(Block(box, tiles, first, last))
    df = blocks[0].tiles[0].dataflow
    return TiledStep(number, step, infos, df, tuple(blocks), unary)
