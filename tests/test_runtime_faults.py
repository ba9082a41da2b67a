"""Every fault is a TnccError naming the instruction index (and the address
where there is one); the command line never shows a traceback."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tncc.cli import main
from tncc.errors import TnccError
from tncc.ir import DType
from tncc.isa.arch import load_arch
from tncc.isa.encoding import encode
from tncc.isa.program import DmaDesc, Instruction, Program
from tncc.isa.table import Opcode, Unit
from tncc.runtime import Emulator, load
from tncc.runtime.programs import fetta_gemm

FETTA = load_arch("fetta")


def _gemm() -> Program:
    return fetta_gemm(FETTA, 16, 16, 16, mb=16, nb=16, kb=16)


def _with_code(prog: Program, code: list[Instruction], **extra: object) -> Program:
    return dataclasses.replace(prog, instructions=tuple(code), **extra)


def _raises(prog: Program, *needles: str, **run: object) -> str:
    with pytest.raises(TnccError) as info:
        Emulator(prog).run(**run)
    text = info.value.render()
    for n in needles:
        assert n in text, text
    return text


def test_out_of_range_dram_address() -> None:
    prog = _gemm()
    code = list(prog.instructions)
    i = next(k for k, ins in enumerate(code) if ins.opcode is Opcode.LOAD)
    code[i] = Instruction.make(Opcode.LOAD, dram=0x10000, buf=0, desc=0)
    _raises(_with_code(prog, code), f"instruction {i} (LOAD)", "DRAM word 0x", "outside")


def test_out_of_range_buffer_address() -> None:
    prog = _gemm()
    code = list(prog.instructions)
    i = next(k for k, ins in enumerate(code) if ins.opcode is Opcode.LOAD)
    code[i] = Instruction.make(Opcode.LOAD, dram=0, buf=FETTA.buffer_words - 4, desc=0)
    _raises(_with_code(prog, code), f"instruction {i} (LOAD)", "buffer word 0x", "outside")


def test_read_of_never_written_buffer_word() -> None:
    prog = _gemm()
    code = [ins for ins in prog.instructions if ins.opcode is not Opcode.LOAD]
    i = next(k for k, ins in enumerate(code) if ins.opcode is Opcode.CTILE)
    _raises(_with_code(prog, code), f"instruction {i} (CTILE)", "never written", "buffer word 0x")


def test_read_of_never_written_dram_word() -> None:
    prog = _gemm()
    bigger = DmaDesc(((16, 16, 1),), DType.FP32)
    code = [Instruction.make(Opcode.LOAD, dram=prog.symbol("C").dram, buf=0, desc=len(prog.dmas)),
            Instruction.make(Opcode.HALT)]
    _raises(_with_code(prog, code, dmas=prog.dmas + (bigger,)), "instruction 0 (LOAD)", "DRAM word", "never written")


def test_bad_opcode_in_a_binary() -> None:
    data = bytearray(encode(_gemm()))
    # The code section is last: overwrite the first instruction's opcode byte.
    code_start = len(data) - 16 * len(_gemm().instructions)
    data[code_start] = 0x99
    import zlib

    from tncc.isa.encoding import HEADER_BYTES

    data[12:16] = zlib.crc32(bytes(data[HEADER_BYTES:])).to_bytes(4, "little")
    with pytest.raises(TnccError) as info:
        load(bytes(data))
    assert "instruction 0" in info.value.render()
    assert "opcode" in info.value.render()


@pytest.mark.parametrize("data", [b"", b"TNCC", b"garbage" * 10, None])
def test_malformed_or_truncated_binaries(data: bytes | None) -> None:
    if data is None:
        data = encode(_gemm())[:-7]
    with pytest.raises(TnccError) as info:
        load(data)
    assert "byte offset" in info.value.render()


def test_step_limit() -> None:
    _raises(_gemm(), "step limit of 3", "instruction 3", step_limit=3)


def test_missing_halt() -> None:
    prog = _gemm()
    _raises(_with_code(prog, list(prog.instructions[:-1])), "without HALT")


def test_wait_without_signal_is_a_deadlock() -> None:
    prog = _gemm()
    code = [Instruction.make(Opcode.WAIT, unit=Unit.DMA, sem=7), Instruction.make(Opcode.HALT)]
    _raises(_with_code(prog, code), "instruction 0 (WAIT)", "semaphore 7", "deadlock")


def test_ctile_before_the_networks_are_configured() -> None:
    prog = _gemm()
    code = [ins for ins in prog.instructions if ins.opcode is not Opcode.DIST]
    _raises(_with_code(prog, code), "(CTILE)", "DIST")


def test_gemm_opcode_on_fetta_and_ctile_on_systolic() -> None:
    from tncc.runtime.programs import systolic_gemm

    sysarch = load_arch("systolic")
    prog = systolic_gemm(sysarch, 8, 8, 8)
    with pytest.raises(TnccError, match="systolic"):
        Emulator(prog, FETTA, check_fingerprint=False).run()
    with pytest.raises(TnccError, match="fetta"):
        Emulator(_gemm(), sysarch, check_fingerprint=False).run()


def test_fingerprint_mismatch_is_an_error_unless_overridden() -> None:
    other = load_arch("fetta:dram.latency=50")
    with pytest.raises(TnccError, match="fingerprint"):
        Emulator(_gemm(), other)
    assert Emulator(_gemm(), other, check_fingerprint=False).run().report.cycles > 0


def test_input_shape_and_type_are_checked() -> None:
    with pytest.raises(TnccError, match=r"input `A` expects shape \(16, 16\) fp32, got \(8, 32\)"):
        Emulator(_gemm()).run({"A": np.zeros((8, 32))})
    with pytest.raises(TnccError, match="no input named `Q`"):
        Emulator(_gemm()).run({"Q": np.zeros(3)})
    int_prog = fetta_gemm(FETTA, 16, 16, 16, DType.INT8, mb=16, nb=16, kb=16)
    with pytest.raises(TnccError, match="got float64 values"):
        Emulator(int_prog).run({"A": np.zeros((16, 16))})
    with pytest.raises(TnccError, match="outside -128..127"):
        Emulator(int_prog).run({"A": np.full((16, 16), 300)})


def test_cli_reports_faults_without_traceback(tmp_path, capsys) -> None:
    prog = _gemm()
    good = tmp_path / "g.tnb"
    good.write_bytes(encode(prog))
    bad = tmp_path / "bad.tnb"
    bad.write_bytes(encode(prog)[:40])
    assert main(["sim", str(bad)]) == 1
    assert main(["sim", str(good), "--step-limit", "2"]) == 1
    assert main(["sim", str(tmp_path / "missing.tnb")]) == 1
    npz = tmp_path / "in.npz"
    np.savez(npz, A=np.zeros((3, 3)))
    assert main(["sim", str(good), "--inputs", str(npz)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "step limit" in err and "expects shape" in err
