"""Benes routing (looping algorithm), Benes-copy-Benes multicast and the
reduction grouping: the configuration words must realise exactly the mapping
they were routed for, as computed by simulating the switches."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tncc.errors import TnccError
from tncc.isa.networks import (realize, realize_benes, red_config, reduce, route_benes, route_multicast,
                               route_permutation)
from tncc.isa.program import SwitchConfig, benes_switches, pack_bits


def test_every_permutation_of_8_ports() -> None:
    for perm in itertools.permutations(range(8)):
        assert tuple(realize_benes(route_benes(perm))) == perm


def test_every_permutation_of_4_ports_through_config_words() -> None:
    for perm in itertools.permutations(range(4)):
        assert tuple(realize(route_permutation(perm))) == perm


@settings(max_examples=60, deadline=None)
@given(st.permutations(list(range(64))))
def test_random_permutations_of_64(perm: list[int]) -> None:
    assert list(realize(route_permutation(perm))) == perm


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([2, 4, 8, 16, 32, 64]).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.integers(-1, n - 1), min_size=n, max_size=n))))
def test_multicast_patterns(case: tuple[int, list[int]]) -> None:
    n, src = case
    got = realize(route_multicast(src, n))
    for p, s in enumerate(src):
        if s >= 0:
            assert got[p] == s


def test_broadcast_one_slot_to_all_ports() -> None:
    assert (realize(route_multicast([5] * 16, 16)) == 5).all()


def test_identity_bits_are_straight_and_a_flipped_bit_changes_the_mapping() -> None:
    ident = route_permutation(list(range(16)))
    assert list(realize(ident)) == list(range(16))
    bits = bytearray(ident.benes1)
    bits[0] ^= 1
    wrong = SwitchConfig(16, bytes(bits), ident.copy, ident.benes2)
    assert list(realize(wrong)) != list(range(16))


def test_all_crossed_first_stage_swaps_pairs_on_two_ports() -> None:
    cfg = SwitchConfig(2, pack_bits([1]), b"\x01", pack_bits([0]))
    # crossed, then the copy stage makes position 1 repeat position 0
    assert list(realize(cfg)) == [1, 1]
    assert benes_switches(2) == 1


def test_routing_rejects_non_permutations_and_bad_sizes() -> None:
    with pytest.raises(TnccError):
        route_benes([0, 0, 1, 2])
    with pytest.raises(TnccError):
        route_multicast([0, 1, 2], 3)
    with pytest.raises(TnccError):
        route_multicast([0, 9, 1, 2], 4)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 8), min_size=1, max_size=10), st.integers(0, 2**31 - 1))
def test_reduce_sums_groups_of_consecutive_lanes(groups: list[int], seed: int) -> None:
    lanes = sum(groups) + 3
    values = np.random.default_rng(seed).integers(-100, 100, size=(5, lanes))
    got = reduce(red_config(groups), values)
    start = 0
    for g, size in enumerate(groups):
        assert (got[:, g] == values[:, start:start + size].sum(axis=1)).all()
        start += size


def test_reduce_rejects_groups_wider_than_the_lanes() -> None:
    with pytest.raises(TnccError):
        reduce(red_config([4, 4]), np.zeros(6))
