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

:func:`large_networks` draws programs as large as the paper's workloads
(several statements sharing tensors, sizes up to a few hundred, tensors
that a small buffer must stream), :func:`architectures` machines from a
range (as spec strings), :func:`lowering_options` forced lowering choices,
and :func:`cases` all of it together with an order and an objective, for
:func:`tncc.differential.check` (the campaign of ``bench/fuzz.py``).

Example::

    from hypothesis import given
    from tncc.testing import networks

    @given(networks(max_tensors=5))
    def test_my_pass(net):
        my_pass(net).verify()
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from tncc.compiled import OBJECTIVES
from tncc.differential import Case
from tncc.errors import Collector
from tncc.frontend.grad import expand_grads
from tncc.ir import DType, GradSpec, Index, Network, Operand, Role, Statement, Tensor
from tncc.passes.options import RESIDENCY_RULES, LoweringOptions
from tncc.printer import to_source

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
    return to_source(draw(networks(**kwargs)))  # type: ignore[arg-type]


# -- programs as large as the paper's, the machines they run on ------------------------------

LARGE_SIZES = (1, 2, 3, 5, 8, 12, 16, 30, 32, 48, 64, 100, 128, 256, 300)
ORDERS = ("csse", "flops", "naive")


def _fit(ixs: list[str], sizes: dict[str, int], max_elements: int) -> tuple[str, ...]:
    """The longest prefix of ``ixs`` whose tensor has at most ``max_elements``."""
    out: list[str] = []
    n = 1
    for i in ixs:
        if n * sizes[i] > max_elements:
            break
        n *= sizes[i]
        out.append(i)
    return tuple(out)


@st.composite
def large_networks(draw: st.DrawFn, max_statements: int = 4, max_leaves: int = 7, max_indices: int = 10,
                   max_rank: int = 4, max_elements: int = 1 << 14, sizes: tuple[int, ...] = LARGE_SIZES,
                   min_rank: int = 1,
                   dtypes: tuple[DType, ...] = USER_DTYPES, grads: bool = True, name: str = "big") -> Network:
    """A random valid network shaped like the paper's workloads: several
    statements sharing leaves and earlier results, index sizes up to a few
    hundred (every tensor at most ``max_elements`` words, so a small buffer
    must stream and spill them), indices shared by three or more operands
    (hyperedges; leaves draw most indices from a few *hub* indices), batch
    indices kept in a result while shared, outer products (a statement of
    two operands sharing nothing), scalars, every dtype, and with ``grads``
    the gradients of the last statement wrt some leaves (each a further
    chain of statements reading the forward tensors).  Leaves have
    ``min_rank`` to ``max_rank`` indices (a scalar leaf needs ``min_rank=0``)."""
    n_ix = draw(st.integers(3, max_indices))
    index_sizes = {f"i{k}": draw(st.sampled_from(sizes)) for k in range(n_ix)}
    names = list(index_sizes)
    hubs = names[:draw(st.integers(1, max(1, n_ix // 2)))]
    leaves: list[Tensor] = []
    for k in range(draw(st.integers(2, max_leaves))):
        rank = draw(st.integers(min(min_rank, n_ix), min(max_rank, n_ix)))
        pool = hubs + names if draw(st.booleans()) else names
        ixs = list(dict.fromkeys(draw(st.permutations(pool))))[:rank]
        leaves.append(Tensor(f"a{k}", _fit(ixs, index_sizes, max_elements), draw(st.sampled_from((Role.INPUT,
                                                                                                  Role.PARAM)))))
    available: list[Tensor] = list(leaves)
    statements: list[Statement] = []
    results: list[Tensor] = []
    for s in range(draw(st.integers(1, max_statements))):
        kind = draw(st.sampled_from(("general", "general", "outer", "batch")))
        if s == 0:
            chosen = list(leaves)  # no leaf is dead
        elif kind == "outer":
            a = draw(st.sampled_from(available))
            apart = [t for t in available if not set(t.indices) & set(a.indices) and t is not a]
            chosen = [a, draw(st.sampled_from(apart))] if apart else [a, results[-1]]
        else:
            chosen = [t for t in available if draw(st.booleans())] or [results[-1]]
        if s > 0 and results[-1] not in chosen and draw(st.booleans()):
            chosen.append(results[-1])
        ops = [draw(_operand_for(t, index_sizes, draw(st.integers(0, 3)) == 0)) for t in chosen]
        if draw(st.integers(0, 3)) == 0:  # the same tensor a second time, maybe renamed
            again = draw(st.sampled_from(chosen))
            ops.append(draw(_operand_for(again, index_sizes, True)))
        ops = draw(st.permutations(ops))
        present = list(dict.fromkeys(i for op in ops for i in op.indices))
        if kind == "outer":
            keep = present
        elif kind == "batch":
            shared = [i for i in present if sum(i in op.indices for op in ops) > 1]
            keep = shared + [i for i in present if i not in shared and draw(st.booleans())]
        else:
            keep = [i for i in draw(st.permutations(present)) if draw(st.booleans())]
        res = f"y{s}"
        statements.append(Statement(res, _fit(keep, index_sizes, max_elements), tuple(ops)))
        t = Tensor(res, statements[-1].indices, Role.INTERMEDIATE)
        results.append(t)
        available.append(t)
    used = {op.tensor for st_ in statements for op in st_.operands}
    outputs = [results[-1].name] + [r.name for r in results[:-1] if r.name not in used or draw(st.booleans())]
    outs = set(outputs)
    tensors = tuple(leaves) + tuple(Tensor(r.name, r.indices, Role.OUTPUT if r.name in outs else r.role)
                                    for r in results)
    net = Network(name, draw(st.sampled_from(dtypes)), tuple(Index(n, s) for n, s in index_sizes.items()), tensors,
                  tuple(statements), tuple(outputs))
    if grads:
        net = _with_grads(draw, net, leaves, results[-1].name)
    net.verify()
    return net


BUFFER_KIB = (16, 24, 32, 48, 64, 96, 128, 256, 512, 1024)


@st.composite
def architectures(draw: st.DrawFn, kinds: tuple[str, ...] = ("fetta", "systolic"), min_kib: int = 16,
                  max_kib: int = 1024) -> str:
    """An architecture spec string (``load_arch`` reads it, so a failing
    case can be written down): a preset with its buffer (``min_kib`` to
    ``max_kib`` KiB), banks (8 to 64), array shape (fetta: engines and
    lanes; systolic: rows, columns, dataflow), port counts (fetta) and DRAM
    bandwidth and latency drawn; every draw passes ``load_arch``'s checks."""
    kind = draw(st.sampled_from(kinds))
    banks = draw(st.sampled_from((8, 16, 32, 64)))
    kib = draw(st.sampled_from([k for k in BUFFER_KIB if min_kib <= k <= max_kib]))
    keys = [f"buffer.bytes={kib * 1024}", f"buffer.banks={banks}",
            f"dram.bytes_per_cycle={draw(st.sampled_from((4, 8, 16, 32, 64, 128)))}",
            f"dram.latency={draw(st.sampled_from((0, 20, 100, 300)))}"]
    if kind == "fetta":
        keys += [f"dist.ports={draw(st.sampled_from([p for p in (8, 16, 32, 64, 128) if p >= banks]))}",
                 f"red.ports={draw(st.sampled_from((8, 16, 32, 64, 128)))}",
                 f"array.ce_rows={draw(st.sampled_from((1, 2, 4)))}",
                 f"array.ce_cols={draw(st.sampled_from((1, 2, 4)))}",
                 f"array.lanes={draw(st.sampled_from((4, 8, 16, 32)))}"]
    else:
        keys += [f"array.rows={draw(st.sampled_from((4, 8, 16, 32)))}",
                 f"array.cols={draw(st.sampled_from((4, 8, 16, 32)))}",
                 f"array.dataflow={draw(st.sampled_from(('os', 'ws', 'is')))}"]
    return f"{kind}:{','.join(keys)}"


def lowering_options(force: float = 0.3) -> st.SearchStrategy:
    """:class:`~tncc.passes.options.LoweringOptions` with each field forced
    (to a drawn value) about a ``force`` share of the time, else left to the
    lowering."""
    def maybe(values: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(st.none(), values) if force >= 0.5 else st.one_of(st.none(), st.none(), values)

    flag = maybe(st.booleans())
    return st.builds(LoweringOptions, stage_share=maybe(st.sampled_from((Fraction(8, 7), Fraction(4, 3), 2, 3, 4, 6, 8))), wide_paddings=flag,
                     lookahead=flag, prefetch=flag, deferred_stores=flag, co_schedule=flag,
                     leaves_ahead=flag, smaller_buffer=flag,
                     residency=maybe(st.sampled_from(RESIDENCY_RULES)))


@st.composite
def cases(draw: st.DrawFn, networks_: st.SearchStrategy | None = None, archs: st.SearchStrategy | None = None,
          orders: tuple[str, ...] = ORDERS, lowering: st.SearchStrategy | None = None) -> Any:
    """A :class:`tncc.differential.Case`: a network (default
    :func:`large_networks`), an architecture (default :func:`architectures`),
    an order, an objective (``None`` or one of the planner's) and lowering
    options (default :func:`lowering_options`)."""
    net = draw(networks_ if networks_ is not None else large_networks())
    arch = draw(archs if archs is not None else architectures())
    order = draw(st.sampled_from(orders))
    objective = draw(st.one_of(st.none(), st.sampled_from(OBJECTIVES)))
    opts = draw(lowering if lowering is not None else lowering_options())
    return Case(net, arch, order, objective, opts, draw(st.integers(0, 7)))
