"""Network IR: graph views (networkx) and the invariants verify() enforces."""

from __future__ import annotations

import dataclasses

import pytest

from tncc.errors import VerifyError
from tncc.frontend import load_source
from tncc.ir import Role

SRC = """network g {
  index i = 2, j = 3, k = 4, b = 5
  input x[b, i]
  input u[b, j]
  param w[i, k]
  param v[j]
  t[b, k] = x * w
  y[b, k, j] = t * u * v[j]
  z[i, j] = x[b, i] * u[b, j] * v[j] * w[i, k]
  o[i, j] = w[i, k] * v[j]
  output y, z, o
}"""


def net():  # type: ignore[no-untyped-def]
    (n,) = load_source(SRC)
    return n


def test_dependencies() -> None:
    n = net()
    assert n.depends_on("y", "x") and n.depends_on("y", "t") and n.depends_on("t", "w")
    assert not n.depends_on("t", "u") and not n.depends_on("x", "y") and not n.depends_on("y", "y")
    g = n.dependency_graph()
    assert set(g.predecessors("y")) == {"t", "u", "v"}


def test_components_find_outer_products() -> None:
    n = net()
    assert n.operand_components(n.statement("t")) == ((0, 1),)
    assert n.operand_components(n.statement("z")) == ((0, 1, 2, 3),)  # b joins x and u, v joins u
    assert n.operand_components(n.statement("o")) == ((0,), (1,))     # w and v share nothing
    assert n.index_degree(n.statement("z")) == {"b": 2, "i": 2, "j": 2, "k": 1}


def test_verify_rejects_broken_invariants() -> None:
    n = net()
    n.verify()
    with pytest.raises(VerifyError, match="listed twice"):
        dataclasses.replace(n, outputs=("y", "y", "z", "o")).verify()
    with pytest.raises(VerifyError, match="not a statement result"):
        dataclasses.replace(n, outputs=("y", "x")).verify()
    wrong_role = tuple(dataclasses.replace(t, role=Role.INTERMEDIATE) if t.name == "y" else t for t in n.tensors)
    with pytest.raises(VerifyError, match="role intermediate, expected output"):
        dataclasses.replace(n, tensors=wrong_role).verify()
    st = n.statement("o")
    bad = dataclasses.replace(st, grad_of=("y", "x"))
    stmts = tuple(bad if s.result == "o" else s for s in n.statements)
    with pytest.raises(VerifyError, match="gradient 'o' has shape"):
        dataclasses.replace(n, statements=stmts).verify()
