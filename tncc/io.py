"""File helpers shared by every command: outputs are written atomically (a
temporary file in the same folder, then a rename), so a failure never leaves a
half-written file; unreadable inputs become a :class:`TnccError`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tncc.errors import TnccError


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read a file or raise a TnccError that names it and says why not."""
    p = Path(path)
    try:
        return p.read_bytes()
    except IsADirectoryError:
        raise TnccError(f"{p}: is a directory, expected a file") from None
    except FileNotFoundError:
        raise TnccError(f"{p}: no such file") from None
    except OSError as exc:
        raise TnccError(f"{p}: cannot read: {exc.strerror}") from None


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file or raise a TnccError that names it."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TnccError(f"{Path(path)}: not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x})") from None


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise TnccError(f"{p}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, p)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise TnccError(f"{p}: cannot write: {exc.strerror}") from None


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
