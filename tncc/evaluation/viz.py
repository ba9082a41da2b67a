"""Pictures of networks and plans as Graphviz DOT text.

Two drawings:

* :func:`network_dot` -- the tensor network of every statement, the way the
  field draws one: tensors are nodes, an index shared by two tensors is an
  edge labelled with its name and size, an index shared by three or more
  (a hyperedge, e.g. a CP rank) is a small hub node with an edge to each
  tensor that carries it, and the indices a statement keeps run to a node
  standing for its result.  Each statement is one cluster; gradient
  statements say which gradient they are.
* :func:`plan_dot` -- the contraction plan as a DAG: leaves at the bottom,
  one node per pairwise step with its MACs, result size, dataflow and (when
  a cost function is given) its modelled cycles and energy; a temporary
  shared by several statements has several consumers.

:func:`render` turns DOT text into a file: ``.dot``/``.gv`` are written as
text; any other suffix (``.svg``, ``.png``, ``.pdf``) needs Graphviz's ``dot``
program and is an error naming the missing program otherwise (silently
writing DOT text into a file called ``.svg`` would only move the failure to
whoever opens it).
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Callable, Mapping

from tncc.errors import TnccError
from tncc.io import atomic_write_bytes, atomic_write_text
from tncc.ir import Network, Role, Statement
from tncc.plan import Plan, Step

# Fill colours by role (ColorBrewer "Pastel1"-like, readable in print).
_ROLE_FILL = {
    "input": "#cfe2f3",
    "param": "#fde9c9",
    "grad_input": "#f4cccc",
    "intermediate": "#eeeeee",
    "output": "#d9ead3",
}

TEXT_SUFFIXES = (".dot", ".gv")


def quote(text: str) -> str:
    """``text`` as a DOT double-quoted ID (backslashes and quotes escaped,
    newlines as DOT's ``\\n`` line break)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(**attrs: str | int | float) -> str:
    return "[" + ", ".join(f"{k}={quote(str(v))}" for k, v in attrs.items()) + "]"


def leaf_kind(net: Network, name: str) -> str:
    """The drawing role of a tensor: ``input``, ``param``, ``grad_input`` (an
    upstream gradient ``d_y`` added by ``grad``), ``intermediate`` or ``output``."""
    t = net.tensor(name)
    if t.role is Role.INPUT and name.startswith("d_") and any(g.of == name[2:] for g in net.grads):
        return "grad_input"
    if t.role is Role.INTERMEDIATE and name in net.outputs:
        return "output"
    return t.role.value


def _fmt_count(n: float) -> str:
    """1234567 -> '1.23M': compact figures for node labels."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.3g}{unit}"
    return f"{n:.4g}"


def statement_text(st: Statement) -> str:
    """``y[b,o] = x[b,i] * w[i,o]`` -- the statement as the user would write it."""
    ops = " * ".join(f"{op.tensor}[{','.join(op.indices)}]" for op in st.operands)
    return f"{st.result}[{','.join(st.indices)}] = {ops}"


def network_dot(net: Network) -> str:
    """The DOT text (an undirected ``graph``) of every statement of ``net``.

    Contract: every tensor used by a statement and every index of every
    statement appears in the text (tensors as node labels, indices as edge
    labels or hub-node labels); the text is deterministic."""
    sizes = net.sizes()
    lines = [f"graph {quote(net.name)} {{"]
    lines.append(f"  graph {_attrs(label=f'network {net.name} ({net.dtype.value})', labelloc='t', fontname='Helvetica')};")
    lines.append(f"  node {_attrs(fontname='Helvetica', fontsize=11)};")
    lines.append(f"  edge {_attrs(fontname='Helvetica', fontsize=9)};")
    for k, st in enumerate(net.statements):
        lines.extend(_statement_cluster(net, k, st, sizes))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _statement_cluster(net: Network, k: int, st: Statement, sizes: Mapping[str, int]) -> list[str]:
    title = statement_text(st)
    if st.grad_of is not None:
        title = f"gradient of {st.grad_of[0]} wrt {st.grad_of[1]}\n{title}"
    out = [f"  subgraph {quote(f'cluster_{k}')} {{", f"    graph {_attrs(label=title, style='rounded', color='#999999')};"]
    # One node per operand position: `a[i,j] * a[j,k]` draws `a` twice.
    ends: dict[str, list[str]] = {}
    for p, op in enumerate(st.operands):
        node = f"s{k}.o{p}"
        kind = leaf_kind(net, op.tensor)
        label = f"{op.tensor}\n[{','.join(op.indices)}]"
        out.append(f"    {quote(node)} {_attrs(label=label, shape='box', style='filled,rounded', fillcolor=_ROLE_FILL[kind])};")
        for i in op.indices:
            ends.setdefault(i, []).append(node)
    res = f"s{k}.result"
    kind = leaf_kind(net, st.result)
    res_attrs = _attrs(label=f"{st.result}[{','.join(st.indices)}]", shape="doubleoctagon", style="filled", fillcolor=_ROLE_FILL[kind])
    out.append(f"    {quote(res)} {res_attrs};")
    for i in st.indices:
        ends.setdefault(i, []).append(res)
    for i, nodes in ends.items():
        label = f"{i} ({sizes[i]})"
        if len(nodes) == 2:
            out.append(f"    {quote(nodes[0])} -- {quote(nodes[1])} {_attrs(label=label)};")
            continue
        # A hyperedge (3+ ends) gets a hub; a summed index carried by one
        # operand alone (a trace-like sum) gets a dangling stub so it is visible.
        hub = f"s{k}.ix.{i}"
        if len(nodes) >= 3:
            out.append(f"    {quote(hub)} {_attrs(label=label, shape='point', width=0.12, xlabel=label)};")
        else:
            out.append(f"    {quote(hub)} {_attrs(label=label, shape='plaintext', fontsize=9)};")
        for n in nodes:
            out.append(f"    {quote(n)} -- {quote(hub)} {_attrs(label=i)};")
    out.append("  }")
    return out


# A step-cost function returns label lines, e.g. {"cycles": 1234, "energy pJ": 5.6e3}.
StepCost = Callable[[Step], Mapping[str, float]]


def plan_dot(plan: Plan, step_cost: StepCost | None = None) -> str:
    """The DOT text (a ``digraph``, leaves at the bottom) of ``plan``'s steps.

    Each step node shows its result, indices, MACs, result size, dataflow and
    the figures ``step_cost`` returns for it; each edge is labelled with the
    indices under which the step sees that operand.  Contract: every leaf and
    every step result appears, and so does every index of every step."""
    net = plan.network
    sizes = net.sizes()
    total = plan.macs()
    lines = [f"digraph {quote('plan ' + net.name)} {{"]
    head = f"plan of {net.name}: {_fmt_count(total)} MACs, objective {plan.objective}"
    if plan.proven_optimal:
        head += " (proven optimal)"
    lines.append(f"  graph {_attrs(label=head, labelloc='t', rankdir='BT', fontname='Helvetica')};")
    lines.append(f"  node {_attrs(fontname='Helvetica', fontsize=10)};")
    lines.append(f"  edge {_attrs(fontname='Helvetica', fontsize=9)};")
    used = {op.value for s in plan.steps for op in s.operands}
    for t in net.leaves():
        if t.name not in used:
            continue
        label = f"{t.name}\n[{','.join(t.indices)}]"
        lines.append(f"  {quote(t.name)} {_attrs(label=label, shape='box', style='filled,rounded', fillcolor=_ROLE_FILL[leaf_kind(net, t.name)])};")
    statements = {st.result for st in net.statements}
    consumers = Counter(op.value for s in plan.steps for op in s.operands)
    for k, step in enumerate(plan.steps):
        macs = step.macs(sizes)
        rows = [f"{step.result}[{','.join(step.indices)}]", f"step {k} of {step.statement}: {_fmt_count(macs)} MACs ({100 * macs / total:.1f}%)" if total else f"step {k} of {step.statement}",
                f"size {_fmt_count(step.size(sizes))}" + (f", {step.dataflow}" if step.dataflow else "")]
        if step_cost is not None:
            rows.extend(f"{key} {_fmt_count(val)}" for key, val in step_cost(step).items())
        if consumers[step.result] > 1:
            rows.append(f"shared by {consumers[step.result]} steps")
        if step.result in statements:
            kind = leaf_kind(net, step.result)
            attrs = _attrs(label="\n".join(rows), shape="box", style="filled", fillcolor=_ROLE_FILL[kind])
        else:
            attrs = _attrs(label="\n".join(rows), shape="ellipse")
        lines.append(f"  {quote(step.result)} {attrs};")
        for op in step.operands:
            lines.append(f"  {quote(op.value)} -> {quote(step.result)} {_attrs(label=','.join(op.indices) or '(scalar)')};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz_available() -> bool:
    """Whether Graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def render(dot: str, out: str | Path) -> None:
    """Write ``dot`` to ``out``: as text for ``.dot``/``.gv``, otherwise
    rendered by Graphviz in the format the suffix names.  Atomic: ``out`` is
    either untouched or complete.  Raises :class:`TnccError` when Graphviz is
    missing or fails."""
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        atomic_write_text(path, dot)
        return
    fmt = suffix.lstrip(".")
    if not fmt:
        raise TnccError(f"{path}: cannot tell the picture format: name the file .dot, .gv, .svg, .png or .pdf")
    exe = shutil.which("dot")
    if exe is None:
        raise TnccError(
            f"{path}: writing .{fmt} needs Graphviz's `dot` program, which is not installed; "
            f"install Graphviz (e.g. `apt-get install graphviz`) or write DOT text with -o {path.with_suffix('.dot')}"
        )
    try:
        proc = subprocess.run([exe, f"-T{fmt}"], input=dot.encode("utf-8"), capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TnccError(f"{path}: Graphviz failed: {exc}") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
        raise TnccError(f"{path}: Graphviz could not render .{fmt}: {msg}")
    atomic_write_bytes(path, proc.stdout)
