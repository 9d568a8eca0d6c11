"""The app on a phone: where the vault lives, and the permissions to ask for.

python-for-android runs ``main.py`` (written by ``scripts/android``), which calls :func:`main`.
On Android the vault is ``<app private storage>/vault.bin`` (not readable by other apps, not
in backups: ``android:allowBackup`` is off in ``android/buildozer.spec``), and Android 13+
asks once for the permission to show notifications; the camera permission is asked when the
user first scans a QR code (:func:`ask_camera_permission`). Elsewhere this is the desktop app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from authenticator_app.core.vault import default_vault_path

__all__ = [
    "CAMERA_PERMISSION",
    "NOTIFICATION_PERMISSION",
    "ask_camera_permission",
    "main",
    "phone_vault_path",
]

log = logging.getLogger(__name__)
NOTIFICATION_PERMISSION = "android.permission.POST_NOTIFICATIONS"
CAMERA_PERMISSION = "android.permission.CAMERA"


def phone_vault_path(platform: str, storage: Callable[[], str] | None = None) -> Path:
    """The vault file for ``platform`` (``storage`` gives Android's private directory)."""
    if platform == "android":
        if storage is None:
            from android.storage import app_storage_path

            storage = app_storage_path
        return Path(storage()) / "vault.bin"
    return default_vault_path()


def _ask_for_notifications() -> None:
    try:
        from android.permissions import request_permissions

        request_permissions([NOTIFICATION_PERMISSION])
    except Exception as exc:  # older Android, or no permission API: prompts still show
        log.info("notification permission not requested: %s", exc)


def ask_camera_permission(answer: Callable[[bool], None]) -> None:
    """Android's runtime camera permission: ``answer(True)`` at once when already granted,
    else after the system dialog (``answer`` is called on Android's thread)."""
    from android.permissions import check_permission, request_permissions

    if check_permission(CAMERA_PERMISSION):
        answer(True)
        return

    def answered(permissions: list[str], grants: list[bool]) -> None:
        answer(bool(grants) and all(grants))

    request_permissions([CAMERA_PERMISSION], answered)


def main() -> int:
    from kivy.utils import platform

    from authenticator_app.app import run_app

    if platform == "android":
        _ask_for_notifications()
    return run_app(phone_vault_path(platform))
