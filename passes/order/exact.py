"""Exact contraction-order search: dynamic programming over all subsets of the
inputs (outer products included), with branch-and-bound pruning.

``cost(S) = min over splits S = S1 + S2 of cost(S1) + cost(S2) + step(S1, S2)``
is exact because a step's cost depends only on the result masks of its two
operands (see :mod:`tncc.passes.order.subsets`).  Every unordered split is
visited once (``S1`` holds the lowest tensor of ``S``): about ``3^n / 2``
splits, so ``n = 12`` is half a million.  An upper bound (a greedy order's
cost) prunes every subset whose own cost, or the size of the tensor it
produces, already exceeds it.

Objectives handled exactly here are the additive ones, ``wm * MACs + ws *
result size`` per step (MACs, write volume and their weighted combinations:
lexicographic orders are encoded with a weight larger than any tree's MACs),
and the bottleneck one (peak intermediate size, then MACs under that cap).
:func:`kbest` keeps the ``k`` cheapest distinct trees for the hardware stage.
"""

from __future__ import annotations

import heapq
import time
from typing import Mapping, Sequence

from tncc.passes.order.paths import SSAPath
from tncc.passes.order.subsets import SubsetTable

INF = 1 << 400  # larger than any cost; stays an int so sums stay exact


class SearchTimeout(Exception):
    """The exact search passed its deadline before finishing."""


def tree_to_ssa(n: int, split: Mapping[int, int] | Sequence[int], full: int) -> SSAPath:
    """Turn a split table (``split[S] = S1``) into an SSA path, children first."""
    path: list[tuple[int, int]] = []
    counter = [n]

    def build(s: int) -> int:
        if s & (s - 1) == 0:
            return s.bit_length() - 1
        s1 = split[s]
        a = build(s1)
        b = build(s ^ s1)
        path.append((a, b))
        counter[0] += 1
        return counter[0] - 1

    if n >= 2:
        build(full)
    return tuple(path)


def dp_additive(table: SubsetTable, wm: int = 1, ws: int = 0, bound: int | None = None,
                cap: int | None = None, free: Mapping[int, int] | None = None,
                deadline: float | None = None) -> tuple[int, SSAPath] | None:
    """Minimise the sum over steps of ``wm * MACs + ws * size(result)``.

    ``bound``: only trees of cost ``<= bound`` are searched (pass a known
    tree's cost).  ``cap``: no intermediate may have more than ``cap``
    elements.  ``free`` maps subsets to a cost that replaces their own when
    lower (values another statement computes anyway cost 0 here); the split
    found for such a subset is still recorded, so a whole tree comes back.
    Returns ``(cost, path)`` of a proven optimum, or ``None`` when no tree
    meets ``bound`` and ``cap``.  Raises :class:`SearchTimeout` once the
    ``time.perf_counter()`` ``deadline`` has passed."""
    n = table.n
    if n < 2:
        return 0, ()
    res = table.res
    prod = table.prod
    pcache = table._prod
    ub = INF if bound is None else bound
    best = [0] * (1 << n)
    split = [0] * (1 << n)
    # each subset's result size: a step's size is then size(s1) * size(s2) / size(shared indices),
    # whose masks are few and repeat, where the union's are mostly new (a product to compute)
    osz = [1] * (1 << n)
    for t in range(n):
        osz[1 << t] = prod(res[1 << t])
    for s in range(3, 1 << n):
        if not s & (s - 1):
            continue  # a single tensor costs nothing
        if deadline is not None and not s & 255 and time.perf_counter() > deadline:
            raise SearchTimeout()
        out = pcache.get(res[s])
        if out is None:
            out = prod(res[s])
        osz[s] = out
        if (cap is not None and out > cap) or wm * out > ub:
            best[s] = INF  # the step producing s alone breaks the bound
            continue
        low = s & -s
        rest = s ^ low
        bc = INF
        bs = 0
        sub = rest
        while sub:
            sub = (sub - 1) & rest
            s1 = sub | low
            s2 = s ^ s1
            c = best[s1] + best[s2]
            if c >= bc:
                continue
            m = res[s1] & res[s2]
            p = pcache.get(m)
            if p is None:
                p = prod(m)
            c += wm * (osz[s1] * osz[s2] // p) if p else 0  # p = 0: a size-0 index, the step costs 0
            if c < bc:
                bc = c
                bs = s1
        bc += ws * out
        if free is not None and s in free and free[s] < bc:
            bc = free[s]
        if bc > ub:
            bc = INF
        best[s] = bc
        split[s] = bs
    full = table.full
    if best[full] >= INF:
        return None
    return best[full], tree_to_ssa(n, split, full)


def min_peak(table: SubsetTable) -> int:
    """The smallest possible largest intermediate over all trees (bottleneck DP)."""
    n = table.n
    if n < 2:
        return 0
    res = table.res
    prod = table.prod
    peak = [0] * (1 << n)
    for s in range(3, 1 << n):
        if not s & (s - 1):
            continue
        low = s & -s
        rest = s ^ low
        bp = INF
        sub = rest
        while sub:
            sub = (sub - 1) & rest
            s1 = sub | low
            a, b = peak[s1], peak[s ^ s1]
            p = a if a > b else b
            if p < bp:
                bp = p
        own = prod(res[s])
        peak[s] = own if own > bp else bp
    return peak[table.full]


def kbest(table: SubsetTable, k: int, wm: int = 1, ws: int = 0, bound: int | None = None,
          cap: int | None = None) -> list[tuple[int, SSAPath]]:
    """The ``k`` cheapest distinct trees (by the additive objective of
    :func:`dp_additive`) among those of cost ``<= bound``, cheapest first.

    Each subset keeps its ``k`` best entries ``(cost, S1, rank1, rank2)``; an
    entry names a distinct tree (a different top split or different ranked
    subtrees), so the result lists distinct trees.  Ties keep the first found."""
    n = table.n
    if n < 2:
        return [(0, ())]
    res = table.res
    prod = table.prod
    pcache = table._prod
    ub = INF if bound is None else bound
    entries: list[list[tuple[int, int, int, int]]] = [[(0, 0, 0, 0)] if s and not s & (s - 1) else []
                                                       for s in range(1 << n)]
    for s in range(3, 1 << n):
        if not s & (s - 1):
            continue
        size = pcache.get(res[s])
        if size is None:
            size = prod(res[s])
        if (cap is not None and size > cap) or wm * size > ub:
            continue
        extra = ws * size
        low = s & -s
        rest = s ^ low
        heap: list[tuple[int, int, int, int, int]] = []  # (-cost, order, s1, a, b): a max-heap
        worst = ub - extra
        order = 0
        sub = rest
        while sub:
            sub = (sub - 1) & rest
            s1 = sub | low
            l1 = entries[s1]
            l2 = entries[s ^ s1]
            if not l1 or not l2:
                continue
            m = res[s1] | res[s ^ s1]
            p = pcache.get(m)
            if p is None:
                p = prod(m)
            step = wm * p
            if l1[0][0] + l2[0][0] + step > worst:
                continue
            for a, e1 in enumerate(l1):
                base = e1[0] + step
                if base + l2[0][0] > worst:
                    break
                for b, e2 in enumerate(l2):
                    c = base + e2[0]
                    if c > worst:
                        break
                    order -= 1
                    item = (-c, order, s1, a, b)
                    if len(heap) < k:
                        heapq.heappush(heap, item)
                    else:
                        heapq.heappushpop(heap, item)
                    if len(heap) == k:
                        worst = -heap[0][0]
        entries[s] = sorted(((-h[0] + extra, h[2], h[3], h[4]) for h in heap), key=lambda e: e[0])
    full = table.full
    out: list[tuple[int, SSAPath]] = []
    for rank, e in enumerate(entries[full]):
        path: list[tuple[int, int]] = []
        counter = [n]

        def build(s: int, r: int) -> int:
            if not s & (s - 1):
                return s.bit_length() - 1
            _, s1, a, b = entries[s][r]
            x = build(s1, a)
            y = build(s ^ s1, b)
            path.append((x, y))
            counter[0] += 1
            return counter[0] - 1

        build(full, rank)
        out.append((e[0], tuple(path)))
    return out
