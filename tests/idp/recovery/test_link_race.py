"""A mailed reset link (metamots) opens once, whatever the number of requests racing with it."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask

from idp.extensions import db
from idp.models import FlowState
from idp.realms.store import get_realm
from idp.recovery.links import LinkInvalid, check_link, create_link
from idp.users.service import find_user
from tests.conftest import FIXED_NOW
from tests.idp.device_api.test_exactly_once import race


def test_racing_opens_of_one_link_succeed_once(app: Flask) -> None:
    with app.app_context():
        realm = get_realm("metamots")
        assert realm is not None
        user = find_user(realm, "sophie.bernard")
        assert user is not None
        flow = FlowState(
            id=secrets.token_urlsafe(24),
            realm_id=realm.id,
            kind="recovery",
            session_binding="x" * 64,
            step_index=0,
            version=1,
            data={},
            created_at=FIXED_NOW,
            expires_at=FIXED_NOW + timedelta(hours=1),
        )
        db.session.add(flow)
        db.session.flush()
        token = create_link(user, flow.id, now=FIXED_NOW, ttl=timedelta(hours=1))
        db.session.commit()

    def open_link(_i: int) -> bool:
        with app.app_context():
            try:
                check_link(token, now=FIXED_NOW + timedelta(minutes=1))
                db.session.commit()
            except LinkInvalid:
                db.session.rollback()
                return False
            return True

    assert race(open_link).count(True) == 1
