"""Exact contraction order by dynamic programming over connected subgraphs.

The subset DP of :mod:`.exact` splits every subset of the inputs (about
``3^n / 2`` splits) whether or not the parts share an index, so it gains
nothing from a sparse network.  This search visits only what a cheap tree can
be made of, the way the join-ordering literature's csg/cmp-pair DP
(Moerkotte and Neumann, "Analysis of two existing and one new dynamic
programming algorithm for the generation of optimal bushy join trees", VLDB
2006; DPhyp for hyperedges, SIGMOD 2008) and opt_einsum's ``dp`` optimizer do
(facts from those sources, code written here):

* subsets are built bottom-up by their number of tensors ``m``; a subset of
  size ``m`` is the union of a known subset ``S1`` of size ``k <= m / 2`` and
  a disjoint known subset ``S2`` of size ``m - k`` that **shares an index**
  with it (a csg/cmp pair).  Candidates for ``S2`` come from per-tensor
  buckets of the neighbours of ``S1``, never from a scan of all subsets;
  hyperedges (an index on three or more tensors) need nothing special: a
  subset's kept indices are those some tensor outside it or the output still
  needs (:func:`_merge`);
* **cost caps** (opt_einsum dp's ``cost_cap`` idea): a round keeps only
  subsets whose best tree costs at most ``cap``, and a step is never tried
  when its operands' costs already exceed it.  The first cap under which the
  whole network is reachable gives the optimum, because every subtree of a
  tree of cost ``<= cap`` itself costs ``<= cap``, so no pruned subset can be
  part of it.  ``cap`` starts at a lower bound and grows by ``growth`` per
  round, and is clamped to a known tree's cost (``bound``), so the last round
  always succeeds;
* **outer products where they can pay**: with ``outer=True`` a subset may
  also join a subset it shares no index with, but only when the product of
  their result sizes (the step's cost) fits the cap left after both
  operands' own costs: the lists are kept sorted by result size, so only
  those pairs are visited.  This is exact over *all* trees (outer products
  included) for the same reason the caps are.  With ``outer=False`` the
  optimum is over trees whose every step shares an index (the trees cotengra's
  and opt_einsum's dp search by default); :mod:`.search` then lets the
  outer-product-aware subtree reconfiguration polish that tree;
* work is counted (pair evaluations), not timed: a :class:`Budget` stops a search
  that would take too long, at the same point on every machine.

Costs are exact integers: each step costs ``wm * MACs + ws * size(result)``.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import math
import time
from typing import Iterator, Mapping, Sequence

from tncc.passes.order.ccp_outer import Beaten, outer_pairs
from tncc.passes.order.outer import OuterRule
from tncc.passes.order.paths import SSAPath
from tncc.passes.order.subsets import MaskProducts, bits, index_numbers


class WorkLimit(Exception):
    """The search passed its work budget (pair evaluations) or, as a safety
    net, its wall-clock deadline before finishing; ``timed_out`` says which."""

    def __init__(self, timed_out: bool = False, projected: int | None = None):
        super().__init__("wall-clock deadline" if timed_out else "work budget")
        self.timed_out = timed_out
        # when the DP gave up early: its estimate of the total work it would have needed
        self.projected = projected


class Budget:
    """Work done and allowed (pair evaluations, summed over all rounds and
    calls that share it) and an optional ``time.perf_counter()`` deadline."""

    __slots__ = ("done", "limit", "deadline")

    def __init__(self, limit: int | None = None, deadline: float | None = None):
        self.done = 0
        self.limit = limit
        self.deadline = deadline

    def check(self) -> None:
        if self.limit is not None and self.done > self.limit:
            raise WorkLimit()
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise WorkLimit(timed_out=True)


class Graph:
    """Bitmask form of one contraction: tensors are bits of a subset mask,
    indices bits of an index mask."""

    __slots__ = ("n", "names", "sizes", "tmask", "outmask", "where", "nbr", "priv", "hyper", "full", "pcache", "prod")

    def __init__(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]):
        names = index_numbers(inputs, output)
        self.names = tuple(names)
        self.sizes = tuple(int(sizes[i]) for i in self.names)
        self.n = n = len(inputs)
        self.full = (1 << n) - 1
        self.tmask = [sum(1 << names[i] for i in set(ix)) for ix in inputs]
        self.outmask = sum(1 << names[i] for i in set(output))
        where = [0] * len(names)  # index bit -> mask of the tensors holding it
        for t, ix in enumerate(inputs):
            for i in set(ix):
                where[names[i]] |= 1 << t
        self.where = where
        self.nbr = [0] * n  # tensor -> mask of the tensors sharing an index with it
        for w in where:
            for t in bits(w):
                self.nbr[t] |= w
        for t in range(n):
            self.nbr[t] &= ~(1 << t)
        # indices of one tensor only, not in the output: summed by its first step
        self.priv = [sum(1 << b for b in bits(self.tmask[t]) if where[b] == 1 << t and not self.outmask >> b & 1)
                     for t in range(n)]
        self.hyper = sum(1 << b for b, w in enumerate(where) if w.bit_count() > 2)
        products = MaskProducts(self.sizes)
        self.pcache = products.cache  # open to hot loops that look a mask up first
        self.prod = products.prod

    def components(self) -> list[int]:
        """The connected components of the tensor graph, as subset masks."""
        seen = 0
        out = []
        for t in range(self.n):
            if seen >> t & 1:
                continue
            comp = frontier = 1 << t
            while frontier:
                nxt = 0
                for u in bits(frontier):
                    nxt |= self.nbr[u]
                frontier = nxt & ~comp
                comp |= frontier
            seen |= comp
            out.append(comp)
        return out


class Proof:
    """Work allowed to the round :func:`dp_connected` tries with outer
    products at the cap equal to its ``bound`` (over index-sharing trees
    otherwise); ``proven`` tells afterwards whether the result came from that
    round, i.e. is the optimum over all trees."""

    __slots__ = ("budget", "proven")

    def __init__(self, budget: Budget):
        self.budget = budget
        self.proven = False


def dp_connected(net: Graph, wm: int = 1, ws: int = 0, outer: bool = True, bound: int | None = None,
                 growth: int = 2, budget: Budget | None = None,
                 target: int | None = None, proof: Proof | None = None) -> tuple[int, SSAPath] | None:
    """Minimise ``sum over steps of wm * MACs + ws * size(result)`` over the
    tensors of ``target`` (default: all), which must be connected unless
    ``outer``.

    Returns ``(cost, path)``: the optimum over all trees when ``outer``, over
    trees whose every step shares an index otherwise.  The path is in SSA
    form over the tensors of ``target`` renumbered ``0 ..`` in order.
    ``bound`` (a known tree's cost) caps the cap schedule; with ``outer``
    ``None`` comes back when no tree costs ``<= bound``.  Raises
    :class:`WorkLimit` when ``budget`` runs out.

    With ``proof`` (and not ``outer``), on networks where outer products
    can rarely pay (:attr:`.OuterRule.simple`: every index closing, ``ws =
    0``), a round with outer products at the cap ``bound`` runs under
    ``proof.budget`` in place of the last two index-sharing rounds below
    ``bound`` (from the one whose cap times ``growth ** 2`` reaches it; the
    rounds cost several times more per doubling of the cap, so these two are
    most of the index-sharing work, and the bound of a polished tree is
    rarely far above the optimum), once one index-sharing round has finished
    (on trees, whose first round can be past the budget already, the outer
    one is then far past it too) and when the rounds' growth projects it
    within its work (:func:`_may_fit`): a tree of cost ``<= bound`` exists, so that round finds the optimum over all trees, and the
    index-sharing rounds left and the outer-product round proving their
    result (:func:`below`) are not needed.  Out of work, it is dropped and
    the search goes on as without ``proof`` (its work is not counted in
    ``budget``).  Elsewhere outer rounds can cost many times the
    index-sharing ones, and one that runs out of work is time lost."""
    full = net.full if target is None else target
    leaves = bits(full)
    if len(leaves) < 2:
        return 0, ()
    if wm < 0 or ws < 0 or wm + ws == 0:
        raise ValueError("weights must be non-negative and not both zero")
    budget = budget or Budget()
    lower = max(wm * net.prod(net.tmask[t]) for t in leaves)
    cap = max(1, lower)
    if bound is not None and bound < cap:
        cap = bound
    last = 0
    # the cap of the outer round tried first (see above), 0 once tried or when there is none
    first = bound if proof is not None and bound is not None and not outer and _simple(net, full, wm, ws) else 0
    before = 0  # the work of the round before the last one, and the last one's cap
    prev_cap = cap
    while True:
        start = budget.done
        if first and last and cap * growth * growth >= first and proof is not None:
            if _may_fit(first, prev_cap, last, before, growth, proof.budget):
                try:
                    found = _round(net, leaves, full, wm, ws, True, first, proof.budget)
                except WorkLimit as e:
                    if e.timed_out:
                        raise
                    found = None
                if found is not None:
                    proof.proven = True
                    return found[0], _to_ssa(leaves, found[1], full)
            first = 0
        found = _round(net, leaves, full, wm, ws, outer, cap, budget)
        if found is not None:
            cost, split = found
            return cost, _to_ssa(leaves, split, full)
        if bound is not None and cap >= bound and outer:
            return None
        nxt = cap * growth
        if bound is not None and cap < bound < nxt:
            nxt = bound
        spent = budget.done - start
        if budget.limit is not None and last and spent > 1000:
            # A round costs about (this round / last round) times more per doubling of the cap.
            # The optimum is rarely below an eighth of a known tree's cost, so when the rounds up
            # to that cap (or the next one) cannot fit the budget, give up now instead of spending
            # the rest of it (the estimate is from counts, so this is deterministic too).
            target = max(nxt, bound // 8) if bound is not None else nxt
            rate = (spent / last) ** (math.log(target / cap) / math.log(growth))
            if budget.done + spent * rate > budget.limit:
                raise WorkLimit(projected=int(min(budget.done + spent * rate, 1e30)))
        before = last
        last = max(spent, 1)
        prev_cap = cap
        cap = nxt


def below(net: Graph, cap: int, wm: int = 1, ws: int = 0, budget: Budget | None = None) -> tuple[int, SSAPath] | None:
    """The optimum over all trees (outer products included) when some tree
    costs at most ``cap``, else ``None``: one round of the DP.  Called with a
    known optimum over index-sharing trees minus one, ``None`` proves that
    optimum is the optimum over all trees."""
    leaves = bits(net.full)
    if len(leaves) < 2:
        return (0, ()) if cap >= 0 else None
    found = _round(net, leaves, net.full, wm, ws, True, cap, budget or Budget())
    if found is None:
        return None
    return found[0], _to_ssa(leaves, found[1], net.full)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused, and resumed after unless it
    was off already.  The DPs allocate tens of thousands of lists and tuples
    that live to the end of a round and form no cycles; each few hundred
    allocations set off a collection, and the older generations' ones walk
    every object of the process (20 to 30 ms of a 50 ms search on a
    20-tensor lattice, more in a process holding more objects)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _round(net: Graph, leaves: list[int], full: int, wm: int, ws: int, outer: bool, cap: int,
           budget: Budget) -> tuple[int, dict[int, int]] | None:
    """One DP round under ``cap``: ``(cost, split table)`` of the whole set, or
    ``None`` when no tree of cost ``<= cap`` exists in the search space."""
    with paused_gc():
        return _round_body(net, leaves, full, wm, ws, outer, cap, budget)


def _round_body(net: Graph, leaves: list[int], full: int, wm: int, ws: int, outer: bool, cap: int,
                budget: Budget) -> tuple[int, dict[int, int]] | None:
    """:func:`_round` itself."""
    prod = net.prod
    pcache = net.pcache
    nbr, where, hyper, outmask = net.nbr, net.where, net.hyper, net.outmask
    allpriv = 0
    for t in leaves:
        allpriv |= net.priv[t]
    n = len(leaves)
    cost: dict[int, int] = {}
    res: dict[int, int] = {}
    nb: dict[int, int] = {}
    split: dict[int, int] = {}
    levels: list[list[int]] = [[], []]
    buckets: list[dict[int, list[int]]] = [{}, {}]
    by_size: list[tuple[list[int], list[int]]] = [([], []), ([], [])]
    psize: dict[int, int] = {}
    key: dict[int, int] = {}
    info: dict[int, tuple[int, int, int]] = {}  # a finished level's subsets: (res, psize, cost)
    for t in leaves:
        s = 1 << t
        psize[s] = prod(net.tmask[t])
        key[s] = wm * psize[s]
        info[s] = (net.tmask[t], psize[s], 0)
        cost[s] = 0
        res[s] = net.tmask[t]
        nb[s] = nbr[t] & full
        levels[1].append(s)
        buckets[1][t] = [s]
    rule: OuterRule | None = None
    opset: set[int] = set()  # subsets whose recorded split is an outer product
    beaten = Beaten(net, wm, ws, opset, split, res, psize, allpriv)
    if outer:
        order = sorted(levels[1], key=lambda s: (psize[s], s))
        by_size[1] = ([psize[s] for s in order], order)
        rule = OuterRule(where, outmask, full, _connected(net, full), [psize[1 << t] for t in leaves], wm, ws, prod)
    done = budget.done
    check = done + 20000
    # per level and tensor, the keys of the bucket's subsets (sorted): the pairs that fit the cap are
    # a prefix found by bisection
    keys: list[dict[int, list[int]]] = [{}, {t: [key[1 << t]] for t in leaves}]
    for m in range(2, n + 1):
        level: list[int] = []
        bucket: dict[int, list[int]] = {}
        for k in range(1, m // 2 + 1):
            # pair each subset of size m - k (the larger part) with the subsets of size k
            # holding one of its neighbours: scanning the smaller level's buckets wastes least
            other = m - k
            same = k == other
            sbucket = buckets[k]
            skeys = keys[k]
            leafy = k == 1 or other == 1
            for s2 in levels[other]:
                c2 = cost[s2]
                q2 = psize[s2]
                r2 = res[s2]
                # s1 adds its cost and a step costing at least its size: key[s1]
                room2 = cap - c2
                n2 = nb[s2]
                rest = n2
                while rest:
                    low = rest & -rest
                    rest ^= low
                    t = low.bit_length() - 1
                    cands = sbucket.get(t)
                    if not cands:
                        continue
                    # buckets are sorted by key, a lower bound on what s1 adds: past room2 none fits
                    # (the work counts each subset looked at, the first that does not fit included)
                    top = bisect.bisect_right(skeys[t], room2)
                    done += top + 1 if top < len(cands) else top
                    # s1 must be disjoint from s2, and found through its lowest neighbour of s2 only
                    excl = s2 | (n2 & (low - 1))
                    for s1 in (cands if top == len(cands) else cands[:top]):
                        if s1 & excl or (same and s1 < s2):
                            continue
                        r1, q1, c1 = info[s1]
                        # the step's size from its operands' (kept per subset): the shared
                        # indices are few and their products repeat, while r1 | r2 is usually new
                        both = r1 & r2
                        p = pcache.get(both)
                        if p is None:
                            p = prod(both)
                        p = q1 * q2 // p
                        c = c1 + c2 + wm * p
                        if c > cap:
                            continue
                        s = s1 | s2
                        old = cost.get(s)
                        if old is not None and old <= c:
                            continue
                        um = r1 | r2
                        common = both & ~outmask
                        drop = common & ~hyper
                        h = common & hyper
                        while h:
                            hl = h & -h
                            if not where[hl.bit_length() - 1] & ~s:
                                drop |= hl
                            h ^= hl
                        r = um & ~drop
                        if leafy:
                            r &= ~allpriv
                        # the result's size from the step's: the dropped indices are few and
                        # their products repeat, while r is usually a new mask
                        gone = um ^ r
                        q = pcache.get(gone)
                        if q is None:
                            q = prod(gone)
                        q = p // q
                        if ws:
                            c += ws * q
                            if c > cap or (old is not None and old <= c):
                                continue
                        # the step that later consumes s costs at least its size
                        if old is None and s != full and c + wm * q > cap:
                            continue
                        if opset and beaten(s1, s2):
                            continue
                        if old is None:
                            level.append(s)
                            x = s
                            while x:
                                xl = x & -x
                                lst = bucket.get(xl.bit_length() - 1)
                                if lst is None:
                                    bucket[xl.bit_length() - 1] = [s]
                                else:
                                    lst.append(s)
                                x ^= xl
                            nb[s] = (n2 | nb[s1]) & ~s
                            res[s] = r
                            psize[s] = q
                        cost[s] = c
                        split[s] = s1
                        if opset:
                            opset.discard(s)
                # outer products with s2: only when the smallest partner's can fit (as outer_pairs
                # would find, without the call)
                osz = by_size[k][0] if rule is not None else None
                if osz and (not wm or wm * q2 * osz[0] <= room2):
                    assert rule is not None
                    done = outer_pairs(net, rule, opset, beaten, s2, other, k, by_size, cost, res, psize, nb, split, level,
                                        bucket, cap, wm, ws, allpriv, done, full)
                if done > check:
                    budget.done = done
                    budget.check()
                    check = done + 20000
        for s in level:
            key[s] = cost[s] + wm * psize[s]
            info[s] = (res[s], psize[s], cost[s])
        lkeys: dict[int, list[int]] = {}
        for t, lst in bucket.items():
            lst.sort(key=key.__getitem__)
            lkeys[t] = [key[x] for x in lst]
        levels.append(level)
        buckets.append(bucket)
        keys.append(lkeys)
        if outer:
            order = sorted(level, key=lambda s: (psize[s], s))
            by_size.append(([psize[s] for s in order], order))
    budget.done = done
    if full not in cost:
        return None
    return cost[full], split


def _may_fit(cap: int, last_cap: int, last: int, before: int, growth: int, budget: Budget) -> bool:
    """Whether an outer round at ``cap`` may fit ``budget``, from the work of
    the last index-sharing round (at ``last_cap``) and of the one before
    (``before``, 0 when there was none): the last round's work grown at
    their rate per factor ``growth`` of the cap, up to ``cap``, within the
    budget (after a single round, that round within an eighth of it).
    Counts only, so deterministic; where outer products rarely pay an outer
    round costs about as much as the index-sharing one at its cap."""
    if budget.limit is None:
        return True
    if not before:
        return last * 8 <= budget.limit
    rate = (last / before) ** (math.log(max(cap, last_cap) / last_cap) / math.log(growth))
    return last * rate <= budget.limit - budget.done


def _simple(net: Graph, full: int, wm: int, ws: int) -> bool:
    """Whether the outer-product rules' strongest form holds for the tensors
    of ``full`` (:attr:`.OuterRule.simple`, and ``ws = 0``)."""
    rule = OuterRule(net.where, net.outmask, full, _connected(net, full), (), wm, ws, net.prod)
    return rule.simple and not ws


def _connected(net: Graph, full: int) -> bool:
    """Whether the tensors of ``full`` form one connected piece."""
    low = full & -full
    comp = frontier = low
    while frontier:
        nxt = 0
        for u in bits(frontier):
            nxt |= net.nbr[u]
        frontier = nxt & full & ~comp
        comp |= frontier
    return comp == full


def _to_ssa(leaves: list[int], split: Mapping[int, int], full: int) -> SSAPath:
    """The SSA path of the tree in ``split`` (``split[S] = S1``), children first;
    leaf ``leaves[j]`` is id ``j``."""
    ids = {1 << t: j for j, t in enumerate(leaves)}
    path: list[tuple[int, int]] = []
    nxt = len(leaves)
    stack: list[tuple[int, bool]] = [(full, False)]
    made: dict[int, int] = {}
    while stack:
        s, ready = stack.pop()
        if s in ids:
            made[s] = ids[s]
            continue
        s1 = split[s]
        if ready:
            path.append((made[s1], made[s ^ s1]))
            made[s] = nxt
            nxt += 1
        else:
            stack.append((s, True))
            stack.append((s ^ s1, False))
            stack.append((s1, False))
    return tuple(path)
