"""Program files: read either form by content, write by suffix, check the arch."""

from __future__ import annotations

import pytest

from tncc.errors import TnccError
from tncc.isa.arch import load_arch
from tncc.isa.files import check_arch, read_program, write_program
from tncc.isa.program import Instruction, Program
from tncc.isa.table import Opcode


def _prog(arch: str = "fetta") -> Program:
    return Program(arch, load_arch(arch).fingerprint(), (Instruction(Opcode.NOP), Instruction(Opcode.HALT)),
                   statements=("y = x",))


def test_write_and_read_both_forms(tmp_path):
    p = _prog()
    for name in ("p.s", "p.asm", "p.tnb", "p.bin"):
        path = tmp_path / name
        write_program(path, p)
        assert read_program(path) == p
    assert (tmp_path / "p.s").read_text().startswith("; tncc assembly")
    assert (tmp_path / "p.tnb").read_bytes()[:4] == b"TNCC"
    # content, not suffix, decides how a file is read
    (tmp_path / "odd.tnb").write_text((tmp_path / "p.s").read_text())
    assert read_program(tmp_path / "odd.tnb") == p


def test_unreadable_programs(tmp_path):
    junk = tmp_path / "junk"
    junk.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(TnccError, match="neither a tncc binary"):
        read_program(junk)
    with pytest.raises(TnccError, match="no such file"):
        read_program(tmp_path / "missing.tnb")


def test_check_arch():
    check_arch(_prog(), load_arch("fetta"))
    with pytest.raises(TnccError, match="built for architecture `fetta`"):
        check_arch(_prog(), load_arch("systolic"))
    with pytest.raises(TnccError, match="fingerprint"):
        check_arch(_prog(), load_arch("fetta:lanes=8"))
