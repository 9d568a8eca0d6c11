"""A new email address is used only after its link is opened: single use, expiring, racing
clicks apply it once, and the same answers whatever exists."""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from idp.audit.service import ClientInfo
from idp.clock import FixedClock
from idp.extensions import db
from idp.models import AuditEvent
from idp.realms.store import get_realm
from idp.securityinfo import email_verification
from tests.idp.conftest import csrf_from, login, text_of
from tests.idp.securityinfo.test_security_page import META, _email, _mails, _post, verification_link

NEW = "sophie.nouvelle@entreprise.example"
INVALID = "Ce lien de vérification n'est pas valide"


def _request(client: FlaskClient, email: str = NEW) -> str:
    login(client, "metamots", *META)
    resp = _post(client, "metamots", "/email", email=email, current_password=META[1])
    assert resp.status_code == 302
    return text_of(client.get("/realms/metamots/security"))


def _confirm(client: FlaskClient, link: str) -> object:
    page = client.get(link)
    if page.status_code != 200:  # any page with a form gives this browser's token
        page = client.get("/realms/metamots/security/email")
        if page.status_code != 200:
            page = client.get("/realms/metamots/login")
    return client.post(link, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def _changed(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.event == "email_changed"))
        )


def test_the_page_says_a_link_was_sent_and_shows_the_pending_address(
    app: Flask, client: FlaskClient
) -> None:
    page = _request(client)
    assert f"Un lien de vérification a été envoyé à {NEW}." in page
    assert f"En attente de vérification : {NEW}" in page
    assert _email(app) == "sophie.bernard@entreprise.example"
    # Nothing but the link went to the new address; recovery mail still goes to the old one.
    assert [m["kind"] for m in _mails(app) if m["to"] == NEW] == ["email_verification"]


def test_the_link_works_without_signing_in_and_only_once(
    app: Flask, client: FlaskClient, clock: FixedClock
) -> None:
    _request(client)
    link = verification_link(app, NEW)
    other = app.test_client()  # another browser: the mailbox proves the address
    page = other.get(link)
    assert page.status_code == 200
    assert f"Confirmez que {NEW} est bien votre adresse" in text_of(page)
    assert _email(app) != NEW  # opening the link (a mail scanner) changes nothing
    done = _confirm(other, link)
    assert "Votre adresse de messagerie est désormais" in text_of(done)
    assert _email(app) == NEW
    again = _confirm(other, link)
    assert again.status_code == 400
    assert INVALID in text_of(again)
    assert len(_changed(app)) == 1


def test_an_expired_link_is_refused(app: Flask, client: FlaskClient, clock: FixedClock) -> None:
    _request(client)
    link = verification_link(app, NEW)
    clock.advance(timedelta(hours=24, seconds=1))
    resp = client.get(link)
    assert resp.status_code == 400
    assert INVALID in text_of(resp)
    assert _email(app) != NEW


def test_every_bad_link_gets_the_same_answer(
    app: Flask, client: FlaskClient, clock: FixedClock
) -> None:
    _request(client)
    link = verification_link(app, NEW)
    flow_id, _, secret = link.rpartition("/")[2].partition(".")
    bodies = set()
    for bad in (
        f"/realms/metamots/security/email/verify/{flow_id}.{'x' * len(secret)}",
        f"/realms/metamots/security/email/verify/{'y' * len(flow_id)}.{secret}",
        "/realms/metamots/security/email/verify/nothing",
        f"/realms/uphf/security/email/verify/{flow_id}.{secret}",
    ):
        resp = client.get(bad)
        assert resp.status_code == 400, bad
        body = text_of(resp)
        bodies.add(body[body.index("<main") :].replace("UPHF", "").replace("uphf", ""))
    assert all(INVALID in b for b in bodies)
    assert _email(app) != NEW


def test_a_newer_request_voids_the_older_link_and_cancel_voids_all(
    app: Flask, client: FlaskClient
) -> None:
    _request(client)
    first = verification_link(app, NEW)
    _post(client, "metamots", "/email", email="autre@entreprise.example", current_password=META[1])
    assert _confirm(client, first).status_code == 400  # type: ignore[attr-defined]
    second = verification_link(app, "autre@entreprise.example")
    page = client.get("/realms/metamots/security").get_data(as_text=True)
    client.post("/realms/metamots/security/email/cancel", data={"csrf_token": csrf_from(page)})
    assert "En attente de vérification" not in text_of(client.get("/realms/metamots/security"))
    assert _confirm(client, second).status_code == 400  # type: ignore[attr-defined]
    assert _email(app) == "sophie.bernard@entreprise.example"


def test_an_address_of_another_account_gets_the_same_answer(
    app: Flask, client: FlaskClient
) -> None:
    taken = _request(client, "julien.moreau@entreprise.example")
    with app.app_context():
        julien = db.session.scalar(
            select(AuditEvent.user_id).where(AuditEvent.event == "email_verification_sent")
        )
    assert julien is not None
    assert "Un lien de vérification a été envoyé à julien.moreau@entreprise.example." in taken
    assert [m["kind"] for m in _mails(app) if m["to"] == "julien.moreau@entreprise.example"] == [
        "email_verification"
    ]


def test_cancel_needs_its_csrf_token(client: FlaskClient) -> None:
    _request(client)
    resp = client.post("/realms/metamots/security/email/cancel", data={})
    assert resp.status_code == 400
    assert "Formulaire expiré" in text_of(resp)
    assert "En attente de vérification" in text_of(client.get("/realms/metamots/security"))


def test_racing_clicks_apply_the_change_once(
    app: Flask, client: FlaskClient, clock: FixedClock
) -> None:
    _request(client)
    link = verification_link(app, NEW).rpartition("/")[2]
    results: list[str] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        with app.app_context():
            realm = get_realm("metamots")
            assert realm is not None
            barrier.wait()
            try:
                email_verification.verify(realm, link, now=clock.now(), client=ClientInfo())
                db.session.commit()
                results.append("ok")
            except email_verification.VerificationLinkInvalid:
                db.session.rollback()
                results.append("invalid")

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["invalid"] * 5 + ["ok"]
    assert len(_changed(app)) == 1
    assert _email(app) == NEW
