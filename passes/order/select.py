"""Choosing transitions of the candidate DAG with OR-Tools CP-SAT, and writing
the choice out as plan steps.

Model (one integer ``x[t]`` per transition: how many times it runs):

* every statement's root node is made exactly once;
* without a memory budget every value is kept once made: a node is made at
  most once, and only if some chosen transition reads it;
* with a budget ``B`` (bytes) a value may instead be *recomputed*: each node
  has ``keep[n]``; a kept node is made once if read at all, an unkept one
  once per read; the bytes of kept nodes sum to at most ``B`` (statement
  results are outputs, stored anyway, and not counted);
* the objective is a list of linear criteria over ``x`` minimised
  lexicographically (MACs; cycles; energy; write volume then MACs), or the
  product of modelled energy and cycles (EDP).

CP-SAT's status is reported: OPTIMAL means the choice is proven optimal among
the candidates the DAG holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from tncc.passes.order.dag import CandidateDag
from tncc.plan import PlanOperand, Step

INT_LIMIT = 1 << 62


@dataclass(frozen=True, slots=True)
class Selection:
    counts: tuple[int, ...]  # per transition
    kept: frozenset[int]  # nodes computed once and reused
    optimal: bool
    status: str
    exact_coefficients: bool  # False when costs had to be scaled to fit int64


def criterion(dag: CandidateDag, name: str | tuple) -> list[int]:
    """Per-transition integer coefficients of ``name``: macs, write, cycles,
    energy (in fJ), or ``("weighted", wm, ws)`` for ``wm * MACs + ws * size``."""
    if isinstance(name, tuple):
        _, wm, ws = name
        return [wm * t.macs + ws * t.size for t in dag.transitions]
    if name == "macs":
        return [t.macs for t in dag.transitions]
    if name == "write":
        return [t.size for t in dag.transitions]
    if name == "cycles":
        return [t.cycles for t in dag.transitions]
    if name == "energy":
        return [int(round(t.energy_pj * 1000)) for t in dag.transitions]
    raise ValueError(name)


def _scaled(coefs: list[int], bound_count: int, limit: int = INT_LIMIT) -> tuple[list[int], bool]:
    total = sum(coefs) * max(1, bound_count)
    if total < limit:
        return coefs, True
    div = -(-total // limit) + 1
    return [-(-c // div) for c in coefs], False


def value(dag: CandidateDag, objective: str | tuple, counts: Sequence[int]) -> float:
    """The (unscaled) value of one criterion, or of "edp", for a choice."""
    if objective == "edp":
        return value(dag, "cycles", counts) * value(dag, "energy", counts)
    return float(sum(c * n for c, n in zip(criterion(dag, objective), counts)))


def select(dag: CandidateDag, objective: Sequence[str | tuple] | str, memory_budget: int | None = None,
           time_limit: float = 10.0, start: Selection | None = None) -> Selection:
    """Choose transitions minimising ``objective`` (:func:`solve` without
    exclusions, which always finds a choice)."""
    sel = solve(dag, objective, memory_budget, time_limit, start)
    assert sel is not None  # without exclusions the hint itself is a choice
    return sel


def solve(dag: CandidateDag, objective: Sequence[str | tuple] | str, memory_budget: int | None = None,
          time_limit: float = 10.0, start: Selection | None = None,
          exclude: Sequence[frozenset[tuple]] = ()) -> Selection | None:
    """Choose transitions minimising ``objective`` (a tuple of criteria, or "edp").

    ``start``: a feasible choice under the same budget (e.g. the MAC-optimal
    one); the solver starts from the better of it and the per-statement
    optimum, and with a single criterion never returns anything worse.
    ``exclude``: sets of value keys (:func:`made_values` of earlier choices);
    no choice that makes every value of one of them is returned, so that
    repeated calls list the next best trees (:func:`next_choices`).  Returns
    ``None`` only when exclusions leave no choice (or none is found in time).
    ``time_limit`` is in CP-SAT's deterministic time units (about seconds),
    split evenly over the criteria."""
    from ortools.sat.python import cp_model  # imported on first use: it is slow to load

    trs = dag.transitions
    nstat = len(dag.statements)
    U = 1 if memory_budget is None else max(1, nstat)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{k}") if U == 1 else model.new_int_var(0, U, f"x{k}") for k in range(len(trs))]
    made: dict[int, list[int]] = {}
    reads: dict[int, list[int]] = {}
    for k, t in enumerate(trs):
        made.setdefault(t.node, []).append(k)
        for c in t.children:
            reads.setdefault(c, []).append(k)
    keep: dict[int, cp_model.IntVar] = {}
    roots = set()
    for st in dag.statements:
        r = dag.root_node(st)
        if r is None:
            raise AssertionError(f"no candidate computes statement {st!r}")
        roots.add(r)
    for n, ks in made.items():
        prod = sum(x[k] for k in ks)
        uses = sum(x[k] for k in reads.get(n, []))
        if n in roots:
            model.add(prod == 1)
            continue
        if not reads.get(n):
            model.add(prod == 0)
            continue
        if U == 1:
            model.add(prod <= 1)
            model.add(prod <= uses)
            for k in reads[n]:
                model.add(x[k] <= prod)
            continue
        needed = model.new_bool_var(f"need{n}")
        model.add(uses >= needed)
        model.add(uses <= U * len(reads[n]) * needed)
        kp = model.new_bool_var(f"keep{n}")
        model.add(prod == needed).OnlyEnforceIf(kp)
        model.add(prod == uses).OnlyEnforceIf(kp.Not())
        keep[n] = kp
    if memory_budget is not None and keep:
        model.add(sum(dag.nbytes(n) * kp for n, kp in keep.items()) <= int(memory_budget))
    if exclude:
        # A no-good per excluded tree: some value of it is not made.  ``m[v]`` is
        # forced to 1 by every transition that makes a node of value ``v``.
        by_value: dict[tuple, list[int]] = {}
        for k, t in enumerate(trs):
            by_value.setdefault(dag.nodes[t.node].key, []).append(k)
        m: dict[tuple, cp_model.IntVar] = {}
        for values in exclude:
            # in a fixed order: a set's order follows the string hash seed, and
            # the order of variables steers the solver among equal choices
            for val in sorted(values, key=repr):
                if val not in m:
                    m[val] = model.new_bool_var(f"m{len(m)}")
                    for k in by_value.get(val, []):
                        model.add(U * m[val] >= x[k])
            model.add(sum(m[val] for val in values) <= len(values) - 1)
        start = None  # an excluded choice is no start
    exact = True
    hint_coefs = criterion(dag, "cycles" if objective == "edp" else
                           (objective if isinstance(objective, str) else objective[0]))
    hint = _tree_dp(dag, hint_coefs)
    tree_bound = dag.sharing_free and objective != "edp"
    first = objective if isinstance(objective, str) else objective[0]
    tree_counts = [1 if k in hint else 0 for k in range(len(trs))]
    if start is not None and value(dag, first, start.counts) <= value(dag, first, tree_counts):
        for k, v in enumerate(x):
            model.add_hint(v, start.counts[k])
        for n, kp in keep.items():
            model.add_hint(kp, 1 if n in start.kept else 0)
    else:
        for k, v in enumerate(x):
            model.add_hint(v, tree_counts[k])
    solver = cp_model.CpSolver()
    criteria = ("edp",) if objective == "edp" else tuple([objective] if isinstance(objective, str) else objective)
    # Limits in deterministic time make a choice reproducible whatever the machine's load
    # (one worker is deterministic); the wall-clock limit is only a safety net.
    stage_limit = max(0.05, float(time_limit) / len(criteria))
    solver.parameters.max_deterministic_time = stage_limit
    solver.parameters.max_time_in_seconds = 4 * stage_limit + 1
    solver.parameters.num_workers = 1
    # the full LP relaxation: without it proofs on layout models took over 20 s
    solver.parameters.linearization_level = 2
    status = cp_model.UNKNOWN
    ubound = U * max(1, nstat) * 2
    for stage, name in enumerate(criteria):
        if name == "edp":
            # each side below 2**30, so that their product stays within CP-SAT's domains (2**62)
            cyc, e1 = _scaled(criterion(dag, "cycles"), ubound, 1 << 30)
            en, e2 = _scaled(criterion(dag, "energy"), ubound, 1 << 30)
            exact = exact and e1 and e2
            dmax, emax = sum(cyc) * ubound, sum(en) * ubound
            d = model.new_int_var(0, dmax, "cycles")
            e = model.new_int_var(0, emax, "energy")
            model.add(d == sum(c * v for c, v in zip(cyc, x)))
            model.add(e == sum(c * v for c, v in zip(en, x)))
            edp = model.new_int_var(0, dmax * emax, "edp")
            model.add_multiplication_equality(edp, [d, e])
            model.minimize(edp)
        else:
            coefs, ok = _scaled(criterion(dag, name), ubound)
            exact = exact and ok
            expr = sum(c * v for c, v in zip(coefs, x))
            if stage == 0 and tree_bound:
                # without sharing the bottom-up choice is exact: its cost bounds the objective
                model.add(expr >= sum(coefs[k] for k in _tree_dp(dag, coefs)))
            model.minimize(expr)
        status = solver.Solve(model)
        if status == cp_model.INFEASIBLE and not exclude:
            # Without exclusions the model is feasible: the tree choice (and each earlier
            # stage's optimum) satisfies it.  CP-SAT 9.15's presolve can still report
            # INFEASIBLE (seen on EDP's product of two sums; google/or-tools#5274 reports the
            # class), so the stage is solved again without presolve.
            solver.parameters.cp_model_presolve = False
            status = solver.Solve(model)
            solver.parameters.cp_model_presolve = True
        if exclude and status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None  # no further tree (INFEASIBLE), or none found in time
        if status == cp_model.UNKNOWN and stage == 0 and memory_budget is None:
            # Out of time before even the hint was confirmed (a model of
            # thousands of candidates): the hint is a valid choice, so keep it.
            if start is not None and value(dag, first, start.counts) <= value(dag, first, tree_counts):
                return Selection(start.counts, start.kept, False, "UNKNOWN", exact)
            return Selection(tuple(tree_counts), frozenset(made), False, "UNKNOWN", exact)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise AssertionError(f"CP-SAT found no choice ({solver.StatusName(status)})")
        if stage < len(criteria) - 1:
            model.add(expr <= int(round(solver.ObjectiveValue())))
            model.clear_hints()
            for v in x:
                model.add_hint(v, solver.Value(v))
    counts = tuple(int(solver.Value(v)) for v in x)
    kept = frozenset(n for n in made if n not in keep or solver.Value(keep[n])) if U > 1 else frozenset(made)
    if (start is not None and len(criteria) == 1 and status != cp_model.OPTIMAL
            and value(dag, first, start.counts) < value(dag, first, counts)):
        # a time-limited search that lost its starting point: keep the start
        return Selection(start.counts, start.kept, False, "FEASIBLE", exact)
    return Selection(counts, kept, status == cp_model.OPTIMAL, solver.StatusName(status), exact)


def made_values(dag: CandidateDag, sel: Selection) -> frozenset[tuple]:
    """The value keys a choice computes (its trees, whatever their layouts
    and dataflows)."""
    return frozenset(dag.nodes[t.node].key for k, t in enumerate(dag.transitions) if sel.counts[k] > 0)


def next_choices(dag: CandidateDag, objective: Sequence[str | tuple] | str, first: Selection, count: int,
                 memory_budget: int | None = None, time_limit: float = 1.0,
                 after: Sequence[Selection] = ()) -> list[Selection]:
    """Up to ``count`` further choices after ``first`` (and after ``after``,
    choices listed before: the listing continues), each the best (by
    ``objective``, within ``time_limit`` deterministic units per solve) whose
    trees differ from all before it: the K best distinct trees by the
    per-step model, for a finer model to rank."""
    out: list[Selection] = []
    seen = [made_values(dag, first)] + [made_values(dag, s) for s in after]
    for _ in range(count):
        sel = solve(dag, objective, memory_budget, time_limit, exclude=seen)
        if sel is None:
            break
        out.append(sel)
        seen.append(made_values(dag, sel))
    return out


def _tree_dp(dag: CandidateDag, coefs: Sequence[int]) -> set[int]:
    """A feasible choice: each node made by the transition minimising its own
    cost plus its children's (sharing ignored, so each node's choice does not
    depend on who reads it), taken from every root down.  It is the plan each
    statement would get alone, and the solver's starting point."""
    best: dict[int, tuple[int, int]] = {}
    for k, t in enumerate(dag.transitions):  # built bottom-up: children first
        c = coefs[k] + sum(best[ch][0] if dag.nodes[ch].leaf is None else 0 for ch in t.children)
        if t.node not in best or c < best[t.node][0]:
            best[t.node] = (c, k)
    chosen: set[int] = set()
    stack = [dag.root(st) for st in dag.statements]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if n in seen or dag.nodes[n].leaf is not None:
            continue
        seen.add(n)
        k = best[n][1]
        chosen.add(k)
        stack.extend(dag.transitions[k].children)
    return chosen


class Emitter:
    """Writes chosen transitions out as plan steps, one statement at a time, so
    statements of several independently solved DAGs can be interleaved in
    the network's order.  Temporaries are numbered ``%0, %1, ...`` across all."""

    def __init__(self, copy_dataflow: str = "") -> None:
        self.copy_dataflow = copy_dataflow  # for the copy a duplicate statement needs
        self.steps: list[Step] = []
        self.counter = 0
        # Per DAG: the transitions' remaining uses, the transitions by node,
        # and the kept values already made.  Keyed by the DAG's identity, and
        # each entry holds the DAG itself, so it stays alive as long as its
        # state and its id cannot be reused by a DAG made later.
        self._state: dict[int, tuple[CandidateDag, list[int], dict[int, list[int]], dict]] = {}

    def statement(self, dag: CandidateDag, sel: Selection, st: str) -> None:
        """Append the steps that make statement ``st`` (and what it needs)."""
        entry = self._state.get(id(dag))
        if entry is None:
            by_node: dict[int, list[int]] = {}
            for k, t in enumerate(dag.transitions):
                by_node.setdefault(t.node, []).append(k)
            entry = self._state[id(dag)] = (dag, list(sel.counts), by_node, {})
        assert entry[0] is dag  # held by the entry, so no other object has its id
        _, remaining, by_node, memo = entry
        trs = dag.transitions

        def emit(n: int, name: str | None, order: tuple[str, ...] | None) -> tuple[str, tuple[str, ...]]:
            node = dag.nodes[n]
            if node.leaf is not None:
                return node.leaf
            if n in memo and name is None:
                return memo[n]
            k = next((k for k in by_node[n] if remaining[k] > 0), None)
            if k is None:
                raise AssertionError(f"node {n} used more often than computed")
            remaining[k] -= 1
            t = trs[k]
            ops = tuple(PlanOperand(*emit(c, None, None)) for c in t.children)
            if order is not None:
                indices = tuple(order)
            elif node.layout is not None:
                indices = node.layout
            else:
                seen = dict.fromkeys(i for op in ops for i in op.indices)
                indices = tuple(i for i in seen if i in node.kept)
            if name is None:
                name = f"%{self.counter}"
                self.counter += 1
            self.steps.append(Step(name, indices, ops, st, t.dataflow))
            if n in sel.kept:
                memo[n] = (name, indices)
            return name, indices

        r = dag.root(st)
        _, order = dag.roots[st]
        if r in memo:
            # the value was already made (for another statement): copy it under this name
            self.steps.append(Step(st, tuple(order), (PlanOperand(*memo[r]),), st, self.copy_dataflow))
            return
        emit(r, st, tuple(order))


def emit_steps(dag: CandidateDag, sel: Selection) -> tuple[Step, ...]:
    """All statements of one DAG, in its statement order."""
    em = Emitter()
    for st in dag.statements:
        em.statement(dag, sel, st)
    return tuple(em.steps)
