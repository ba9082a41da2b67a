"""Random CTILEs against the tile semantics of docs/machine.md.

Hypothesis draws a tile shape, a loop nest (loops over left-free,
right-free and contracted blocks) and a random dense layout for each
operand and the result; the operand routes come from the layout, so they
are arbitrary permutations and multicasts, and layouts may put several
ports in one bank (conflict passes).  Integer values make the comparison
exact.  The vectorised path and the lane-by-lane reference path must both
give what the semantics say, computed here independently from the layout."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tncc.ir import DType
from tncc.isa.arch import load_arch
from tncc.isa.program import DmaDesc, Drain, Instruction, Program, RedConfig, Stream, Symbol, SymbolRole, TileDesc
from tncc.isa.table import Opcode, TileDataflow, Unit
from tncc.runtime import Emulator
from tncc.runtime.programs import route_for

FETTA = load_arch("fetta")


def _dense(axes: list[tuple[str, int]], order: list[int]) -> dict[str, int]:
    """Strides of a dense layout storing ``axes`` in the given memory order
    (first = outermost)."""
    strides: dict[str, int] = {}
    step = 1
    for k in reversed(order):
        name, ext = axes[k]
        strides[name] = step
        step *= ext
    return strides


def _offsets(axes: list[tuple[str, int]], strides: dict[str, int]) -> np.ndarray:
    off = np.zeros([e for _, e in axes], dtype=np.int64)
    for k, (name, ext) in enumerate(axes):
        shape = [1] * len(axes)
        shape[k] = ext
        off = off + (np.arange(ext) * strides[name]).reshape(shape)
    return off


@st.composite
def tiles(draw):
    tkk = draw(st.sampled_from([1, 1, 2, 3, 4]))
    tb = draw(st.integers(1, 3))
    tm = draw(st.integers(1, 4))
    tn = draw(st.integers(1, 4))
    beats = draw(st.integers(1, 3))
    loops = {name: draw(st.integers(1, 3)) for name in ("M", "N", "K") if draw(st.booleans())}
    order = draw(st.permutations(list(loops)))
    a_axes = [(x, loops[x]) for x in ("M", "K") if x in loops] + [("t", beats), ("b", tb), ("i", tm), ("k", tkk)]
    b_axes = [(x, loops[x]) for x in ("N", "K") if x in loops] + [("t", beats), ("b", tb), ("j", tn), ("k", tkk)]
    c_axes = [(x, loops[x]) for x in ("M", "N") if x in loops] + [("b", tb), ("i", tm), ("j", tn)]
    lay = [draw(st.permutations(list(range(len(ax))))) for ax in (a_axes, b_axes, c_axes)]
    return tb, tm, tn, tkk, beats, loops, order, (a_axes, b_axes, c_axes), lay, draw(st.booleans())


def _build(case) -> tuple[Program, dict[str, np.ndarray], np.ndarray]:
    tb, tm, tn, tkk, beats, loops, order, (a_axes, b_axes, c_axes), lay, accumulate = case
    sa, sb, sc = (_dense(ax, o) for ax, o in zip((a_axes, b_axes, c_axes), lay))
    na, nb, nc = (math.prod(e for _, e in ax) for ax in (a_axes, b_axes, c_axes))
    a0, b0, c0 = 0, na + 5, na + nb + 77  # bases with arbitrary bank rotations
    stream_a = Stream(a0, ((tb, sa["b"]), (tm, sa["i"]), (tkk, sa["k"])), ((beats, sa["t"]),))
    stream_b = Stream(b0, ((tb, sb["b"]), (tn, sb["j"]), (tkk, sb["k"])), ((beats, sb["t"]),))
    drain = Drain(c0, ((tb, sc["b"]), (tm, sc["i"]), (tn, sc["j"])))
    rows = tuple((loops[x], sa.get(x, 0), sb.get(x, 0), sc.get(x, 0), x == "K") for x in order)
    flow = TileDataflow.INNER if tkk > 1 else (TileDataflow.BATCH if tb > 1 else TileDataflow.OUTER)
    tile = TileDesc(DType.INT32, flow, tb, tm, tn, tkk, stream_a, stream_b, drain, accumulate, rows)
    syms = (Symbol("a", SymbolRole.INPUT, DType.INT32, (na,), 0, (1,)),
            Symbol("b", SymbolRole.PARAM, DType.INT32, (nb,), na, (1,)),
            Symbol("c0", SymbolRole.INPUT, DType.INT32, (nc,), na + nb, (1,)),
            Symbol("c", SymbolRole.OUTPUT, DType.INT32, (nc,), na + nb + nc, (1,)))
    dmas = tuple(DmaDesc(((n, 1, 1),), DType.INT32) for n in (na, nb, nc))
    ins = Instruction.make
    code = (ins(Opcode.LOAD, dram=0, buf=a0, desc=0), ins(Opcode.LOAD, dram=na, buf=b0, desc=1),
            ins(Opcode.LOAD, dram=na + nb, buf=c0, desc=2), ins(Opcode.SIGNAL, unit=Unit.DMA, sem=0),
            ins(Opcode.DIST, net=0, cfg=0), ins(Opcode.DIST, net=1, cfg=1), ins(Opcode.RED, cfg=0),
            ins(Opcode.WAIT, unit=Unit.ARRAY, sem=0), ins(Opcode.CTILE, tile=0),
            ins(Opcode.SIGNAL, unit=Unit.ARRAY, sem=1), ins(Opcode.WAIT, unit=Unit.DMA, sem=1),
            ins(Opcode.STORE, buf=c0, dram=na + nb + nc, desc=2), ins(Opcode.HALT))
    ports, banks = FETTA.dist.ports, FETTA.buffer.banks
    prog = Program("fetta", FETTA.fingerprint(), code, dmas=dmas,
                   switches=(route_for(stream_a, ports, banks), route_for(stream_b, ports, banks)),
                   reds=(RedConfig((tkk,) * (tb * tm * tn)),), tiles=(tile,), symbols=syms)
    rng = np.random.default_rng(na * 7 + nb)
    inputs = {"a": rng.integers(-9, 10, na), "b": rng.integers(-9, 10, nb), "c0": rng.integers(-9, 10, nc)}
    # The semantics, from the layout alone.
    av = inputs["a"][_offsets(a_axes, sa)]
    bv = inputs["b"][_offsets(b_axes, sb)]
    la = "".join(n for n, _ in a_axes).replace("k", "q")
    lb = "".join(n for n, _ in b_axes).replace("k", "q")
    lc = "".join(n for n, _ in c_axes)
    want = np.einsum(f"{la},{lb}->{lc}", av, bv)
    if accumulate:
        want = want + inputs["c0"][_offsets(c_axes, sc)]
    expected = inputs["c0"].copy()
    expected[_offsets(c_axes, sc)] = want
    return prog, inputs, expected


@settings(max_examples=60, deadline=None)
@given(tiles())
def test_random_tiles_follow_the_semantics(case) -> None:
    prog, inputs, expected = _build(case)
    fast = Emulator(prog).run(inputs)
    slow = Emulator(prog, vectorise=False).run(inputs)
    assert np.array_equal(fast.outputs["c"], expected)
    assert np.array_equal(slow.outputs["c"], expected)
    assert fast.report.to_dict(instructions=False) == slow.report.to_dict(instructions=False)
