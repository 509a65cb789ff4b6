"""A disk that fills up: writes under one folder fail with ENOSPC once a byte budget is spent.

In-process fault injection for the fault suite and for the unit tests of what writes files (the
file channel, publishing, staged files). It sits at the doors Python code writes through:
`open()` (buffered and text files, also `Path.open`), `os.write` and `os.sendfile`
(`shutil.copyfile`'s fast path on Linux). A write that crosses the budget writes the bytes that
fit and returns short, and the next one fails with ENOSPC, as a real full disk does. Writes
elsewhere, and DuckDB's own writes (C++), are not affected. `free()` is the space coming back.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
from pathlib import Path
from typing import Any


class FullDisk:
    """The folder `root` with `budget` bytes left (None: unlimited); `install` it with a monkeypatch."""

    def __init__(self, root: Path, budget: int | None) -> None:
        self.root = str(Path(root).resolve())
        self.budget = budget
        self.refused = 0  # writes that failed with ENOSPC

    def install(self, monkeypatch: Any) -> FullDisk:
        real_open, real_write, real_sendfile = builtins.open, os.write, os.sendfile

        def fake_open(file: Any, mode: str = "r", buffering: int = -1, encoding: str | None = None,
                      errors: str | None = None, newline: str | None = None, closefd: bool = True,
                      opener: Any = None) -> Any:
            if isinstance(file, int) or not set(mode) & set("wax+") or not self._holds(os.fspath(file)):
                return real_open(file, mode, buffering, encoding, errors, newline, closefd, opener)
            binary = mode.replace("t", "").replace("b", "") + "b"
            raw = _BudgetRaw(real_open(file, binary, 0, closefd=closefd, opener=opener), self)
            buffered = io.BufferedRandom(raw) if "+" in mode else io.BufferedWriter(raw)
            if "b" in mode:
                return buffered
            return io.TextIOWrapper(buffered, encoding=encoding, errors=errors, newline=newline)

        def fake_write(fd: int, data: Any) -> int:
            if not self._holds_fd(fd):
                return real_write(fd, data)
            return real_write(fd, memoryview(data)[:self.take(len(data))])

        def fake_sendfile(out_fd: int, in_fd: int, offset: int | None, count: int) -> int:
            if not self._holds_fd(out_fd):
                return real_sendfile(out_fd, in_fd, offset, count)
            allowed = self.take(count)
            sent = real_sendfile(out_fd, in_fd, offset, allowed)
            self.refund(allowed - sent)
            return sent

        monkeypatch.setattr(builtins, "open", fake_open)
        monkeypatch.setattr(io, "open", fake_open)
        monkeypatch.setattr(os, "write", fake_write)
        monkeypatch.setattr(os, "sendfile", fake_sendfile)
        return self

    def free(self) -> None:
        """The space comes back: every later write succeeds."""
        self.budget = None

    def take(self, wanted: int) -> int:
        """Bytes a write of `wanted` bytes may write now; raises ENOSPC when none is left."""
        if self.budget is None or wanted == 0:
            return wanted
        if self.budget == 0:
            self.refused += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        allowed = min(wanted, self.budget)
        self.budget -= allowed
        return allowed

    def refund(self, unused: int) -> None:
        if self.budget is not None:
            self.budget += unused

    def _holds(self, path: str) -> bool:
        resolved = os.path.realpath(path)
        return resolved == self.root or resolved.startswith(self.root + os.sep)

    def _holds_fd(self, fd: int) -> bool:
        try:
            return self._holds(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return False


class _BudgetRaw(io.RawIOBase):
    """A raw file whose writes draw on the disk's budget; everything else goes to the real file."""

    def __init__(self, raw: io.FileIO, disk: FullDisk) -> None:
        super().__init__()
        self._raw, self._disk = raw, disk

    @property
    def name(self) -> Any:
        return self._raw.name

    def readable(self) -> bool:
        return self._raw.readable()

    def writable(self) -> bool:
        return self._raw.writable()

    def seekable(self) -> bool:
        return self._raw.seekable()

    def fileno(self) -> int:
        return self._raw.fileno()

    def readinto(self, buffer: Any) -> int | None:
        return self._raw.readinto(buffer)

    def write(self, data: Any) -> int | None:
        return self._raw.write(memoryview(data)[:self._disk.take(len(data))])

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def truncate(self, size: int | None = None) -> int:
        return self._raw.truncate(size)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()
