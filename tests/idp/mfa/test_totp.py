"""TOTP verification at the IdP: RFC 6238 vectors, oathtool, drift, replay, lock, races."""

from __future__ import annotations

import base64
import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from idp.audit.service import query
from idp.clock import FixedClock
from idp.extensions import db
from idp.mfa import lock
from idp.mfa.errors import CodeInvalid, CodeReplayed, NoCodeDevice, SecondFactorLocked
from idp.mfa.totp import TotpParams, code_at, matching_steps, verify_code
from idp.models import Device, User
from tests.idp.mfa.conftest import CodeDevice, add_code_device

# RFC 6238 appendix B: the seeds are ASCII "1234567890" repeated to the digest size.
SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


def b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(("unix", "sha1", "sha256", "sha512"), VECTORS)
def test_rfc6238_appendix_b_vectors(unix: int, sha1: str, sha256: str, sha512: str) -> None:
    at = datetime.fromtimestamp(unix, UTC)
    for algorithm, expected in (("SHA1", sha1), ("SHA256", sha256), ("SHA512", sha512)):
        params = TotpParams(digits=8, period=30, algorithm=algorithm)
        secret = b32(SEEDS[algorithm])
        assert code_at(secret, params, unix // 30) == expected
        assert matching_steps(secret, expected, params, now=at, drift=0) == [unix // 30]


@pytest.mark.parametrize(("unix", "sha1", "sha256", "sha512"), VECTORS[:5])
def test_rfc6238_vectors_accepted_by_the_service(
    app: Flask, unix: int, sha1: str, sha256: str, sha512: str
) -> None:
    at = datetime.fromtimestamp(unix, UTC)
    with app.app_context():
        for index, (algorithm, code) in enumerate(
            (("SHA1", sha1), ("SHA256", sha256), ("SHA512", sha512))
        ):
            dev = add_code_device(
                secret=b32(SEEDS[algorithm]),
                params=TotpParams(8, 30, algorithm),
                device_id=f"dev-{algorithm}",
            )
            user = db.session.get(User, dev.user_id)
            accepted = verify_code(user, code, now=at, client=None, purpose="sign_in")
            db.session.commit()
            assert accepted.device.id == f"dev-{algorithm}"
            assert accepted.step == unix // 30
            db.session.delete(db.session.get(Device, f"dev-{algorithm}"))
            db.session.commit()
            assert index >= 0


@pytest.mark.skipif(shutil.which("oathtool") is None, reason="oathtool (Debian) not installed")
@pytest.mark.parametrize("algorithm", ["SHA1", "SHA256", "SHA512"])
def test_codes_from_oathtool_are_accepted(app: Flask, clock: FixedClock, algorithm: str) -> None:
    secret = b32(SEEDS[algorithm])
    stamp = clock.now().strftime("%Y-%m-%d %H:%M:%S UTC")
    out = subprocess.run(
        ["oathtool", "--totp=" + algorithm, "-b", "-d", "6", "-N", stamp, secret],
        capture_output=True,
        text=True,
        check=True,
    )
    code = out.stdout.strip()
    with app.app_context():
        dev = add_code_device(secret=secret, params=TotpParams(6, 30, algorithm))
        user = db.session.get(User, dev.user_id)
        assert verify_code(user, code, now=clock.now(), client=None, purpose="sign_in")
        db.session.commit()


def _user(dev: CodeDevice) -> User:
    user = db.session.get(User, dev.user_id)
    assert user is not None
    return user


def test_drift_edges(app: Flask, clock: FixedClock, code_device: CodeDevice) -> None:
    now = clock.now()
    with app.app_context():
        user = _user(code_device)
        for offset in (-2, 2):
            with pytest.raises(CodeInvalid):
                verify_code(
                    user, code_device.code(clock, offset), now=now, client=None, purpose="t"
                )
        db.session.commit()
        assert verify_code(user, code_device.code(clock, -1), now=now, client=None, purpose="t")
        assert verify_code(user, code_device.code(clock, +1), now=now, client=None, purpose="t")
        db.session.commit()


def test_a_code_is_single_use_and_earlier_steps_are_replays(
    app: Flask, clock: FixedClock, code_device: CodeDevice
) -> None:
    now = clock.now()
    with app.app_context():
        user = _user(code_device)
        code = code_device.code(clock)
        accepted = verify_code(user, code, now=now, client=None, purpose="sign_in")
        db.session.commit()
        with pytest.raises(CodeReplayed) as exc:
            verify_code(user, code, now=now, client=None, purpose="sign_in")
        assert exc.value.code == "totp_replayed"
        # The previous step's code is still within drift, but before the accepted one.
        with pytest.raises(CodeReplayed):
            verify_code(user, code_device.code(clock, -1), now=now, client=None, purpose="t")
        db.session.commit()
        assert db.session.get(Device, code_device.device_id).totp_last_step == accepted.step
        events = [(e.event, e.outcome, e.details.get("reason")) for e in query(realm="jasmin")]
        assert ("totp_verify", "success", None) in events
        assert events.count(("totp_verify", "failure", "totp_replayed")) == 2


def test_wrong_and_malformed_codes(app: Flask, clock: FixedClock, code_device: CodeDevice) -> None:
    with app.app_context():
        user = _user(code_device)
        right = code_device.code(clock)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        for code in (wrong, "12345", "abcdef", "1234567"):  # 4: the lock starts at 5
            with pytest.raises(CodeInvalid) as exc:
                verify_code(user, code, now=clock.now(), client=None, purpose="t")
            assert exc.value.code == "totp_invalid"
        db.session.commit()
        # Spaces as the app shows them ("123 456") are fine.
        spaced = f"{right[:3]} {right[3:]}"
        assert verify_code(user, spaced, now=clock.now(), client=None, purpose="t")


def test_no_device_counts_and_says_so_only_in_the_audit(app: Flask, clock: FixedClock) -> None:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "theo.lefebvre"))
        with pytest.raises(NoCodeDevice):
            verify_code(user, "123456", now=clock.now(), client=None, purpose="t")
        db.session.commit()
        assert lock.lock_state(user, now=clock.now()).failures == 1


def test_wrong_codes_lock_with_a_growing_wait(
    app: Flask, clock: FixedClock, code_device: CodeDevice
) -> None:
    with app.app_context():
        user = _user(code_device)
        now = clock.now()
        for _ in range(5):
            with pytest.raises(CodeInvalid):
                verify_code(user, "000000", now=now, client=None, purpose="t")
        db.session.commit()
        # lock_after = 5: the fifth failure starts a 30 s wait; even the right code waits.
        with pytest.raises(SecondFactorLocked) as locked:
            verify_code(user, code_device.code(clock), now=now, client=None, purpose="t")
        assert locked.value.retry_after == 30
        later = now + timedelta(seconds=31)
        with pytest.raises(CodeInvalid):
            verify_code(user, "000000", now=later, client=None, purpose="t")
        with pytest.raises(SecondFactorLocked) as locked:
            verify_code(user, "000000", now=later + timedelta(seconds=59), client=None, purpose="t")
        assert locked.value.retry_after == 1  # 60 s after the sixth failure
        db.session.commit()
        events = [e for e in query(realm="jasmin") if e.event == "second_factor_locked"]
        assert sorted(e.details["wait_seconds"] for e in events) == [30, 60]
        # After the wait, the right code gets in and resets the count.
        after = later + timedelta(seconds=61)
        step = int(after.timestamp()) // 30
        assert verify_code(
            user,
            code_at(code_device.secret, TotpParams(), step),
            now=after,
            client=None,
            purpose="t",
        )
        db.session.commit()
        assert lock.lock_state(user, now=after).failures == 0


def test_the_lock_counts_failed_pushes_of_the_same_user(
    app: Flask, clock: FixedClock, code_device: CodeDevice
) -> None:
    from idp.models import Challenge

    now = clock.now()
    with app.app_context():
        user = _user(code_device)
        for index, status in enumerate(("failed", "denied", "reported")):
            db.session.add(
                Challenge(
                    id=f"ch-{index}",
                    realm_id=user.realm_id,
                    user_id=user.id,
                    purpose="sign_in",
                    status=status,
                    matching_mode="typed",
                    nonce="n",
                    context={},
                    created_at=now - timedelta(minutes=2),
                    expires_at=now - timedelta(minutes=1),
                    decided_at=now - timedelta(seconds=90),
                )
            )
        db.session.commit()
        for _ in range(2):
            with pytest.raises(CodeInvalid):
                verify_code(user, "000000", now=now, client=None, purpose="t")
        db.session.commit()
        assert lock.lock_state(user, now=now).failures == 5
        with pytest.raises(SecondFactorLocked):
            lock.check_unlocked(user, now=now)


def test_wait_grows_and_is_capped(app: Flask) -> None:
    from idp.realms.totp import TotpSettings

    settings = TotpSettings(lock_after=3, lock_seconds=10, lock_max_seconds=100)
    waits = [lock.wait_for(n, settings).total_seconds() for n in range(0, 9)]
    assert waits == [0, 0, 0, 10, 20, 40, 80, 100, 100]
    assert lock.wait_for(10**6, settings).total_seconds() == 100


def _race(app: Flask, user_id: int, code: str, now: datetime) -> list[str]:
    barrier = threading.Barrier(2)
    results: list[str] = []

    def submit() -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                verify_code(user, code, now=now, client=None, purpose="sign_in")
                results.append("accepted")
            except CodeReplayed as exc:
                results.append(exc.code)
            finally:
                db.session.commit()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(results)


def test_concurrent_double_submit_of_one_code_on_sqlite(
    app: Flask, clock: FixedClock, code_device: CodeDevice
) -> None:
    for attempt in range(5):
        now = clock.now() + timedelta(seconds=30 * 3 * attempt)
        step = int(now.timestamp()) // 30
        code = code_at(code_device.secret, TotpParams(), step)
        assert _race(app, code_device.user_id, code, now) == ["accepted", "totp_replayed"]
