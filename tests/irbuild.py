"""Building network IR by hand in tests (independent of the front end)."""

from __future__ import annotations

from tncc.ir import DType, GradSpec, Index, Network, Operand, Role, Statement, Tensor


def make_network(stmts: list[tuple[str, tuple[str, ...], list[tuple[str, tuple[str, ...]]]]],
                 leaves: dict[str, tuple[tuple[str, ...], Role]], sizes: dict[str, int],
                 outputs: tuple[str, ...], grads: tuple[GradSpec, ...] = (),
                 grad_of: dict[str, tuple[str, str]] | None = None) -> Network:
    tensors = [Tensor(n, ix, role) for n, (ix, role) in leaves.items()]
    statements = []
    for res, ixs, ops in stmts:
        role = Role.OUTPUT if res in outputs else Role.INTERMEDIATE
        tensors.append(Tensor(res, ixs, role))
        statements.append(Statement(res, ixs, tuple(Operand(t, o) for t, o in ops),
                                    grad_of=(grad_of or {}).get(res)))
    net = Network("n", DType.FP32, tuple(Index(k, v) for k, v in sizes.items()), tuple(tensors),
                  tuple(statements), outputs, grads)
    net.verify()
    return net
