"""The systolic baseline's shaping: reshapes fused into the transfers that
already move the data, GEMMs reading matrices in place at any row pitch,
and no copy repeated for a box the scratch matrix already holds.  Every
program here also runs on the emulator and matches numpy."""

from __future__ import annotations

import itertools

import pytest

import tncc
from tncc.frontend import load_source
from tncc.isa.table import Opcode
from tncc.passes.shape import View, matrix_ld

# x streams (8 KiB of buffer), and is read as the transposed [t, k] matrix.
STREAMED = """
network streamed {
  index t = 96, k = 24, j = 20, m = 6
  input x[k, t]
  param a[j, m]
  param b[m, k]
  w[j, k] = a[j, m] * b[m, k]
  y[t, j] = x[k, t] * w[j, k]
  output y
}
"""
SMALL = "systolic:buffer.bytes=8192"


def _compiled() -> tncc.Compiled:
    (net,) = load_source(STREAMED)
    return tncc.compile(net, SMALL)


def test_a_streamed_box_is_loaded_into_its_matrix_not_copied_after() -> None:
    c = _compiled()
    mem = c.lowered.memory
    assert "x" in mem.streamed
    prog = c.program

    def staged(op: Opcode, field: int, side: int) -> list[tuple[int, int]]:
        return [_span(ins.fields[field], prog.dmas[ins.fields[2]].dims, side) for ins in prog.instructions
                if ins.opcode is op and ins.fields[field] >= mem.stage_base]

    loaded, stored = staged(Opcode.LOAD, 1, 2), staged(Opcode.STORE, 0, 1)
    assert loaded  # boxes of x are staged
    for ins in prog.instructions:
        if ins.opcode is Opcode.SHAPE:
            # A SHAPE may read a resident tensor, never a staging slot a load
            # filled, nor write one a store empties.
            src = _span(ins.fields[0], prog.dmas[ins.fields[2]].dims, 1)
            dst = _span(ins.fields[1], prog.dmas[ins.fields[2]].dims, 2)
            assert not any(src[0] <= h and lo <= src[1] for lo, h in loaded), ins
            assert not any(dst[0] <= h and lo <= dst[1] for lo, h in stored), ins
    assert c.run(seed=1).match


def _span(base: int, dims: tuple[tuple[int, int, int], ...], side: int) -> tuple[int, int]:
    """The words ``[lo, hi]`` one side of a copy touches from ``base``."""
    return base, base + sum((d[0] - 1) * d[side] for d in dims)


def test_a_box_the_scratch_holds_is_not_copied_again() -> None:
    c = _compiled()
    (ts,) = [ts for ts in c.lowered.tiled.steps if ts.step.result == "y"]
    assert len(ts.blocks) > 1  # the block loop walks t, which w lacks
    src = [st.result for st in c.plan.network.statements].index("y")
    shapes = [ins for ins in c.program.instructions if ins.opcode is Opcode.SHAPE and ins.src == src]
    # w (a temporary in the GEMM order [j, k]) is read as B = [k, j]: one copy for every block.
    assert len(shapes) <= 1
    assert len({ins.fields for ins in shapes}) == len(shapes)
    assert c.run(seed=2).match


@pytest.mark.parametrize(("strides", "ext", "rows", "cols", "ld"), [
    ({"m": 40, "k": 1}, {"m": 8, "k": 40}, ["m"], ["k"], 40),  # a whole matrix
    ({"m": 40, "k": 1}, {"m": 8, "k": 16}, ["m"], ["k"], 40),  # a block cutting the columns
    ({"b": 12, "m": 48, "k": 1}, {"b": 4, "m": 5, "k": 12}, ["m"], ["k"], 48),  # batch between the axes
    ({"m": 60, "n": 12, "k": 1}, {"m": 3, "n": 5, "k": 12}, ["m", "n"], ["k"], 12),  # two row axes, uniform
    ({"m": 72, "n": 12, "k": 1}, {"m": 3, "n": 5, "k": 12}, ["m", "n"], ["k"], None),  # rows not uniform
    ({"m": 1, "k": 8}, {"m": 8, "k": 4}, ["m"], ["k"], None),  # columns not contiguous
    ({"m": 0, "k": 1}, {"m": 8, "k": 4}, ["m"], ["k"], None),  # broadcast rows
    ({"m": 2, "k": 1}, {"m": 8, "k": 4}, ["m"], ["k"], None),  # rows overlapping
])
def test_matrix_ld(strides: dict[str, int], ext: dict[str, int], rows: list[str], cols: list[str],
                   ld: int | None) -> None:
    v = View(0, tuple(strides.items()))
    got = matrix_ld(v, rows, cols, ext)
    assert got == ld
    if got is not None:
        # Every element is where a row-major [rows, cols] matrix of pitch ld puts it.
        names = rows + cols
        for point in itertools.product(*(range(ext[i]) for i in names)):
            at = dict(zip(names, point))
            row = col = 0
            for i in rows:
                row = row * ext[i] + at[i]
            for i in cols:
                col = col * ext[i] + at[i]
            assert v.address(at) == row * got + col
