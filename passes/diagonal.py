"""Diagonal writes: rewrite repeated result indices into products with a
Kronecker delta.

The language lets a use site repeat an index (``a[i, i]`` reads the diagonal
of ``a``; summed, a trace) and a result repeat one (``d[i, i] = s[]`` writes
the diagonal of an otherwise zero tensor, which is what the gradient of a
diagonal read is).

A diagonal *read* reaches the plan as it is: a step operand may name an index
twice, and the lowering reads it with a strided view whose stride for that
index is the sum of the strides of the positions where it occurs (fetta: the
array reads the diagonal in place; systolic: the ``SHAPE`` copy that makes
the GEMM operand gathers it).  A step never has a repeated *result* index,
so this pass rewrites each diagonal write exactly:

* a result ``d[i, i] = ...`` becomes ``d[i, i_d1] = ... * const.delta.N[i, i_d1]``:
  the repeat gets a fresh index of the same size, and the delta (1 where its
  two indices agree, 0 elsewhere) places each value on the diagonal and
  writes the zeros beside it; a third occurrence adds a second delta.

A delta is an operand like any other: the machine multiplies with it on the
array, so the zeros are computed, not assumed.  It is a program constant:
its symbol has role ``delta`` and the program loader fills it, as it fills
the all-ones operand of unary steps.  One delta per size serves every use (a
use site names its own indices).  Networks without diagonal writes are
returned unchanged.

Contract of :func:`expand_diagonals`: the result computes the same outputs,
satisfies ``Network.verify()``, and no statement result repeats an index;
the fresh indices and deltas are appended to the network's indices and
tensors; statement names, order, outputs and ``grad_of`` are kept.
"""

from __future__ import annotations

from tncc.ir import Index, Network, Operand, Role, Statement, Tensor

DELTA_PREFIX = "const.delta."  # delta tensors are named const.delta.<size>


def has_diagonals(net: Network) -> bool:
    """True when some operand or result of ``net`` repeats an index."""
    return has_diagonal_writes(net) or any(len(set(op.indices)) != len(op.indices)
                                           for st in net.statements for op in st.operands)


def has_diagonal_writes(net: Network) -> bool:
    """True when some statement result of ``net`` repeats an index."""
    return any(len(set(st.indices)) != len(st.indices) for st in net.statements)


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
    """``net`` with every diagonal write rewritten into deltas (module doc);
    diagonal reads are kept."""
    if not has_diagonal_writes(net):
        return net
    rw = _Rewriter(net)
    statements: list[Statement] = []
    result_indices: dict[str, tuple[str, ...]] = {}
    for st in net.statements:
        operands = list(st.operands)
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
