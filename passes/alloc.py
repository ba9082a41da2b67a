"""Memory planning: where every value of a plan lives, and when.

A *value* is a leaf (input, param or upstream gradient), a temporary of the
plan or a statement result.  Every leaf and every network output has a DRAM
symbol (row-major, declared axis order: the contract of ``--inputs`` and
``--outputs``).  A value is *resident* when it is kept in the global buffer
from its first to its last use (leaves are loaded before their first use,
outputs stored right after they are computed); otherwise it stays in DRAM
and the steps that touch it move it block by block through a *staging* area
(double-buffered).  Intermediates that are not resident are *spilled*: they
get a DRAM scratch symbol, and the report names them.

Allocation is first-fit over buffer addresses with lifetimes in plan-step
units: at step ``s`` the values whose last use is before ``s`` are free, the
operands and the result of ``s`` coexist.  When a value does not fit, the
largest value live at that moment becomes DRAM-resident and allocation
restarts (each restart removes one value, so it terminates), from the
evicted value's first step: nothing placed before it changes.  On the fetta
preset buffer tensors reserve room for bank-padded layouts (``passes.banks``);
on the systolic preset compact row-major ones (its GEMM needs them), with
temporaries and outputs stored in the GEMM's natural ``[batch, left,
right]`` order and leaves in the matrix order their steps read them in
(:func:`leaf_orders`) where one DMA instruction moves them so: the DMA reshapes while it loads or stores, walking
DRAM in DRAM order, and no SHAPE pass copies them.

Invariant: resident values whose lifetimes overlap occupy disjoint address
ranges, all below the staging area, and every DRAM symbol is disjoint.
"""

from __future__ import annotations

import dataclasses

from tncc.errors import TnccError
from tncc.ir import DType, Network, Role as IrRole
from tncc.isa.arch import Arch
from tncc.isa.program import SymbolRole
from tncc.passes.layout import Layout, compact
# The memory-plan IR lives in passes.memory_ir; its names stay importable from here.
from tncc.isa.timing import buffer_words
from tncc.passes.memory_ir import ONES, Kind, MemoryPlan, Placement, Value  # noqa: F401 (re-exported)
from tncc.passes.shape import gemm_orders
from tncc.passes.options import Share
from tncc.plan import Plan, Step

# Once anything streams, 1/share of the buffer is the staging area.  Systolic
# blocks also need room to reshape A, B and C: half.  On fetta the code
# generator also tries a quarter and less (more stays resident, blocks are
# smaller) while that pays (passes.tuner.lower_plan).
STAGE_SHARE = {"fetta": 4, "systolic": 2}
GREEDY = "greedy"  # the largest live value is evicted when one does not fit
CPSAT = "cpsat"  # the streamed set chosen on the cost model (passes.residency)


def natural_order(step: Step) -> tuple[str, ...]:
    """The systolic GEMM's result order: batch, left (A's order), right (B's order)."""
    # An index an operand repeats (a diagonal read) is one result axis.
    a = tuple(dict.fromkeys(step.operands[0].indices))
    b = tuple(dict.fromkeys(step.operands[1].indices)) if len(step.operands) > 1 else ()
    out = set(step.indices)
    batch = [i for i in a if i in out and i in b]
    left = [i for i in a if i in out and i not in b]
    right = [i for i in b if i in out and i not in a]
    return tuple(batch + left + right)


def one_transfer(shape: tuple[int, ...], dram: tuple[int, ...], buf: tuple[int, ...]) -> bool:
    """Whether a box of ``shape`` moves between DRAM strides ``dram`` and
    buffer strides ``buf`` in one DMA instruction (a permuted layout may
    need more dims than a descriptor has, and each more instruction pays
    the DRAM latency again)."""
    # start-up: `tncc plan` loads this module for its constants; the copy descriptors serve only lowering
    from tncc.passes.shape import copy_descs

    return len(copy_descs(list(shape), list(dram), list(buf), DType.FP32)) == 1


def leaf_orders(plan: Plan) -> dict[str, tuple[int, ...]]:
    """The axis order (positions, outermost first) of each leaf on the systolic preset: the
    matrix order (:func:`gemm_orders`) its steps need most often (the first
    step's on a tie), so that the load that brings it into the buffer
    reshapes it and the GEMMs read it in place; leaves no step reads as a
    matrix are absent (kept in declared order)."""
    votes: dict[str, dict[tuple[int, ...], int]] = {}
    leaves = {t.name for t in plan.network.leaves()}
    for step in plan.steps:
        orders = gemm_orders(step)
        for k, op in enumerate(step.operands):
            if op.value in leaves and k in orders:
                # An index name may differ between statements: keep axis positions.
                perm = tuple(op.indices.index(i) for i in orders[k])
                by = votes.setdefault(op.value, {})
                by[perm] = by.get(perm, 0) + 1
    shapes = {name: plan.network.shape(name) for name in votes}
    best = {name: max(by, key=lambda o: by[o]) for name, by in votes.items()}
    return {name: perm for name, perm in best.items()
            if one_transfer(shapes[name], compact(shapes[name]).strides, compact(shapes[name], perm).strides)}


def collect_values(plan: Plan) -> list[Value]:
    """Every value of ``plan`` with its lifetime (module doc)."""
    net = plan.network
    sizes = net.sizes()
    outputs = set(net.outputs)
    results = {st.result for st in net.statements}
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    axes: dict[str, tuple[str, ...]] = {}
    for k, step in enumerate(plan.steps):
        for op in step.operands:
            first.setdefault(op.value, k)
            last[op.value] = k
            axes.setdefault(op.value, op.indices)
        first.setdefault(step.result, k)
        last.setdefault(step.result, k)
        axes[step.result] = step.indices
    vals = []
    for t in net.tensors:
        if t.role not in (IrRole.INPUT, IrRole.PARAM, IrRole.DELTA):
            continue
        if t.name not in first:
            continue  # declared but unused: nothing to move
        vals.append(Value(t.name, tuple(t.indices), net.shape(t.name), net.storage_dtype(t.name), Kind.LEAF,
                          first[t.name], last[t.name]))
    for k, step in enumerate(plan.steps):
        name = step.result
        if name in outputs:
            kind = Kind.OUTPUT
        elif name in results:
            kind = Kind.RESULT
        else:
            kind = Kind.TEMP
        # a statement's temporaries are held in the accumulator type: the statement is
        # computed in fp32 (int32) and only its result is rounded (docs/language.md)
        dtype = net.storage_dtype(name) if name in results else net.dtype.accumulator
        vals.append(Value(name, step.indices, tuple(sizes[i] for i in step.indices), dtype, kind, k, last[name]))
    return vals


def _leaf_role(net: Network, name: str) -> SymbolRole:
    if net.tensor(name).role is IrRole.DELTA:
        return SymbolRole.DELTA
    grads = {f"d_{g.of}" for g in net.grads}
    if name in grads:
        return SymbolRole.GRAD_INPUT
    return SymbolRole.PARAM if net.tensor(name).role is IrRole.PARAM else SymbolRole.INPUT


def _buffer_layout(v: Value, arch: Arch, order_of: dict[str, tuple[str, ...]], wide: frozenset[str],
                   leaf_perm: dict[str, tuple[int, ...]] | None = None) -> Layout:
    if arch.kind == "fetta":
        # start-up: `tncc plan` loads this module for its constants; the bank search serves only lowering
        from tncc.passes.banks import reserve

        # Tuned within this reservation by passes.banks; the tensors named in
        # ``wide`` reserve room for the wide paddings (when small).
        return reserve(v.shape, arch.buffer.banks, buffer_words(arch) if v.name in wide else None)
    if v.kind is Kind.LEAF:
        return compact(v.shape, (leaf_perm or {}).get(v.name))
    order = order_of.get(v.name)
    if order is None:
        return compact(v.shape)
    lay = compact(v.shape, tuple(v.axes.index(i) for i in order))
    if v.kind is Kind.OUTPUT and not one_transfer(v.shape, compact(v.shape).strides, lay.strides):
        return compact(v.shape)  # stored in one instruction, after a SHAPE pass
    return lay


def _first_fit(free: list[tuple[int, int]], words: int) -> int | None:
    for k, (lo, hi) in enumerate(free):
        if hi - lo >= words:
            free[k] = (lo + words, hi)
            return lo
    return None


def _release(free: list[tuple[int, int]], lo: int, words: int) -> None:
    free.append((lo, lo + words))
    free.sort()
    merged: list[tuple[int, int]] = []
    for a, b in free:
        if merged and merged[-1][1] >= a:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    free[:] = [(a, b) for a, b in merged if b > a]


class _Placer:
    """First-fit over the steps with restarts: :meth:`place` gives addresses
    for every value not in ``dram_only`` and the peak of live words, or the
    name of a value to evict (the largest live when an allocation failed).  The state at the start of
    each step is kept, so after an eviction :meth:`place` resumes at the
    evicted value's first step: nothing before it changes."""

    def __init__(self, vals: list[Value], layouts: dict[str, Layout], steps: int) -> None:
        self.words = {v.name: layouts[v.name].words for v in vals}
        self.last = {v.name: v.last for v in vals}
        self.first = {v.name: v.first for v in vals}
        self.by_first: dict[int, list[Value]] = {}
        for v in sorted(vals, key=lambda v: v.kind is not Kind.LEAF):
            self.by_first.setdefault(v.first, []).append(v)
        self.steps = steps
        self.capacity = -1
        # per step: free ranges, addresses, live values and peak at its start
        self.snaps: list[tuple[list[tuple[int, int]], dict[str, int], dict[str, int], int]] = []

    def place(self, dram_only: set[str], capacity: int, resume: str | None = None) -> tuple[dict[str, int], int] | str:
        words = self.words
        if capacity != self.capacity or resume is None:
            self.capacity, self.snaps = capacity, []
            start = 0
        else:
            start = min(self.first[resume], len(self.snaps) - 1)
            del self.snaps[start + 1:]
        free: list[tuple[int, int]]
        addr: dict[str, int]
        live: dict[str, int]
        if start == 0:
            free, addr, live, peak = [(0, capacity)], {}, {}, 0
            self.snaps = [(list(free), {}, {}, 0)]
        else:
            f, ad, lv, peak = self.snaps[start]
            free, addr, live = list(f), dict(ad), dict(lv)
        for s in range(start, self.steps):
            if s > start:
                self.snaps.append((list(free), dict(addr), dict(live), peak))
            for name in [n for n in live if self.last[n] < s]:
                _release(free, addr[name], words[name])
                del live[name]
            for v in self.by_first.get(s, []):
                if v.name in dram_only:
                    continue
                a = _first_fit(free, words[v.name])
                if a is None:
                    return max([*live, v.name], key=lambda n: words[n])
                addr[v.name] = a
                live[v.name] = a
            peak = max(peak, sum(words[n] for n in live))
        return addr, peak


def plan_memory(plan: Plan, arch: Arch, ones_words: int, scratch_words: int = 0, stage_share: Share = 2,
                wide: frozenset[str] = frozenset(), early: dict[str, int] | None = None,
                fixed: dict[str, Layout] | None = None, leaf_matrices: bool = True,
                residency: str = "greedy", stream: frozenset[str] = frozenset()) -> MemoryPlan:
    """Place every value of ``plan`` (module doc).  ``ones_words`` is the
    length of the all-ones constant the code needs; ``scratch_words`` the
    staging/scratch area every step needs at least (systolic reshaping);
    once anything streams, ``1/stage_share`` of the buffer is staging.
    ``wide``: values that reserve the wide bank paddings if small (``passes.banks.room``);
    ``early``: values whose lifetime starts at an earlier step than the
    plan says (steps moved up to run alongside another); ``fixed``: values
    that reserve exactly the given buffer layout (one tuned for an earlier
    allocation, ``passes.banks.tune_layouts``) instead of the room for any
    tuning: an allocation redone for a changed schedule then needs only the
    words the tuned program used.  ``leaf_matrices`` (systolic): leaves
    in the matrix order their steps read (:func:`leaf_orders`), else in
    declared order.  ``residency``: ``"greedy"`` (the rule above) or
    ``"cpsat"``: where the greedy rule evicts anything, the streamed set is
    chosen on the cost model instead (:mod:`tncc.passes.residency`); the
    plan's ``residency`` names the rule that decided.  ``stream``: values
    streamed from the start (a set chosen before, kept when an allocation is
    redone for a changed schedule), the greedy rule evicting more where needed."""
    if residency not in (GREEDY, CPSAT):
        raise TnccError(f"memory planning: residency must be {GREEDY!r} or {CPSAT!r}, not {residency!r}")
    net = plan.network
    vals = collect_values(plan)
    if early:
        vals = [dataclasses.replace(v, first=min(v.first, early[v.name])) if v.name in early else v for v in vals]
    order_of = {st.result: natural_order(st) for st in plan.steps}
    fixed = fixed or {}
    perms = leaf_orders(plan) if arch.kind == "systolic" and leaf_matrices else {}
    layouts = {v.name: fixed.get(v.name) or _buffer_layout(v, arch, order_of, wide, perms) for v in vals}
    total = arch.buffer.bytes // arch.buffer.word_bytes
    usable = total - ones_words
    half = int(usable // stage_share)
    dram_only, addr, peak, stage = _evicting(_Placer(vals, layouts, len(plan.steps)), usable,
                                             min(scratch_words, half), half, set(stream) & {v.name for v in vals})
    chosen_by = residency if stream else GREEDY
    if dram_only and residency == CPSAT and not stream:
        # start-up: `tncc plan` loads this module for its constants; the solver serves only lowering
        from tncc.passes.residency import candidates, choose_streamed

        cands = candidates(plan, vals, {n: lay.words for n, lay in layouts.items()}, arch)
        pos = {v.name: k for k, v in enumerate(vals)}
        pick = choose_streamed(cands, usable - half, frozenset(pos[n] for n in dram_only))
        want = {vals[k].name for k in pick}
        chosen_by = CPSAT  # also where it agrees with the greedy evictions
        if want != dram_only:
            # The chosen set placed first-fit; the greedy rule evicts more where fragmentation defeats it.
            d2, a2, p2, s2 = _evicting(_Placer(vals, layouts, len(plan.steps)), usable, half, half, set(want))
            dram_only, addr, peak, stage = d2, a2, p2, s2
            chosen_by = CPSAT if d2 == want else CPSAT + "+" + GREEDY
    # DRAM: leaves, then outputs, then spilled intermediates, then the ones.
    dram = 0
    places = []
    for v in vals:
        needs_dram = v.kind in (Kind.LEAF, Kind.OUTPUT) or v.name in dram_only
        dlay: Layout | None = None
        d: int | None = None
        if needs_dram:
            dlay = compact(v.shape)
            d = dram
            dram += dlay.words
        role: SymbolRole | None
        if v.kind is Kind.LEAF:
            role = _leaf_role(net, v.name)
        elif v.kind is Kind.OUTPUT:
            role = SymbolRole.OUTPUT
        else:
            role = SymbolRole.SCRATCH if needs_dram else None
        resident = v.name not in dram_only
        places.append(Placement(v.name, resident, addr.get(v.name) if resident else None,
                                layouts[v.name] if resident else None, d, dlay, role))
    ones_dram = dram
    dram += ones_words
    return MemoryPlan(tuple(vals), tuple(places), usable - stage, stage, usable, ones_words, ones_dram, dram, peak,
                      frozenset(v.name for v in vals if v.name in wide), stage_share,
                      frozenset(v.name for v in vals if v.name in fixed and v.name not in dram_only), chosen_by)


def _evicting(placer: _Placer, usable: int, stage: int, half: int, dram_only: set[str]
              ) -> tuple[set[str], dict[str, int], int, int]:
    """First-fit of every value not in ``dram_only``, evicting the largest
    live value whenever one does not fit (module doc): the streamed set, the
    addresses, the peak of resident words and the staging words (``half``
    once anything streams, else ``stage``)."""
    dram_only = set(dram_only)
    if dram_only:
        stage = max(stage, half)
    evict: str | None = None
    while True:
        placed = placer.place(dram_only, usable - stage, evict)
        if not isinstance(placed, str):
            addr, peak = placed
            break
        evict = placed
        dram_only.add(evict)
        if stage < half:
            stage = half  # streaming needs a staging area
    if dram_only and stage == 0:
        stage = half
    return dram_only, addr, peak, stage


def check_fits(mem: MemoryPlan, arch: Arch, where: str) -> None:
    total = arch.buffer.bytes // arch.buffer.word_bytes
    if mem.ones_buf + mem.ones_words > total:
        raise TnccError(f"{where}: the {mem.ones_words}-word constant does not fit the {total}-word buffer")
