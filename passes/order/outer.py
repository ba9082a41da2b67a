"""When an outer product can pay: the pruning rules of the exact searches'
outer-product rounds, with their proofs.

Costs are those of :mod:`.ccp`: a step joining ``S1`` and ``S2`` costs
``wm * |res S1 u res S2| + ws * |res S|`` (``|M|`` the product of the sizes of
the indices in ``M``; ``res`` of a subset the indices some tensor outside it
or the output needs, of a leaf all its indices).  An *outer product* is a
step whose operands share no index.  In a connected network it is never the
last step, so its result ``X = A (x) B`` is joined later with some ``C``:
``P = X + C``.

**Exchange.**  Replacing ``(A (x) B) + C`` by ``(A + C) + B`` (or ``(B + C)
+ A``) keeps every other step of the tree, and the subtrees of ``A``, ``B`` and
``C``; only the two steps change.  Call the outer product *beaten* at ``C``
when one of the two exchanges is strictly cheaper.  A tree with a beaten outer
product is not optimal.  The DP records one best split per subset; replacing
a subtree of an optimal tree by the recorded one of equal cost keeps it
optimal, so (by induction over the optimal tree's nodes, bottom-up) the DP
still reaches the optimum when it never joins an operand whose recorded split
is an outer product beaten at the other operand (:meth:`OuterRule.beaten`,
costs computed exactly, any network).

**Lower bound on the consumer.**  Suppose ``A`` and ``B`` carry only
*closing* indices (held by exactly two tensors of the network, not in the
output; so no leaf's private index either), and write ``a = |res A|``,
``b = |res B|``, ``gamma = res C``, ``a_C = |res A n gamma|``, ``a_o = a /
a_C`` (likewise ``b_C``, ``b_o``) and ``g0 = |gamma - res A - res B|``.  A
closing index shared by ``A`` and ``C`` has both holders inside ``A + C``, so
the exchange sums it at once.  Exactly (``X``'s step, ``P``'s step), and as
upper bounds (the exchange's steps):

* ``X``: ``(wm + ws) a b``;  ``P``: ``wm a b g0 + ws |P|``;
* ``A + C``: at most ``wm a b_C g0 + ws a_o b_C g0``; then ``+ B``: at most
  ``wm a_o b g0 + ws |P|``.

So the exchange costs at most ``a * D2`` more than the original, with
``D2 = wm (g0 (b_C - b + b / a_C) - b) + ws (g0 b_C / a_C - b)``, and an
unbeaten outer product has ``D2 >= 0`` and, symmetrically, ``D3 >= 0``.
Case by case (products of integer sizes, so a factor other than 1 is at
least 2):

* ``a_C = 1``: ``D2 = (wm + ws)(g0 b_C - b)``, so ``g0 >= b_o``;
* ``b_o = 1``: ``D2 = (wm + ws) b (g0 / a_C - 1)``, so ``g0 >= a_C``;
* ``a_C, b_o >= 2``: ``b = b_C b_o >= 2 b_C`` makes the ``wm`` term at most
  ``-wm b``: impossible when ``ws = 0``, else ``g0 >= a_C b_o``.

Hence ``g0 >= max(a_C, a_o, b_C, b_o) >= sqrt(max(a, b))`` always, and with
``ws = 0`` and ``a, b >= 2`` only two shapes survive: (i) ``a_o = b_o = 1``
(``C`` holds every index of ``X``) with ``g0 >= max(a, b)``, or (ii) ``a_C =
b_C = 1`` (``P`` is an outer product too) with ``g0 >= max(a, b)``.  ``P``'s
step costs ``wm a b g0``, so an unbeaten ``X`` needs at least ``wm a b
max(a, b)`` more on top of its own cost (:meth:`OuterRule.extra`).  When
every index of a connected network is closing this doubles: in (i) ``|C| = a
b g0`` exceeds every leaf unless one is that large, so ``C``'s last step adds
as much again; in (ii) ``P`` is an unbeaten outer product of ``X`` and ``C``
and its own consumer adds at least ``wm a b g0 max(a b, g0)``.

These are the facts behind netcon's restriction of outer products (Pfeifer,
Haegeman and Verstraete, "Faster identification of optimal contraction
sequences for tensor networks", Phys. Rev. E 90, 033315 (2014), Sec. II.B.2:
an outer product is only followed by a contraction over all its indices, with
a tensor whose other indices outweigh each factor), restated here for
hyperedges, output indices and the write weight ``ws``, where they hold only
in the weaker forms above.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence


class OuterRule:
    """The rules above for one DP over the tensors of ``full`` (a subset mask).

    ``where[b]`` is the mask of the tensors holding index ``b`` and ``outmask``
    the output's indices; ``leaf_sizes`` the sizes of the leaves of ``full``;
    ``prod`` the product of sizes over an index mask."""

    __slots__ = ("wm", "ws", "closing", "simple", "maxleaf", "prod")

    def __init__(self, where: Sequence[int], outmask: int, full: int, connected: bool, leaf_sizes: Sequence[int],
                 wm: int, ws: int, prod: Callable[[int], int]):
        self.wm = wm
        self.ws = ws
        self.prod = prod
        closing = 0
        used = 0
        for b, w in enumerate(where):
            if w & full:
                used |= 1 << b
                if w & ~full == 0 and w.bit_count() == 2 and not outmask >> b & 1:
                    closing |= 1 << b
        self.closing = closing
        # every index closing in a connected network: the doubled bound holds
        self.simple = connected and used == closing
        self.maxleaf = max(leaf_sizes, default=0)

    def extra(self, r1: int, r2: int, a: int, b: int) -> int:
        """A lower bound on what joining the outer product of operands with
        index masks ``r1``, ``r2`` and sizes ``a``, ``b`` into a tree adds
        beyond its own cost, when the product is not beaten where it is used
        (0 when the indices are not all closing: no bound then)."""
        if (r1 | r2) & ~self.closing:
            return 0
        m = a if a > b else b
        if self.ws == 0 and a >= 2 and b >= 2:
            more = self.wm * a * b * m
            if self.simple and self.maxleaf < a * b * m:
                more *= 2
            return more
        return self.wm * a * b * _ceil_sqrt(m)

    def limit(self, a: int, room: int) -> int | None:
        """The largest size ``b >= 2`` of a partner whose outer product with an
        operand of size ``a >= 2`` can fit ``room`` (the cap left after the
        operand's own cost), when every index is closing and ``ws = 0``;
        ``None`` when no such limit is known."""
        if not self.simple or self.ws or a < 2 or self.wm == 0:
            return None
        # the product costs a * b and its consumer at least a * b * max(a, b) >= a * b * a
        return room // (self.wm * a * (1 + a))

    def beaten(self, ra: int, rb: int, rx: int, rc: int, pa: int, pb: int, px: int,
               kept_ac: int, kept_bc: int) -> bool:
        """Whether the outer product ``X = A (x) B`` is beaten at ``C``: one of the
        exchanges ``(A + C) + B``, ``(B + C) + A`` is strictly cheaper.  ``ra``,
        ``rb``, ``rx``, ``rc`` are the index masks of ``A``, ``B``, ``X``, ``C``;
        ``pa``, ``pb``, ``px`` the sizes of ``A``, ``B``, ``X``; ``kept_ac`` and
        ``kept_bc`` the index masks of ``A + C`` and ``B + C``.  The step making
        ``P = X + C`` writes the same in all three trees, so it is left out."""
        prod, wm, ws = self.prod, self.wm, self.ws
        mine = wm * (pa * pb + prod(rx | rc)) + ws * px
        if wm * (prod(ra | rc) + prod(kept_ac | rb)) + ws * prod(kept_ac) < mine:
            return True
        return wm * (prod(rb | rc) + prod(kept_bc | ra)) + ws * prod(kept_bc) < mine


def _ceil_sqrt(m: int) -> int:
    r = math.isqrt(m)
    return r if r * r == m else r + 1
