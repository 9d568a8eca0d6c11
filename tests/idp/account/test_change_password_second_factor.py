"""On a realm that signs in with push, a password change waits for the second factor."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from idp.audit.service import ClientInfo
from idp.clock import FixedClock
from idp.extensions import db
from idp.models import AuditEvent, Challenge, FlowState
from idp.realms.store import get_realm
from idp.security.passwords import current_hasher
from idp.users.service import find_user
from tests.idp.conftest import csrf_from, login, text_of
from tests.idp.device_api.device import ProtocolDevice

USER, PASSWORD = "camille.martin", "Tournesol-Vert-42!"
NEW = "Orage-Lointain#2027!"
PATH = "/realms/jasmin/password/change"


def _submit(client: FlaskClient) -> object:
    page = client.get(f"{PATH}?login={USER}").get_data(as_text=True)
    return client.post(
        PATH,
        data={
            "csrf_token": csrf_from(page),
            "identifier": USER,
            "current_password": PASSWORD,
            "new_password": NEW,
            "confirmation": NEW,
        },
    )


@pytest.fixture
def device(app: Flask, clock: FixedClock) -> ProtocolDevice:
    """camille.martin's authenticator, enrolled through the device API."""
    from idp.push.enrollment import create_offer
    from tests.idp.device_api.device import BASE

    with app.app_context():
        user = find_user(get_realm("jasmin"), USER)
        assert user is not None
        uri = create_offer(user, base_url=BASE, now=clock.now()).uri
        db.session.commit()
    dev = ProtocolDevice(app.test_client(), clock.now())
    assert dev.enroll(uri).status_code == 201
    return dev


def _password_is(app: Flask, password: str) -> bool:
    with app.app_context():
        user = find_user(get_realm("jasmin"), USER)
        assert user is not None
        return current_hasher().verify(user.password_hash, password)


def _number(app: Flask, challenge_id: str) -> int:
    with app.app_context():
        challenge = db.session.get(Challenge, challenge_id)
        assert challenge is not None
        assert challenge.number is not None
        return challenge.number


def test_change_is_applied_only_after_the_push_approval(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    resp = _submit(client)
    assert resp.headers["Location"].endswith("/realms/jasmin/login/push")  # type: ignore[attr-defined]
    page = text_of(client.get("/realms/jasmin/login/push"))
    assert "Approuver le changement de mot de passe" in page
    assert _password_is(app, PASSWORD)
    [challenge] = device.pending()
    assert "changement de mot de passe" in challenge.context.service
    assert (
        device.decide(challenge, "approve", _number(app, challenge.challenge_id)).status_code == 200
    )
    done = client.get("/realms/jasmin/login/push")
    assert done.headers["Location"].endswith("/realms/jasmin/login")
    assert _password_is(app, NEW)
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == "password_changed")
        ).all()
        assert len(events) == 1
    # Polling again changes nothing more.
    assert client.get("/realms/jasmin/login/push").headers["Location"].endswith("/login")


def test_denied_push_leaves_the_password_alone(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    _submit(client)
    [challenge] = device.pending()
    device.decide(challenge, "deny")
    page = text_of(client.get("/realms/jasmin/login/push"))
    assert "La demande a été refusée dans l'application." in page
    assert _password_is(app, PASSWORD)


def test_the_new_password_never_reaches_the_cookie(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    from flask.sessions import SecureCookieSessionInterface

    _submit(client)
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    cookie = client.get_cookie("idp_session")
    assert cookie is not None
    raw = str(serializer.loads(cookie.value))
    assert NEW not in raw
    assert "argon2" not in raw


def test_a_pending_change_is_applied_exactly_once_under_a_race(
    app: Flask, clock: FixedClock, device: ProtocolDevice
) -> None:
    from idp.account import second_factor

    with app.app_context():
        user = find_user(get_realm("jasmin"), USER)
        assert user is not None
        pending = second_factor.begin(
            user,
            current_hasher().hash(NEW),
            client=ClientInfo(),
            now=clock.now(),
            broker=app.extensions["idp.broker"],
        )
        db.session.commit()
        user_id = user.id
    results: list[bool] = []
    barrier = threading.Barrier(5)

    def worker() -> None:
        with app.app_context():
            from idp.models import User

            target = db.session.get(User, user_id)
            assert target is not None
            barrier.wait()
            results.append(
                second_factor.finish(
                    target, pending.flow_id, pending.binding, now=clock.now(), client=ClientInfo()
                )
            )
            db.session.commit()

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 4 + [True]
    assert _password_is(app, NEW)
    with app.app_context():
        row = db.session.get(FlowState, pending.flow_id)
        assert row is not None
        assert row.completed_at is not None


def test_a_wrong_binding_applies_nothing(
    app: Flask, clock: FixedClock, device: ProtocolDevice
) -> None:
    from idp.account import second_factor

    with app.app_context():
        user = find_user(get_realm("jasmin"), USER)
        assert user is not None
        pending = second_factor.begin(
            user,
            current_hasher().hash(NEW),
            client=ClientInfo(),
            now=clock.now(),
            broker=app.extensions["idp.broker"],
        )
        db.session.commit()
        assert not second_factor.finish(
            user, pending.flow_id, "not-the-binding", now=clock.now(), client=ClientInfo()
        )
    assert _password_is(app, PASSWORD)


def test_without_a_device_the_password_alone_suffices(app: Flask, client: FlaskClient) -> None:
    login(client, "jasmin", USER, PASSWORD)
    resp = _submit(client)
    assert resp.headers["Location"].endswith("/realms/jasmin/login")  # type: ignore[attr-defined]
    assert _password_is(app, NEW)


def test_the_push_cap_on_a_password_change_says_the_wait_rounded_up(
    app: Flask, client: FlaskClient, device: ProtocolDevice, clock: FixedClock
) -> None:
    """Five notifications per 15 minutes: the sixth, 12 min 30 s after the first, must wait
    2 min 30 s, said « dans 3 minutes » (the page said « dans 2 minute(s) »)."""
    from datetime import timedelta

    _submit(client)
    clock.advance(timedelta(minutes=12, seconds=30))
    for _ in range(4):
        _submit(client)
    page = text_of(_submit(client))  # type: ignore[arg-type]
    assert "Trop de notifications ont été envoyées. Réessayez dans 3 minutes." in page
    assert "(s)" not in page
    assert _password_is(app, PASSWORD)
