"""Structural checks of the IR levels.  A failure is a compiler bug, not a user
error, so it raises ``AssertionError`` naming the broken invariant."""

from __future__ import annotations

from tncc.ir import Network, Role


def verify_network(net: Network) -> None:
    sizes: dict[str, int] = {}
    for ix in net.indices:
        assert ix.name not in sizes, f"index {ix.name!r} declared twice"
        assert ix.size > 0, f"index {ix.name!r} has size {ix.size}"
        sizes[ix.name] = ix.size
    tensors = {}
    for t in net.tensors:
        assert t.name not in tensors, f"tensor {t.name!r} declared twice"
        if t.role in (Role.INPUT, Role.PARAM, Role.DELTA):
            assert len(set(t.indices)) == len(t.indices), f"tensor {t.name!r} repeats an index"
        for i in t.indices:
            assert i in sizes, f"tensor {t.name!r} uses undeclared index {i!r}"
        tensors[t.name] = t
    defined = {t.name for t in net.tensors if t.role in (Role.INPUT, Role.PARAM, Role.DELTA)}
    for t in net.tensors:
        if t.role is Role.DELTA:
            assert len({sizes[i] for i in t.indices}) == 1, f"delta {t.name!r} needs one size on every axis"
    for st in net.statements:
        assert st.result in tensors, f"statement result {st.result!r} is not a tensor"
        assert st.result not in defined, f"{st.result!r} defined twice"
        decl = tensors[st.result]
        assert decl.indices == st.indices, f"{st.result!r}: declaration and statement disagree"
        seen: set[str] = set()
        assert st.operands, f"{st.result!r} has no operands"
        for op in st.operands:
            assert op.tensor in defined, f"{st.result!r} uses {op.tensor!r} before it is defined"
            t = tensors[op.tensor]
            assert len(op.indices) == len(t.indices), f"{st.result!r}: rank mismatch for {op.tensor!r}"
            for use, dec in zip(op.indices, t.indices):
                assert use in sizes, f"{st.result!r}: undeclared index {use!r}"
                assert sizes[use] == sizes[dec], f"{st.result!r}: size mismatch {use!r} vs {dec!r}"
            seen.update(op.indices)
        for i in st.indices:
            # A repeated result index is a diagonal write: it brings its own identity.
            assert i in seen or st.indices.count(i) > 1, f"{st.result!r}: result index {i!r} occurs in no operand"
        defined.add(st.result)
    for o in net.outputs:
        assert o in tensors, f"output {o!r} is not a tensor"
    assert len(set(net.outputs)) == len(net.outputs), "an output is listed twice"
    results = {st.result for st in net.statements}
    outs = set(net.outputs)
    for o in net.outputs:
        assert o in results, f"output {o!r} is not a statement result"
    for name in results:
        role = tensors[name].role
        want = Role.OUTPUT if name in outs else Role.INTERMEDIATE
        assert role is want, f"{name!r} has role {role.value}, expected {want.value}"
    for st in net.statements:
        if st.grad_of is not None:
            x = st.grad_of[1]
            assert x in tensors, f"{st.result!r} is the gradient of unknown tensor {x!r}"
            shape = [sizes[i] for i in st.indices]
            want_shape = [sizes[i] for i in tensors[x].indices]
            assert shape == want_shape, f"gradient {st.result!r} has shape {shape}, {x!r} has {want_shape}"


def verify_plan(plan: "Plan") -> None:  # noqa: F821 - imported lazily to avoid a cycle
    from tncc.ir import Role as _Role

    net = plan.network
    sizes = net.sizes()
    values: dict[str, int] = {t.name: len(t.indices) for t in net.tensors if t.role in (_Role.INPUT, _Role.PARAM, _Role.DELTA)}
    results = {st.result: st for st in net.statements}
    for k, step in enumerate(plan.steps):
        where = f"step {k} ({step.result})"
        assert step.result not in values, f"{where}: value defined twice"
        assert 1 <= len(step.operands) <= 2, f"{where}: steps take one or two operands"
        for op in step.operands:
            assert op.value in values, f"{where}: operand {op.value!r} not yet defined"
            assert len(op.indices) == values[op.value], f"{where}: rank mismatch for {op.value!r}"
            for i in op.indices:
                assert i in sizes, f"{where}: undeclared index {i!r}"
        assert len(set(step.indices)) == len(step.indices), f"{where}: repeated result index"
        present = {i for op in step.operands for i in op.indices}
        for i in step.indices:
            assert i in present, f"{where}: result index {i!r} is in no operand"
        if step.result in results:
            assert step.indices == results[step.result].indices, f"{where}: final step must keep the statement's index order"
        values[step.result] = len(step.indices)
    for st in net.statements:
        assert st.result in values, f"statement {st.result!r} is never computed"
