"""The shipped Hypothesis strategies reach every feature they promise."""

from __future__ import annotations

from hypothesis import Phase, find, given, settings

from tncc.ir import DType, Network
from tncc.testing import networks, strip_spans

# Generation only: find() would otherwise spend most of its time shrinking.
SETTINGS = settings(max_examples=2000, deadline=None, database=None, phases=(Phase.generate,))


def _first(st):  # type: ignore[no-untyped-def]
    return st.statements[0]


def _hyperedge(n: Network) -> bool:
    return any(d >= 3 for d in n.index_degree(_first(n)).values())


def _outer(n: Network) -> bool:
    return len(n.operand_components(_first(n))) > 1


def _batch(n: Network) -> bool:
    st = _first(n)
    deg = n.index_degree(st)
    return any(deg[i] >= 2 for i in st.indices)


def _scalar(n: Network) -> bool:
    return any(not t.indices for t in n.tensors)


def _reuse(n: Network) -> bool:
    st = _first(n)
    names = [op.tensor for op in st.operands]
    return any(names.count(t) > 1 and len({op.indices for op in st.operands if op.tensor == t}) > 1
               for t in names)


def test_every_feature_is_reachable() -> None:
    for feature in (_hyperedge, _outer, _batch, _scalar, _reuse):
        assert feature(find(networks(), feature, settings=SETTINGS))
    assert find(networks(), lambda n: 1 in n.sizes().values() and 7 in n.sizes().values(), settings=SETTINGS)
    for dt in (DType.FP32, DType.FP16, DType.BF16, DType.INT8):
        assert find(networks(), lambda n, dt=dt: n.dtype is dt, settings=SETTINGS).dtype is dt
    assert find(networks(max_statements=3), lambda n: len(n.statements) == 3, settings=SETTINGS)
    g = find(networks(grads=True), lambda n: any(s.grad_of for s in n.statements), settings=SETTINGS)
    assert g.statements[-1].grad_of is not None


@settings(max_examples=50, deadline=None)
@given(networks(min_tensors=2, max_tensors=6))
def test_tensor_count_bounds_and_validity(net: Network) -> None:
    net.verify()
    assert 2 <= len(net.leaves()) <= 6
    assert strip_spans(net) == net  # generated networks carry no spans
