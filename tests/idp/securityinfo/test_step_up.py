"""« Mes informations de sécurité »: a fresh second factor instead of the password, the
user's option to require one, and the mail when a method is added."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from idp.clock import FixedClock
from idp.extensions import db
from idp.models import AuditEvent, User
from tests.idp.conftest import csrf_from, login, text_of
from tests.idp.oidc.conftest import approve_pending, enroll_device  # noqa: F401 - fixture

JASMIN = ("camille.martin", "Tournesol-Vert-42!")
SECURITY = "/realms/jasmin/security"
NEW = "camille.nouvelle@cfa-jasmin.example"


def _events(app: Flask, event: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == event)))


def _user(app: Flask) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == JASMIN[0]))
        assert user is not None
        db.session.expunge(user)
        return user


def _link_sent(app: Flask) -> bool:
    """A verification link went to the new address (the change itself waits for it)."""
    mails = app.extensions["idp.outbox"].as_json()
    return any(m["kind"] == "email_verification" and m["to"] == NEW for m in mails)


def _sign_in_with_push(app: Flask, client: FlaskClient, device: Any) -> None:
    assert login(client, "jasmin", *JASMIN).headers["Location"].endswith("/login/push")
    approve_pending(app, device)
    assert client.get("/realms/jasmin/login/push").status_code == 302


def _post_email(client: FlaskClient, **extra: str) -> Any:
    page = client.get(f"{SECURITY}/email").get_data(as_text=True)
    return client.post(
        f"{SECURITY}/email", data={"csrf_token": csrf_from(page), "email": NEW, **extra}
    )


def _step_up(app: Flask, client: FlaskClient, device: Any, next_path: str) -> Any:
    page = client.get(f"{SECURITY}/confirm?next={next_path}")
    assert page.status_code == 200
    started = client.post(
        f"{SECURITY}/confirm?next={next_path}",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert started.headers["Location"] == "/realms/jasmin/login/push"
    approve_pending(app, device)
    return client.get("/realms/jasmin/login/push")


def test_adding_a_device_is_mailed(app: Flask, enroll_device: Any) -> None:  # noqa: F811
    enroll_device()
    mails = [m for m in app.extensions["idp.outbox"].as_json() if m["to"] == _user(app).email]
    assert any("Un appareil a été ajouté à votre compte" in m["text"] for m in mails), mails


def test_a_fresh_second_factor_confirms_without_the_password(
    app: Flask,
    client: FlaskClient,
    clock: FixedClock,
    enroll_device: Any,  # noqa: F811
) -> None:
    device = enroll_device()
    _sign_in_with_push(app, client, device)
    page = text_of(client.get(f"{SECURITY}/email"))
    assert "Confirmé par votre second facteur jusqu'à" in page
    assert _post_email(client).status_code == 302
    assert _link_sent(app)
    assert _events(app, "security_info_reauth") == []


def test_a_stale_second_factor_asks_again_then_a_step_up_confirms(
    app: Flask,
    client: FlaskClient,
    clock: FixedClock,
    enroll_device: Any,  # noqa: F811
) -> None:
    device = enroll_device()
    _sign_in_with_push(app, client, device)
    clock.advance(timedelta(minutes=6))  # past [sessions] step_up_minutes (5)
    device.now = clock.now()
    refused = _post_email(client)
    assert refused.status_code == 200
    assert "Vous devez entrer votre mot de passe actuel." in text_of(refused)
    assert "Confirmer avec un second facteur" in text_of(refused)
    back = _step_up(app, client, device, f"{SECURITY}/email")
    assert back.headers["Location"] == f"{SECURITY}/email"
    (event,) = _events(app, "step_up")
    assert event.details is not None
    assert "swk" in event.details["amr"]
    assert _post_email(client).status_code == 302
    assert _link_sent(app)


def test_step_up_goes_back_only_to_the_security_pages(
    app: Flask,
    client: FlaskClient,
    clock: FixedClock,
    enroll_device: Any,  # noqa: F811
) -> None:
    device = enroll_device()
    _sign_in_with_push(app, client, device)
    for target in ("https://evil.example/", "//evil.example/x", "/realms/uphf/security"):
        clock.advance(timedelta(minutes=6))
        device.now = clock.now()
        back = _step_up(app, client, device, target)
        assert back.headers["Location"] == SECURITY, target


def test_confirm_needs_csrf_and_a_second_factor(client: FlaskClient) -> None:
    login(client, "jasmin", *JASMIN)  # no device: password only
    assert client.get(f"{SECURITY}/confirm").status_code == 404
    assert client.get(f"{SECURITY}/protection").status_code == 404
    assert "Confirmer avec un second facteur" not in text_of(client.get(f"{SECURITY}/email"))


def test_confirm_post_without_csrf_is_refused(
    app: Flask,
    client: FlaskClient,
    enroll_device: Any,  # noqa: F811
) -> None:
    device = enroll_device()
    _sign_in_with_push(app, client, device)
    for path in ("/confirm", "/protection"):
        resp = client.post(f"{SECURITY}{path}", data={})
        assert resp.status_code == 400
        assert "Formulaire expiré" in text_of(resp)
    assert device.pending() == []


def test_the_option_refuses_the_password_alone(
    app: Flask,
    client: FlaskClient,
    clock: FixedClock,
    enroll_device: Any,  # noqa: F811
) -> None:
    device = enroll_device()
    _sign_in_with_push(app, client, device)
    page = client.get(f"{SECURITY}/protection").get_data(as_text=True)
    switched = client.post(f"{SECURITY}/protection", data={"csrf_token": csrf_from(page)})
    assert switched.status_code == 302
    assert _user(app).changes_need_second_factor
    (event,) = _events(app, "security_info_protection_changed")
    assert event.details == {"second_factor_only": True}
    mails = app.extensions["idp.outbox"].as_json()
    assert any("demandent désormais un second facteur" in m["text"] for m in mails)

    clock.advance(timedelta(minutes=6))
    device.now = clock.now()
    form = text_of(client.get(f"{SECURITY}/email"))
    assert "Mot de passe actuel" not in form
    refused = _post_email(client, current_password=JASMIN[1])
    assert "Confirmez d'abord cette modification avec votre second facteur." in text_of(refused)
    assert not _link_sent(app)
    # Switching it off needs a fresh second factor too: the password cannot lift it.
    page = client.get(f"{SECURITY}/protection").get_data(as_text=True)
    stale = client.post(f"{SECURITY}/protection", data={"csrf_token": csrf_from(page)})
    assert stale.headers["Location"].startswith(f"{SECURITY}/confirm?next=")
    assert _user(app).changes_need_second_factor
    _step_up(app, client, device, f"{SECURITY}/protection")
    assert _post_email(client).status_code == 302
    assert _link_sent(app)


def test_replacing_recovery_codes_is_confirmed_like_any_change(
    app: Flask,
    client: FlaskClient,
    clock: FixedClock,
    enroll_device: Any,  # noqa: F811
) -> None:
    import re

    device = enroll_device()
    _sign_in_with_push(app, client, device)
    token = csrf_from(client.get(SECURITY).get_data(as_text=True))
    first = client.post("/realms/jasmin/recovery-codes", data={"csrf_token": token})
    old = re.findall(r"<li><code>([0-9A-Z-]{19})</code></li>", first.get_data(as_text=True))
    assert len(old) == 10
    assert "Codes de récupération restants : 10." in text_of(client.get(SECURITY))
    clock.advance(timedelta(minutes=6))  # the push of the sign-in is no longer fresh
    replace = client.post(
        "/realms/jasmin/recovery-codes", data={"csrf_token": token, "replace": "1"}
    )
    assert replace.headers["Location"] == f"{SECURITY}/recovery-codes"
    page = client.get(f"{SECURITY}/recovery-codes").get_data(as_text=True)
    wrong = client.post(
        f"{SECURITY}/recovery-codes",
        data={"csrf_token": csrf_from(page), "current_password": "nope"},
    )
    assert "Mot de passe incorrect." in text_of(wrong)
    shown = client.post(
        f"{SECURITY}/recovery-codes",
        data={"csrf_token": csrf_from(page), "current_password": JASMIN[1]},
    )
    assert shown.headers["Cache-Control"] == "no-store"
    new = re.findall(r"<li><code>([0-9A-Z-]{19})</code></li>", shown.get_data(as_text=True))
    assert len(new) == 10
    assert not set(new) & set(old)
    mails = app.extensions["idp.outbox"].as_json()
    assert sum("De nouveaux codes de récupération" in m["text"] for m in mails) == 2


def test_first_recovery_codes_from_the_security_page(
    app: Flask,
    client: FlaskClient,
    enroll_device: Any,  # noqa: F811
) -> None:
    device = enroll_device()
    _sign_in_with_push(app, client, device)
    page = client.get(SECURITY)
    assert "Codes de récupération restants : 0." in text_of(page)
    made = client.post(
        "/realms/jasmin/recovery-codes", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert made.status_code == 200
    assert "Codes de récupération restants : 10." in text_of(client.get(SECURITY))
