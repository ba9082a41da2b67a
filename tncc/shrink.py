"""Shrinking a network that shows a failure to a minimal one that still does.

The fuzzing campaign (``bench/fuzz.py``) finds failures in programs of many
statements and large indices; a regression test wants the smallest program
with the same failure.  :func:`shrink` works on the network with its
gradients written out (``printer.format_network``: upstream gradients are
inputs, gradient statements ordinary ones), and greedily takes the first of
these smaller candidates that still fails, until none does or time is up:

* drop an output (and whatever only it needed),
* cut a statement: its result becomes an input (and its inputs go),
* drop an operand of a statement (where the result keeps its indices),
* shrink an index: to 1, else to half its size,
* make the dtype fp32.

The predicate decides what "still fails" means (the campaign: the same
status, and for a crash the same exception at the same place).
"""

from __future__ import annotations

import time
from typing import Callable, Iterator

from tncc.errors import TnccError
from tncc.frontend import load_source
from tncc.ir import DType, Index, Network, Role, Statement, Tensor
from tncc.printer import format_network


def flatten(net: Network) -> Network:
    """``net`` with its gradients written out as ordinary statements."""
    (flat,) = load_source(format_network(net), file=f"<{net.name}>")
    return flat


def prune(net: Network) -> Network | None:
    """``net`` without the statements no output needs, the tensors nothing
    uses and the indices no tensor has; None if that is not a valid network."""
    producer = {st.result: st for st in net.statements}
    needed: set[str] = set()
    todo = list(net.outputs)
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        if name in producer:
            todo.extend(op.tensor for op in producer[name].operands)
    statements = tuple(st for st in net.statements if st.result in needed)
    tensors = tuple(t for t in net.tensors if t.name in needed)
    used = {i for t in tensors for i in t.indices} | {i for st in statements for op in st.operands for i in op.indices}
    indices = tuple(ix for ix in net.indices if ix.name in used)
    try:
        out = Network(net.name, net.dtype, indices, tensors, statements, net.outputs)
        out.verify()
    except (TnccError, AssertionError, KeyError, ValueError):
        return None
    return out


def candidates(net: Network) -> Iterator[Network | None]:
    """Smaller variants of ``net`` (module doc), most promising first; None
    in place of a variant that prunes to no valid network."""
    def made(indices: tuple[Index, ...] | None = None, tensors: tuple[Tensor, ...] | None = None,
             statements: tuple[Statement, ...] | None = None, outputs: tuple[str, ...] | None = None,
             dtype: DType | None = None) -> Network | None:
        return prune(Network(net.name, dtype or net.dtype, indices if indices is not None else net.indices,
                             tensors if tensors is not None else net.tensors,
                             statements if statements is not None else net.statements,
                             outputs if outputs is not None else net.outputs))

    def role(name: str, r: Role) -> tuple[Tensor, ...]:
        return tuple(Tensor(t.name, t.indices, r) if t.name == name else t for t in net.tensors)

    if len(net.outputs) > 1:
        for o in net.outputs:
            yield made(outputs=tuple(x for x in net.outputs if x != o), tensors=role(o, Role.INTERMEDIATE))
    for k, st in enumerate(net.statements):
        if st.result not in net.outputs:
            rest = net.statements[:k] + net.statements[k + 1:]
            yield made(statements=rest, tensors=role(st.result, Role.INPUT))
    for k, st in enumerate(net.statements):
        for j in range(len(st.operands)):
            if len(st.operands) < 2:
                break
            ops = st.operands[:j] + st.operands[j + 1:]
            if set(st.indices) <= {i for op in ops for i in op.indices}:
                new = Statement(st.result, st.indices, ops)
                yield made(statements=net.statements[:k] + (new,) + net.statements[k + 1:])
    for k, ix in enumerate(net.indices):
        for size in dict.fromkeys((1, (ix.size + 1) // 2)):
            if size < ix.size:
                yield made(indices=net.indices[:k] + (Index(ix.name, size),) + net.indices[k + 1:])
    if net.dtype is not DType.FP32:
        yield made(dtype=DType.FP32)


def shrink(net: Network, fails: Callable[[Network], bool], seconds: float = 300.0,
           on_step: Callable[[Network], None] | None = None) -> Network:
    """The smallest network found from ``net`` (flattened) for which
    ``fails`` holds, trying candidates greedily for at most ``seconds``.
    ``on_step`` sees each smaller failing network as it is found."""
    cur = prune(flatten(net)) or flatten(net)
    end = time.monotonic() + seconds
    progress = True
    while progress and time.monotonic() < end:
        progress = False
        for cand in candidates(cur):
            if time.monotonic() >= end:
                break
            if cand is None or cand == cur:
                continue
            if fails(cand):
                cur, progress = cand, True
                if on_step is not None:
                    on_step(cur)
                break
    return cur
