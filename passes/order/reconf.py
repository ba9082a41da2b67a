"""Local re-optimisation of a contraction tree (subtree reconfiguration).

For an internal node, a *frontier* of at most ``width`` of its descendants is
grown by repeatedly opening the largest descendant; the contractions between
the frontier and the node are then re-solved exactly by the subset DP (the
frontier tensors are its inputs, the node's tensor its output) and spliced in
when cheaper.  Sweeping all nodes until nothing improves gives a tree that is
locally optimal for every window of ``width`` operands.  The idea is the one
cotengra calls subtree reconfiguration; the code is written here.
"""

from __future__ import annotations

import time
from typing import Mapping, Sequence

from tncc.passes.order.ccp import paused_gc
from tncc.passes.order.exact import dp_additive
from tncc.passes.order.paths import SSAPath
from tncc.passes.order.subsets import SubsetTable, index_numbers


class Tree:
    """A binary contraction tree over ``n`` leaves with each node's kept indices."""

    def __init__(self, inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
                 path: SSAPath):
        self.n = len(inputs)
        self.inputs = [tuple(ix) for ix in inputs]
        self.out = frozenset(output)
        self.sizes = sizes
        self.total: dict[str, int] = {}
        for ix in inputs:
            for i in ix:
                self.total[i] = self.total.get(i, 0) + 1
        self.children: dict[int, tuple[int, int]] = {}
        nxt = self.n
        for a, b in path:
            self.children[nxt] = (a, b)
            nxt += 1
        self.next_id = nxt
        # window DP results by the window's shape (see reconfigure_at)
        self._solved: dict[tuple, tuple[int, SSAPath] | None] = {}
        self.root = nxt - 1 if path else 0
        self.res: dict[int, dict[str, int]] = {k: {i: 1 for i in ix} for k, ix in enumerate(self.inputs)}
        for node in sorted(self.children):
            self._update(node)

    def _update(self, node: int) -> None:
        a, b = self.children[node]
        merged = dict(self.res[a])
        for i, c in self.res[b].items():
            merged[i] = merged.get(i, 0) + c
        self.res[node] = {i: c for i, c in merged.items() if c < self.total[i] or i in self.out}

    def step_cost(self, node: int, wm: int, ws: int) -> int:
        a, b = self.children[node]
        macs = 1
        for i in set(self.res[a]) | set(self.res[b]):
            macs *= self.sizes[i]
        size = 1
        for i in self.res[node]:
            size *= self.sizes[i]
        return wm * macs + ws * size

    def cost(self, wm: int = 1, ws: int = 0) -> int:
        return sum(self.step_cost(v, wm, ws) for v in self.children)

    def to_ssa(self) -> SSAPath:
        path: list[tuple[int, int]] = []
        ids: dict[int, int] = {k: k for k in range(self.n)}
        counter = self.n
        stack: list[tuple[int, bool]] = [(self.root, False)]
        while stack:
            node, done = stack.pop()
            if node < self.n:
                continue
            a, b = self.children[node]
            if done:
                path.append((ids[a], ids[b]))
                ids[node] = counter
                counter += 1
            else:
                stack.append((node, True))
                stack.append((b, False))
                stack.append((a, False))
        return tuple(path)

    def _size(self, node: int) -> int:
        s = 1
        for i in self.res[node]:
            s *= self.sizes[i]
        return s

    def reconfigure_at(self, node: int, width: int, wm: int, ws: int, floor: int = 0) -> bool:
        """Re-solve the window under ``node``; return whether the tree improved.
        Windows costing less than ``floor`` are left alone."""
        frontier = list(self.children[node])
        inner = [node]
        while len(frontier) < width:
            opened = [f for f in frontier if f >= self.n]
            if not opened:
                break
            f = max(opened, key=self._size)
            frontier.remove(f)
            inner.append(f)
            frontier.extend(self.children[f])
        if len(inner) < 2:
            return False
        old = sum(self.step_cost(v, wm, ws) for v in inner)
        if old < floor:
            return False
        sub_inputs = [tuple(self.res[f]) for f in frontier]
        sub_out = tuple(self.res[node])
        # the subset DP sees a window only through its indices numbered by first appearance and
        # their sizes: windows of that shape (the same window in a later sweep, or a repeated one
        # along a chain) have the same answer
        names = index_numbers(sub_inputs, sub_out)
        shape = (tuple(tuple(names[i] for i in ix) for ix in sub_inputs), tuple(names[i] for i in sub_out),
                 tuple(self.sizes[i] for i in names), old, wm, ws)
        if shape in self._solved:
            found = self._solved[shape]
        else:
            table = SubsetTable(sub_inputs, sub_out, self.sizes)
            found = self._solved[shape] = dp_additive(table, wm, ws, bound=old - 1)
        if found is None:
            return False
        _, sub_path = found
        # splice: reuse the ids of the replaced inner nodes, the top one last
        local = {k: f for k, f in enumerate(frontier)}
        spare = [v for v in inner if v != node]
        for k, (x, y) in enumerate(sub_path):
            nid = node if k == len(sub_path) - 1 else spare.pop()
            self.children[nid] = (local[x], local[y])
            local[len(frontier) + k] = nid
            self._update(nid)
        return True

    def postorder(self) -> list[int]:
        order: list[int] = []
        stack: list[tuple[int, bool]] = [(self.root, False)]
        while stack:
            node, done = stack.pop()
            if node < self.n:
                continue
            if done:
                order.append(node)
            else:
                stack.append((node, True))
                a, b = self.children[node]
                stack.append((b, False))
                stack.append((a, False))
        return order


def reconfigure(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
                path: SSAPath, width: int = 8, wm: int = 1, ws: int = 0, deadline: float | None = None,
                max_sweeps: int = 8, min_share: float = 0.0) -> SSAPath:
    """Sweep :meth:`Tree.reconfigure_at` over every node (largest steps first)
    until a sweep improves nothing, ``max_sweeps`` is reached or the
    ``time.perf_counter()`` deadline passes.  Windows costing less than
    ``min_share`` of the tree's cost (at the sweep's start) are skipped: on
    big trees most windows are too cheap to matter and re-solving them is
    most of the time.  Never returns a worse path."""
    if len(inputs) < 3:
        return path
    with paused_gc():  # the window DPs allocate many short-lived containers, none in cycles
        return _sweeps(inputs, output, sizes, path, width, wm, ws, deadline, max_sweeps, min_share)


def _sweeps(inputs: Sequence[tuple[str, ...]], output: tuple[str, ...], sizes: Mapping[str, int],
            path: SSAPath, width: int, wm: int, ws: int, deadline: float | None, max_sweeps: int,
            min_share: float) -> SSAPath:
    """:func:`reconfigure` itself."""
    tree = Tree(inputs, output, sizes, path)
    for _ in range(max_sweeps):
        improved = False
        nodes = sorted(tree.postorder(), key=lambda v: -tree.step_cost(v, wm, ws))
        floor = int(min_share * tree.cost(wm, ws))
        for node in nodes:
            if deadline is not None and time.perf_counter() > deadline:
                return tree.to_ssa()
            if node in tree.children and tree.reconfigure_at(node, width, wm, ws, floor):
                improved = True
        if not improved:
            break
    return tree.to_ssa()
