"""Memory planning: resuming first-fit after an eviction places exactly as
starting over does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tncc.ir import DType
from tncc.passes.alloc import Kind, Value, _Placer
from tncc.passes.layout import compact


@st.composite
def lifetimes(draw):
    steps = draw(st.integers(1, 12))
    vals = []
    for k in range(draw(st.integers(1, 14))):
        first = draw(st.integers(0, steps - 1))
        last = draw(st.integers(first, steps - 1))
        kind = draw(st.sampled_from([Kind.LEAF, Kind.TEMP, Kind.OUTPUT]))
        vals.append(Value(f"v{k}", ("i",), (draw(st.integers(1, 40)),), DType.FP32, kind, first, last))
    return vals, steps, draw(st.integers(40, 120))


def _evict_all(vals, steps, capacity, resume: bool):
    layouts = {v.name: compact(v.shape) for v in vals}
    placer = _Placer(vals, layouts, steps)
    dram_only: set[str] = set()
    evict = None
    while True:
        placed = placer.place(dram_only, capacity, evict if resume else None)
        if not isinstance(placed, str):
            addr, peak = placed
            return addr, dram_only, peak
        evict = placed
        dram_only.add(evict)


@settings(max_examples=200, deadline=None)
@given(lifetimes())
def test_resumed_placement_equals_a_fresh_one(case) -> None:
    vals, steps, capacity = case
    addr, spilled, peak = _evict_all(vals, steps, capacity, resume=True)
    assert (addr, spilled, peak) == _evict_all(vals, steps, capacity, resume=False)
    words = {v.name: v.words for v in vals}
    for a in vals:
        for b in vals:
            if a.name < b.name and a.name in addr and b.name in addr and a.first <= b.last and b.first <= a.last:
                assert addr[a.name] + words[a.name] <= addr[b.name] or addr[b.name] + words[b.name] <= addr[a.name]
    assert all(addr[n] + words[n] <= capacity for n in addr)
