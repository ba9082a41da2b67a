"""Semantic checks of a parsed ``.tn`` file and its lowering to the network IR.

:func:`check_file` walks every network of a :class:`~tncc.frontend.ast.SourceFile`,
collects *every* error it finds (in all networks) into one
:class:`~tncc.errors.Collector`, and raises them together.  A network that
passes becomes a :class:`~tncc.ir.Network` with ``grad`` already expanded by
:func:`tncc.frontend.grad.expand_grads`.

Scoping decisions (documented in docs/language.md):

* indices may be declared anywhere in their network (declarations are
  gathered first); a tensor's indices must be declared somewhere;
* inputs and params may be declared anywhere in their network;
* a statement result can only be used by later statements;
* index names and tensor names live in separate namespaces;
* an output must be a statement result (an input is not computed).
"""

from __future__ import annotations

import difflib

from tncc.errors import Collector, Span
from tncc.frontend import ast
from tncc.frontend.grad import expand_grads
from tncc.ir import DType, GradSpec, Index, Network, Operand, Role, Statement, Tensor

MAX_SIZE = 2**31 - 1
MAX_RANK = 64  # numpy's limit on array dimensions: the reference and the emulator hold tensors as arrays
USER_DTYPES = {"fp32": DType.FP32, "fp16": DType.FP16, "bf16": DType.BF16, "int8": DType.INT8}


def _hint(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _fmt(names: tuple[str, ...]) -> str:
    return "[" + ", ".join(names) + "]"


class _NetworkChecker:
    """Checks one network; ``errors`` is shared by the whole file."""

    def __init__(self, decl: ast.NetworkDecl, errors: Collector) -> None:
        self.decl = decl
        self.errors = errors
        self.start = len(errors.diagnostics)
        self.dtype = DType.FP32
        self.index_defs: dict[str, ast.IndexDef] = {}
        self.bad_indices: set[str] = set()  # declared, but with an invalid size
        self.leaf_decls: dict[str, ast.TensorDecl] = {}
        self.tensor_where: dict[str, Span] = {}
        self.tensor_indices: dict[str, tuple[str, ...] | None] = {}  # None: declaration was broken
        self.tensors: list[Tensor] = []
        self.statements: list[Statement] = []
        self.results: dict[str, ast.Contraction] = {}
        self.outputs: list[str] = []
        self.grads: list[GradSpec] = []

    def error(self, message: str, span: Span) -> None:
        self.errors.error(message, span)

    # -- pass 1: declarations that may appear anywhere --------------------------
    def gather(self) -> None:
        for item in self.decl.items:
            if isinstance(item, ast.IndexStmt):
                for d in item.defs:
                    self.declare_index(d)
        for item in self.decl.items:
            if isinstance(item, ast.DeclStmt):
                for td in item.decls:
                    self.declare_leaf(td)
        # Results are known by name up front so that a use before definition
        # gets a precise message instead of "unknown tensor".
        for item in self.decl.items:
            if isinstance(item, ast.Contraction):
                name = item.result.text
                if name in self.leaf_decls:
                    first = self.leaf_decls[name].span
                    self.error(f"tensor '{name}' is already declared at line {first.line}", item.result.span)
                elif name in self.results:
                    first = self.results[name].span
                    self.error(f"tensor '{name}' is already defined at line {first.line}", item.result.span)
                else:
                    self.results[name] = item

    def declare_index(self, d: ast.IndexDef) -> None:
        name = d.name.text
        if name in self.index_defs:
            first = self.index_defs[name].span
            self.error(f"index '{name}' is already declared at line {first.line}", d.name.span)
            return
        self.index_defs[name] = d
        if d.size <= 0:
            self.error(f"index '{name}' needs a positive size, got {d.size}", d.size_span)
            self.bad_indices.add(name)
        elif d.size > MAX_SIZE:
            self.error(f"index '{name}' is too large: sizes are at most {MAX_SIZE}", d.size_span)
            self.bad_indices.add(name)

    def index_list(self, names: tuple[ast.Name, ...], what: str, repeat: bool = False) -> tuple[str, ...] | None:
        """Check a list of index names (unknown names are errors, and so are
        repeated ones unless ``repeat``: a use site or a result may repeat an
        index, a diagonal); ``None`` if any is wrong."""
        ok = True
        seen: set[str] = set()
        for n in names:
            if n.text not in self.index_defs:
                self.error(f"unknown index '{n.text}'{_hint(n.text, list(self.index_defs))}", n.span)
                ok = False
            elif n.text in seen and not repeat:
                self.error(f"index '{n.text}' appears twice in {what}", n.span)
                ok = False
            elif n.text in self.bad_indices:
                ok = False
            seen.add(n.text)
        return tuple(n.text for n in names) if ok else None

    def declare_leaf(self, td: ast.TensorDecl) -> None:
        name = td.name.text
        if name in self.leaf_decls:
            first = self.leaf_decls[name].span
            self.error(f"tensor '{name}' is already declared at line {first.line}", td.name.span)
            return
        self.leaf_decls[name] = td
        self.tensor_where[name] = td.span
        self.tensor_indices[name] = self.index_list(td.indices, f"the declaration of '{name}'")
        self.check_rank(name, td.indices)

    def check_rank(self, name: str, names: tuple[ast.Name, ...]) -> None:
        """At most :data:`MAX_RANK` indices on one tensor (error at the first one past it)."""
        if len(names) > MAX_RANK:
            self.error(f"tensor '{name}' has {len(names)} indices; at most {MAX_RANK} are supported "
                       "(numpy's limit on array dimensions)", names[MAX_RANK].span)

    # -- pass 2: everything in source order ------------------------------------
    def walk(self) -> None:
        dtype_seen: ast.DtypeStmt | None = None
        tensor_seen = False
        for item in self.decl.items:
            if isinstance(item, ast.DtypeStmt):
                if dtype_seen is not None:
                    self.error(f"dtype is already given at line {dtype_seen.span.line}", item.span)
                elif tensor_seen:
                    self.error("dtype must come before every tensor of the network", item.span)
                dtype_seen = dtype_seen or item
                t = item.type_name.text
                if t not in USER_DTYPES:
                    self.error(f"unknown dtype '{t}'; expected fp32, fp16, bf16 or int8", item.type_name.span)
                elif dtype_seen is item:
                    self.dtype = USER_DTYPES[t]
            elif isinstance(item, ast.DeclStmt):
                tensor_seen = True
                for td in item.decls:
                    if self.leaf_decls.get(td.name.text) is td:
                        ix = self.tensor_indices[td.name.text]
                        if ix is not None:
                            role = Role.INPUT if td.kind is ast.DeclKind.INPUT else Role.PARAM
                            self.tensors.append(Tensor(td.name.text, ix, role, td.span))
            elif isinstance(item, ast.Contraction):
                tensor_seen = True
                self.contraction(item)
            elif isinstance(item, ast.OutputStmt):
                self.output(item)
            elif isinstance(item, ast.GradStmt):
                self.grad(item)

    def operand(self, op: ast.OperandRef, result: str) -> Operand | None:
        name = op.name.text
        if name == result:
            self.error(f"'{name}' is used in its own definition", op.name.span)
            return None
        if name in self.results and name not in self.tensor_where:
            line = self.results[name].span.line
            self.error(f"'{name}' is used before the statement that defines it (line {line})", op.name.span)
            return None
        if name not in self.tensor_where:
            known = list(self.tensor_where) + list(self.results)
            self.error(f"unknown tensor '{name}'{_hint(name, known)}", op.name.span)
            return None
        declared = self.tensor_indices.get(name)
        if declared is None:
            return None  # its declaration is already reported
        if op.indices is None:
            return Operand(name, declared, op.span)
        if len(op.indices) != len(declared):
            given = len(op.indices)
            self.error(f"'{name}' has {len(declared)} indices {_fmt(declared)}, but {given} "
                       f"{'is' if given == 1 else 'are'} given here", op.span)
            return None
        uses = self.index_list(op.indices, f"operand '{name}'", repeat=True)
        if uses is None:
            return None
        ok = True
        for pos, (use, dec, n) in enumerate(zip(uses, declared, op.indices), start=1):
            us, ds = self.index_defs[use].size, self.index_defs[dec].size
            if us != ds:
                self.error(f"index '{use}' has size {us}, but position {pos} of '{name}' has size {ds} "
                           f"(declared as '{dec}')", n.span)
                ok = False
        return Operand(name, uses, op.span) if ok else None

    def contraction(self, st: ast.Contraction) -> None:
        name = st.result.text
        owner = self.results.get(name) is st
        indices = self.index_list(st.indices, f"the result '{name}'", repeat=True)
        self.check_rank(name, st.indices)
        checked = [self.operand(op, name) for op in st.operands]
        operands = [o for o in checked if o is not None]
        complete = len(operands) == len(checked)  # every operand passed its checks
        if indices is not None and complete:
            present = {i for o in operands for i in o.indices}
            absent = False
            for n in st.indices:
                # A repeated result index writes a diagonal: it needs no operand.
                if n.text not in present and indices.count(n.text) == 1:
                    self.error(f"result index '{n.text}' of '{name}' occurs in no operand", n.span)
                    absent = True
            if absent:
                indices = None
        if not owner:
            return
        self.tensor_where[name] = st.span
        self.tensor_indices[name] = indices
        if indices is not None and complete:
            self.statements.append(Statement(name, indices, tuple(operands), st.span))
            self.tensors.append(Tensor(name, indices, Role.INTERMEDIATE, st.span))

    def output(self, item: ast.OutputStmt) -> None:
        for n in item.names:
            if n.text in self.outputs:
                self.error(f"'{n.text}' is already an output", n.span)
            elif n.text in self.leaf_decls:
                kind = self.leaf_decls[n.text].kind.value
                self.error(f"'{n.text}' is an {kind}, not a computed tensor; only statement results "
                           "can be outputs", n.span)
            elif n.text not in self.results:
                known = list(self.results)
                self.error(f"unknown tensor '{n.text}'{_hint(n.text, known)}", n.span)
            else:
                self.outputs.append(n.text)

    def grad(self, item: ast.GradStmt) -> None:
        """Name checks with precise spans; the expansion itself (dependence,
        repetition, name clashes) is :func:`tncc.frontend.grad.expand_grads`'s job."""
        y = item.of.text
        ok = True
        if y in self.leaf_decls:
            kind = self.leaf_decls[y].kind.value
            self.error(f"'{y}' is an {kind}; grad needs a computed tensor (a statement result)", item.of.span)
            ok = False
        elif y not in self.results:
            self.error(f"unknown tensor '{y}'{_hint(y, list(self.results))}", item.of.span)
            ok = False
        for w in item.wrt:
            if w.text not in self.leaf_decls and w.text not in self.results:
                known = list(self.leaf_decls) + list(self.results)
                self.error(f"unknown tensor '{w.text}'{_hint(w.text, known)}", w.span)
                ok = False
            elif w.text == y:
                self.error(f"grad of '{y}' with respect to itself", w.span)
                ok = False
        if ok:
            self.grads.append(GradSpec(y, tuple(w.text for w in item.wrt), item.span,
                                       tuple(w.span for w in item.wrt)))

    # -- result ----------------------------------------------------------------
    def network(self) -> Network | None:
        self.gather()
        self.walk()
        if len(self.errors.diagnostics) > self.start:
            return None
        outs = set(self.outputs)
        tensors = tuple(Tensor(t.name, t.indices, Role.OUTPUT, t.span) if t.name in outs else t
                        for t in self.tensors)
        indices = tuple(Index(d.name.text, d.size, d.span) for d in self.index_defs.values())
        net = Network(self.decl.name.text, self.dtype, indices, tensors, tuple(self.statements),
                      tuple(self.outputs), tuple(self.grads), self.decl.span)
        if self.grads:
            net = expand_grads(net, self.errors)
            if len(self.errors.diagnostics) > self.start:
                return None
        if not net.outputs:
            self.error(f"network '{net.name}' has no output; add 'output NAME' (or 'grad')", self.decl.name.span)
            return None
        return net


def check_file(source: ast.SourceFile) -> tuple[Network, ...]:
    """Check every network of ``source`` and lower it to the network IR.

    Raises one :class:`~tncc.errors.TnccError` holding every error of the file."""
    errors = Collector()
    if not source.networks:
        errors.error("no network in this file; expected 'network NAME { ... }'", where=source.path)
    seen: dict[str, ast.NetworkDecl] = {}
    nets: list[Network] = []
    for decl in source.networks:
        if decl.name.text in seen:
            first = seen[decl.name.text].span
            errors.error(f"network '{decl.name.text}' is already defined at line {first.line}", decl.name.span)
        else:
            seen[decl.name.text] = decl
        net = _NetworkChecker(decl, errors).network()
        if net is not None:
            nets.append(net)
    errors.raise_if_any()
    return tuple(nets)
