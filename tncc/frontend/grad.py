"""Gradient expansion: ``grad y wrt x`` becomes ordinary statements.

For a network of products, ``y`` is (after inlining every intermediate
statement it uses) one product of leaves, ``y = sum prod_k f_k``.  Then
``d_x = d(sum(d_y * y)) / dx`` is the contraction of ``d_y`` with every factor
except ``x``, keeping ``x``'s indices open.  Inlining renames the summed
indices internal to an inlined statement to fresh declared indices, so that
two inlined statements (or an inlined statement and the outer one) never
share a summed index by accident.

Contract of :func:`expand_grads`: it returns a network whose ``statements``
end with one statement per requested gradient (``grad_of=(y, x)``, result
``d_x`` with role OUTPUT, appended to ``outputs``), whose ``tensors`` include
the upstream gradient ``d_y`` (role INPUT, indices of ``y``), and whose
``indices`` include any fresh index introduced by inlining.  The derived
statements are plain statements over leaves, so the order search plans them
with the forward statements and may share intermediates.

``x`` may be a leaf or an intermediate: inlining stops at ``x``.  A tensor
``x`` that occurs more than once in ``y``'s flattened product is reported as
not supported yet (the gradient would be a sum of terms, not one product).
"""

from __future__ import annotations

from tncc.errors import Collector
from tncc.ir import GradSpec, Index, Network, Operand, Role, Statement, Tensor


MAX_FACTORS = 10_000  # operands visited while flattening one statement (real networks: tens)


class TooLarge(Exception):
    """Flattening a statement would exceed :data:`MAX_FACTORS` operands."""


class DiagonalWrite(Exception):
    """Flattening would inline a statement whose result repeats an index (a
    diagonal write): its identity is no factor of the product."""


class Flattener:
    """Inlines intermediate statements into one product over leaves.

    One instance per network; fresh index names are allocated so that they
    clash with no declared index and no name already in use in the product
    being built."""

    def __init__(self, net: Network, max_factors: int = MAX_FACTORS) -> None:
        self.max_factors = max_factors
        self.statements = {st.result: st for st in net.statements}
        self.sizes = net.sizes()
        self.taken = set(self.sizes)
        self.fresh: list[Index] = []
        self._next: dict[str, int] = {}
        self._claimed: set[str] = set()
        self._stop: frozenset[str] = frozenset()

    def flatten(self, st: Statement, stop: frozenset[str] = frozenset()) -> tuple[Operand, ...]:
        """The factors of ``st``'s expression over leaves (and tensors in ``stop``),
        with index names in the name space of ``st``.

        Raises :class:`TooLarge` when inlining would visit more than
        ``max_factors`` (default :data:`MAX_FACTORS`) operands (statements that use an intermediate
        twice, stacked, double the product at every level), and
        :class:`DiagonalWrite` when it would inline a statement whose result
        repeats an index.  A use site that repeats an index (``a[i, i]``)
        keeps the repetition in the factor: the product reads the diagonal."""
        self._stop = stop
        self._claimed = set(st.indices) | {i for op in st.operands for i in op.indices}
        out: list[Operand] = []
        # Depth-first, left to right, with an explicit stack: a long chain of
        # statements must not hit Python's recursion limit.
        stack = list(reversed(st.operands))
        visited = 0
        while stack:
            op = stack.pop()
            visited += 1
            if visited > self.max_factors:
                raise TooLarge(st.result)
            inner = self.statements.get(op.tensor)
            if inner is None or op.tensor in self._stop:
                out.append(op)
                continue
            if len(set(inner.indices)) != len(inner.indices):
                raise DiagonalWrite(op.tensor)
            mapping = self._mapping(inner, op)
            stack.extend(Operand(sub.tensor, tuple(mapping[i] for i in sub.indices), sub.span)
                         for sub in reversed(inner.operands))
        return tuple(out)

    def new_name(self, base: str) -> str:
        """A fresh declared index of ``base``'s size (recorded in ``fresh``)."""
        return self._new_name(base)

    def _new_name(self, base: str) -> str:
        # Resume counting where the last fresh name of this base stopped, so
        # that allocating n names costs O(n), not O(n**2).
        k = self._next.get(base, 1)
        while f"{base}_{k}" in self.taken or f"{base}_{k}" in self._claimed:
            k += 1
        self._next[base] = k + 1
        name = f"{base}_{k}"
        self.taken.add(name)
        self.fresh.append(Index(name, self.sizes[base]))
        self.sizes[name] = self.sizes[base]
        return name

    def _mapping(self, inner: Statement, op: Operand) -> dict[str, str]:
        """Index names for inlining ``inner`` at the use ``op``: its result
        indices become the use-site names; its own summed indices keep their
        names while those are unclaimed, else get fresh ones."""
        mapping = dict(zip(inner.indices, op.indices))
        for sub in inner.operands:
            for i in sub.indices:
                if i in mapping:
                    continue
                mapping[i] = self._new_name(i) if i in self._claimed else i
                self._claimed.add(mapping[i])
        return mapping


def _prefer_declared(result: tuple[str, ...], declared: tuple[str, ...], ops: list[Operand]) -> tuple[
        tuple[str, ...], list[Operand]]:
    """Rename the gradient's result indices to ``x``'s declared names where that
    name is free in the statement, so ``d_x`` reads like ``x``."""
    present = set(result) | {i for op in ops for i in op.indices}
    sigma: dict[str, str] = {}
    for use, dec in zip(result, declared):
        # A repeated use name (a diagonal) is renamed once, to its first declared name.
        if use != dec and dec not in present and use not in sigma:
            sigma[use] = dec
            present.add(dec)
    if not sigma:
        return result, ops
    ren = lambda ixs: tuple(sigma.get(i, i) for i in ixs)  # noqa: E731
    return ren(result), [Operand(op.tensor, ren(op.indices), op.span) for op in ops]


def expand_grads(net: Network, errors: Collector | None = None) -> Network:
    """Expand every :class:`~tncc.ir.GradSpec` of ``net`` (see module doc).

    Problems are added to ``errors`` (and the input network is returned), or
    raised as a :class:`~tncc.errors.TnccError` when ``errors`` is ``None``."""
    coll = errors if errors is not None else Collector()
    start = len(coll.diagnostics)
    flat = Flattener(net)
    names = {t.name for t in net.tensors}
    stmts = {st.result: st for st in net.statements}
    new_tensors: list[Tensor] = []
    new_statements: list[Statement] = []
    new_outputs: list[str] = []
    made: dict[str, GradSpec] = {}  # d_x -> the grad that made it
    upstream: dict[str, str] = {}  # y -> d_y
    # None: too large; a str: the diagonal write that stopped the flattening.
    flats: dict[tuple[str, frozenset[str]], tuple[Operand, ...] | str | None] = {}
    for spec in net.grads:
        y = stmts.get(spec.of)
        if y is None:
            coll.error(f"grad needs a computed tensor, and '{spec.of}' is not a statement result", spec.span)
            continue
        dy = f"d_{spec.of}"
        if spec.of not in upstream:
            if dy in names:
                coll.error(f"grad of '{spec.of}' needs the name '{dy}' for its upstream gradient, "
                           f"but the network already has a tensor '{dy}'", spec.span)
                continue
            upstream[spec.of] = dy
            names.add(dy)
            # d_y is a full tensor of y's shape: a y that writes a diagonal
            # (a repeated result index) declares the repeat under a fresh
            # name; the gradient statements read d_y along that diagonal.
            declared: list[str] = []
            for i in y.indices:
                declared.append(flat.new_name(i) if i in declared else i)
            new_tensors.append(Tensor(dy, tuple(declared), Role.INPUT, spec.span))
        for k, x in enumerate(spec.wrt):
            where = spec.wrt_span(k)
            dx = f"d_{x}"
            if dx in made:
                prev = made[dx].span
                line = f" at line {prev.line}" if prev is not None else ""
                coll.error(f"the gradient of '{x}' is already requested{line}; "
                           f"each tensor has one gradient output '{dx}'", where)
                continue
            if dx in names:
                coll.error(f"grad wrt '{x}' needs the name '{dx}', but the network already has a tensor "
                           f"'{dx}'", where)
                continue
            if x == spec.of:
                coll.error(f"grad of '{x}' with respect to itself", where)
                continue
            # One flattening per (y, stop set): every gradient of y wrt a leaf
            # then sees the same fresh index names, so identical partial
            # products of different gradients are recognisably identical.
            stop = frozenset({x}) if x in stmts else frozenset()
            if (spec.of, stop) not in flats:
                try:
                    flats[(spec.of, stop)] = flat.flatten(y, stop)
                except TooLarge:
                    flats[(spec.of, stop)] = None
                except DiagonalWrite as e:
                    flats[(spec.of, stop)] = str(e)
            factors = flats[(spec.of, stop)]
            if factors is None:
                coll.error(f"the expression of '{spec.of}' has more than {MAX_FACTORS} factors after inlining "
                           "intermediate statements; its gradient is not supported", where)
                continue
            if isinstance(factors, str):
                coll.error(f"the expression of '{spec.of}' uses '{factors}', whose result repeats an index (a "
                           "diagonal write); gradients through a diagonal write are not supported yet", where)
                continue
            hits = [f for f in factors if f.tensor == x]
            if not hits:
                coll.error(f"'{spec.of}' does not depend on '{x}', so its gradient is not defined", where)
                continue
            if len(hits) > 1:
                coll.error(f"'{x}' occurs {len(hits)} times in the expression of '{spec.of}' (after inlining "
                           "intermediate statements); the gradient of a repeated tensor is not supported yet",
                           where)
                continue
            at = factors.index(hits[0])
            others = [Operand(dy, y.indices, spec.span)] + [f for i, f in enumerate(factors) if i != at]
            result, others = _prefer_declared(hits[0].indices, net.tensor(x).indices, others)
            present = {i for op in others for i in op.indices}
            # An index the gradient repeats (x read along a diagonal) is written
            # along that diagonal, which brings its own identity.
            lonely = [i for i in result if i not in present and result.count(i) == 1]
            if lonely:
                coll.error(f"the gradient of '{spec.of}' wrt '{x}' is constant along index "
                           f"'{lonely[0]}' (summed inside '{x}' alone); broadcast gradients are not "
                           "supported yet", where)
                continue
            made[dx] = spec
            names.add(dx)
            new_tensors.append(Tensor(dx, result, Role.OUTPUT, spec.span))
            new_statements.append(Statement(dx, result, tuple(others), spec.span, grad_of=(spec.of, x)))
            new_outputs.append(dx)
    if len(coll.diagnostics) > start:
        if errors is None:
            coll.raise_if_any()
        return net
    used = {i for st in new_statements for i in st.indices} | {
        i for st in new_statements for op in st.operands for i in op.indices} | {
        i for t in new_tensors for i in t.indices}
    fresh = tuple(ix for ix in flat.fresh if ix.name in used)
    return Network(net.name, net.dtype, net.indices + fresh, net.tensors + tuple(new_tensors),
                   net.statements + tuple(new_statements), net.outputs + tuple(new_outputs), net.grads,
                   net.span)
