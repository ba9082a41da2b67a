"""Bank-conflict-aware layouts: reservations hold, tuning never loses."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import tncc
from tncc.passes.banks import _odd_deltas, reserve, total_passes, tune_layouts
from tncc.passes.layout import banked_words, layout_with, slacks

ROOT = Path(__file__).resolve().parent.parent


def test_reservation_bounds_every_choice() -> None:
    shape = (5, 7, 30, 12)
    res = reserve(shape, 64)
    room = slacks(shape, 64)
    assert res.words == banked_words(shape, 64)
    for deltas in ((0, 0, 0), tuple(r - 1 for r in room), (3, 0, 5)):
        lay = layout_with(shape, deltas)
        assert lay.words <= res.words and lay.strides[-1] == 1


def test_tuning_beats_compact_and_odd_pitch_layouts() -> None:
    c = tncc.compile(ROOT / "examples" / "tt_attention.tn")
    low = c.lowered
    tuned = total_passes(low.tiled, low.memory, c.arch)
    odd = dataclasses.replace(low.memory, placements=tuple(
        dataclasses.replace(p, layout=layout_with(p.layout.shape, _odd_deltas(p.layout.shape, 64)))
        if p.resident and len(p.layout.shape) > 1 else p for p in low.memory.placements))
    compact_ = dataclasses.replace(low.memory, placements=tuple(
        dataclasses.replace(p, layout=layout_with(p.layout.shape, (0,) * (len(p.layout.shape) - 1)))
        if p.resident and len(p.layout.shape) > 1 else p for p in low.memory.placements))
    assert tuned <= total_passes(low.tiled, compact_, c.arch)
    assert tuned <= 1.05 * total_passes(low.tiled, odd, c.arch)  # a local optimum, near or below the odd rule
    again = tune_layouts(low.tiled, low.memory, c.arch)
    assert total_passes(low.tiled, again, c.arch) <= tuned
