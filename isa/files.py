"""Reading and writing program files, and binding a program to its architecture.

A program file is either the binary container (recognised by its magic
``TNCC``, whatever the suffix) or assembly text.  Writers choose by suffix:
``.s`` / ``.asm`` is assembly, anything else binary.  Outputs are written
atomically.
"""

from __future__ import annotations

import os

from tncc.errors import TnccError
from tncc.io import atomic_write_bytes, atomic_write_text, read_bytes
from tncc.isa.arch import Arch
from tncc.isa.asm import assemble, disassemble
from tncc.isa.encoding import MAGIC, decode, encode
from tncc.isa.program import Program

TEXT_SUFFIXES = (".s", ".asm")


def read_program(path: str | os.PathLike[str]) -> Program:
    """Load a ``.tnb`` binary or an assembly file (decided by content)."""
    data = read_bytes(path)
    if data[:len(MAGIC)] == MAGIC:
        return decode(data, str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TnccError("neither a tncc binary (no TNCC magic) nor UTF-8 assembly text",
                        where=f"{path}: byte offset 0x0") from None
    return assemble(text, str(path))


def write_program(path: str | os.PathLike[str], program: Program) -> None:
    """Write ``program`` as assembly (suffix ``.s``/``.asm``) or as a binary."""
    if str(path).endswith(TEXT_SUFFIXES):
        atomic_write_text(path, disassemble(program))
    else:
        atomic_write_bytes(path, encode(program))


def check_arch(program: Program, arch: Arch, where: str = "program") -> None:
    """Raise unless ``program`` was built for ``arch`` (equal fingerprints)."""
    if program.arch_fingerprint != arch.fingerprint():
        raise TnccError(f"built for architecture `{program.arch_name}` (fingerprint "
                        f"0x{program.arch_fingerprint:08x}), but `{arch.name}` has fingerprint "
                        f"0x{arch.fingerprint():08x}; recompile for it or pass the matching --arch", where=where)
