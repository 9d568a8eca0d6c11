from __future__ import annotations

import os
import stat
import tempfile
import threading
from pathlib import Path

import pytest

from authenticator_app.core.atomic_file import atomic_write, file_lock
from authenticator_app.core.errors import VaultBusy, VaultWriteFailed


def test_write_creates_a_private_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "vault.bin"
    atomic_write(target, b"data")
    assert target.read_bytes() == b"data"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_write_replaces(tmp_path: Path) -> None:
    target = tmp_path / "vault.bin"
    atomic_write(target, b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vault.bin"]


def test_failure_mid_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "vault.bin"
    atomic_write(target, b"old")

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(VaultWriteFailed, match="No space"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["vault.bin"]


def test_failure_at_rename_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "vault.bin"
    atomic_write(target, b"old")

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(VaultWriteFailed):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["vault.bin"]


def test_unwritable_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(**kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(VaultWriteFailed, match="Permission denied"):
        atomic_write(tmp_path / "vault.bin", b"x")
    assert list(tmp_path.iterdir()) == []


def test_lock_is_exclusive_between_holders(tmp_path: Path) -> None:
    target = tmp_path / "vault.bin"
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with file_lock(target):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    try:
        with pytest.raises(VaultBusy), file_lock(target, timeout=0.1):
            pass
    finally:
        release.set()
        thread.join()
    with file_lock(target, timeout=1):
        pass
