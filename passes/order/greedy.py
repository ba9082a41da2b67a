"""Greedy contraction orders, deterministic and randomised.

At every step the pair with the lowest score is contracted, where the score
of contracting ``a`` and ``b`` into ``c`` is ``size(c) - size(a) - size(b)``
(the memory a step frees, the usual greedy rule of opt_einsum and cotengra;
facts from their documentation, code written here).  Only pairs that share
an index are scored; when none remains, the two smallest tensors are joined
by an outer product.  The randomised variant samples among candidate pairs
with Boltzmann weights ``exp(-score / (temperature * scale))`` so that
repeated runs explore different trees.  A tensor is paired with at most
:data:`MAX_NEIGHBOURS` partners (the smallest), so a hyperedge shared by
``n`` tensors costs ``O(n log n)`` pairs rather than ``O(n**2)``.
"""

from __future__ import annotations

import heapq
import math
import random
from typing import Mapping, Sequence

from tncc.passes.order.paths import SSAPath

MAX_NEIGHBOURS = 32
"""Partners scored per tensor.  Only an index shared by more tensors than
this (a hyperedge of 1 000 operands) reaches the cap; the smallest partners
are kept, so the pairs scored stay linear in the tensors, not quadratic."""


def _result(a: frozenset[str], b: frozenset[str], count: Mapping[str, int], out: frozenset[str]) -> frozenset[str]:
    """Indices of ``a * b`` that stay open: in the output or in another live tensor."""
    shared = a & b
    keep = set()
    for i in a | b:
        c = count[i] - (2 if i in shared else 1)
        if c > 0 or i in out:
            keep.add(i)
    return frozenset(keep)


def greedy(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
           rng: random.Random | None = None, temperature: float = 0.0) -> SSAPath:
    """A greedy SSA path; with ``rng`` and ``temperature > 0`` a randomised one.

    Always returns a complete, valid path (outer products join disconnected
    parts).  Runs in ``O(n * d * log n)`` for ``n`` tensors of degree ``d``
    on sparse graphs."""
    n = len(inputs)
    if n < 2:
        return ()
    out = frozenset(output)
    live: dict[int, frozenset[str]] = {k: frozenset(ix) for k, ix in enumerate(inputs)}
    count: dict[str, int] = {}
    where: dict[str, set[int]] = {}
    for k, ix in live.items():
        for i in ix:
            count[i] = count.get(i, 0) + 1
            where.setdefault(i, set()).add(k)

    def size(ix: frozenset[str]) -> int:
        return math.prod(sizes[i] for i in ix)

    tsize = {k: size(v) for k, v in live.items()}

    def score(a: int, b: int) -> float:
        c = _result(live[a], live[b], count, out)
        return float(size(c) - tsize[a] - tsize[b])

    heap: list[tuple[float, int, int]] = []

    def push_neighbours(k: int, push: bool = True) -> None:
        nb: set[int] = set()
        for i in live[k]:
            nb |= where[i]
        nb.discard(k)
        if len(nb) > MAX_NEIGHBOURS:
            # a hyperedge shared by many tensors: all pairs would be quadratic
            # in them; the smallest few are the ones a greedy step wants
            nb = set(heapq.nsmallest(MAX_NEIGHBOURS, nb, key=lambda j: (tsize[j], j)))
        for j in nb:
            a, b = (k, j) if k < j else (j, k)
            if push:  # one push, O(log n): re-heapifying all pairs per step is cubic on a hyperedge
                heapq.heappush(heap, (score(a, b), a, b))
            else:
                heap.append((score(a, b), a, b))

    for k in list(live):
        push_neighbours(k, push=False)
    heap = list({(s, a, b) for s, a, b in heap})
    heapq.heapify(heap)
    path: list[tuple[int, int]] = []
    nxt = n
    while len(live) > 1:
        choice = None
        while heap:
            if rng is not None and temperature > 0:
                choice = _sample(heap, live, rng, temperature)
                if choice is None:
                    heap.clear()
                break
            s, a, b = heapq.heappop(heap)
            if a in live and b in live:
                choice = (a, b)
                break
        if choice is None:
            # disconnected: outer product of the two smallest live tensors
            a, b = sorted(live, key=lambda k: (tsize[k], k))[:2]
            choice = (a, b)
        a, b = choice
        res = _result(live[a], live[b], count, out)
        for k in (a, b):
            for i in live[k]:
                count[i] -= 1
                where[i].discard(k)
            del live[k]
        for i in res:
            count[i] += 1
            where[i].add(nxt)
        live[nxt] = res
        tsize[nxt] = size(res)
        path.append((a, b))
        push_neighbours(nxt)
        nxt += 1
    return tuple(path)


def _sample(heap: list[tuple[float, int, int]], live: Mapping[int, frozenset[str]], rng: random.Random,
            temperature: float) -> tuple[int, int] | None:
    """Draw one live pair by Boltzmann weight over the best few live pairs of
    ``heap`` (a heap), dropping the stale pairs met on the way; the pairs not
    drawn go back.  Each draw costs O(log n) pops and pushes, never a pass
    over the whole heap (quadratic in size on a hyperedge)."""
    top: list[tuple[float, int, int]] = []
    while heap and len(top) < 8:
        h = heapq.heappop(heap)
        if h[1] in live and h[2] in live:
            top.append(h)
    if not top:
        return None
    best = top[0][0]
    scale = max(abs(best), 1.0)
    weights = [math.exp(-(s - best) / (temperature * scale)) for s, _, _ in top]
    pick = rng.choices(range(len(top)), weights=weights)[0]
    for k, h in enumerate(top):
        if k != pick:
            heapq.heappush(heap, h)
    _, a, b = top[pick]
    return a, b
