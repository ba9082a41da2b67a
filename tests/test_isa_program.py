"""Instructions, config records and programs validate on construction."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tncc.errors import TnccError
from tncc.ir import DType
from tncc.isa.program import (DmaDesc, Drain, GemmDesc, Instruction, Program, RedConfig, Stream, SwitchConfig,
                              Symbol, SymbolRole, TileDesc, benes_switches, copy_switches, pack_bits, unpack_bits)
from tncc.isa.table import NO_SRC, ConfigKind, Opcode, TileDataflow


def _tile(**kw):
    args = dict(dtype=DType.FP32, dataflow=TileDataflow.OUTER, tb=1, tm=4, tn=2, tkk=1,
                a=Stream(0, ((4, 1),), ((8, 4),)), b=Stream(64, ((2, 1),), ((8, 2),)),
                c=Drain(128, ((4, 2), (2, 1))), accumulate=False, loops=((3, 32, 16, 8, True),))
    args.update(kw)
    return TileDesc(**args)


def test_instruction_fields_by_name_and_range():
    ins = Instruction.make(Opcode.LOAD, dram=0x1000, buf=0x40, desc=3, src=2)
    assert (ins.dram, ins.buf, ins.desc, ins.src) == (0x1000, 0x40, 3, 2)
    assert ins.field("desc") == 3 and ins.fields == (0x1000, 0x40, 3)
    with pytest.raises(AttributeError):
        ins.tile
    with pytest.raises(TnccError, match=r"field `desc` of LOAD is 70000, wider than 16 bits"):
        Instruction.make(Opcode.LOAD, dram=0, buf=0, desc=70000)
    with pytest.raises(TnccError, match="negative"):
        Instruction(Opcode.RED, (-1,))
    with pytest.raises(TnccError, match="takes 2 fields"):
        Instruction(Opcode.DIST, (1,))
    with pytest.raises(TnccError, match="has no field `tile`"):
        Instruction.make(Opcode.GEMM, tile=0)
    with pytest.raises(TnccError, match="needs field `sem`"):
        Instruction.make(Opcode.WAIT, unit=0)
    with pytest.raises(TnccError, match="src"):
        Instruction(Opcode.NOP, (), 1 << 16)
    assert Instruction(Opcode.HALT).src == NO_SRC


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(Opcode)), st.data())
def test_make_agrees_with_the_constructor(op, data):
    """``make``'s fast path builds what the checking constructor builds, and
    rejects (with the constructor's message) what it rejects."""
    from tncc.isa.table import TABLE

    names = [f.name for f in TABLE[op].fields]
    vals = [data.draw(st.one_of(st.integers(-2, (1 << f.bits) + 1), st.booleans()), label=f.name)
            for f in TABLE[op].fields]
    src = data.draw(st.integers(-1, 1 << 16), label="src")
    try:
        want = Instruction(op, tuple(vals), src)
    except TnccError as exc:
        with pytest.raises(TnccError) as got:
            Instruction.make(op, src, **dict(zip(names, vals)))
        assert str(got.value) == str(exc)
    else:
        ins = Instruction.make(op, src, **dict(zip(names, vals)))
        assert ins == want and all(type(v) is int for v in ins.fields)


def test_enum_field_values_become_plain_ints():
    from tncc.isa.table import Unit

    ins = Instruction.make(Opcode.SIGNAL, unit=Unit.ARRAY, sem=3)
    assert ins.fields == (2, 3) and type(ins.fields[0]) is int


def test_sequences_are_normalised_to_tuples():
    d = DmaDesc([[4, 1, 1]], DType.FP16)
    assert d.dims == ((4, 1, 1),) and hash(d) == hash(DmaDesc(((4, 1, 1),), DType.FP16))
    assert RedConfig([2, 2]).groups == (2, 2)
    assert Instruction(Opcode.RED, [0]).fields == (0,)


def test_dma_desc_limits():
    with pytest.raises(TnccError, match="has 0 dims"):
        DmaDesc((), DType.FP32)
    with pytest.raises(TnccError, match="has 5 dims"):
        DmaDesc(((1, 1, 1),) * 5, DType.FP32)
    with pytest.raises(TnccError, match="extent is 0"):
        DmaDesc(((0, 1, 1),), DType.FP32)
    with pytest.raises(TnccError, match="dim 0 has 2 values"):
        DmaDesc(((3, 1),), DType.FP32)
    assert DmaDesc(((3, -1, 2),), DType.INT8).elements == 3


def test_switch_config_lengths():
    n = 8
    assert benes_switches(n) == 5 * 4 and copy_switches(n) == 7
    ok = SwitchConfig(n, bytes(3), bytes(1), bytes(3))
    assert ok.ports == 8
    with pytest.raises(TnccError, match="benes1 has 2 bytes, expected 3"):
        SwitchConfig(n, bytes(2), bytes(1), bytes(3))
    with pytest.raises(TnccError, match="beyond its 7 switches"):
        SwitchConfig(n, bytes(3), b"\x80", bytes(3))
    with pytest.raises(TnccError, match="not a power of two"):
        SwitchConfig(6, b"", b"", b"")


@given(bits=st.lists(st.integers(0, 1)))
@settings(max_examples=50)
def test_pack_unpack_bits(bits):
    assert list(unpack_bits(pack_bits(bits), len(bits))) == bits


def test_tile_desc_shape_checks():
    t = _tile()
    assert t.beats == 8 and t.points == 3 and t.loops == ((3, 32, 16, 8, True),)
    with pytest.raises(TnccError, match="A stream has 4 ports, expected tb\\*tm\\*tkk = 8"):
        _tile(tkk=2)
    with pytest.raises(TnccError, match="A stream has 8 beats but B has 4"):
        _tile(b=Stream(64, ((2, 1),), ((4, 2),)))
    with pytest.raises(TnccError, match="drain enumerates 4 words"):
        _tile(c=Drain(0, ((4, 1),)))
    with pytest.raises(TnccError, match="reduce must be a bool"):
        _tile(loops=((3, 0, 0, 0, 1),))
    with pytest.raises(TnccError, match="loop 0 count"):
        _tile(loops=((0, 0, 0, 0, False),))
    with pytest.raises(TnccError, match="stream base"):
        Stream(1 << 24, (), ())


def test_gemm_desc_checks():
    GemmDesc(DType.FP32, 4, 4, 8, 0, 8, 32, 4, 64, 4, False)
    with pytest.raises(TnccError, match="GEMM lda is 4, outside 8"):
        GemmDesc(DType.FP32, 4, 4, 8, 0, 4, 32, 4, 64, 4, False)
    with pytest.raises(TnccError, match="accumulate must be a bool"):
        GemmDesc(DType.FP32, 4, 4, 8, 0, 8, 32, 4, 64, 4, 0)


def test_symbol_checks():
    s = Symbol("d_W1", SymbolRole.GRAD_INPUT, DType.BF16, [3, 4], 0x100, [4, 1])
    assert s.shape == (3, 4)
    with pytest.raises(TnccError, match="not an identifier"):
        Symbol("3x", SymbolRole.INPUT, DType.FP32, (), 0, ())
    with pytest.raises(TnccError, match="same rank"):
        Symbol("x", SymbolRole.INPUT, DType.FP32, (3,), 0, ())


def test_program_checks_references():
    dma = DmaDesc(((4, 1, 1),), DType.FP32)
    load = Instruction.make(Opcode.LOAD, dram=0, buf=0, desc=0, src=0)
    p = Program("fetta", 1, (load, Instruction(Opcode.HALT)), dmas=[dma], statements=["y = x"])
    assert p.dmas == (dma,) and p.config(ConfigKind.DMA) == (dma,)
    with pytest.raises(TnccError, match=r"instruction 0 \(LOAD\).*field `desc` is 0 but the program has 0 dmas"):
        Program("fetta", 1, (load,), statements=["y = x"])
    with pytest.raises(TnccError, match="src 0 but the program has 0 statements"):
        Program("fetta", 1, (load,), dmas=[dma])
    sym = Symbol("x", SymbolRole.INPUT, DType.FP32, (4,), 0, (1,))
    with pytest.raises(TnccError, match="symbol `x` is defined twice"):
        Program("fetta", 1, (), symbols=(sym, sym))
    assert Program("fetta", 1, (), symbols=(sym,)).symbol("x") is sym
    with pytest.raises(TnccError, match="no symbol `y`"):
        Program("fetta", 1, (), symbols=(sym,)).symbol("y")
    with pytest.raises(TnccError, match="fingerprint"):
        Program("fetta", 1 << 32, ())
