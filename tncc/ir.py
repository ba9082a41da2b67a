"""The network IR: tensors, the indices (hyperedges) that connect them, and the
contraction statements that define new tensors.

This is the level every later stage starts from.  It is produced by the front
end (``tncc.frontend``) or by :func:`tncc.frontend.einsum.from_einsum`, with ``grad``
already expanded: every gradient is an ordinary statement whose result is an
output named ``d_<tensor>``, and every upstream gradient ``d_<y>`` is an input.

Invariants (checked by :meth:`Network.verify`):

* names of indices and tensors are unique; every size is positive;
* every tensor's declared indices are declared indices; a leaf's (and a
  delta's) are distinct, a statement result's repeat exactly where the
  statement's result indices do;
* statements appear in dependency order; each operand names a tensor defined
  before it (a leaf, a delta or an earlier statement's result) and its
  use-site index list has the tensor's rank, position by position of the
  declared sizes.  A use-site list may repeat an index: the operand is read
  along its diagonal (``a[i, i]``);
* a statement's result indices each occur in some operand, or repeat in the
  result: a repeated result index writes the value onto that diagonal of an
  otherwise zero tensor (``d[i, i] = s[]``: ``s`` times the identity), the
  adjoint of a diagonal read, which gradients of diagonal uses need;
* every output names a statement result, once; a result's role is OUTPUT
  exactly when it is an output, INTERMEDIATE otherwise;
* a gradient statement (``grad_of=(y, x)``) has the shape of ``x``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from tncc.errors import Span, VerifyError

if TYPE_CHECKING:
    import networkx as nx


class Role(enum.Enum):
    INPUT = "input"
    PARAM = "param"
    INTERMEDIATE = "intermediate"
    OUTPUT = "output"
    # A Kronecker delta: 1 where all its index values are equal, 0 elsewhere
    # (all ones for rank 1).  Never written by a user: the back end rewrites
    # diagonal reads and writes into products with deltas, which the program
    # loader fills (tncc.passes.diagonal).
    DELTA = "delta"


class DType(enum.Enum):
    """Element types of the language.  ``INT32`` is never declared by a user:
    it is the type of intermediates and outputs of an ``int8`` network."""

    FP32 = "fp32"
    FP16 = "fp16"
    BF16 = "bf16"
    INT8 = "int8"
    INT32 = "int32"

    @property
    def nbytes(self) -> int:
        return {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1, "int32": 4}[self.value]

    @property
    def is_int(self) -> bool:
        return self in (DType.INT8, DType.INT32)

    @property
    def accumulator(self) -> "DType":
        """The type products accumulate in: int32 for int8, fp32 otherwise."""
        return DType.INT32 if self.is_int else DType.FP32

    @property
    def stored(self) -> "DType":
        """The type a statement result of a network of this type is stored
        in: int32 for int8, the type itself otherwise."""
        return DType.INT32 if self.is_int else self


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    size: int
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Tensor:
    """A declared tensor (input or param) or a statement result.

    ``indices`` are the declared index names, in storage order."""

    name: str
    indices: tuple[str, ...]
    role: Role
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Operand:
    """A use of ``tensor`` in a statement, seen through the use-site index names
    ``indices`` (same rank and sizes as the declaration; names may differ)."""

    tensor: str
    indices: tuple[str, ...]
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    """``result[indices] = operands[0] * operands[1] * ...`` in einsum semantics.

    ``grad_of`` is ``(y, x)`` for the statement derived from ``grad y wrt x``
    (result ``d_x``), ``None`` for statements the user wrote."""

    result: str
    indices: tuple[str, ...]
    operands: tuple[Operand, ...]
    span: Span | None = None
    grad_of: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class GradSpec:
    """``grad of wrt wrt[0], wrt[1], ...`` as the user wrote it.

    ``wrt_spans`` (optional, parallel to ``wrt``) locate each name so that a
    diagnostic about one gradient points at that name."""

    of: str
    wrt: tuple[str, ...]
    span: Span | None = None
    wrt_spans: tuple[Span | None, ...] = ()

    def wrt_span(self, k: int) -> Span | None:
        return self.wrt_spans[k] if k < len(self.wrt_spans) else self.span


@dataclass(frozen=True, slots=True)
class Network:
    name: str
    dtype: DType
    indices: tuple[Index, ...]
    tensors: tuple[Tensor, ...]
    statements: tuple[Statement, ...]
    outputs: tuple[str, ...]
    grads: tuple[GradSpec, ...] = ()
    span: Span | None = None

    # -- lookups -------------------------------------------------------------
    def sizes(self) -> dict[str, int]:
        return {ix.name: ix.size for ix in self.indices}

    def size(self, index: str) -> int:
        for ix in self.indices:
            if ix.name == index:
                return ix.size
        raise KeyError(index)

    def tensor(self, name: str) -> Tensor:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(name)

    def shape(self, name: str) -> tuple[int, ...]:
        sizes = self.sizes()
        return tuple(sizes[i] for i in self.tensor(name).indices)

    def leaves(self) -> tuple[Tensor, ...]:
        """Tensors supplied at run time (inputs, params, upstream gradients)."""
        return tuple(t for t in self.tensors if t.role in (Role.INPUT, Role.PARAM))

    def statement(self, result: str) -> Statement:
        for st in self.statements:
            if st.result == result:
                return st
        raise KeyError(result)

    def storage_dtype(self, name: str) -> DType:
        """The element type ``name`` is stored in: the declared dtype for leaves,
        the accumulator type for statement results of an int8 network."""
        if self.tensor(name).role in (Role.INTERMEDIATE, Role.OUTPUT):
            return self.dtype.stored
        return self.dtype

    def equation(self, st: Statement) -> str:
        """The statement as a numpy einsum equation over single letters."""
        letters: dict[str, str] = {}
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

        def conv(ixs: tuple[str, ...]) -> str:
            out = []
            for i in ixs:
                if i not in letters:
                    letters[i] = alphabet[len(letters)]
                out.append(letters[i])
            return "".join(out)

        lhs = ",".join(conv(op.indices) for op in st.operands)
        return f"{lhs}->{conv(st.indices)}"

    # -- graph views (networkx) ------------------------------------------------
    def dependency_graph(self) -> "nx.DiGraph":
        """Tensors as nodes, an edge ``a -> b`` when statement ``b`` uses ``a``."""
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(t.name for t in self.tensors)
        for st in self.statements:
            for op in st.operands:
                g.add_edge(op.tensor, st.result)
        return g

    def depends_on(self, tensor: str, on: str) -> bool:
        """True when ``tensor``'s value is computed (directly or through
        intermediate statements) from ``on``."""
        import networkx as nx

        g = self.dependency_graph()
        return tensor != on and on in g and tensor in g and nx.has_path(g, on, tensor)

    def operand_components(self, st: Statement) -> tuple[tuple[int, ...], ...]:
        """The operands of ``st`` grouped by connectivity: two operands are
        connected when they share an index (directly or through others).  More
        than one group means the statement contains an outer product between
        the groups.  Groups are sorted by their first operand position."""
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(len(st.operands)))
        first: dict[str, int] = {}
        for k, op in enumerate(st.operands):
            for i in op.indices:
                if i in first:
                    g.add_edge(first[i], k)
                else:
                    first[i] = k
        return tuple(sorted(tuple(sorted(c)) for c in nx.connected_components(g)))

    def index_degree(self, st: Statement) -> dict[str, int]:
        """For each index of ``st``'s operands, how many operands carry it
        (3 or more: a hyperedge)."""
        deg: dict[str, int] = {}
        for op in st.operands:
            for i in op.indices:
                deg[i] = deg.get(i, 0) + 1
        return deg

    def verify(self) -> None:
        """Raise :class:`~tncc.errors.VerifyError` naming the first broken invariant (see module doc)."""
        verify_network(self)


def sizes_of(indices: Mapping[str, int] | tuple[Index, ...]) -> dict[str, int]:
    if isinstance(indices, tuple):
        return {ix.name: ix.size for ix in indices}
    return dict(indices)


def verify_network(net: Network) -> None:
    """Raise :class:`~tncc.errors.VerifyError` naming the first broken invariant (module doc)."""
    sizes: dict[str, int] = {}
    for ix in net.indices:
        if ix.name in sizes:
            raise VerifyError(f"index {ix.name!r} declared twice")
        if ix.size <= 0:
            raise VerifyError(f"index {ix.name!r} has size {ix.size}")
        sizes[ix.name] = ix.size
    tensors = {}
    for t in net.tensors:
        if t.name in tensors:
            raise VerifyError(f"tensor {t.name!r} declared twice")
        # A statement's result may repeat an index (a diagonal write); what
        # the program is given may not.
        if t.role in (Role.INPUT, Role.PARAM, Role.DELTA) and len(set(t.indices)) != len(t.indices):
            raise VerifyError(f"tensor {t.name!r} repeats an index")
        for i in t.indices:
            if i not in sizes:
                raise VerifyError(f"tensor {t.name!r} uses undeclared index {i!r}")
        tensors[t.name] = t
    defined = {t.name for t in net.tensors if t.role in (Role.INPUT, Role.PARAM, Role.DELTA)}
    for t in net.tensors:
        if t.role is Role.DELTA and len({sizes[i] for i in t.indices}) != 1:
            raise VerifyError(f"delta {t.name!r} needs one size on every axis")
    for st in net.statements:
        if st.result not in tensors:
            raise VerifyError(f"statement result {st.result!r} is not a tensor")
        if st.result in defined:
            raise VerifyError(f"{st.result!r} defined twice")
        decl = tensors[st.result]
        if decl.indices != st.indices:
            raise VerifyError(f"{st.result!r}: declaration and statement disagree")
        seen: set[str] = set()
        if not st.operands:
            raise VerifyError(f"{st.result!r} has no operands")
        for op in st.operands:
            if op.tensor not in defined:
                raise VerifyError(f"{st.result!r} uses {op.tensor!r} before it is defined")
            t = tensors[op.tensor]
            if len(op.indices) != len(t.indices):
                raise VerifyError(f"{st.result!r}: rank mismatch for {op.tensor!r}")
            for use, dec in zip(op.indices, t.indices):
                if use not in sizes:
                    raise VerifyError(f"{st.result!r}: undeclared index {use!r}")
                if sizes[use] != sizes[dec]:
                    raise VerifyError(f"{st.result!r}: size mismatch {use!r} vs {dec!r}")
            seen.update(op.indices)
        for i in st.indices:
            # A repeated result index is a diagonal write: it brings its own identity.
            if i not in seen and st.indices.count(i) < 2:
                raise VerifyError(f"{st.result!r}: result index {i!r} occurs in no operand")
        defined.add(st.result)
    for o in net.outputs:
        if o not in tensors:
            raise VerifyError(f"output {o!r} is not a tensor")
    if len(set(net.outputs)) != len(net.outputs):
        raise VerifyError("an output is listed twice")
    results = {st.result for st in net.statements}
    outs = set(net.outputs)
    for o in net.outputs:
        if o not in results:
            raise VerifyError(f"output {o!r} is not a statement result")
    for name in results:
        role = tensors[name].role
        want = Role.OUTPUT if name in outs else Role.INTERMEDIATE
        if role is not want:
            raise VerifyError(f"{name!r} has role {role.value}, expected {want.value}")
    for st in net.statements:
        if st.grad_of is not None:
            x = st.grad_of[1]
            if x not in tensors:
                raise VerifyError(f"{st.result!r} is the gradient of unknown tensor {x!r}")
            shape = [sizes[i] for i in st.indices]
            want_shape = [sizes[i] for i in tensors[x].indices]
            if shape != want_shape:
                raise VerifyError(f"gradient {st.result!r} has shape {shape}, {x!r} has {want_shape}")
