"""Helpers for the order-search tests: random contraction problems, a network
around one, brute-force enumeration of every pairwise order, and a step-by-step
numpy evaluation of paths and plans (pairwise einsum per step, never the whole
network: that is the reference's job)."""

from __future__ import annotations

import itertools
import string
import time
from typing import Mapping, Sequence

import numpy as np

from tncc.ir import DType, Index, Network, Operand, Role, Statement, Tensor
from tncc.passes.order.paths import path_steps, tree_key
from tncc.plan import Plan


def network_of(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int]) -> Network:
    """A one-statement network ``y[output] = t0 * t1 * ...``."""
    used = dict.fromkeys(i for ix in inputs for i in ix)
    tensors = [Tensor(f"t{k}", tuple(ix), Role.INPUT) for k, ix in enumerate(inputs)]
    tensors.append(Tensor("y", tuple(output), Role.OUTPUT))
    st = Statement("y", tuple(output), tuple(Operand(f"t{k}", tuple(ix)) for k, ix in enumerate(inputs)))
    net = Network("rand", DType.FP32, tuple(Index(i, sizes[i]) for i in used), tuple(tensors), (st,), ("y",))
    net.verify()
    return net


def edges_problem(n: int, edges: Sequence[tuple[int, int]], bond: int = 2
                  ) -> tuple[list[tuple[str, ...]], tuple[str, ...], dict[str, int]]:
    """The closed network of ``n`` tensors with one index ``e<k>`` of size
    ``bond`` per edge ``k`` of ``edges`` (in that order)."""
    inputs: list[list[str]] = [[] for _ in range(n)]
    for k, (a, b) in enumerate(edges):
        inputs[a].append(f"e{k}")
        inputs[b].append(f"e{k}")
    return [tuple(ix) for ix in inputs], (), {f"e{k}": bond for k in range(len(edges))}


def random_problem(rng: np.random.Generator, n: int, max_size: int = 4, hyper: bool = True, dangling: bool = True
                   ) -> tuple[list[tuple[str, ...]], tuple[str, ...], dict[str, int]]:
    """``n`` tensors over a random hypergraph: some indices shared by two
    tensors, some (with ``hyper``) by three or more, some dangling, some open;
    tensors may share nothing (outer products are then required).  Without
    ``dangling`` every index is in the output or in two tensors or more."""
    names = iter(string.ascii_letters)
    inputs: list[list[str]] = [[] for _ in range(n)]
    sizes: dict[str, int] = {}
    out: list[str] = []
    n_idx = int(rng.integers(n, 2 * n + 2))
    for _ in range(n_idx):
        i = next(names)
        sizes[i] = int(rng.integers(1, max_size + 1))
        arity = int(rng.choice([1, 2, 2, 2, 3, 4] if hyper else [1, 2, 2, 2]))
        holders = rng.choice(n, size=min(arity, n), replace=False)
        for h in holders:
            inputs[h].append(i)
        if arity == 1 and rng.random() < 0.5 or rng.random() < 0.15:
            out.append(i)
    for k in range(n):
        if len(inputs[k]) > 5:
            inputs[k] = inputs[k][:5]
    present = {i for ix in inputs for i in ix}
    if not dangling:
        count = {i: sum(i in ix for ix in inputs) for i in present}
        out += [i for i in sorted(present) if count[i] == 1 and i not in out]
    output = tuple(i for i in out if i in present)
    return [tuple(ix) for ix in inputs], output, {i: s for i, s in sizes.items() if i in present}


def all_paths(n: int):
    """Every SSA path of ``n`` inputs: each step joins any two live values."""
    def rec(live: tuple[int, ...], nxt: int, acc: tuple):
        if len(live) == 1:
            yield acc
            return
        for a, b in itertools.combinations(live, 2):
            rest = tuple(x for x in live if x not in (a, b)) + (nxt,)
            yield from rec(rest, nxt + 1, acc + ((a, b),))
    yield from rec(tuple(range(n)), n, ())


def distinct_trees(n: int):
    """One SSA path per distinct contraction tree."""
    seen = set()
    for p in all_paths(n):
        key = tree_key(p, n)
        if key not in seen:
            seen.add(key)
            yield p


def eval_path(inputs, output, arrays, path) -> np.ndarray:
    """Contract ``arrays`` along ``path`` with one pairwise einsum per step."""
    vals = {k: (a, tuple(ix)) for k, (a, ix) in enumerate(zip(arrays, inputs))}
    nxt = len(inputs)
    for s in path_steps(inputs, output, path):
        (x, ix), (y, iy) = vals.pop(s.left), vals.pop(s.right)
        vals[nxt] = (_pair(x, ix, y, iy, s.result), s.result)
        nxt += 1
    (last, lix), = vals.values()
    ids = {i: k for k, i in enumerate(dict.fromkeys(lix + tuple(output)))}
    return np.einsum(last, [ids[i] for i in lix], [ids[i] for i in output])


def _pair(x, ix, y, iy, res) -> np.ndarray:
    ids = {i: k for k, i in enumerate(dict.fromkeys(tuple(ix) + tuple(iy)))}
    return np.einsum(x, [ids[i] for i in ix], y, [ids[i] for i in iy], [ids[i] for i in res])


def eval_plan(plan: Plan, leaves: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Execute the plan's steps one by one; return every value by name."""
    vals = {k: np.asarray(v, dtype=np.float64) for k, v in leaves.items()}
    for s in plan.steps:
        if len(s.operands) == 1:
            op = s.operands[0]
            ids = {i: k for k, i in enumerate(op.indices)}
            vals[s.result] = np.einsum(vals[op.value], [ids[i] for i in op.indices], [ids[i] for i in s.indices])
        else:
            a, b = s.operands
            vals[s.result] = _pair(vals[a.value], a.indices, vals[b.value], b.indices, s.indices)
    return vals


class SlowClock:
    """``time.perf_counter`` as on a machine ``factor`` times slower."""

    def __init__(self, factor: float):
        self.real = time.perf_counter
        self.t0 = self.real()
        self.factor = factor

    def __call__(self) -> float:
        return self.t0 + (self.real() - self.t0) * self.factor
