"""File helpers shared by every command.

Reading: an unreadable input becomes a :class:`TnccError` that names it.

Writing an output respects whatever sits at the path (see
:func:`atomic_write_bytes`):

* nothing, or a regular file with one name: the data goes to a temporary file
  in the same folder, which is renamed over the path, so readers see the old
  file or the whole new one and a failure (full disk, say) leaves the old file
  as it was.  A new file gets the mode ``open()`` would give it under the
  umask (``0666 & ~umask``); a replaced file keeps its own mode;
* a symbolic link: followed (through every link of a chain) and its final
  target replaced as above; the link stays a link;
* a regular file with several hard links: written in place, so every name
  keeps seeing the same file, as a shell's ``>`` would do.  The data is first
  written to a temporary file to prove that it fits on the disk, so a full
  disk fails before the linked file is touched; a reader may still see a
  partial file while it is being overwritten;
* anything that is not a regular file -- a character device such as
  ``/dev/null``, a FIFO -- is opened and written in place, never replaced or
  removed.  A FIFO's write waits for a reader, as with any program; a socket
  cannot be opened and is an error.

``-`` is standard output for every file option of every command
(:func:`write_output`); a file literally named ``-`` is ``./-``.  A closed
pipe or a full disk on standard output is an :class:`OutputError`: one line
on standard error and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from pathlib import Path

from tncc.errors import TnccError

STDOUT = "-"


class OutputError(TnccError):
    """An output could not be written.  ``status`` is the exit status the
    command ends with (a command that already has a verdict, such as a
    mismatching run's 3, keeps it; otherwise 1)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


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


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _umask() -> int:
    # The only portable way to read the umask is to set it; it is put back at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _replace(target: str, data: bytes, st: os.stat_result | None) -> None:
    """Write ``data`` to a temporary file beside ``target`` and rename it over
    ``target``; the new file gets ``st``'s mode (and owner, where allowed) or,
    when there was no file, the mode a new file gets under the umask."""
    folder = os.path.dirname(target) or "."
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
    try:
        try:
            if st is None:
                os.fchmod(fd, 0o666 & ~_umask())
            else:
                os.fchmod(fd, stat.S_IMODE(st.st_mode))
                if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                    try:
                        os.fchown(fd, st.st_uid, st.st_gid)
                    except PermissionError:
                        pass  # an unprivileged user cannot give files away; the mode is kept
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _in_place(target: str, data: bytes, truncate: bool) -> None:
    """Open ``target`` without creating or replacing it and write ``data``."""
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        _write_all(fd, data)
        if truncate:
            os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def _fits_beside(target: str, data: bytes) -> None:
    """Raise ENOSPC (or any write error) now if ``data`` does not fit in
    ``target``'s folder, by writing it to a temporary file that is removed."""
    folder = os.path.dirname(target) or "."
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(tmp)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to the file at ``path``, respecting what is there (the
    module doc lists the cases).  Raises :class:`OutputError` naming the path
    and the reason; on failure a regular file keeps its old contents."""
    p = os.fspath(path)
    try:
        target = os.path.realpath(p)  # follows a chain of symbolic links to the final target
        try:
            st: os.stat_result | None = os.stat(target)
        except FileNotFoundError:
            st = None
        if st is None:
            _replace(target, data, None)
        elif stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{p}: is a directory, expected a file")
        elif stat.S_ISSOCK(st.st_mode):
            raise OutputError(f"{p}: is a socket; tncc writes files, devices and FIFOs")
        elif not stat.S_ISREG(st.st_mode):
            _in_place(target, data, truncate=False)  # a device or FIFO: never replaced
        elif st.st_nlink > 1:
            _fits_beside(target, data)
            _in_place(target, data, truncate=True)  # every hard link keeps seeing the file
        else:
            _replace(target, data, st)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{p}: cannot write: {_why(exc)}") from None


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """:func:`atomic_write_bytes` of ``text`` in UTF-8."""
    atomic_write_bytes(path, text.encode("utf-8"))


def stdout_error(exc: OSError) -> OutputError:
    """The error a failed write to standard output ends the command with."""
    if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
        return OutputError("standard output: the reading end of the pipe was closed")
    return OutputError(f"standard output: cannot write: {_why(exc)}")


def write_stdout(data: str | bytes) -> None:
    """Write ``data`` to standard output and flush it, so a closed pipe or a
    full disk is an :class:`OutputError` here, not a traceback at exit."""
    if sys.stdout is None:  # started with descriptor 1 closed
        if data:
            raise OutputError("standard output: it is closed")
        return
    try:
        if isinstance(data, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(data)
            sys.stdout.flush()
    except OSError as exc:
        raise stdout_error(exc) from None


def write_output(path: str, data: str | bytes) -> None:
    """Write ``data`` to the output option ``path``: standard output for
    ``-``, otherwise the file at ``path`` (:func:`atomic_write_bytes`)."""
    if path == STDOUT:
        write_stdout(data)
    else:
        atomic_write_bytes(path, data.encode("utf-8") if isinstance(data, str) else data)


def one_stdout(**options: str | None) -> bool:
    """Check that at most one of the output ``options`` (flag name -> value)
    is ``-``; returns whether one is.  Two outputs cannot share the stream."""
    taken = [name for name, value in options.items() if value == STDOUT]
    if len(taken) > 1:
        raise TnccError(f"{' and '.join(taken)} both write to standard output ('-'); give one of them a file")
    return bool(taken)


def silence_stdout() -> None:
    """After standard output failed: point it at the null device so that the
    interpreter's final flush does not print a second error."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):
        pass
