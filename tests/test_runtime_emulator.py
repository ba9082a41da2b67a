"""Functional semantics of the emulator on hand-written programs: numbers
must match numpy exactly (integers) or within the element type's tolerance,
and wrong switch words or reduction groupings must give wrong numbers."""

from __future__ import annotations

import numpy as np
import pytest

from tncc.ir import DType
from tncc.isa.arch import load_arch
from tncc.isa.networks import realize, route_permutation
from tncc.isa.program import (DmaDesc, Drain, Instruction, Program, RedConfig, Stream, Symbol, SymbolRole,
                              TileDesc)
from tncc.isa.table import Opcode, TileDataflow, Unit
from tncc.runtime import Emulator
from tncc.runtime.programs import fetta_gemm, gemm_inputs, route_for

FETTA = load_arch("fetta")


def _ins(op: Opcode, src: int = 0, **f: int) -> Instruction:
    return Instruction.make(op, src=src, **f)


def _tile_program(tile: TileDesc, syms: tuple[Symbol, Symbol, Symbol], bufs: tuple[int, int, int],
                  switches: tuple, reds: tuple = (), red: int | None = None) -> Program:
    """LOAD both operands whole, configure, one CTILE, STORE the result."""
    x, y, z = syms
    dmas = tuple(DmaDesc(((int(np.prod(s.shape)), 1, 1),), s.dtype) for s in syms)
    code = [_ins(Opcode.LOAD, dram=x.dram, buf=bufs[0], desc=0),
            _ins(Opcode.LOAD, dram=y.dram, buf=bufs[1], desc=1),
            _ins(Opcode.SIGNAL, unit=Unit.DMA, sem=0),
            _ins(Opcode.DIST, net=0, cfg=0), _ins(Opcode.DIST, net=1, cfg=1)]
    if red is not None:
        code.append(_ins(Opcode.RED, cfg=red))
    code += [_ins(Opcode.WAIT, unit=Unit.ARRAY, sem=0), _ins(Opcode.CTILE, tile=0),
             _ins(Opcode.SIGNAL, unit=Unit.ARRAY, sem=1), _ins(Opcode.WAIT, unit=Unit.DMA, sem=1),
             _ins(Opcode.STORE, buf=bufs[2], dram=z.dram, desc=2), _ins(Opcode.HALT)]
    return Program("fetta", FETTA.fingerprint(), tuple(code), dmas=dmas, switches=switches, reds=reds,
                   tiles=(tile,), symbols=syms, statements=("z = x * y",))


# -- GEMM through the whole ISA --------------------------------------------------------

@pytest.mark.parametrize("m,n,k,blocks", [(64, 32, 48, (32, 32, 16)), (128, 64, 64, (64, 32, 32)),
                                          (16, 16, 8, (16, 16, 8))])
def test_fp32_gemm_matches_numpy(m: int, n: int, k: int, blocks: tuple[int, int, int]) -> None:
    mb, nb, kb = blocks
    prog = fetta_gemm(FETTA, m, n, k, mb=mb, nb=nb, kb=kb)
    inp = gemm_inputs(m, n, k, DType.FP32, seed=3)
    out = Emulator(prog).run(inp).outputs["C"]
    ref = inp["A"].astype(np.float64) @ inp["B"].astype(np.float64)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


def test_int8_gemm_is_exact() -> None:
    m, n, k = 64, 32, 64
    prog = fetta_gemm(FETTA, m, n, k, DType.INT8, mb=32, nb=32, kb=32)
    inp = gemm_inputs(m, n, k, DType.INT8, seed=1)
    out = Emulator(prog).run(inp).outputs["C"]
    assert out.dtype == np.int32
    assert np.array_equal(out, inp["A"].astype(np.int64) @ inp["B"].astype(np.int64))


def test_int32_operands_wrap_around() -> None:
    m, n, k = 16, 16, 16
    prog = fetta_gemm(FETTA, m, n, k, DType.INT32, mb=16, nb=16, kb=16)
    rng = np.random.default_rng(0)
    a = rng.integers(1 << 28, 1 << 30, (m, k))
    b = rng.integers(-64, 64, (k, n))
    out = Emulator(prog).run({"A": a, "B": b}).outputs["C"]
    exact = a @ b
    assert np.abs(exact).max() > 1 << 31  # the test really overflows int32
    wrapped = ((exact + (1 << 31)) % (1 << 32)) - (1 << 31)
    assert np.array_equal(out.astype(np.int64), wrapped)


@pytest.mark.parametrize("dtype,rtol", [(DType.FP16, 2e-3), (DType.BF16, 1.6e-2)])
def test_half_precision_rounds_inputs_and_outputs(dtype: DType, rtol: float) -> None:
    m, n, k = 32, 32, 64
    prog = fetta_gemm(FETTA, m, n, k, dtype, mb=32, nb=32, kb=32)
    inp = gemm_inputs(m, n, k, DType.FP32, seed=2)
    out = Emulator(prog).run(inp).outputs["C"].astype(np.float64)
    if dtype is DType.FP16:
        a, b = (inp[x].astype(np.float16).astype(np.float64) for x in "AB")
    else:  # bf16: keep the top 16 bits after round-to-nearest-even
        def bf(x: np.ndarray) -> np.ndarray:
            u = x.astype(np.float32).view(np.uint32).astype(np.uint64)
            return ((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000).astype(np.uint32).view(np.float32).astype(
                np.float64)
        a, b = bf(inp["A"]), bf(inp["B"])
    ref = a @ b
    np.testing.assert_allclose(out, ref, rtol=rtol, atol=rtol * np.abs(ref).max() / 8)
    # The output is representable in the type (it was rounded on store).
    if dtype is DType.FP16:
        assert np.array_equal(out, out.astype(np.float16).astype(np.float64))
    else:
        assert (out.astype(np.float32).view(np.uint32) & 0xFFFF == 0).all()


# -- a permuted operand: the route does the transpose ------------------------------------

def _batched(route_ok: bool) -> tuple[Program, dict[str, np.ndarray]]:
    """z[b,i,j] = sum_k x[i,b,k] y[b,j,k]; x is stored k-major then (i, b),
    so A's ports (b, i) find their words at slots 4i + b: the A route is the
    4x4 transpose, and no SHAPE pass exists."""
    tb = tm = tn = 4
    k = 16
    x = Symbol("x", SymbolRole.INPUT, DType.FP32, (tm, tb, k), 0, (tb, 1, tm * tb))
    y = Symbol("y", SymbolRole.PARAM, DType.FP32, (tb, tn, k), 256, (tn, 1, tb * tn))
    z = Symbol("z", SymbolRole.OUTPUT, DType.FP32, (tb, tm, tn), 512, (tm * tn, tn, 1))
    a = Stream(0, ((tb, 1), (tm, tb)), ((k, tm * tb),))
    b = Stream(256, ((tb, tn), (tn, 1)), ((k, tb * tn),))
    tile = TileDesc(DType.FP32, TileDataflow.BATCH, tb, tm, tn, 1, a, b,
                    Drain(512, ((tb, tm * tn), (tm, tn), (tn, 1))), False)
    ports, banks = FETTA.dist.ports, FETTA.buffer.banks
    ra = route_for(a, ports, banks) if route_ok else route_permutation(list(range(ports)))
    prog = _tile_program(tile, (x, y, z), (0, 256, 512), (ra, route_for(b, ports, banks)))
    rng = np.random.default_rng(5)
    return prog, {"x": rng.standard_normal((tm, tb, k)), "y": rng.standard_normal((tb, tn, k))}


def test_route_transposes_operand_without_shape_pass() -> None:
    prog, inp = _batched(True)
    assert not any(i.opcode is Opcode.SHAPE for i in prog.instructions)
    mapping = realize(prog.switches[0])[:16]
    assert list(mapping) == [4 * i + b for b in range(4) for i in range(4)]  # a transpose, not identity
    out = Emulator(prog).run(inp).outputs["z"]
    ref = np.einsum("ibk,bjk->bij", inp["x"].astype(np.float32), inp["y"].astype(np.float32))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


def test_wrong_switch_word_gives_wrong_numbers() -> None:
    prog, inp = _batched(False)
    out = Emulator(prog).run(inp).outputs["z"]
    ref = np.einsum("ibk,bjk->bij", inp["x"], inp["y"])
    assert not np.allclose(out, ref, rtol=1e-3, atol=1e-3)


# -- inner dataflow: reduction across CEs -----------------------------------------------

def _inner(groups: tuple[int, ...] | None) -> tuple[Program, dict[str, np.ndarray]]:
    """c[i,j] = sum_k a[i,k] b[k,j] with tkk = 8 lanes summed by the
    reduction network and the 64-long k range split by a reduce loop."""
    tm, tn, tkk, k = 4, 4, 8, 64
    lda = 72  # == 8 mod 64: ports (i, kk) land in slots 8i + kk
    sa = Symbol("a", SymbolRole.INPUT, DType.INT8, (tm, k), 0, (k, 1))
    sb = Symbol("b", SymbolRole.PARAM, DType.INT8, (k, tn), 256, (tn, 1))
    sc = Symbol("c", SymbolRole.OUTPUT, DType.INT32, (tm, tn), 512, (tn, 1))
    a = Stream(0, ((tm, lda), (tkk, 1)), ((4, tkk),))
    b = Stream(512, ((tn, 1), (tkk, tn)), ((4, tkk * tn),))
    tile = TileDesc(DType.INT8, TileDataflow.INNER, 1, tm, tn, tkk, a, b, Drain(1024, ((tm, tn), (tn, 1))),
                    False, ((2, 32, 32 * tn, 0, True),))
    ports, banks = FETTA.dist.ports, FETTA.buffer.banks
    reds = (RedConfig(groups or (tkk,) * (tm * tn)),)
    dmas = (DmaDesc(((tm, k, lda), (k, 1, 1)), DType.INT8), DmaDesc(((k * tn, 1, 1),), DType.INT8),
            DmaDesc(((tm * tn, 1, 1),), DType.INT32))
    code = (_ins(Opcode.LOAD, dram=0, buf=0, desc=0), _ins(Opcode.LOAD, dram=256, buf=512, desc=1),
            _ins(Opcode.SIGNAL, unit=Unit.DMA, sem=0), _ins(Opcode.DIST, net=0, cfg=0),
            _ins(Opcode.DIST, net=1, cfg=1), _ins(Opcode.RED, cfg=0), _ins(Opcode.WAIT, unit=Unit.ARRAY, sem=0),
            _ins(Opcode.CTILE, tile=0), _ins(Opcode.SIGNAL, unit=Unit.ARRAY, sem=1),
            _ins(Opcode.WAIT, unit=Unit.DMA, sem=1), _ins(Opcode.STORE, buf=1024, dram=512, desc=2),
            _ins(Opcode.HALT))
    prog = Program("fetta", FETTA.fingerprint(), code, dmas=dmas,
                   switches=(route_for(a, ports, banks), route_for(b, ports, banks)), reds=reds, tiles=(tile,),
                   symbols=(sa, sb, sc), statements=("c = a * b",))
    rng = np.random.default_rng(7)
    return prog, {"a": rng.integers(-128, 128, (tm, k)), "b": rng.integers(-128, 128, (k, tn))}


def test_inner_dataflow_reduces_across_lanes_exactly() -> None:
    prog, inp = _inner(None)
    res = Emulator(prog).run(inp)
    assert np.array_equal(res.outputs["c"], inp["a"] @ inp["b"])
    assert res.report.macs == 4 * 4 * 64


def test_wrong_reduction_grouping_gives_wrong_numbers() -> None:
    prog, inp = _inner((4,) * 32)
    out = Emulator(prog).run(inp).outputs["c"]
    assert not np.array_equal(out, inp["a"] @ inp["b"])


def test_point_by_point_path_agrees_with_the_vectorised_one() -> None:
    prog, inp = _inner((8,) * 16 + (1,) * 8)  # extra unused groups: not canonical, same sums
    out = Emulator(prog).run(inp).outputs["c"]
    assert np.array_equal(out, inp["a"] @ inp["b"])


def test_missing_inputs_are_seeded_random() -> None:
    prog = fetta_gemm(FETTA, 16, 16, 16, mb=16, nb=16, kb=16)
    r1, r2 = Emulator(prog).run(seed=4), Emulator(prog).run(seed=4)
    assert np.array_equal(r1.outputs["C"], r2.outputs["C"])
    assert not np.array_equal(r1.outputs["C"], Emulator(prog).run(seed=5).outputs["C"])


def test_access_between_accumulating_tiles_sees_program_order_values() -> None:
    """A LOAD into the accumulators' addresses between two CTILEs of one
    accumulation chain: the first partial sums must be drained before it and
    the second CTILE must add to the loaded words."""
    import dataclasses

    m = n = k = 32
    prog = fetta_gemm(FETTA, m, n, k, mb=32, nb=32, kb=16)
    c_base = prog.tiles[0].c.base
    code = list(prog.instructions)
    first = next(i for i, ins in enumerate(code) if ins.opcode is Opcode.CTILE)
    poke = DmaDesc(((16, 1, 1),), DType.FP32)
    code.insert(first + 1, _ins(Opcode.LOAD, dram=prog.symbol("A").dram, buf=c_base, desc=len(prog.dmas)))
    prog = dataclasses.replace(prog, instructions=tuple(code), dmas=prog.dmas + (poke,))
    inp = gemm_inputs(m, n, k, DType.FP32, seed=9)
    a, b = inp["A"].astype(np.float64), inp["B"].astype(np.float64)
    want = a @ b
    want[0, :16] = a[0, :16] + a[0, 16:] @ b[16:, :16]
    out = Emulator(prog).run(inp).outputs["C"]
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
