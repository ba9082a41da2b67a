"""Writing an output respects whatever sits at the path.

Regular files are replaced atomically with the mode a new file gets under the
umask (a replaced file keeps its own); symbolic links are followed; hard
links keep sharing the file; devices and FIFOs are written in place, never
replaced.  Every special file here is made in a temporary folder: the
machine's own /dev is never written.  Device nodes need the privilege to
create them (the tests that need one are skipped without it).
"""

from __future__ import annotations

import errno
import os
import socket
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tncc import io as tio
from tncc.io import OutputError, atomic_write_bytes


def _chardev(path: Path, minor: int) -> bool:
    """Make a character device node with Linux's memory-device numbers (1, 3 is
    null; 1, 7 is full) at ``path``; False when not permitted here."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        with open(path, "rb"):
            pass  # some containers allow mknod but refuse to open the node
        return True
    except (PermissionError, OSError):
        try:
            os.unlink(path)
        except OSError:
            pass
        return False


class _Reader:
    """Reads a FIFO to its end in a thread (a FIFO's writer waits for a reader)."""

    def __init__(self, path: Path) -> None:
        self.data = b""
        self.thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self.thread.start()

    def _read(self, path: Path) -> None:
        with open(path, "rb") as fh:
            self.data = fh.read()

    def join(self) -> bytes:
        self.thread.join(10)
        return self.data


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic_write_bytes(tmp_path / "a", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o640
    assert (tmp_path / "a").read_bytes() == b"x"


def test_replaced_file_keeps_its_mode_and_is_a_new_inode(tmp_path: Path) -> None:
    p = tmp_path / "a"
    p.write_bytes(b"old")
    p.chmod(0o604)
    ino = p.stat().st_ino
    atomic_write_bytes(p, b"new")
    assert p.read_bytes() == b"new"
    assert stat.S_IMODE(p.stat().st_mode) == 0o604
    assert p.stat().st_ino != ino  # renamed over: readers see old or new, never half
    assert _leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "a"
    p.write_bytes(b"old")

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(tio.os, "write", full)
    with pytest.raises(OutputError, match="No space left on device"):
        atomic_write_bytes(p, b"new")
    monkeypatch.undo()
    assert p.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_symlink_chain_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.write_bytes(b"old")
    (tmp_path / "l1").symlink_to("real")
    (tmp_path / "l2").symlink_to(tmp_path / "l1")
    atomic_write_bytes(tmp_path / "l2", b"new")
    assert (tmp_path / "l2").is_symlink() and (tmp_path / "l1").is_symlink()
    assert target.read_bytes() == b"new"


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to("made")
    atomic_write_bytes(tmp_path / "link", b"new")
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "made").read_bytes() == b"new"


def test_symlink_loop_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OutputError, match="cannot write"):
        atomic_write_bytes(tmp_path / "a", b"x")
    assert (tmp_path / "a").is_symlink()


def test_hard_links_keep_sharing_the_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"a much longer old content")
    os.link(a, b)
    atomic_write_bytes(a, b"new")
    assert b.read_bytes() == b"new" and a.read_bytes() == b"new"
    assert a.stat().st_nlink == 2 and a.stat().st_ino == b.stat().st_ino
    assert _leftovers(tmp_path) == []


def test_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    reader = _Reader(fifo)
    atomic_write_bytes(fifo, b"through the pipe")
    assert reader.join() == b"through the pipe"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_null_device_is_written_not_replaced(tmp_path: Path) -> None:
    dev = tmp_path / "null"
    if not _chardev(dev, 3):
        pytest.skip("creating device nodes is not permitted here")
    atomic_write_bytes(dev, b"gone")
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_full_device_is_an_error_and_stays_a_device(tmp_path: Path) -> None:
    dev = tmp_path / "full"
    if not _chardev(dev, 7):
        pytest.skip("creating device nodes is not permitted here")
    with pytest.raises(OutputError, match="No space left on device"):
        atomic_write_bytes(dev, b"data")
    assert stat.S_ISCHR(os.lstat(dev).st_mode)
    assert _leftovers(tmp_path) == []


def test_socket_and_directory_are_errors(tmp_path: Path) -> None:
    sock_path = tmp_path / "s"
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(sock_path))
        with pytest.raises(OutputError, match="is a socket"):
            atomic_write_bytes(sock_path, b"x")
        assert stat.S_ISSOCK(os.lstat(sock_path).st_mode)
    finally:
        s.close()
    with pytest.raises(OutputError, match="is a directory"):
        atomic_write_bytes(tmp_path, b"x")


KINDS = ("missing", "regular", "symlink", "dangling", "hardlink", "fifo", "null")


def _make(kind: str, p: Path) -> bool:
    if kind == "regular":
        p.write_bytes(b"old contents")
    elif kind == "symlink":
        (p.parent / "target").write_bytes(b"old")
        p.symlink_to("target")
    elif kind == "dangling":
        p.symlink_to("nowhere")
    elif kind == "hardlink":
        (p.parent / "other").write_bytes(b"old")
        os.link(p.parent / "other", p)
    elif kind == "fifo":
        os.mkfifo(p)
    elif kind == "null":
        return _chardev(p, 3)
    return True


def _kind(p: Path) -> str:
    mode = os.lstat(p).st_mode
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISCHR(mode):
        return "chr"
    return "reg" if stat.S_ISREG(mode) else "other"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(KINDS), data=st.binary(max_size=3000))
def test_writing_preserves_the_kind_of_what_is_at_the_path(tmp_path_factory: pytest.TempPathFactory,
                                                            kind: str, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("w")
    p = folder / "out"
    if not _make(kind, p):
        return  # device nodes not permitted here
    before = None if kind == "missing" else _kind(p)
    reader = _Reader(p) if kind == "fifo" else None
    atomic_write_bytes(p, data)
    after = _kind(p)
    assert after == (before or "reg")
    if reader is not None:
        assert reader.join() == data
    elif kind != "null":
        assert p.read_bytes() == data  # through the link, or the file itself
    if kind == "hardlink":
        assert (folder / "other").read_bytes() == data
    assert _leftovers(folder) == []
