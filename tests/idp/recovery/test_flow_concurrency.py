"""Each step of a flow is passed once, whatever the concurrency: the flow row carries an
optimistic version, so of racing transitions exactly one lands (the others roll back)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask
from sqlalchemy.orm.exc import StaleDataError

from idp.extensions import db
from idp.models import FlowState
from idp.realms.store import get_realm
from idp.recovery.engine import FlowHandle
from tests.conftest import FIXED_NOW
from tests.idp.device_api.test_exactly_once import race

# Long enough that every racer finds a next step, whatever the interleaving.
STEPS = ["identify_by_email", "verify_email_code", "set_password", "apply_async"] + ["done"] * 8


def _new_flow(app: Flask) -> str:
    with app.app_context():
        realm = get_realm("nouvelle-aquitaine")
        assert realm is not None
        row = FlowState(
            id=secrets.token_urlsafe(24),
            realm_id=realm.id,
            kind="recovery",
            session_binding="x" * 64,
            step_index=1,
            version=1,
            data={},
            created_at=FIXED_NOW,
            expires_at=FIXED_NOW + timedelta(minutes=30),
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def test_racing_transitions_of_one_flow_land_once(app: Flask) -> None:
    flow_id = _new_flow(app)

    def advance(_i: int) -> bool:
        with app.app_context():
            row = db.session.get(FlowState, flow_id)
            assert row is not None
            FlowHandle(row, STEPS).advance(now=FIXED_NOW)
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                return False
            return True

    results = race(advance, n=6)
    with app.app_context():
        row = db.session.get(FlowState, flow_id)
        assert row is not None
        # A transition that read the row after the winner committed moves from the next step:
        # every landed transition is a distinct step, never the same one twice.
        assert row.step_index == 1 + results.count(True)
        assert row.version == 1 + results.count(True)


def test_a_transition_made_on_a_stale_read_changes_nothing(app: Flask) -> None:
    flow_id = _new_flow(app)
    with app.app_context():
        stale = db.session.get(FlowState, flow_id)
        assert stale is not None
        with app.app_context():  # another request, another session, moves on first
            fresh = db.session.get(FlowState, flow_id)
            assert fresh is not None
            FlowHandle(fresh, STEPS).advance(now=FIXED_NOW)
            db.session.commit()
        FlowHandle(stale, STEPS).advance(now=FIXED_NOW)
        try:
            db.session.commit()
            landed = True
        except StaleDataError:
            db.session.rollback()
            landed = False
    assert not landed
    with app.app_context():
        row = db.session.get(FlowState, flow_id)
        assert row is not None
        assert row.step_index == 2  # verify_email_code passed once, not twice
