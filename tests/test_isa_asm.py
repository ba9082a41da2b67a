"""Assembly: every program prints and parses back identical; errors carry spans;
the asm/disasm commands round-trip files."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tncc.cli import main
from tncc.errors import TnccError
from tncc.ir import DType
from tncc.isa.asm import assemble, disassemble, format_instruction
from tncc.isa.encoding import decode, encode
from tncc.isa.program import (DmaDesc, Drain, GemmDesc, Instruction, Program, RedConfig, Stream, SwitchConfig,
                              Symbol, SymbolRole, TileDesc)
from tncc.isa.table import TABLE, Opcode, TileDataflow
from tncc.testing_isa import instructions, programs

HEAD = '.arch "fetta" fingerprint=0x0\n'
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sample() -> Program:
    tile = TileDesc(DType.FP16, TileDataflow.INNER, 1, 2, 2, 4, Stream(0, ((2, 4), (4, 1)), ((8, 8),)),
                    Stream(0x40, ((2, 4), (4, 1)), ((8, 8),)), Drain(0x80, ((2, 2), (2, 1))), False,
                    ((2, 64, 0, 4, False), (3, 0, 64, 0, True)))
    code = (
        Instruction.make(Opcode.LOAD, dram=0x1000, buf=0x40, desc=0, src=0),
        Instruction.make(Opcode.SIGNAL, unit=0, sem=0),
        Instruction.make(Opcode.WAIT, unit=2, sem=0),
        Instruction.make(Opcode.DIST, net=0, cfg=0),
        Instruction.make(Opcode.DIST, net=1, cfg=0),
        Instruction.make(Opcode.RED, cfg=0),
        Instruction.make(Opcode.CTILE, tile=0, src=1),
        Instruction.make(Opcode.GEMM, gemm=0),
        Instruction.make(Opcode.SHAPE, sbuf=0x40, dbuf=0x100, desc=0),
        Instruction.make(Opcode.STORE, buf=0x80, dram=0x2000, desc=0, src=1),
        Instruction(Opcode.NOP),
        Instruction(Opcode.HALT),
    )
    return Program(
        "fetta", 0x9FEE8C7F, code,
        dmas=(DmaDesc(((4, 8, 1), (8, 1, 4)), DType.FP32),),
        switches=(SwitchConfig(4, b"\x25", b"\x02", b"\x00"),),
        reds=(RedConfig((4, 4, 4, 4)),),
        tiles=(tile,),
        gemms=(GemmDesc(DType.INT8, 4, 4, 8, 0, 8, 0x20, 4, 0x40, 4, True),),
        symbols=(Symbol("x", SymbolRole.INPUT, DType.FP32, (4, 8), 0x1000, (8, 1)),
                 Symbol("d_W", SymbolRole.GRAD_INPUT, DType.FP32, (8,), 0x2000, (1,))),
        statements=("x2[i,j] = x[i,j]", 'y[i] = x2[i,j] * W[j]  ; "quoted"\n'),
    )


def test_sample_prints_readably_and_round_trips():
    p = sample()
    text = disassemble(p)
    assert ".arch \"fetta\" fingerprint=0x9fee8c7f" in text
    assert "    LOAD dram=0x1000 buf=0x40 desc=0 src=0" in text and "; x2[i,j] = x[i,j]" in text
    assert "DIST net=B cfg=0" in text and "SIGNAL unit=DMA sem=0" in text
    assert ".tile 0 dtype=fp16 dataflow=inner tb=1 tm=2 tn=2 tkk=4 a=0x0:[(2,4),(4,1)]:[(8,8)]" in text
    assert "loops=[(2,64,0,4,0),(3,0,64,0,1)]" in text
    assert assemble(text) == p


@given(programs())
@FAST
def test_every_program_prints_and_parses_back_identical(p):
    text = disassemble(p)
    assert assemble(text) == p
    assert disassemble(assemble(text)) == text


_NO_REFS = tuple(op for op in Opcode if all(f.ref is None for f in TABLE[op].fields))


@given(instructions(n_statements=3, opcodes=_NO_REFS))
@FAST
def test_instruction_lines_round_trip_over_full_field_ranges(ins):
    text = HEAD + "".join(f'.statement {i} "s{i}"\n' for i in range(3)) + format_instruction(ins) + "\n"
    assert assemble(text).instructions == (ins,)


def test_comments_blank_lines_and_case_of_hex():
    text = """
    ; a comment line
    .arch "fetta" fingerprint=0X00000001   ; trailing comment
       NOP ; nothing
    HALT
    """
    p = assemble(text)
    assert p.instructions == (Instruction(Opcode.NOP), Instruction(Opcode.HALT)) and p.arch_fingerprint == 1


def _error(text: str) -> TnccError:
    with pytest.raises(TnccError) as exc:
        assemble(text, "t.s")
    return exc.value


@pytest.mark.parametrize("body, line, col, words", [
    ("    LOAD dram=0x0 buf=0x0 desc=70000\n", 2, 32, "field `desc` of LOAD is 70000, wider than 16 bits"),
    ("    LAOD\n", 2, 5, "unknown instruction `LAOD`"),
    ("    load dram=0 buf=0 desc=0\n", 2, 5, "unknown instruction `load`"),
    ("    RED cfg=0 cfg=1\n", 2, 15, "`cfg` given twice"),
    ("    RED\n", 2, 5, "RED needs `cfg=`"),
    ("    RED cfg=0 net=1\n", 2, 15, "RED has no field `net`"),
    ("    DIST net=C cfg=0\n", 2, 14, "expected an integer or one of A, B"),
    ("    RED cfg=0\n", 2, 5, "field `cfg` of RED is 0 but there are 0 reds"),
    ("    NOP src=3\n", 2, 5, "src 3 but there are 0 statements"),
    ("    NOP src=-1\n", 2, 13, "outside"),
    ("    WAIT unit=ARRAY sem=256\n", 2, 25, "wider than 8 bits"),
    (".dma 1 dtype=fp32 dims=[(1,1,1)]\n", 2, 6, "index must be 0"),
    (".dma 0 dtype=fp64 dims=[(1,1,1)]\n", 2, 14, "expected one of fp32"),
    (".dma 0 dtype=fp32 dims=[(1,1)]\n", 2, 24, "expected 3 values"),
    (".dma 0 dtype=fp32 dims=[(0,1,1)]\n", 2, 1, "extent is 0"),
    (".dma 0 dtype=fp32\n", 2, 1, ".dma needs `dims=`"),
    (".dma 0 dtype=fp32 dims=[(1,1,1)] extra=1\n", 2, 34, "has no key `extra`"),
    (".red 0 groups=[1,x]\n", 2, 15, "expected an integer"),
    (".switch 0 ports=4 benes1=2 copy=00 benes2=00\n", 2, 26, "lower-case hex"),
    (".switch 0 ports=4 benes1=2500 copy=00 benes2=00\n", 2, 1, "benes1 has 2 bytes, expected 1"),
    (".symbol 9x role=input dtype=fp32 shape=[] dram=0x0 strides=[]\n", 2, 9, "not an identifier"),
    (".symbol x role=input dtype=fp32 shape=[] dram=0x0 strides=[]\n"
     ".symbol x role=input dtype=fp32 shape=[] dram=0x0 strides=[]\n", 3, 9, "defined twice"),
    (".statement 0 \"open\n", 2, 14, "unterminated string"),
    (".statement 0 unquoted\n", 2, 14, "expected a quoted string"),
    (".statement 0 \"\\ud800\"\n", 2, 14, "unpaired surrogate"),
    (".frobnicate 0\n", 2, 1, "unknown directive `.frobnicate`"),
    ('.arch "x" fingerprint=0x0\n', 2, 1, ".arch given twice"),
    (".tile 0 dtype=fp32 dataflow=outer tb=1 tm=1 tn=1 tkk=1 a=0x0:[(1,1)] b=0x0:[]:[] c=0x0:[] "
     "accumulate=0 loops=[]\n", 2, 58, "expected a stream"),
])
def test_errors_name_line_and_column(body, line, col, words):
    err = _error(HEAD + body)
    d = err.diagnostics[0]
    assert words in d.message
    assert (d.span.file, d.span.line, d.span.column) == ("t.s", line, col)
    assert err.render().startswith(f"t.s:{line}:{col}: error:")


def test_missing_arch_is_an_error():
    assert "missing `.arch" in _error("NOP\n").render()


@given(st.text(max_size=200))
@FAST
def test_random_text_never_crashes(text):
    try:
        p = assemble(text)
    except TnccError:
        return
    assert assemble(disassemble(p)) == p


def test_asm_and_disasm_commands_round_trip(tmp_path, capsys):
    p = sample()
    src = tmp_path / "prog.s"
    src.write_text(disassemble(p))
    assert main(["asm", str(src)]) == 0
    tnb = tmp_path / "prog.tnb"
    assert decode(tnb.read_bytes()) == p
    assert main(["disasm", str(tnb), "-o", str(tmp_path / "back.s")]) == 0
    assert (tmp_path / "back.s").read_text() == src.read_text()
    assert main(["disasm", str(tnb)]) == 0
    assert capsys.readouterr().out == src.read_text()
    assert main(["asm", str(src), "-o", str(tmp_path / "again.tnb")]) == 0
    assert (tmp_path / "again.tnb").read_bytes() == encode(p)


def test_commands_report_errors_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.s"
    bad.write_text(HEAD + "    JUMP\n")
    assert main(["asm", str(bad), "-o", str(tmp_path / "bad.tnb")]) == 1
    err = capsys.readouterr().err
    assert "bad.s:2:5: error: unknown instruction `JUMP`" in err and "Traceback" not in err
    assert not (tmp_path / "bad.tnb").exists()
    junk = tmp_path / "junk.tnb"
    junk.write_bytes(b"TNCC\x01\x00")
    assert main(["disasm", str(junk)]) == 1
    assert "junk.tnb: byte offset" in capsys.readouterr().err
    assert main(["disasm", str(tmp_path / "missing.tnb")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_asm_checks_the_arch_fingerprint(tmp_path, capsys):
    from tncc.isa.arch import load_arch

    src = tmp_path / "p.s"
    fp = load_arch("fetta").fingerprint()
    src.write_text(f'.arch "fetta" fingerprint=0x{fp:08x}\n    HALT\n')
    assert main(["asm", str(src), "--arch", "fetta"]) == 0
    assert main(["asm", str(src), "--arch", "systolic"]) == 1
    assert "fingerprint" in capsys.readouterr().err


@pytest.mark.parametrize("arch", ["fetta", "systolic"])
@pytest.mark.parametrize("example", ["int8_forward.tn", "peps_2x2.tn"])
def test_compiled_programs_round_trip(arch, example):
    # Programs the compiler really emits (every opcode family, real switch
    # words) survive text and binary exactly.
    from pathlib import Path

    from tncc.driver import compile_file

    path = Path(__file__).resolve().parent.parent / "examples" / example
    p = compile_file(path, "asm", options={"arch": arch}).artifacts["asm"]
    assert assemble(disassemble(p)) == p
    assert decode(encode(p)) == p


def test_one_dataflow_enum_from_plan_to_tile_descriptor() -> None:
    import dataclasses

    from tncc.errors import TnccError
    from tncc.isa.asm import assemble, disassemble
    from tncc.isa.table import TILE_DATAFLOWS, Dataflow
    from tncc.passes.tile import COPY
    from tncc.plan import Dataflow as PlanDataflow

    assert PlanDataflow is Dataflow is TileDataflow and COPY is Dataflow.COPY
    assert Dataflow.OUTER == "outer" and f"{Dataflow.GEMM}" == "gemm" and set(Dataflow.ALL) == {
        Dataflow.OUTER, Dataflow.INNER, Dataflow.BATCH, Dataflow.GEMM}
    tile = sample().tiles[0]
    for flow in (Dataflow.GEMM, Dataflow.COPY):
        with pytest.raises(TnccError, match="tile dataflow must be one of outer, inner, batch"):
            dataclasses.replace(tile, dataflow=flow)
    text = disassemble(sample()).replace("dataflow=inner", "dataflow=gemm")
    with pytest.raises(TnccError):
        assemble(text)
    assert TILE_DATAFLOWS == (Dataflow.OUTER, Dataflow.INNER, Dataflow.BATCH)
