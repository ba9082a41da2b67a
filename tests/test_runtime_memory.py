"""Memories: affine accesses (views and offset arrays agree), range faults,
never-written detection, and the watch hook used by deferred drains."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tncc.errors import TnccError
from tncc.runtime.memory import VIEW_MIN, Access, Memory, affine_offsets, affine_range, injective


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(-9, 9)), min_size=1, max_size=3))
def test_range_and_injectivity_agree_with_enumeration(dims) -> None:
    off = affine_offsets(dims)
    assert affine_range(dims) == (int(off.min()), int(off.max()))
    if injective(dims):
        assert np.unique(off).size == off.size


def test_view_and_offset_paths_read_and_write_the_same_words() -> None:
    dims = [(64, 80), (70, 1)]  # 4480 words >= VIEW_MIN: a strided view
    assert 64 * 70 >= VIEW_MIN
    big, small = Access(dims), Access(dims[:1] + [(2, 1)])
    assert big.view and not small.view
    m = Memory("buffer", 64 * 80 + 100, np.dtype(np.float32))
    vals = np.arange(64 * 70, dtype=np.float32)
    m.write(10, big, vals, "w")
    assert np.array_equal(m.read(10, big, "r"), vals)
    assert np.array_equal(m.read(10, small, "r"), vals.reshape(64, 70)[:, :2].ravel())


def test_faults_name_the_place_and_the_address() -> None:
    m = Memory("DRAM", 100, np.dtype(np.int64))
    acc = Access([(10, 1)])
    with pytest.raises(TnccError, match=r"instruction 3: error: reads DRAM word 0x5f, which was never written"):
        m.write(0, Access([(95, 1)]), np.zeros(95, dtype=np.int64), "w")
        m.read(90, acc, "instruction 3")
    with pytest.raises(TnccError, match="writes DRAM word 0x68, outside"):
        m.write(95, acc, np.zeros(10, dtype=np.int64), "x")
    with pytest.raises(TnccError, match="reserved never-written bit pattern"):
        m.write_affine(0, [(1, 1)], np.array([-(1 << 62) - 0x5A5A]), "input")


def test_watch_calls_back_before_an_overlapping_access() -> None:
    m = Memory("buffer", 100, np.dtype(np.float32))
    m.write(0, Access([(100, 1)]), np.zeros(100, dtype=np.float32), "init")
    hits: list[int] = []

    def flush() -> None:
        m.watch = None
        hits.append(1)

    m.watch, m.on_touch = (40, 49), flush
    m.read(0, Access([(40, 1)]), "r")
    assert not hits
    m.read(45, Access([(3, 1)]), "r")
    assert hits == [1] and m.watch is None
