"""Diagonals: rewrite repeated indices into products with Kronecker deltas.

The language lets a use site repeat an index (``a[i, i]`` reads the
diagonal of ``a``; summing it is a trace) and a result repeat one
(``d[i, i] = s[]`` writes the diagonal of an otherwise zero tensor, which is
what the gradient of a diagonal read is).  Everything after this pass -- the
order search, tiling, shaping, lowering -- sees every operand and result with
distinct indices, because this pass rewrites each repetition exactly:

* a use ``a[i, i, j]`` becomes ``a[i, i_d1, j] * const.delta.N[i, i_d1]``: the
  second occurrence gets a fresh index of the same size, and the delta (1
  where its two indices agree, 0 elsewhere) ties it to the first.  Summing
  ``i_d1`` against the delta picks the diagonal; a third occurrence adds a
  second delta over ``i`` (a hyperedge);
* a result ``d[i, i] = ...`` becomes ``d[i, i_d1] = ... * const.delta.N[i, i_d1]``:
  the delta is the outer factor that places each value on the diagonal and
  writes the zeros beside it.

A delta is an operand like any other: the machine multiplies with it on the
array (the product with a 0/1 operand costs the MACs of reading the square
block, ``N`` times a strided diagonal read), and it is a program constant:
its symbol has role ``delta`` and the program loader fills it, as it fills
the all-ones operand of unary steps.  One delta per size serves every use
(a use site names its own indices).  Networks without repeated indices are
returned unchanged.

Contract of :func:`expand_diagonals`: the result computes the same outputs,
satisfies ``Network.verify()``, and has no repeated index in any operand or
result; the fresh indices and deltas are appended to the network's indices
and tensors; statement names, order, outputs and ``grad_of`` are kept.
"""

from __future__ import annotations

from tncc.ir import Index, Network, Operand, Role, Statement, Tensor

DELTA_PREFIX = "const.delta."  # delta tensors are named const.delta.<size>


def has_diagonals(net: Network) -> bool:
    """True when some operand or result of ``net`` repeats an index."""
    for st in net.statements:
        if len(set(st.indices)) != len(st.indices):
            return True
        if any(len(set(op.indices)) != len(op.indices) for op in st.operands):
            return True
    return False


class _Rewriter:
    """Allocates fresh index names and one delta tensor per size."""

    def __init__(self, net: Network) -> None:
        self.sizes = net.sizes()
        self.taken = set(self.sizes)
        self.fresh: list[Index] = []
        self.deltas: dict[int, Tensor] = {}
        self._next: dict[str, int] = {}

    def new_index(self, base: str) -> str:
        k = self._next.get(base, 1)
        while f"{base}_d{k}" in self.taken:
            k += 1
        self._next[base] = k + 1
        name = f"{base}_d{k}"
        self.taken.add(name)
        self.sizes[name] = self.sizes[base]
        self.fresh.append(Index(name, self.sizes[base]))
        return name

    def delta(self, first: str, second: str) -> Operand:
        """A use of the size's delta tying ``first`` to ``second``."""
        n = self.sizes[first]
        if n not in self.deltas:
            self.deltas[n] = Tensor(f"{DELTA_PREFIX}{n}", (first, second), Role.DELTA)
        return Operand(self.deltas[n].name, (first, second))

    def distinct(self, indices: tuple[str, ...]) -> tuple[tuple[str, ...], list[Operand]]:
        """``indices`` with every repeat renamed fresh, and the deltas that tie
        each renamed position to the first occurrence."""
        seen: set[str] = set()
        out: list[str] = []
        ties: list[Operand] = []
        for i in indices:
            if i in seen:
                j = self.new_index(i)
                ties.append(self.delta(i, j))
                out.append(j)
            else:
                seen.add(i)
                out.append(i)
        return tuple(out), ties


def expand_diagonals(net: Network) -> Network:
    """``net`` with every repeated index rewritten into deltas (module doc)."""
    if not has_diagonals(net):
        return net
    rw = _Rewriter(net)
    statements: list[Statement] = []
    result_indices: dict[str, tuple[str, ...]] = {}
    for st in net.statements:
        operands: list[Operand] = []
        for op in st.operands:
            uses, ties = rw.distinct(op.indices)
            operands.append(Operand(op.tensor, uses, op.span))
            operands += ties
        indices, ties = rw.distinct(st.indices)
        operands += ties
        if indices != st.indices:
            result_indices[st.result] = indices
        statements.append(Statement(st.result, indices, tuple(operands), st.span, st.grad_of))
    tensors = tuple(Tensor(t.name, result_indices.get(t.name, t.indices), t.role, t.span) for t in net.tensors)
    taken = {t.name for t in tensors}
    clash = [d.name for d in rw.deltas.values() if d.name in taken]
    assert not clash, f"delta name {clash[0]!r} is already a tensor"  # '.' never occurs in a .tn name
    out = Network(net.name, net.dtype, net.indices + tuple(rw.fresh), tensors + tuple(rw.deltas.values()),
                  tuple(statements), net.outputs, net.grads, net.span)
    out.verify()
    return out
