"""The outer-product joins of the connected-subgraph DP (:mod:`.ccp`).

With outer products allowed, a round of the DP also joins a subset with a
disjoint one it shares no index with.  Only the joins that can pay are
visited: the partners are kept sorted by result size, so those whose step
cannot fit the cap are never scanned, and the rules of :mod:`.outer` (the
consumer's lower bound, the exchange test) cut most of the rest.  The DP's
tables (``cost``, ``res``, ``psize``, ``split``, ...) are those of
:func:`.ccp._round`, passed in and updated in place.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from tncc.passes.order.outer import OuterRule
from tncc.passes.order.subsets import bits

if TYPE_CHECKING:  # the DP's network type; ccp imports this module
    from tncc.passes.order.ccp import Graph


def outer_pairs(net: Graph, rule: OuterRule, opset: set[int], beaten: Beaten, s1: int, k: int, other: int, by_size: list,
                 cost: dict, res: dict, psize: dict, nb: dict, split: dict, level: list, bucket: dict, cap: int,
                 wm: int, ws: int, allpriv: int, done: int, full: int) -> int:
    """Join ``s1`` with every disjoint subset of size ``other`` it shares no
    index with whose outer product can pay under ``cap``: its own cost and
    the least its consumer adds (:meth:`.OuterRule.extra`) must fit, and
    neither operand may be an outer product beaten at the other
    (:meth:`.OuterRule.beaten`).  Returns the updated work count."""
    prod = net.prod
    c1 = cost[s1]
    r1 = res[s1]
    n1 = nb[s1]
    size1 = psize[s1]
    sizes, order = by_size[other]
    if wm:
        # the step's MACs are size1 * size2: only the prefix with size2 <= room / size1 can fit
        room = cap - c1
        top = bisect.bisect_right(sizes, room // (wm * size1))
        most = rule.limit(size1, room)
        if most is not None:  # tighter where the rule's bound holds for every partner of size >= 2
            top = min(top, max(bisect.bisect_right(sizes, most), bisect.bisect_right(sizes, 1)))
    else:
        top = len(order)
    same = k == other
    leafy = k == 1 or other == 1
    for j in range(top):
        s2 = order[j]
        if s2 & s1 or s2 & n1 or (same and s2 < s1):
            continue
        done += 1
        size2 = sizes[j]
        q = size1 * size2
        c = c1 + cost[s2] + wm * q
        if c > cap:
            continue
        s = s1 | s2
        r2 = res[s2]
        um = r2 | r1
        r = um
        if leafy:
            r &= ~allpriv
            if r != um:
                q //= prod(um ^ r)
        if ws:
            c += ws * q
            if c > cap:
                continue
        if s != full:
            # the step that later consumes s costs at least its size, and more when the rule knows better
            more = rule.extra(r1, r2, size1, size2)
            if c + (more if more > wm * q else wm * q) > cap:
                continue
        old = cost.get(s)
        if old is not None and old <= c:
            continue
        if opset and beaten(s1, s2):
            continue
        if old is None:
            level.append(s)
            for t in bits(s):
                bucket.setdefault(t, []).append(s)
            nb[s] = (n1 | nb[s2]) & ~s
            res[s] = r
            psize[s] = q
        cost[s] = c
        split[s] = s1
        opset.add(s)
    return done


class Beaten:
    """Whether joining ``s1`` and ``s2`` uses an outer product beaten at the
    other operand (:meth:`.OuterRule.beaten`, see :mod:`.outer`): such a join
    is in no optimal tree built from the recorded subtrees, so the DP skips
    it.  The same test as ``OuterRule.beaten`` on :func:`kept_mask` masks, with
    what depends on the outer product alone kept per product (an operand's
    split is final once its level is done) and the products of sizes read
    from the shared cache first."""

    __slots__ = ("net", "wm", "ws", "allpriv", "opset", "split", "res", "psize", "info")

    def __init__(self, net: Graph, wm: int, ws: int, opset: set[int], split: dict, res: dict, psize: dict,
                 allpriv: int):
        self.net = net
        self.wm = wm
        self.ws = ws
        self.allpriv = allpriv
        self.opset = opset
        self.split = split
        self.res = res
        self.psize = psize
        self.info: dict[int, tuple[int, int, int, int, int, int]] = {}

    def __call__(self, s1: int, s2: int) -> bool:
        opset = self.opset
        if s1 in opset and self._at(s1, s2):
            return True
        return s2 in opset and self._at(s2, s1)

    def _at(self, x: int, c: int) -> bool:
        """Whether the outer product ``x`` is beaten at ``c``."""
        net = self.net
        pcache, prod = net.pcache, net.prod
        wm, ws = self.wm, self.ws
        res = self.res
        got = self.info.get(x)
        if got is None:
            a = self.split[x]
            b = x ^ a
            psize = self.psize
            # the outer product's own step: wm * |A| |B| + ws * |X|
            got = self.info[x] = (a, b, res[a], res[b], res[x], wm * psize[a] * psize[b] + ws * psize[x])
        a, b, ra, rb, rx, mine = got
        rc = res[c]
        m = rx | rc
        p = pcache.get(m)
        mine += wm * (p if p is not None else prod(m))
        cleaf = not c & (c - 1)
        for y, ry, rz in ((a, ra, rb), (b, rb, ra)):
            # the exchange (Y + C) + Z: its two steps, then the same step making P as the original's
            kept = kept_mask(net, y | c, ry, rc, cleaf or not y & (y - 1), self.allpriv)
            m = ry | rc
            p = pcache.get(m)
            alt = wm * (p if p is not None else prod(m))
            m = kept | rz
            p = pcache.get(m)
            alt += wm * (p if p is not None else prod(m))
            if ws:
                p = pcache.get(kept)
                alt += ws * (p if p is not None else prod(kept))
            if alt < mine:
                return True
        return False


def kept_mask(net: Graph, s: int, r1: int, r2: int, leafy: bool, allpriv: int) -> int:
    """The index mask of the subset ``s`` joined from operands with masks
    ``r1`` and ``r2`` (``leafy``: one operand is a leaf, whose private indices
    the step sums), as :func:`.ccp._round` computes it inline."""
    common = r1 & r2 & ~net.outmask
    drop = common & ~net.hyper
    h = common & net.hyper
    where = net.where
    while h:
        hl = h & -h
        if not where[hl.bit_length() - 1] & ~s:
            drop |= hl
        h ^= hl
    r = (r1 | r2) & ~drop
    if leafy:
        r &= ~allpriv
    return r
