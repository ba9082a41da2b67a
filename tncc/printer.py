"""Deterministic text forms of the network IR.

* :func:`format_network` is the ``--emit network`` form: a complete ``.tn``
  program with every gradient already expanded (upstream gradients as inputs,
  gradient statements as ordinary statements, fresh indices declared), so it
  parses back to the same tensors and statements.  Derived lines carry a
  comment saying where they came from.
* :func:`to_source` is the form a user would write: derived statements are
  folded back into ``grad y wrt x`` lines.  Parsing it yields a network equal
  to the one printed (spans aside).

Both print every operand with its explicit index list (never the bare-name
shorthand) and use one line per declaration, so equal networks print equal text.
"""

from __future__ import annotations

from tncc.ir import Network, Role, Statement


def _ix(names: tuple[str, ...]) -> str:
    return "[" + ", ".join(names) + "]"


def _statement(st: Statement) -> str:
    rhs = " * ".join(f"{op.tensor}{_ix(op.indices)}" for op in st.operands)
    return f"{st.result}{_ix(st.indices)} = {rhs}"


def derived_names(net: Network) -> tuple[set[str], set[str]]:
    """(tensors, indices) that gradient expansion added to ``net``."""
    tensors = {st.result for st in net.statements if st.grad_of is not None}
    for spec in net.grads:
        up = f"d_{spec.of}"
        if any(t.name == up and t.role is Role.INPUT for t in net.tensors):
            tensors.add(up)
    user_ix: set[str] = set()
    for t in net.tensors:
        if t.name not in tensors:
            user_ix.update(t.indices)
    for st in net.statements:
        if st.grad_of is None:
            for op in st.operands:
                user_ix.update(op.indices)
    grad_ix = {i for st in net.statements if st.grad_of is not None for op in st.operands for i in op.indices}
    grad_ix.update(i for st in net.statements if st.grad_of is not None for i in st.indices)
    # An upstream gradient of a diagonal write declares its repeat under a fresh index.
    grad_ix.update(i for t in net.tensors if t.name in tensors for i in t.indices)
    return tensors, grad_ix - user_ix


def _lines(net: Network, fold_grads: bool) -> list[str]:
    derived_t, derived_i = derived_names(net)
    skip_t, skip_i = (derived_t, derived_i) if fold_grads else (set(), set())
    grad_inputs = set() if fold_grads else derived_t
    statements = {st.result: st for st in net.statements}
    out = [f"network {net.name} {{", f"  dtype {net.dtype.value}"]
    for ix in net.indices:
        if ix.name not in skip_i:
            out.append(f"  index {ix.name} = {ix.size}")
    # Leaves first (a leaf may be declared anywhere, and this keeps the text
    # stable), then statements in their dependency order.
    for t in net.tensors:
        if t.role in (Role.INPUT, Role.PARAM) and t.name not in skip_t:
            note = "  # upstream gradient" if t.name in grad_inputs else ""
            out.append(f"  {t.role.value} {t.name}{_ix(t.indices)}{note}")
    for st in net.statements:
        if st.result in skip_t:
            continue
        note = f"  # grad {st.grad_of[0]} wrt {st.grad_of[1]}" if st.grad_of is not None else ""
        out.append(f"  {_statement(statements[st.result])}{note}")
    outs = [o for o in net.outputs if o not in skip_t]
    if outs:
        out.append("  output " + ", ".join(outs))
    if fold_grads:
        for spec in net.grads:
            out.append(f"  grad {spec.of} wrt " + ", ".join(spec.wrt))
    out.append("}")
    return out


def format_network(net: Network) -> str:
    """The ``--emit network`` text: explicit ``.tn`` with gradients expanded."""
    return "\n".join(_lines(net, fold_grads=False)) + "\n"


def to_source(net: Network) -> str:
    """``.tn`` source for ``net`` with gradients written as ``grad`` lines."""
    return "\n".join(_lines(net, fold_grads=True)) + "\n"


def format_networks(nets: tuple[Network, ...] | list[Network], fold_grads: bool = True) -> str:
    """Several networks as one ``.tn`` file, separated by blank lines."""
    f = to_source if fold_grads else format_network
    return "\n".join(f(n) for n in nets)
