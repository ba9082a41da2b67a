"""The numpy reference evaluator: the oracle every later stage is checked against.

:func:`evaluate` computes every statement of a network with ``numpy.einsum`` in
the declared dtype's semantics (docs/language.md):

* ``fp32``: float32 leaves, float32 products and sums;
* ``fp16`` / ``bf16``: leaves rounded to the type, each statement computed in
  float32 and its result rounded to the type when stored;
* ``int8``: int8 leaves, sums of products in int32 with two's-complement
  wrap-around, int32 intermediates and outputs.  The sums run in int64 and are
  wrapped to int32 when stored: wrapping modulo 2**32 commutes with + and x,
  so this equals wrapping after every operation.

Statements are evaluated one at a time in the network's order.  A statement
is one einsum with numpy's own path for its operands, or, given the
compiler's plan, a sequence of two-operand einsums in the plan's order: the
plan only fixes the order, each step's equation is derived here from the
statement itself, so the oracle stays independent of how the compiler builds
its steps.  Rounding differs with the order and the intermediates, which is
why results are compared with :func:`tolerance`.  A repeated index of one
operand is numpy's own diagonal read; a repeated result index (a diagonal
write) is computed over the distinct indices and placed on the diagonal of a
zero array; past numpy's 52 indices in one einsum a statement is contracted
pair by pair.  This module is the only place in tncc where einsum computes a
whole network.
"""

from __future__ import annotations

import math
import zlib
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple, Sequence

import numpy as np

from tncc.dtypes import compute_dtype, round_to
from tncc.errors import TnccError
from tncc.frontend.grad import DiagonalWrite, Flattener, TooLarge
from tncc.ir import DType, Network, Role, Statement
from tncc.options import check_seed
from tncc.passes.order.report import statement_paths

if TYPE_CHECKING:
    from tncc.plan import Plan

_PATH_MEMORY = 1 << 32  # elements an einsum intermediate may have
INT_RANGE = (-4, 4)  # random int8 leaves; small so int32 sums rarely wrap


class Tolerance(NamedTuple):
    """Comparison bounds for results of one dtype: ``|a - b| <= atol + rtol * |b|``."""

    rtol: float
    atol: float


# Why these: results are O(1) by construction of random_inputs.  A different
# contraction order rounds different intermediates; fp32 accumulates error of
# a few ulp (2**-24) times sqrt(terms); fp16 rounds each stored value to
# 2**-11 and bf16 to 2**-8 relative, a few times along a chain.  Integers are
# exact in every order.
_TOLERANCES: dict[DType, Tolerance] = {
    DType.FP32: Tolerance(1e-4, 1e-4),
    DType.FP16: Tolerance(2e-2, 2e-2),
    DType.BF16: Tolerance(8e-2, 8e-2),
    DType.INT8: Tolerance(0.0, 0.0),
    DType.INT32: Tolerance(0.0, 0.0),
}


def tolerance(dtype: DType) -> Tolerance:
    """The (rtol, atol) to compare results of a network of ``dtype`` (ints exact)."""
    return _TOLERANCES[dtype]


def _leaf_scales(net: Network) -> dict[str, float]:
    """Standard deviations for random leaves such that every statement's result
    has elements of variance about 1.

    A statement flattened to a product of leaves sums over the indices S it
    contracts; with independent zero-mean factors its variance is
    prod_{s in S} size(s) * prod_k var(f_k).  Giving each factor the share
    size(s)**(-1/c(s)) of every summed index s it carries (c(s) = number of
    factors carrying s) makes that product 1.  A leaf used in several places
    takes the smallest such variance."""
    log_var: dict[str, float] = {}
    flat = Flattener(net)
    sizes = net.sizes()
    for st in net.statements:
        try:
            factors = flat.flatten(st)
        except (TooLarge, DiagonalWrite):
            factors = st.operands  # scale by the statement's own operands only
        sizes.update({ix.name: ix.size for ix in flat.fresh})
        keep = set(st.indices)
        count: dict[str, int] = {}
        for f in factors:
            for i in f.indices:
                if i not in keep:
                    count[i] = count.get(i, 0) + 1
        for f in factors:
            lv = -sum(math.log(sizes[i]) / count[i] for i in f.indices if i in count)
            log_var[f.tensor] = min(log_var.get(f.tensor, 0.0), lv)
    return {name: math.exp(lv / 2) for name, lv in log_var.items()}


MAX_ELEMENTS = 1 << 31  # per tensor: about 8 GiB of float32, the most a host should be asked for


def _check_size(net: Network) -> None:
    """A TnccError, not a MemoryError, for tensors no host can hold."""
    for t in net.tensors:
        n = math.prod(net.shape(t.name))
        if n > MAX_ELEMENTS:
            raise TnccError(f"tensor '{t.name}' of network '{net.name}' has {n} elements, more than the "
                            f"reference evaluator handles ({MAX_ELEMENTS})")


def random_inputs(net: Network, seed: int = 0) -> dict[str, np.ndarray]:
    """Deterministic random values for every leaf of ``net``, in its storage dtype.

    Each leaf draws from its own generator seeded by ``(seed, crc32(name))`` so
    adding a tensor does not change the others.  int8 leaves are uniform in
    -4..4; float leaves are standard normal scaled so results stay O(1).
    ``seed`` is an integer from 0 to 2**64 - 1."""
    seed = check_seed(seed)
    _check_size(net)
    scales = _leaf_scales(net) if not net.dtype.is_int else {}
    out: dict[str, np.ndarray] = {}
    for t in net.leaves():
        rng = np.random.default_rng([seed, zlib.crc32(t.name.encode())])
        shape = net.shape(t.name)
        vals: np.ndarray
        if net.dtype.is_int:
            vals = rng.integers(INT_RANGE[0], INT_RANGE[1] + 1, size=shape)
        else:
            vals = rng.standard_normal(size=shape) * scales.get(t.name, 1.0)
        out[t.name] = round_to(vals, net.dtype)
    return out


def _letters(groups: list[tuple[str, ...]], out: tuple[str, ...]) -> str:
    """An einsum equation for operands indexed by ``groups`` and result
    ``out``, with letters assigned locally (numpy allows 52)."""
    ids: dict[str, str] = {}
    for g in (*groups, out):
        for i in g:
            if i not in ids:
                if len(ids) == len(_ALPHABET):
                    raise TnccError(f"a pairwise step has more than {len(_ALPHABET)} distinct indices; "
                                    "numpy's einsum, the reference evaluator, handles at most that")
                ids[i] = _ALPHABET[len(ids)]
    return ",".join("".join(ids[i] for i in g) for g in groups) + "->" + "".join(ids[i] for i in out)


_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _pairwise(st: Statement, arrays: list[np.ndarray], path: Sequence[tuple[int, int]]) -> np.ndarray:
    """The statement contracted two operands at a time along ``path`` (SSA
    form: operand ids, then each step's result takes the next id), each step
    one ``np.einsum`` of two arrays.  An index is summed as soon as no other
    remaining operand and not the result carries it; the path only fixes the
    order, every step's equation is derived here from the statement."""
    live: dict[int, tuple[np.ndarray, tuple[str, ...]]] = {
        k: (a, tuple(op.indices)) for k, (op, a) in enumerate(zip(st.operands, arrays))}
    nxt = len(arrays)
    for i, j in path:
        (a, ia), (b, ib) = live.pop(i), live.pop(j)
        needed = set(st.indices)
        for _, ix in live.values():
            needed.update(ix)
        out = tuple(dict.fromkeys(x for x in (*ia, *ib) if x in needed))
        live[nxt] = (np.asarray(np.einsum(_letters([ia, ib], out), a, b)), out)
        nxt += 1
    rest = [live[k] for k in sorted(live)]
    while len(rest) > 1:  # a path that leaves several operands: the rest left to right
        (a, ia), (b, ib) = rest[0], rest[1]
        needed = set(st.indices).union(*(ix for _, ix in rest[2:]))
        out = tuple(dict.fromkeys(x for x in (*ia, *ib) if x in needed))
        rest = [(np.asarray(np.einsum(_letters([ia, ib], out), a, b)), out)] + rest[2:]
    a, ia = rest[0]
    return np.asarray(np.einsum(_letters([ia], tuple(st.indices)), a))


MAX_LABELS = 52  # distinct indices one numpy.einsum call takes


def _local(terms: list[tuple[np.ndarray, tuple[str, ...]]], out: tuple[str, ...]) -> np.ndarray:
    """One numpy einsum over ``terms`` (at most 52 distinct indices); repeated
    indices of one term read its diagonal."""
    ids: dict[str, int] = {}
    args: list[Any] = []  # numpy's sublist form: array, labels, array, labels, ..., output labels
    for a, ixs in terms:
        args += [a, [ids.setdefault(i, len(ids)) for i in ixs]]
    args.append([ids[i] for i in out])
    if len(ids) > MAX_LABELS:
        raise TnccError(f"a step of the reference has {len(ids)} distinct indices; numpy handles at most "
                        f"{MAX_LABELS}")
    if len(terms) <= 2:
        return np.asarray(np.einsum(*args))
    # numpy's default path search caps intermediates at the largest operand;
    # when no pairwise step fits, it falls back to one nested loop over every
    # index, which is hopeless for a long chain (a TTM lookup).  Lift the cap.
    path, _ = np.einsum_path(*args, optimize=("greedy", _PATH_MEMORY))
    return np.asarray(np.einsum(*args, optimize=path))


def _contract(terms: list[tuple[np.ndarray, tuple[str, ...]]], out: tuple[str, ...],
              sizes: Mapping[str, int]) -> np.ndarray:
    """The einsum of ``terms`` into the distinct indices ``out``.  Past 52
    distinct indices (numpy's limit) the terms are contracted pairwise,
    smallest result first, each pair in its own einsum."""
    if len({i for _, ixs in terms for i in ixs}) <= MAX_LABELS:
        return _local(terms, out)
    terms = list(terms)

    def needed(skip: tuple[int, ...]) -> set[str]:
        keep = set(out)
        for k, (_, ixs) in enumerate(terms):
            if k not in skip:
                keep.update(ixs)
        return keep

    # Each term first loses its diagonals and the indices only it carries.
    for k, (a, ixs) in enumerate(terms):
        keep = needed((k,))
        mine = tuple(dict.fromkeys(i for i in ixs if i in keep))
        if mine != ixs:
            terms[k] = (_local([(a, ixs)], mine), mine)
    def pair(x: int, y: int) -> tuple[int, int, int, tuple[str, ...]]:
        keep = needed((x, y))
        res = tuple(dict.fromkeys(i for i in terms[x][1] + terms[y][1] if i in keep))
        return x, y, math.prod(sizes[i] for i in res), res

    while len(terms) > 1:
        # the cheapest result; the first pair among equals
        x, y, _, res = min((pair(x, y) for x in range(len(terms)) for y in range(x + 1, len(terms))),
                           key=lambda c: c[2])
        merged = (_local([terms[x], terms[y]], res), res)
        terms = [t for k, t in enumerate(terms) if k not in (x, y)] + [merged]
    return _local(terms, out)


def _einsum(st: Statement, arrays: list[np.ndarray], sizes: Mapping[str, int],
            path: Sequence[tuple[int, int]] | None = None) -> np.ndarray:
    # A repeated result index writes a diagonal: compute each distinct result
    # index once (an index only the result carries spans the identity), then
    # place the values on the diagonal of a zero tensor.  A repeated index of
    # one operand is numpy's own diagonal read, in every path.
    distinct = tuple(dict.fromkeys(st.indices))
    if path is not None and len(arrays) > 2 and len(distinct) == len(st.indices):
        return _pairwise(st, arrays, path)
    terms = [(a, op.indices) for op, a in zip(st.operands, arrays)]
    present = {i for op in st.operands for i in op.indices}
    for i in distinct:
        if i not in present:
            terms.append((np.ones(sizes[i], dtype=arrays[0].dtype), (i,)))
    value = _contract(terms, distinct, sizes)
    if len(distinct) == len(st.indices):
        return value
    out = np.zeros(tuple(sizes[i] for i in st.indices), dtype=value.dtype)
    pos = {i: k for k, i in enumerate(distinct)}
    # einsum over a writable array with repeated subscripts returns a view of its diagonal.
    np.einsum(out, [pos[i] for i in st.indices], list(range(len(distinct))))[...] = value
    return out


def _plan_paths(plan: "Plan | None") -> dict[str, tuple[tuple[int, int], ...]]:
    """Each statement's pairwise order in ``plan`` (SSA paths over the
    statement's own operands), or nothing without a plan."""
    if plan is None:
        return {}

    return {k: tuple((int(a), int(b)) for a, b in v) for k, v in statement_paths(plan).items()}


def evaluate(net: Network, inputs: Mapping[str, np.ndarray] | None = None, *, seed: int = 0,
             float64: bool = False, keep_intermediates: bool = False, plan: "Plan | None" = None
             ) -> dict[str, np.ndarray]:
    """Evaluate ``net``; return its outputs (every statement result with
    ``keep_intermediates``) by name.

    ``inputs`` maps leaf names to arrays of the leaf's shape; missing leaves
    come from :func:`random_inputs` with ``seed``.  Given values are rounded to
    the network's dtype first.  With ``float64=True`` the dtype is ignored and
    everything is computed in float64 (for checking mathematics, e.g. gradients,
    without rounding noise).

    With ``plan``, a statement of more than two operands is contracted two
    operands at a time in the plan's order (each step one ``np.einsum`` whose
    equation this module derives from the statement); without it numpy
    searches a path over all operands, which costs time cubic in their number
    (minutes for a thousand operands)."""
    _check_size(net)
    paths = _plan_paths(plan)
    given = dict(inputs or {})
    leaves = {t.name for t in net.leaves()}
    unknown = sorted(set(given) - leaves)
    if unknown:
        raise TnccError(f"network '{net.name}' has no input or param named '{unknown[0]}'")
    missing = [t for t in net.leaves() if t.name not in given]
    if missing:
        given.update({k: v for k, v in random_inputs(net, seed).items() if k not in given})
    values: dict[str, np.ndarray] = {}
    for t in net.leaves():
        a = np.asarray(given[t.name])
        want = net.shape(t.name)
        if a.shape != want:
            raise TnccError(f"input '{t.name}' has shape {a.shape}, expected {want}")
        values[t.name] = a.astype(np.float64) if float64 else round_to(a, net.dtype)
    work = np.dtype(np.float64) if float64 else compute_dtype(net.dtype)
    sizes = net.sizes()
    for t in net.tensors:
        if t.role is Role.DELTA:
            values[t.name] = delta(net.shape(t.name), work)
    for st in net.statements:
        arrays = [values[op.tensor].astype(work, copy=False) for op in st.operands]
        result = _einsum(st, arrays, sizes, paths.get(st.result))
        values[st.result] = result if float64 else round_to(result, net.storage_dtype(st.result))
    if keep_intermediates:
        return {st.result: values[st.result] for st in net.statements}
    return {name: values[name] for name in net.outputs}


def delta(shape: tuple[int, ...], dtype: np.dtype | type = np.float32) -> np.ndarray:
    """The Kronecker delta of ``shape`` (every extent equal): 1 where all index
    values agree, 0 elsewhere; all ones for rank 1."""
    out = np.zeros(shape, dtype=dtype)
    if shape:
        out[(np.arange(shape[0]),) * len(shape)] = 1
    else:
        out[()] = 1
    return out


def leaf_names(net: Network) -> tuple[str, ...]:
    """Names of the tensors :func:`evaluate` needs, in declaration order."""
    return tuple(t.name for t in net.tensors if t.role in (Role.INPUT, Role.PARAM))
