"""The settings file beside the vault: saved and loaded back; a damaged or unreadable one gives
the defaults, is logged, and is kept aside (``.damaged``) instead of being overwritten."""

from __future__ import annotations

import json
import logging
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from authenticator_app.core.clock import FixedClock
from authenticator_app.core.vault import Vault
from authenticator_app.i18n import Translator
from authenticator_app.presenters.lock import LockPresenter, retry_delay
from authenticator_app.presenters.preferences import Preferences, preferences_path
from authenticator_app.presenters.runner import ImmediateRunner
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.presenters.conftest import FakeView

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
DEFAULTS = ("fr", 0, None)


@pytest.fixture
def settings_file(vault_path: Path) -> Path:
    return preferences_path(vault_path)


def values(prefs: Preferences) -> tuple[str, int, datetime | None]:
    return prefs.language, prefs.failed_unlocks, prefs.retry_at


def test_the_file_sits_beside_the_vault(tmp_path: Path) -> None:
    assert preferences_path(tmp_path / "vault.bin") == tmp_path / "vault.bin.settings.json"


def test_no_file_gives_the_defaults_and_writes_nothing(settings_file: Path) -> None:
    prefs = Preferences.load(settings_file)
    assert values(prefs) == DEFAULTS
    assert prefs.problems == []
    assert not settings_file.exists()


def test_in_memory_preferences_never_touch_the_disk(tmp_path: Path) -> None:
    prefs = Preferences.load(None)
    prefs.language = "en"
    prefs.save()
    assert prefs.path is None
    assert list(tmp_path.iterdir()) == []


def test_save_then_load_round_trips(settings_file: Path) -> None:
    retry_at = NOW + timedelta(seconds=8)
    prefs = Preferences(path=settings_file, language="en", failed_unlocks=4, retry_at=retry_at)
    prefs.save()
    assert json.loads(settings_file.read_text(encoding="utf-8")) == {
        "language": "en",
        "failed_unlocks": 4,
        "retry_at": "2026-03-14T12:00:08+00:00",
    }
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600
    again = Preferences.load(settings_file)
    assert values(again) == ("en", 4, retry_at)
    assert again.problems == []
    assert not again.damaged


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"language": "de"}, DEFAULTS),  # an unknown language: French
        ({"language": "en", "failed_unlocks": -3}, ("en", 0, None)),
        ({"retry_at": "2026-03-14T12:00:08"}, DEFAULTS),  # no time zone: ignored
        ({}, DEFAULTS),
    ],
)
def test_odd_but_readable_values_are_tamed(
    settings_file: Path, content: object, expected: tuple[str, int, datetime | None]
) -> None:
    settings_file.write_text(json.dumps(content), encoding="utf-8")
    prefs = Preferences.load(settings_file)
    assert values(prefs) == expected
    assert prefs.problems == []


DAMAGED = [
    pytest.param(b'{"language": "en", ', "JSONDecodeError", id="truncated"),
    pytest.param(b"\xff\xfe\x00garbage", "UnicodeDecodeError", id="not-utf8"),
    pytest.param(b"[1, 2, 3]", "AttributeError", id="not-an-object"),
    pytest.param(b'{"language": "en", "failed_unlocks": "many"}', "ValueError", id="bad-count"),
    pytest.param(b'{"failed_unlocks": 1e999}', "OverflowError", id="infinite-count"),
    pytest.param(b'{"language": ["en"]}', "TypeError", id="language-list"),
    pytest.param(b'{"retry_at": 12}', "TypeError", id="retry-number"),
]


@pytest.mark.parametrize(("raw", "error"), DAMAGED)
def test_a_damaged_file_gives_the_defaults_and_says_so(
    settings_file: Path, raw: bytes, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings_file.write_bytes(raw)
    with caplog.at_level(logging.WARNING, logger="authenticator_app.presenters.preferences"):
        prefs = Preferences.load(settings_file)
    assert values(prefs) == DEFAULTS
    assert prefs.problems == [f"vault.bin.settings.json: {error}"]
    assert prefs.damaged
    assert "using the defaults" in caplog.text
    assert settings_file.read_bytes() == raw  # loading alone changes nothing on disk


@pytest.mark.parametrize(("raw", "error"), DAMAGED[:2])
def test_a_damaged_file_is_kept_aside_not_overwritten(
    settings_file: Path, raw: bytes, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    prefs = Preferences.load(settings_file.parent / "absent.json")
    assert not prefs.damaged
    settings_file.write_bytes(raw)
    prefs = Preferences.load(settings_file)
    prefs.language = "en"
    with caplog.at_level(logging.WARNING, logger="authenticator_app.presenters.preferences"):
        prefs.save()
    aside = settings_file.with_name("vault.bin.settings.json.damaged")
    assert aside.read_bytes() == raw
    assert "kept as" in caplog.text
    assert Preferences.load(settings_file).language == "en"
    assert not prefs.damaged
    prefs.language = "fr"
    prefs.save()  # later saves just replace the (now good) file
    assert aside.read_bytes() == raw
    assert Preferences.load(settings_file).language == "fr"
    assert prefs.problems == [f"vault.bin.settings.json: {error}"]


def test_an_unreadable_path_gives_the_defaults_and_is_moved_aside(settings_file: Path) -> None:
    settings_file.mkdir()  # not a file at all (as root, chmod 000 would not stop reading)
    (settings_file / "inside").write_text("kept", encoding="utf-8")
    prefs = Preferences.load(settings_file)
    assert values(prefs) == DEFAULTS
    assert prefs.problems == ["vault.bin.settings.json: IsADirectoryError"]
    prefs.failed_unlocks = 2
    prefs.save()
    aside = settings_file.with_name("vault.bin.settings.json.damaged")
    assert (aside / "inside").read_text(encoding="utf-8") == "kept"
    assert Preferences.load(settings_file).failed_unlocks == 2


def test_a_failed_save_is_recorded_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file", encoding="utf-8")
    prefs = Preferences(path=blocker / "settings.json", language="en")
    prefs.save()
    assert prefs.problems == ["vault_write_failed"]
    assert blocker.read_text(encoding="utf-8") == "a file"


# In a child process with its memory capped: computing 2 ** (a huge count), as retry_delay once
# did, fails there with MemoryError within seconds instead of eating this machine's memory.
BOUNDED_WAIT = """
import resource, sys
from authenticator_app.presenters.lock import retry_delay
from authenticator_app.presenters.preferences import Preferences
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
prefs = Preferences.load(Path(sys.argv[1]))
print(prefs.failed_unlocks, retry_delay(prefs.failed_unlocks + 1))
"""


def test_a_huge_wrong_pin_count_still_gives_a_bounded_wait(settings_file: Path) -> None:
    settings_file.write_text(json.dumps({"failed_unlocks": 10**20}), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", BOUNDED_WAIT, str(settings_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.split() == [str(10**20), str(15 * 60)]
    assert retry_delay(12) == retry_delay(10**6) == 15 * 60


def test_a_damaged_file_does_not_stop_unlocking(vault: Vault) -> None:
    """The lock screen over a damaged file: it unlocks, and the damage is kept aside."""
    path = preferences_path(vault.path)
    path.write_bytes(b"{oops")
    prefs = Preferences.load(path)
    view, opened, clock = FakeView(), list[Vault](), FixedClock(NOW)
    lock = LockPresenter(
        view,
        vault_path=vault.path,
        runner=ImmediateRunner(),
        translator=Translator(prefs.language),
        preferences=prefs,
        on_unlocked=opened.append,
        clock=clock,
        kdf=FAST_KDF,
    )
    lock.start()
    assert view.model.mode == "unlock"
    lock.submit("0000")
    assert view.model.wait_seconds == 1
    clock.advance(1)
    lock.submit(PIN)
    assert len(opened) == 1
    assert path.with_name(path.name + ".damaged").read_bytes() == b"{oops"
    assert values(Preferences.load(path)) == DEFAULTS
