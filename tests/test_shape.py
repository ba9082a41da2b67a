"""Shaping: layouts, merged address dims, strided copies, streams and routes.

The address streams a tile descriptor describes are checked against a
direct enumeration of the tile's points, and every route against the
port -> slot mapping the switch bits realise (``tncc.isa.networks.realize``)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tncc.ir import DType
from tncc.isa.arch import load_arch
from tncc.isa.networks import realize
from tncc.passes.layout import banked, compact, padded_pitch, sub_layout
from tncc.passes.shape import View, copy_descs, is_row_major, lower_tile, merge_dims
from tncc.passes.tile import Budget, tile_step
from tncc.passes.tiled_ir import Group, ROLE_GROUP
from tncc.plan import PlanOperand, Step

FETTA = load_arch("fetta")


def _enum(dims) -> list[tuple[int, ...]]:
    """Row-major enumeration of (extent, stride...) dims: one offset tuple per point."""
    width = len(dims[0]) - 1 if dims else 1
    out = [(0,) * width]
    for d in dims:
        out = [tuple(o + k * s for o, s in zip(base, d[1:])) for base in out for k in range(d[0])]
    return out


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(-20, 20), st.integers(0, 30)), min_size=1, max_size=6))
def test_merge_dims_keeps_the_enumeration(dims) -> None:
    assert _enum(merge_dims(dims)) == _enum(dims) or all(d[0] == 1 for d in dims)


def test_compact_and_banked_layouts() -> None:
    c = compact((3, 4, 5), (2, 0, 1))
    assert c.strides == (4, 1, 12) and c.words == 60 and c.is_compact_in((2, 0, 1))
    b = banked((16, 64), 64)
    assert b.strides == (65, 1)  # a 64-word row would put every row in one bank
    rows = {(r * b.strides[0]) % 64 for r in range(16)}
    assert len(rows) == 16
    assert padded_pitch(6, 64) == 6 and padded_pitch(30, 64) == 31 and padded_pitch(96, 64) == 97 and padded_pitch(65, 64) == 65
    off, sub = sub_layout(b, ((2, 3), (5, 7)))
    assert off == 2 * 65 + 5 and sub.shape == (3, 7) and sub.strides == b.strides


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_copy_descs_move_every_element_once(extents, rnd) -> None:
    order = list(range(len(extents)))
    rnd.shuffle(order)
    src = compact(tuple(extents))
    dst = compact(tuple(extents), tuple(order))
    seen = []
    for piece in copy_descs(extents, list(src.strides), list(dst.strides), DType.FP32):
        assert len(piece.desc.dims) <= 4
        for f, t in _enum(piece.desc.dims):
            seen.append((piece.from_offset + f, piece.to_offset + t))
    want = [(src.offset(p), dst.offset(p)) for p in itertools.product(*(range(e) for e in extents))]
    assert sorted(seen) == sorted(want)


def test_is_row_major() -> None:
    assert is_row_major([3, 4], [4, 1]) and is_row_major([3, 1, 4], [4, 99, 1])
    assert not is_row_major([3, 4], [1, 3]) and not is_row_major([3, 4], [0, 1])


def _check_tile_streams(step: Step, sizes: dict[str, int]) -> None:
    """Every lane of every beat multiplies the right A and B words and every
    accumulator drains to the right C word."""
    ts = tile_step(0, step, sizes, FETTA, Budget(0), "t")
    infos = {ix.name: ix for ix in ts.indices}
    a_ix = step.operands[0].indices
    b_ix = step.operands[1].indices if len(step.operands) > 1 else ()
    la = compact(tuple(sizes[i] for i in a_ix))
    lb = compact(tuple(sizes[i] for i in b_ix)) if b_ix else compact(())
    lc = banked(tuple(sizes[i] for i in step.indices), 64)
    va = View(0, tuple(zip(a_ix, la.strides)))
    vb = View(10_000, tuple(zip(b_ix, lb.strides)))
    vc = View(20_000, tuple(zip(step.indices, lc.strides)))
    for block in ts.blocks:
        for tile in block.tiles:
            code = lower_tile(tile, infos, va, vb, vc, DType.FP32, FETTA)
            (desc,) = code.descs
            # Routes deliver slot port_offset mod banks to every used port.
            for sw, offs in ((code.switch_a, code.port_offsets[0]), (code.switch_b, code.port_offsets[1])):
                m = realize(sw)
                assert all(m[p] == o % FETTA.buffer.banks for p, o in enumerate(offs))
            order = {g: [ax for ax in tile.axes if ROLE_GROUP[infos[ax.index].role] is g and ax.extent > 1] for g in Group}
            del order  # the descriptor's own dim order is what the check below walks
            a_ports = [o[0] for o in _enum(desc.a.port_dims)] if desc.a.port_dims else [0]
            b_ports = [o[0] for o in _enum(desc.b.port_dims)] if desc.b.port_dims else [0]
            a_beats = [o[0] for o in _enum(desc.a.beat_dims)] if desc.a.beat_dims else [0]
            b_beats = [o[0] for o in _enum(desc.b.beat_dims)] if desc.b.beat_dims else [0]
            assert len(a_ports) == tile.tb * tile.tm * tile.tkk and len(b_ports) == tile.tb * tile.tn * tile.tkk
            assert len(a_beats) == len(b_beats) == tile.beats
            # Products a lane forms over all beats, as (A address, B address) pairs,
            # must be the products the tile's points need.
            got = set()
            for t in range(tile.beats):
                for b_ in range(tile.tb):
                    for i in range(tile.tm):
                        for j in range(tile.tn):
                            for k in range(tile.tkk):
                                pa = (b_ * tile.tm + i) * tile.tkk + k
                                pb = (b_ * tile.tn + j) * tile.tkk + k
                                got.add((desc.a.base + a_beats[t] + a_ports[pa], desc.b.base + b_beats[t] + b_ports[pb]))
            want = set()
            loop_free = all(ax.count == 1 for ax in tile.axes)
            if loop_free:
                ranges = [range(ax.start, ax.start + ax.span) for ax in tile.axes]
                for pt in itertools.product(*ranges):
                    p = dict(zip([ax.index for ax in tile.axes], pt))
                    want.add((va.address(p), vb.address(p)))
                assert got == want


def test_streams_of_a_matrix_product() -> None:
    _check_tile_streams(Step("C", ("i", "j"), (PlanOperand("A", ("i", "k")), PlanOperand("B", ("k", "j"))), "C"),
                        dict(i=6, j=5, k=7))


def test_streams_with_hyperedge_and_one_sided_sums() -> None:
    # r is a batch hyperedge, p only in A, q only in B: both read with stride 0 by the other side.
    step = Step("C", ("r", "i"), (PlanOperand("A", ("i", "r", "p")), PlanOperand("B", ("q", "r"))), "C")
    _check_tile_streams(step, dict(i=3, r=4, p=2, q=3))


def test_streams_of_an_outer_product_multicast() -> None:
    step = Step("C", ("i", "j"), (PlanOperand("A", ("i",)), PlanOperand("B", ("j",))), "C")
    _check_tile_streams(step, dict(i=8, j=8))


def test_unary_step_reads_the_ones_word() -> None:
    step = Step("C", ("j",), (PlanOperand("A", ("i", "j")),), "C")
    _check_tile_streams(step, dict(i=5, j=6))
