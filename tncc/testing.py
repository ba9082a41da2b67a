"""Hypothesis strategies for networks, shipped so users can fuzz extensions.

Needs Hypothesis (``pip install -e '.[test]'``); nothing else in tncc imports
this module.

:func:`networks` draws valid :class:`~tncc.ir.Network` s (they pass
``verify()``) covering what the language allows: hyperedges (an index in
three or more operands), outer products (operands sharing nothing), batch
indices kept in the result while shared, scalars (rank-0 leaves and results),
size-1 and odd sizes, every user dtype, one tensor used twice under different
index names, chains of statements, and optionally ``grad`` expansions and
diagonals (repeated indices in uses and results).

Example::

    from hypothesis import given
    from tncc.testing import networks

    @given(networks(max_tensors=5))
    def test_my_pass(net):
        my_pass(net).verify()
"""

from __future__ import annotations

from hypothesis import strategies as st

from tncc.errors import Collector
from tncc.ir import DType, GradSpec, Index, Network, Operand, Role, Statement, Tensor

USER_DTYPES = (DType.FP32, DType.FP16, DType.BF16, DType.INT8)
SIZES = (1, 2, 3, 4, 5, 7, 8, 16)


@st.composite
def _operand_for(draw: st.DrawFn, t: Tensor, sizes: dict[str, int], rename: bool,
                 diagonals: bool = False) -> Operand:
    """A use of ``t``: its declared indices, or (``rename``) other indices of
    the same sizes, position by position, none repeated unless ``diagonals``
    (then a position may repeat an earlier one of the same size: a diagonal)."""
    if not rename:
        return Operand(t.name, t.indices)
    used: list[str] = []
    for dec in t.indices:
        again = sorted({n for n in used if sizes[n] == sizes[dec]})
        same = sorted(n for n, s in sizes.items() if s == sizes[dec] and n not in used)
        # A result that writes a diagonal declares an index twice: its use may
        # run out of distinct names of that size and then repeats one.
        if again and (not same or (diagonals and draw(st.booleans()))):
            used.append(draw(st.sampled_from(again)))
            continue
        used.append(draw(st.sampled_from(same)))
    return Operand(t.name, tuple(used))


@st.composite
def networks(draw: st.DrawFn, min_tensors: int = 2, max_tensors: int = 4, max_indices: int = 6,
             max_rank: int = 3, max_statements: int = 2, dtypes: tuple[DType, ...] = USER_DTYPES,
             sizes: tuple[int, ...] = SIZES, grads: bool = False, name: str = "net",
             diagonals: bool = False) -> Network:
    """A random valid network with ``min_tensors..max_tensors`` leaves and
    ``1..max_statements`` statements (later statements may use earlier
    results).  With ``grads=True``, ``grad`` of the last statement wrt some
    leaves is expanded (leaves for which the gradient is not defined are left
    out).  With ``diagonals=True`` renamed uses may repeat an index (diagonal
    reads and traces) and results may repeat a kept index (diagonal writes)."""
    n_ix = draw(st.integers(1, max_indices))
    index_sizes = {f"i{k}": draw(st.sampled_from(sizes)) for k in range(n_ix)}
    names = list(index_sizes)
    n_leaves = draw(st.integers(min_tensors, max_tensors))
    leaves: list[Tensor] = []
    for k in range(n_leaves):
        rank = draw(st.integers(0, min(max_rank, n_ix)))
        ixs = tuple(draw(st.permutations(names))[:rank])
        role = draw(st.sampled_from((Role.INPUT, Role.PARAM)))
        leaves.append(Tensor(f"a{k}", ixs, role))
    available: list[Tensor] = list(leaves)
    statements: list[Statement] = []
    results: list[Tensor] = []
    n_st = draw(st.integers(1, max_statements))
    for s in range(n_st):
        # The first statement uses every leaf (so none is dead); later ones any
        # non-empty subset of what exists, always including the previous result.
        if s == 0:
            chosen = list(leaves)
        else:
            chosen = [t for t in available if draw(st.booleans())]
            if results[-1] not in chosen:
                chosen.append(results[-1])
        rename_odds = 1 if diagonals else 3
        ops = [draw(_operand_for(t, index_sizes, draw(st.integers(0, rename_odds)) == 0, diagonals))
               for t in chosen]
        if draw(st.booleans()):  # the same tensor a second time, maybe renamed
            again = draw(st.sampled_from(chosen))
            ops.append(draw(_operand_for(again, index_sizes, True, diagonals)))
        ops = draw(st.permutations(ops))
        present = sorted({i for op in ops for i in op.indices})
        keep = tuple(i for i in draw(st.permutations(present)) if draw(st.booleans()))
        if diagonals and keep and draw(st.integers(0, 3)) == 0:  # a diagonal write
            at = draw(st.integers(0, len(keep)))
            keep = keep[:at] + (draw(st.sampled_from(keep)),) + keep[at:]
        res = f"y{s}"
        statements.append(Statement(res, keep, tuple(ops)))
        t = Tensor(res, keep, Role.INTERMEDIATE)
        results.append(t)
        available.append(t)
    outputs = [results[-1].name] + [r.name for r in results[:-1] if draw(st.booleans())]
    outs = set(outputs)
    tensors = tuple(leaves) + tuple(Tensor(r.name, r.indices, Role.OUTPUT if r.name in outs else r.role)
                                    for r in results)
    dtype = draw(st.sampled_from(dtypes))
    indices = tuple(Index(n, s) for n, s in index_sizes.items())
    net = Network(name, dtype, indices, tensors, tuple(statements), tuple(outputs))
    if grads:
        net = _with_grads(draw, net, leaves, results[-1].name)
    net.verify()
    return net


def _with_grads(draw: st.DrawFn, net: Network, leaves: list[Tensor], of: str) -> Network:
    from tncc.grad import expand_grads

    wrt: list[str] = []
    for t in leaves:
        if not draw(st.booleans()):
            continue
        trial = Network(net.name, net.dtype, net.indices, net.tensors, net.statements, net.outputs,
                        (GradSpec(of, (t.name,)),))
        errors = Collector()
        expand_grads(trial, errors)
        if not errors:
            wrt.append(t.name)
    if not wrt:
        return net
    spec = GradSpec(of, tuple(wrt))
    with_spec = Network(net.name, net.dtype, net.indices, net.tensors, net.statements, net.outputs, (spec,))
    return expand_grads(with_spec)


def strip_spans(net: Network) -> Network:
    """``net`` with every span removed, for comparing networks parsed from
    different text (spans compare by position)."""
    return Network(
        net.name, net.dtype, tuple(Index(i.name, i.size) for i in net.indices),
        tuple(Tensor(t.name, t.indices, t.role) for t in net.tensors),
        tuple(Statement(s.result, s.indices, tuple(Operand(o.tensor, o.indices) for o in s.operands),
                        None, s.grad_of) for s in net.statements),
        net.outputs, tuple(GradSpec(g.of, g.wrt) for g in net.grads))


@st.composite
def sources(draw: st.DrawFn, **kwargs: object) -> str:
    """``.tn`` text of a network drawn by :func:`networks` (same keywords)."""
    from tncc.printer import to_source

    return to_source(draw(networks(**kwargs)))  # type: ignore[arg-type]
