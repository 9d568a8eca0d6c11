"""buildozer.spec and the lock files agree on every package both name.

python-for-android builds the phone's compiled packages from recipes of fixed versions, so the
spec's pins are constraints of ``./scripts/lock`` (docs/decisions.md, "Lock files"): the desktop
app, the tests and the IdP run the versions the phone runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.lockfile import HINT, android_problems, lock_path, read_lock, spec_pins

ROOT = Path(__file__).resolve().parents[2]
SPEC = (ROOT / "authenticator_app" / "android" / "buildozer.spec").read_text(encoding="utf-8")


@pytest.mark.parametrize("profile", ["app", "dev", "idp"])
def test_the_spec_and_the_lock_agree(profile: str) -> None:
    problems = android_problems(SPEC, profile, lock_path(profile).read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_the_app_lock_has_every_package_of_the_spec() -> None:
    locked = {pin.name for pin in read_lock(lock_path("app").read_text(encoding="utf-8"))}
    pinned = spec_pins(SPEC)
    assert {"kivy", "pydantic", "pydantic-core", "cryptography", "cffi", "pillow"} <= set(pinned)
    assert "python3" not in pinned
    assert "openssl" not in pinned
    missing = set(pinned) - locked
    assert not missing, f"buildozer.spec names {sorted(missing)}, requirements/app.txt does not"


def test_a_spec_pin_the_lock_does_not_follow_fails() -> None:
    app = lock_path("app").read_text(encoding="utf-8")
    tampered = SPEC.replace("kivy==2.3.1,", "kivy==2.3.0,")
    assert tampered != SPEC
    assert android_problems(tampered, "app", app) == [
        "authenticator_app/android/buildozer.spec pins kivy==2.3.0 but requirements/app.txt has "
        f"2.3.1: the spec's pins are constraints of the lock, {HINT}"
    ]


def test_a_lock_pin_for_another_platform_is_not_compared() -> None:
    lock = (
        "pywin32==312 ; sys_platform == 'win32' \\\n    --hash=sha256:aa\n"
        "kivy==2.3.1 \\\n    --hash=sha256:bb\n"
    )
    spec = SPEC.replace("plyer==2.1.0,", "plyer==2.1.0,\n    pywin32==300,")
    assert android_problems(spec, "app", lock) == []
