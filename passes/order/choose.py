"""Exact choice of transitions without CP-SAT, for linear criteria and no
memory budget: the common case of ``tncc plan`` (MACs, write volume, or a
machine's cycles or energy, statements sharing values).

Without a memory budget a made value is kept, so the cheapest choice makes
each needed node once, and the cost of finishing depends only on the set of
nodes still needed (their readers are decided).  Deciding the needed node
that comes last in the DAG's bottom-up order first keeps that true: every
node that could still need it has already been decided.  A memoised search
over these *pending sets* is therefore exact; it is bounded by a count of
states (``max_states``), past which the caller falls back to CP-SAT.  Small
DAGs (a training step's few dozen candidate trees) need a few hundred states
and no OR-Tools at all, which is most of what starting ``tncc plan`` cost.

Lexicographic criteria are folded into one integer: each criterion is scaled
above the largest total the criteria after it can reach.
"""

from __future__ import annotations

import sys
from typing import Sequence

from tncc.passes.order.dag import CandidateDag
from tncc.passes.order.select import Selection, criterion


def folded(dag: CandidateDag, criteria: Sequence[str | tuple]) -> list[int]:
    """One integer per transition ordering choices like the criteria do
    lexicographically (exact: Python integers do not overflow)."""
    out = [0] * len(dag.transitions)
    for name in criteria:
        coefs = criterion(dag, name)
        scale = sum(max(0, c) for c in coefs) + 1  # above any sum of the criterion over a choice
        out = [o * scale + c for o, c in zip(out, coefs)]
    return out


def exact_choice(dag: CandidateDag, criteria: Sequence[str | tuple], max_states: int = 20000) -> Selection | None:
    """The optimal choice for ``criteria`` (linear, lexicographic) without a
    memory budget, or ``None`` when the search would pass ``max_states``
    pending sets.  Same result as :func:`.select.select` with an optimal
    status (ties may be broken differently)."""
    trs = dag.transitions
    coefs = folded(dag, criteria)
    if any(c < 0 for c in coefs):
        return None
    made: dict[int, list[int]] = {}
    for k, t in enumerate(trs):
        made.setdefault(t.node, []).append(k)
    rank = {node: ks[0] for node, ks in made.items()}  # transitions are listed children first
    for ks in made.values():
        ks.sort(key=lambda k: coefs[k])
    roots = frozenset(dag.root_node(st) for st in dag.statements)
    if None in roots:
        raise AssertionError("no candidate computes some statement")
    memo: dict[frozenset, tuple[int, int]] = {}  # pending set -> (cost to finish, transition for its top node)

    def solve(pending: frozenset) -> int:
        if not pending:
            return 0
        got = memo.get(pending)
        if got is not None:
            return got[0]
        if len(memo) >= max_states:
            raise _TooMany()
        top = max(pending, key=rank.__getitem__)
        rest = pending - {top}
        # ``top`` has a transition (``rank`` lists only made nodes); the first
        # of equally cheap ones is kept.
        options = [(coefs[k] + solve(rest.union(c for c in trs[k].children if dag.nodes[c].leaf is None)), k)
                   for k in made[top]]
        best, best_k = min(options, key=lambda o: o[0])
        memo[pending] = (best, best_k)
        return best

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * len(made) + 100))
    try:
        solve(roots)
    except _TooMany:
        return None
    finally:
        sys.setrecursionlimit(limit)
    counts = [0] * len(trs)
    pending = roots
    while pending:
        _, k = memo[pending]
        counts[k] = 1
        top = trs[k].node
        pending = (pending - {top}).union(c for c in trs[k].children if dag.nodes[c].leaf is None)
    return Selection(tuple(counts), frozenset(made), True, "OPTIMAL", True)


class _TooMany(Exception):
    pass
