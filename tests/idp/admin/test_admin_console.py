"""The realm admin console: access, every action and its audit record, search, audit viewer."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from idp.clock import FixedClock
from idp.extensions import db
from idp.models import AuditEvent, Device, FlowState, User
from idp.realms.store import get_realm
from idp.users.service import create_user, find_user
from tests.idp.conftest import csrf_from, login, text_of

ADMIN = ("sophie.bernard", "Azur!Riviera7")  # metamots: no push, the password suffices
TARGET = "julien.moreau"
BASE = "/realms/metamots/admin"


def _user(realm: str, username: str) -> User:
    found = find_user(get_realm(realm), username)  # type: ignore[arg-type]
    assert found is not None
    return found


def _grant(app: Flask, realm: str, username: str) -> None:
    with app.app_context():
        _user(realm, username).is_admin = True
        db.session.commit()


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    _grant(app, "metamots", ADMIN[0])
    login(client, "metamots", *ADMIN)
    return client


@pytest.fixture
def target_id(app: Flask) -> int:
    with app.app_context():
        return _user("metamots", TARGET).id


def _token(client: FlaskClient) -> str:
    return csrf_from(client.get("/realms/metamots/profile").get_data(as_text=True))


def _act(client: FlaskClient, user_id: int, action: str, **data: str) -> Any:
    return client.post(
        f"{BASE}/users/{user_id}/{action}",
        data={"csrf_token": _token(client), "reason": "ticket 42", **data},
    )


def _audit(app: Flask, event: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == event)))


def _urls(app: Flask, user_id: int) -> list[tuple[str, str]]:
    """Every admin URL of the URL map, with its methods, for metamots."""
    out: list[tuple[str, str]] = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/realms/<slug>/admin"):
            continue
        url = (
            rule.rule.replace("<slug>", "metamots")
            .replace("<int:user_id>", str(user_id))
            .replace("<action>", "disable")
            .replace("<fmt>", "csv")
            .replace("<client_id>", "0" * 32)
        )
        out += [(m, url) for m in sorted(rule.methods or ()) if m in ("GET", "POST")]
    return out


def test_the_url_map_has_admin_routes(app: Flask) -> None:
    assert len(_urls(app, 1)) >= 5


def test_non_admins_get_403_on_every_admin_url(
    app: Flask, client: FlaskClient, target_id: int
) -> None:
    login(client, "metamots", *ADMIN)  # a plain user
    token = _token(client)
    for method, url in _urls(app, target_id):
        if method == "GET":
            resp = client.get(url)
        else:
            resp = client.post(url, data={"csrf_token": token, "reason": "x"})
        assert resp.status_code == 403, (method, url, resp.status_code)
    assert _audit(app, "admin_user_disabled") == []


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, client: FlaskClient) -> None:
    for method, url in _urls(app, 1):
        if method == "GET":
            resp = client.get(url)
            assert resp.status_code == 302
            assert "/realms/metamots/login" in resp.headers["Location"]


def test_an_admin_of_one_realm_is_nobody_in_another(app: Flask, admin: FlaskClient) -> None:
    assert admin.get(f"{BASE}/").status_code == 200
    assert admin.get("/realms/uphf/admin/").status_code == 302  # not signed in there
    with app.app_context():
        other = _user("uphf", "lea.dubois").id
    # A user of another realm is not found from this realm's console.
    assert admin.get(f"{BASE}/users/{other}").status_code == 404
    assert _act(admin, other, "disable").status_code == 404


@pytest.mark.parametrize("action", ["disable", "revoke-sessions", "unlock", "temporary-password"])
def test_every_admin_form_needs_its_csrf_token(
    app: Flask, admin: FlaskClient, target_id: int, action: str
) -> None:
    resp = admin.post(f"{BASE}/users/{target_id}/{action}", data={"reason": "x"})
    assert resp.status_code == 400
    assert "Formulaire expiré" in text_of(resp)


def test_a_reason_is_required(app: Flask, admin: FlaskClient, target_id: int) -> None:
    resp = admin.post(
        f"{BASE}/users/{target_id}/disable", data={"csrf_token": _token(admin), "reason": ""}
    )
    assert resp.status_code == 302
    page = text_of(admin.get(resp.headers["Location"]))
    assert "Indiquez le motif de cette action." in page
    assert _audit(app, "admin_user_disabled") == []


def test_unknown_action_is_404(admin: FlaskClient, target_id: int) -> None:
    assert _act(admin, target_id, "format-disk").status_code == 404


def test_disable_ends_sessions_and_sign_in_then_enable(
    app: Flask, admin: FlaskClient, target_id: int
) -> None:
    victim = app.test_client()
    login(victim, "metamots", TARGET, "Lettres&Mots9")
    assert victim.get("/realms/metamots/profile").status_code == 200
    assert _act(admin, target_id, "disable").status_code == 302
    assert victim.get("/realms/metamots/profile").status_code == 302
    assert login(victim, "metamots", TARGET, "Lettres&Mots9").status_code == 200
    [event] = _audit(app, "admin_user_disabled")
    assert event.actor == ADMIN[0]
    assert event.details == {"target": TARGET, "reason": "ticket 42"}
    assert "Désactivé" in text_of(admin.get(f"{BASE}/users/{target_id}"))
    _act(admin, target_id, "enable")
    assert login(victim, "metamots", TARGET, "Lettres&Mots9").status_code == 302
    assert len(_audit(app, "admin_user_enabled")) == 1


def test_revoke_sessions(app: Flask, admin: FlaskClient, target_id: int) -> None:
    victim = app.test_client()
    login(victim, "metamots", TARGET, "Lettres&Mots9")
    assert "Chrome" not in text_of(admin.get(f"{BASE}/users/{target_id}"))  # werkzeug UA
    _act(admin, target_id, "revoke-sessions")
    assert victim.get("/realms/metamots/profile").status_code == 302
    [event] = _audit(app, "admin_sessions_revoked")
    assert event.details["count"] == 1


def test_unlock_each_lock_kind(app: Flask, admin: FlaskClient, clock: FixedClock) -> None:
    # uphf has both flow locks (captcha is not in its flow: only the joker) and push blocks
    # exist on every realm; the admin works on a metamots account here, so build the locks.
    with app.app_context():
        user = _user("metamots", TARGET)
        user.push_blocked_until = clock.now() + timedelta(hours=3)
        db.session.commit()
        user_id = user.id
    page = text_of(admin.get(f"{BASE}/users/{user_id}"))
    assert "Signalement « Non, ce n'est pas moi »" in page
    _act(admin, user_id, "unlock", target="push_report")
    with app.app_context():
        assert db.session.get(User, user_id).push_blocked_until is None  # type: ignore[union-attr]
    [event] = _audit(app, "admin_unlocked")
    assert event.details == {
        "target": TARGET,
        "reason": "ticket 42",
        "kind": "push_report",
        "count": 1,
    }
    resp = _act(admin, user_id, "unlock", target="nonsense")
    assert "Action refusée" in text_of(admin.get(resp.headers["Location"]))


def test_secret_question_lock_is_seen_and_lifted(
    app: Flask, client: FlaskClient, clock: FixedClock
) -> None:
    from idp.recovery.engine import check_lock
    from idp.recovery.errors import FlowLocked

    _grant(app, "uphf", "nathalie.roux")
    login(client, "uphf", "nathalie.roux", "Archives[1970]Nord")
    with app.app_context():
        realm = get_realm("uphf")
        assert realm is not None
        target = _user("uphf", "lea.dubois")
        db.session.add(
            FlowState(
                id="locked-flow",
                realm_id=realm.id,
                kind="recovery",
                session_binding="x" * 64,
                subject_key="lea.dubois",
                data={},
                created_at=clock.now(),
                expires_at=clock.now() + timedelta(minutes=15),
                failed_at=clock.now(),
                failure_code="secret_locked",
            )
        )
        db.session.commit()
        target_id = target.id
    page = text_of(client.get(f"/realms/uphf/admin/users/{target_id}"))
    assert "Question secrète : trop de réponses fausses" in page
    token = csrf_from(client.get("/realms/uphf/profile").get_data(as_text=True))
    client.post(
        f"/realms/uphf/admin/users/{target_id}/unlock",
        data={"csrf_token": token, "reason": "called the help desk", "target": "secret"},
    )
    with app.app_context():
        realm = get_realm("uphf")
        assert realm is not None
        # The recovery's own check no longer sees a lock.
        try:
            check_lock(
                realm,
                "lea.dubois",
                code="secret_locked",
                lock=timedelta(minutes=15),
                now=clock.now(),
            )
        except FlowLocked:  # pragma: no cover - the failure this test is for
            pytest.fail("still locked")
        assert db.session.get(FlowState, "locked-flow").failure_code == "lifted:secret_locked"  # type: ignore[union-attr]


def test_remove_device(app: Flask, admin: FlaskClient, target_id: int, clock: FixedClock) -> None:
    with app.app_context():
        db.session.add(
            Device(
                id="lost-phone",
                user_id=target_id,
                name="Lost phone",
                platform="android",
                public_jwk={},
                jwk_thumbprint="l" * 43,
                enrolled_at=clock.now(),
            )
        )
        db.session.commit()
    assert "Lost phone" in text_of(admin.get(f"{BASE}/users/{target_id}"))
    _act(admin, target_id, "remove-device", target="lost-phone")
    with app.app_context():
        assert db.session.get(Device, "lost-phone").revoked_at is not None  # type: ignore[union-attr]
    [event] = _audit(app, "admin_device_removed")
    assert event.details["device_id"] == "lost-phone"
    again = _act(admin, target_id, "remove-device", target="lost-phone")
    assert "Action refusée" in text_of(admin.get(again.headers["Location"]))


def test_force_password_change(app: Flask, admin: FlaskClient, target_id: int) -> None:
    _act(admin, target_id, "force-password-change")
    victim = app.test_client()
    resp = login(victim, "metamots", TARGET, "Lettres&Mots9")
    assert "/password/change" in resp.headers["Location"]
    assert victim.get("/realms/metamots/profile").status_code == 302
    assert len(_audit(app, "admin_password_change_forced")) == 1


def test_temporary_password_is_shown_once_and_must_be_changed(
    app: Flask, admin: FlaskClient, target_id: int
) -> None:
    resp = _act(admin, target_id, "temporary-password")
    assert resp.status_code == 200
    found = re.search(r'data-testid="temporary-password"><code>([^<]+)</code>', text_of(resp))
    assert found is not None
    password = found.group(1)
    victim = app.test_client()
    assert "/password/change" in login(victim, "metamots", TARGET, password).headers["Location"]
    [event] = _audit(app, "admin_temporary_password")
    assert password not in json.dumps(event.details)


def test_grant_and_revoke_admin_from_the_console(
    app: Flask, admin: FlaskClient, target_id: int
) -> None:
    _act(admin, target_id, "grant-admin")
    with app.app_context():
        assert db.session.get(User, target_id).is_admin  # type: ignore[union-attr]
    _act(admin, target_id, "revoke-admin")
    with app.app_context():
        assert not db.session.get(User, target_id).is_admin  # type: ignore[union-attr]


def test_search_by_identifier_email_name_and_attribute(admin: FlaskClient) -> None:
    def names(q: str) -> str:
        return text_of(admin.get(f"{BASE}/?q={q}"))

    assert TARGET in names("JULIEN")
    assert TARGET in names("julien.moreau@")
    assert TARGET not in names("sophie")
    assert "Aucun utilisateur ne correspond." in names("zzz-nobody")
    assert "Aucun utilisateur ne correspond." in names("%")


def test_keyset_pagination_walks_every_user_once(
    app: Flask, admin: FlaskClient, clock: FixedClock
) -> None:
    from idp.security.passwords import Hasher

    with app.app_context():
        realm = get_realm("metamots")
        assert realm is not None
        for i in range(120):
            create_user(
                realm, f"bulk.{i:03d}", password=None, hasher=Hasher(1, 8, 1), now=clock.now()
            )
        db.session.commit()
        total = db.session.scalar(select(db.func.count(User.id)).where(User.realm_id == realm.id))
    seen: list[str] = []
    url = f"{BASE}/"
    while url:
        html = text_of(admin.get(url))
        seen += re.findall(r'/admin/users/\d+">([^<]+)</a>', html)
        nxt = re.search(r'href="([^"]+after=[^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else ""
    assert len(seen) == total
    assert len(set(seen)) == total
    assert seen == sorted(seen, key=str.casefold)


def test_audit_viewer_filters_and_exports(app: Flask, admin: FlaskClient, target_id: int) -> None:
    login(app.test_client(), "metamots", TARGET, "wrong")
    login(app.test_client(), "metamots", "=cmd|' /C calc'!A0", "wrong")
    html = text_of(admin.get(f"{BASE}/audit?user={TARGET}&outcome=failure"))
    assert "sign_in" in html  # the code, for the filter, under its words
    assert 'Connexion<br><code class="hint">sign_in</code></td>' in html
    assert '<td data-label="Résultat">Échec</td>' in html
    assert "=cmd" not in html
    everything = admin.get(f"{BASE}/audit.json?event=sign_in&outcome=failure")
    assert everything.headers["Content-Disposition"].startswith("attachment;")
    rows = json.loads(everything.get_data(as_text=True))
    assert {r["actor"] for r in rows} == {TARGET, "=cmd|' /C calc'!A0"}
    exported = admin.get(f"{BASE}/audit.csv?event=sign_in&outcome=failure")
    table = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert {r["actor"] for r in table} == {TARGET, "'=cmd|' /C calc'!A0"}
    assert admin.get(f"{BASE}/audit.xml").status_code == 404
    bad_date = admin.get(f"{BASE}/audit?since=yesterday")
    assert bad_date.status_code == 200
    assert "Du : " in text_of(bad_date)


def test_jasmin_admin_needs_the_second_factor(app: Flask, client: FlaskClient) -> None:
    _grant(app, "jasmin", "camille.martin")
    login(client, "jasmin", "camille.martin", "Tournesol-Vert-42!")  # no device: password only
    resp = client.get("/realms/jasmin/admin/")
    assert resp.status_code == 403
    assert "second facteur" in text_of(resp)


def test_jasmin_admin_signed_in_with_push_gets_in(
    app: Flask, client: FlaskClient, clock: FixedClock
) -> None:
    from idp.models import Challenge
    from idp.push.enrollment import create_offer
    from tests.idp.device_api.device import BASE as DEVICE_BASE
    from tests.idp.device_api.device import ProtocolDevice

    _grant(app, "jasmin", "camille.martin")
    with app.app_context():
        uri = create_offer(
            _user("jasmin", "camille.martin"), base_url=DEVICE_BASE, now=clock.now()
        ).uri
        db.session.commit()
    device = ProtocolDevice(app.test_client(), clock.now())
    assert device.enroll(uri).status_code == 201
    resp = login(client, "jasmin", "camille.martin", "Tournesol-Vert-42!")
    assert resp.headers["Location"].endswith("/login/push")
    [challenge] = device.pending()
    with app.app_context():
        number = db.session.get(Challenge, challenge.challenge_id).number  # type: ignore[union-attr]
    device.decide(challenge, "approve", number)
    client.get("/realms/jasmin/login/push")
    assert client.get("/realms/jasmin/admin/").status_code == 200


def test_send_reset_link_mails_a_working_link(
    app: Flask, admin: FlaskClient, target_id: int
) -> None:
    resp = _act(admin, target_id, "send-reset-link")
    assert resp.status_code == 302
    mails = [m for m in app.extensions["idp.outbox"].as_json() if "/recovery/link/" in m["text"]]
    assert len(mails) == 1
    assert mails[0]["to"] in (
        "julien.moreau@association.example",
        ["julien.moreau@association.example"],
    )
    link = re.search(r"(/realms/metamots/recovery/link/\S+)", mails[0]["text"])
    assert link is not None
    [event] = _audit(app, "admin_reset_link_sent")
    assert link.group(1).rsplit("/", 1)[1] not in json.dumps(event.details)
    # The user opens it in their own browser: the realm's flow continues at its next step.
    user_browser = app.test_client()
    opened = user_browser.get(link.group(1))
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith("/realms/metamots/recovery/set_password")


def test_send_reset_link_where_the_realm_mails_none(app: Flask, client: FlaskClient) -> None:
    _grant(app, "uphf", "nathalie.roux")
    login(client, "uphf", "nathalie.roux", "Archives[1970]Nord")
    with app.app_context():
        target = _user("uphf", "lea.dubois").id
    page = text_of(client.get(f"/realms/uphf/admin/users/{target}"))
    assert "Envoyer un lien de réinitialisation" not in page
    token = csrf_from(client.get("/realms/uphf/profile").get_data(as_text=True))
    resp = client.post(
        f"/realms/uphf/admin/users/{target}/send-reset-link",
        data={"csrf_token": token, "reason": "x"},
    )
    assert "Action refusée" in text_of(client.get(resp.headers["Location"]))
