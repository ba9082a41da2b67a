"""The candidate DAG: every way the candidate trees of every statement compute
every value, in every layout, with every dataflow, as one graph.

*Values* are identified by what they are, not by which tree made them: the
multiset of leaves (value name and use-site indices) they contract and the
indices they keep.  Two statements whose trees both contain a value can
compute it once.  A *node* is a value in one axis order (its layout; ``None``
where layouts are free).  A *transition* makes a node from one or two child
nodes in one operand orientation, at the cost of its tiling under the
machine's cost model (the tiler picks the dataflow) (or the step's MACs/size when no machine is given).

Leaves are free nodes.  Each statement's root value, in the statement's index
order, must be made.  :mod:`.select` picks the transitions with CP-SAT.

Two reductions keep the graph small without losing a better choice for any
objective: of the variants with the same children and result layout only the
Pareto front in (cycles, energy) is kept, and a value keeps at most
``max_layouts`` layouts besides the statement's own order (those it is
cheapest to make in); the candidate space is therefore the candidate trees
times these layouts, and "optimal" below means optimal within it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from tncc.ir import DType
from tncc.isa.arch import Arch
from tncc.passes.order.paths import SSAPath

LeafKey = tuple[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Contraction:
    """One statement as a contraction problem: operand ``values`` seen with
    use-site indices ``inputs``, producing ``output``."""

    statement: str
    values: tuple[str, ...]
    inputs: tuple[tuple[str, ...], ...]
    output: tuple[str, ...]

    def leaf(self, k: int) -> LeafKey:
        return self.values[k], self.inputs[k]


def value_key(leaves: Sequence[LeafKey], kept: Iterable[str]) -> tuple:
    """The identity of a computed value: its leaf multiset and kept index set."""
    return ("V", tuple(sorted(Counter(leaves).items())), frozenset(kept))


def leaf_node_key(leaf: LeafKey) -> tuple:
    return ("L", leaf)


@dataclass(slots=True)
class Node:
    key: tuple
    layout: tuple[str, ...] | None
    kept: frozenset[str]
    leaf: LeafKey | None = None
    root_of: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Transition:
    """``node = children[0] (*) children[1]``; on gemm steps ``children[0]`` is ``A``."""

    node: int
    children: tuple[int, ...]
    dataflow: str
    macs: int
    size: int
    cycles: int = 0
    energy_pj: float = 0.0
    shape_words: int = 0


class CandidateDag:
    """Build with :meth:`add_tree` for every candidate tree, then :meth:`finish`."""

    def __init__(self, sizes: Mapping[str, int], arch: Arch | None = None, dtype: DType = DType.FP32,
                 max_layouts: int = 6) -> None:
        self.sizes = sizes
        self.arch = arch
        self.dtype = dtype
        self.max_layouts = max_layouts
        self.layouts_free = arch is None or arch.kind == "fetta"
        # value level: key -> kept indices, options (pairs of child value keys)
        self.kept: dict[tuple, frozenset[str]] = {}
        self.options: dict[tuple, set[tuple]] = {}
        self.order: dict[tuple, int] = {}  # leaf count, for bottom-up processing
        self.roots: dict[str, tuple[tuple, tuple[str, ...]]] = {}  # statement -> (value key, order)
        self.nodes: list[Node] = []
        self.node_id: dict[tuple, int] = {}
        self.transitions: list[Transition] = []
        self.statements: list[str] = []
        self.users: dict[tuple, set[str]] = {}  # value key -> statements whose candidates hold it
        self.repeats = False  # some tree holds one value twice (repeated operands)

    # -- value level -------------------------------------------------------------
    def add_tree(self, c: Contraction, path: SSAPath) -> None:
        """Record every value and split of ``path`` (an SSA path over ``c.inputs``)."""
        n = len(c.inputs)
        if c.statement not in self.roots:
            self.statements.append(c.statement)
        root = value_key([c.leaf(k) for k in range(n)], c.output)
        self.roots[c.statement] = (root, c.output)
        self.kept.setdefault(root, frozenset(c.output))
        self.order[root] = n
        if n == 1:
            self.options.setdefault(root, set()).add((leaf_node_key(c.leaf(0)),))
            return
        total = Counter(i for ix in c.inputs for i in ix)
        out = set(c.output)
        vals: dict[int, tuple[list[LeafKey], dict[str, int], tuple]] = {}
        for k in range(n):
            vals[k] = ([c.leaf(k)], dict(Counter(c.inputs[k])), leaf_node_key(c.leaf(k)))
        nxt = n
        seen: set[tuple] = set()
        for step, (i, j) in enumerate(path):
            la, ca, ka = vals.pop(i)
            lb, cb, kb = vals.pop(j)
            leaves = la + lb
            cnt = dict(ca)  # plain dicts: Counter's + was a third of this method's time
            for x, v in cb.items():
                cnt[x] = cnt.get(x, 0) + v
            if step == len(path) - 1:
                kept = frozenset(c.output)
                key = root
            else:
                kept = frozenset(x for x in cnt if cnt[x] < total[x] or x in out)
                key = value_key(leaves, kept)
            self.kept.setdefault(key, kept)
            self.order[key] = len(leaves)
            self.options.setdefault(key, set()).add(tuple(sorted((ka, kb), key=repr)))
            vals[nxt] = (leaves, cnt, key)
            nxt += 1
            if key in seen:
                self.repeats = True
            seen.add(key)
            self.users.setdefault(key, set()).add(c.statement)

    # -- node level ----------------------------------------------------------------
    def _node(self, key: tuple, layout: tuple[str, ...] | None, kept: frozenset[str], leaf: LeafKey | None = None) -> int:
        nk = (key, layout)
        nid = self.node_id.get(nk)
        if nid is None:
            nid = len(self.nodes)
            self.nodes.append(Node(key, layout, kept, leaf))
            self.node_id[nk] = nid
        return nid

    def _leaf_nodes(self, key: tuple) -> list[int]:
        leaf = key[1]
        layout = None if self.layouts_free else leaf[1]
        return [self._node(key, layout, frozenset(leaf[1]), leaf)]

    def finish(self) -> None:
        """Create nodes and transitions bottom-up (fewest leaves first)."""
        made: dict[tuple, list[int]] = {}
        root_orders: dict[tuple, list[tuple[str, tuple[str, ...]]]] = {}
        for st, (key, order) in self.roots.items():
            root_orders.setdefault(key, []).append((st, order))

        def nodes_of(key: tuple) -> list[int]:
            if key[0] == "L":
                if key not in made:
                    made[key] = self._leaf_nodes(key)
                return made[key]
            return made.get(key, [])

        for key in sorted(self.options, key=lambda k: (self.order[k], repr(k))):
            kept = self.kept[key]
            finals = [order for _, order in root_orders.get(key, [])]
            cands: list[tuple[int, tuple, Transition]] = []  # (rank, layout, transition sans node)
            for opt in sorted(self.options[key], key=repr):
                child_sets = [nodes_of(k) for k in opt]
                if any(not cs for cs in child_sets):
                    continue
                root = bool(finals)
                # the layouts a root value is made in: free (None) or the statements' own
                fins: list[tuple[str, ...] | None] = list(finals) if finals and not self.layouts_free else [None]
                if len(opt) == 1:
                    for a in child_sets[0]:
                        for fin in fins:
                            cands.extend(self._unary(a, kept, fin, root))
                    continue
                for a in child_sets[0]:
                    for b in child_sets[1]:
                        for fin in ([None] + fins if finals and not self.layouts_free else [None]):
                            cands.extend(self._binary(a, b, kept, fin, root))
            # keep the layouts whose cheapest way to be made is cheapest
            best_by_layout: dict[Any, int] = {}
            for rank, layout, _ in cands:
                if layout not in best_by_layout or rank < best_by_layout[layout]:
                    best_by_layout[layout] = rank
            free_layouts = sorted((l for l in best_by_layout if l not in [tuple(f) for f in finals]),
                                  key=lambda l: (best_by_layout[l], repr(l)))[:self.max_layouts]
            keep_layouts = set(free_layouts) | {tuple(f) for f in finals} | ({None} if self.layouts_free else set())
            ids = []
            for rank, layout, tr in _pareto(cands):
                if layout not in keep_layouts:
                    continue
                nid = self._node(key, layout, kept)
                if nid not in ids:
                    ids.append(nid)
                self.transitions.append(Transition(nid, tr.children, tr.dataflow, tr.macs, tr.size, tr.cycles,
                                                   tr.energy_pj, tr.shape_words))
            made[key] = ids
        for key, sts in root_orders.items():
            for st, order in sts:
                root_layout = None if self.layouts_free else tuple(order)
                root_nid = self.node_id.get((key, root_layout))
                if root_nid is not None:
                    self.nodes[root_nid].root_of.append(st)

    def _binary(self, a: int, b: int, kept: frozenset[str], final: tuple[str, ...] | None, root: bool) -> list:
        na, nb = self.nodes[a], self.nodes[b]
        ia, ib = _axes(na), _axes(nb)
        macs = math.prod(self.sizes[i] for i in set(ia) | set(ib))
        size = math.prod(self.sizes[i] for i in kept)
        out = []
        if self.arch is None:
            return [(macs, None, Transition(-1, (a, b), "", macs, size))]
        # start-up: the machine's cost model loads only when a DAG is costed on an arch
        from tncc.passes.order.hardware import gemm_layout, step_cost

        # both orientations: on gemm it decides which operand is A; on fetta it swaps m and n
        for first, second, la, lb in ((a, b, ia, ib), (b, a, ib, ia)):
            result = tuple(i for i in la + lb if i in kept)
            result = tuple(dict.fromkeys(result))
            if self.layouts_free:
                words, layout = 0, None
            else:
                words, layout = gemm_layout(la, lb, result, final, self.sizes)
            leaves = (self.nodes[first].leaf is not None, self.nodes[second].leaf is not None)
            c = step_cost(self.arch, self.dtype, self.sizes, la, lb, result, words, leaves, root)
            if c is None:
                continue
            out.append((c.cycles, layout, Transition(-1, (first, second), c.dataflow, macs, size, c.cycles,
                                                     c.energy_pj, words)))
        return out

    def _unary(self, a: int, kept: frozenset[str], final: tuple[str, ...] | None, root: bool) -> list:
        na = self.nodes[a]
        ia = _axes(na)
        macs = math.prod(self.sizes[i] for i in ia)
        size = math.prod(self.sizes[i] for i in kept)
        if self.arch is None:
            return [(macs, None, Transition(-1, (a,), "", macs, size))]
        # start-up: the machine's cost model loads only when a DAG is costed on an arch
        from tncc.passes.order.hardware import single_cost

        result = tuple(final) if final is not None else tuple(i for i in ia if i in kept)
        c = single_cost(self.arch, self.dtype, self.sizes, ia, result, na.leaf is not None, root)
        layout = None if self.layouts_free else result
        return [(c.cycles, layout, Transition(-1, (a,), c.dataflow, macs, size, c.cycles, c.energy_pj, c.shape_words))]

    @property
    def sharing_free(self) -> bool:
        """No value can serve two readers: then the cheapest way to make each
        node, chosen bottom-up, is exact (see :func:`.select._tree_dp`)."""
        return not self.repeats and all(len(u) == 1 for u in self.users.values())

    def root_node(self, statement: str) -> int | None:
        key, order = self.roots[statement]
        layout = None if self.layouts_free else tuple(order)
        return self.node_id.get((key, layout))

    def root(self, statement: str) -> int:
        """:meth:`root_node` where it must exist (a choice computes every
        statement); an internal error names the statement otherwise."""
        n = self.root_node(statement)
        if n is None:
            raise AssertionError(f"no candidate computes statement {statement!r}")
        return n

    def nbytes(self, node: int) -> int:
        item = self.dtype.accumulator.nbytes if self.dtype.is_int else self.dtype.nbytes
        return math.prod(self.sizes[i] for i in self.nodes[node].kept) * item


def _axes(node: Node) -> tuple[str, ...]:
    """A node's axis order for costing: its layout, a leaf's stored order, or
    (layouts free) its indices sorted, so that costs do not depend on the
    iteration order of a set."""
    if node.layout is not None:
        return node.layout
    if node.leaf is not None:
        return node.leaf[1]
    return tuple(sorted(node.kept))


def _pareto(cands: list) -> list:
    """Drop variants that another variant with the same children (in either
    order) and the same result layout beats or ties on both cycles and energy:
    no objective prefers them, and the choice model stays small."""
    groups: dict[tuple, list] = {}
    for item in cands:
        _, layout, tr = item
        groups.setdefault((tuple(sorted(tr.children)), layout), []).append(item)
    out = []
    for items in groups.values():
        items.sort(key=lambda it: (it[2].cycles, it[2].energy_pj))
        front: list = []
        for it in items:
            if all(it[2].energy_pj < f[2].energy_pj for f in front):
                front.append(it)
        out.extend(front)
    return out
