"""Atomic replacement of a small private file, and an advisory lock beside it.

A write goes to a temporary file in the same directory (mode 0600), is flushed and fsynced,
then renamed over the target (``os.replace`` is atomic on POSIX and Windows), and the directory is
fsynced. If anything fails, the temporary file is removed and the target is untouched: a crash
leaves either the old file or the new one, never half of one.

The lock (``flock`` on ``<path>.lock``) serialises read-modify-write cycles between processes,
e.g. ``authenticator watch`` recording an answer while ``authenticator add`` adds an account.
Where ``fcntl`` does not exist the lock is a no-op.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

from authenticator_app.core.errors import VaultBusy, VaultWriteFailed

try:  # POSIX (Linux, macOS, Android)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["FILE_MODE", "atomic_write", "file_lock", "replace_file"]

FILE_MODE: Final = 0o600
_LOCK_POLL_SECONDS: Final = 0.05


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - some platforms cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - e.g. some network file systems
        pass
    finally:
        os.close(fd)


def replace_file(path: Path, data: bytes) -> None:
    """Replace (or create) ``path`` with ``data`` atomically, mode 0600, in an existing
    directory; raises :class:`OSError`, and then ``path`` is untouched and no temporary is left.
    """
    directory = path.parent
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_directory(directory)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (mode 0600), creating its directory;
    :class:`VaultWriteFailed` else."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise VaultWriteFailed(f"cannot create a temporary file: {exc.strerror}") from None
    try:
        replace_file(path, data)
    except OSError as exc:
        raise VaultWriteFailed(f"cannot write {path.name}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def file_lock(
    path: Path,
    *,
    timeout: float = 10.0,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``<path>.lock`` (:class:`VaultBusy` after ``timeout``)."""
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as exc:
        raise VaultWriteFailed(f"cannot open the lock file: {exc.strerror}") from None
    try:
        deadline = monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if monotonic() >= deadline:
                    raise VaultBusy("the vault is locked by another process") from None
                sleep(_LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
