"""Contraction paths: the SSA form, opt_einsum's linear form, and what a path
means for a given network (the indices of every intermediate, its MACs).

An *SSA path* is a tuple of ``(i, j)`` pairs.  Ids ``0 .. n-1`` name the
inputs; the ``k``-th pair creates id ``n + k``.  Every id is consumed exactly
once and a complete path for ``n >= 2`` inputs has ``n - 1`` pairs (an outer
product between operands that share no index is a legal pair).  A *linear*
path (opt_einsum's format) instead names positions in a list from which both
operands are popped and to whose end the result is appended.

Index bookkeeping follows einsum semantics with hyperedges: the result of a
pair keeps the indices that some remaining operand or the output still needs.
The MACs of a pair are the product of the sizes of every distinct index of
either operand (cotengra's ``total_flops`` convention).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

SSAPath = tuple[tuple[int, int], ...]
LinearPath = tuple[tuple[int, ...], ...]


class PathError(ValueError):
    """A path that does not describe a complete contraction of its inputs."""


@dataclass(frozen=True, slots=True)
class PathStep:
    """One pairwise contraction of a path: operand ids, their index tuples, and
    the kept (result) indices, in first-appearance order of the operands."""

    left: int
    right: int
    left_indices: tuple[str, ...]
    right_indices: tuple[str, ...]
    result: tuple[str, ...]

    def summed(self) -> tuple[str, ...]:
        keep = set(self.result)
        seen: dict[str, None] = {}
        for i in self.left_indices + self.right_indices:
            if i not in keep:
                seen[i] = None
        return tuple(seen)

    def macs(self, sizes: Mapping[str, int]) -> int:
        return math.prod(sizes[i] for i in dict.fromkeys(self.left_indices + self.right_indices))

    def size(self, sizes: Mapping[str, int]) -> int:
        return math.prod(sizes[i] for i in self.result)


def validate_ssa(path: Sequence[Sequence[int]], n: int) -> SSAPath:
    """Return ``path`` as an :data:`SSAPath` or raise :class:`PathError` when it
    uses an id twice, names an undefined id, or leaves more than one value."""
    out: list[tuple[int, int]] = []
    live = set(range(n))
    nxt = n
    for k, pair in enumerate(path):
        if len(pair) != 2:
            raise PathError(f"step {k}: expected a pair of ids, got {tuple(pair)!r}")
        i, j = int(pair[0]), int(pair[1])
        if i == j or i not in live or j not in live:
            raise PathError(f"step {k}: ids {i}, {j} are not two distinct live values")
        live -= {i, j}
        live.add(nxt)
        nxt += 1
        out.append((i, j))
    if n >= 1 and len(live) != 1:
        raise PathError(f"path leaves {len(live)} values uncontracted, expected 1")
    return tuple(out)


def ssa_to_linear(path: SSAPath, n: int) -> LinearPath:
    """Convert to opt_einsum's "pop both, append the result" position format."""
    ids = list(range(n))
    nxt = n
    out: list[tuple[int, ...]] = []
    for i, j in path:
        a, b = ids.index(i), ids.index(j)
        out.append(tuple(sorted((a, b))))
        for pos in sorted((a, b), reverse=True):
            ids.pop(pos)
        ids.append(nxt)
        nxt += 1
    return tuple(out)


def linear_to_ssa(path: Sequence[Sequence[int]], n: int) -> SSAPath:
    """Convert from opt_einsum's linear format.  A linear step may name more
    than two positions (opt_einsum allows it); it is split into pairs left to
    right, which computes the same tensor.  A single-position step (opt_einsum
    uses one to sum an operand's own indices early) moves that operand to the
    end of the list and adds no pair: in SSA form those sums happen within the
    operand's next pairwise step."""
    ids = list(range(n))
    nxt = n
    out: list[tuple[int, int]] = []
    for k, step in enumerate(path):
        pos = [int(p) for p in step]
        if not pos or len(set(pos)) != len(pos) or any(p < 0 or p >= len(ids) for p in pos):
            raise PathError(f"linear step {k}: positions {tuple(pos)!r} invalid for {len(ids)} operands")
        operands = [ids[p] for p in pos]
        for p in sorted(pos, reverse=True):
            ids.pop(p)
        acc = operands[0]
        for other in operands[1:]:
            out.append((acc, other))
            acc = nxt
            nxt += 1
        ids.append(acc)
    return validate_ssa(out, n)


def path_steps(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], path: SSAPath) -> tuple[PathStep, ...]:
    """Expand ``path`` into :class:`PathStep` s with the kept indices of every
    intermediate (indices still needed by a live operand or by ``output``)."""
    n = len(inputs)
    validate_ssa(path, n)
    # count[i]: how many live values carry index i (hyperedges count > 2).
    count: dict[str, int] = {}
    for ix in inputs:
        for name in ix:
            count[name] = count.get(name, 0) + 1
    out_set = set(output)
    vals: dict[int, tuple[str, ...]] = {k: tuple(ix) for k, ix in enumerate(inputs)}
    steps: list[PathStep] = []
    nxt = n
    for i, j in path:
        a, b = vals.pop(i), vals.pop(j)
        for x in a:
            count[x] -= 1
        for x in b:
            count[x] -= 1
        result = tuple(x for x in dict.fromkeys(a + b) if x in out_set or count[x] > 0)
        for x in result:
            count[x] += 1
        steps.append(PathStep(i, j, a, b, result))
        vals[nxt] = result
        nxt += 1
    return tuple(steps)


def path_macs(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int], path: SSAPath) -> int:
    """Total MACs of ``path`` (cotengra ``total_flops`` convention)."""
    return sum(s.macs(sizes) for s in path_steps(inputs, output, path))


def path_peak(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int], path: SSAPath) -> int:
    """Largest result of any step (0 for a path without steps)."""
    return max((s.size(sizes) for s in path_steps(inputs, output, path)), default=0)


def path_writes(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int], path: SSAPath) -> int:
    """Elements written: the sum of every step's result size."""
    return sum(s.size(sizes) for s in path_steps(inputs, output, path))


def tree_key(path: SSAPath, n: int) -> frozenset:
    """The contraction tree of ``path`` as a set of leaf subsets (one per
    step), so two paths are the same tree exactly when their keys are equal."""
    leaves: dict[int, frozenset[int]] = {k: frozenset((k,)) for k in range(n)}
    nodes = []
    nxt = n
    for i, j in path:
        s = leaves.pop(i) | leaves.pop(j)
        leaves[nxt] = s
        nodes.append(s)
        nxt += 1
    return frozenset(nodes)


def left_to_right(n: int) -> SSAPath:
    """The naive order ``((0, 1), (n, 2), (n+1, 3), ...)``."""
    if n < 2:
        return ()
    path = [(0, 1)]
    for k in range(2, n):
        path.append((n + k - 2, k))
    return tuple(path)


def one_char_indices(inputs: Sequence[Sequence[str]], output: Sequence[str], sizes: Mapping[str, int]
                     ) -> tuple[list[tuple[str, ...]], tuple[str, ...], dict[str, int]]:
    """The network renamed to one character per index (in order of first
    appearance, from U+0100): cotengra's Rust core (cotengrust) takes no longer
    index names, and renaming keeps any name safe."""
    sym = {i: chr(0x100 + k) for k, i in enumerate(dict.fromkeys([i for ix in inputs for i in ix] + list(output)))}
    return ([tuple(sym[i] for i in ix) for ix in inputs], tuple(sym[i] for i in output),
            {sym[i]: int(sizes[i]) for i in sym})
