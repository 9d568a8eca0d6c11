"""The background password job (Nouvelle-Aquitaine's « Veuillez patienter ») is applied once,
whatever number of runners (workers, instances) pick it up at the same moment."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from idp.audit.service import ClientInfo, query
from idp.extensions import db
from idp.models import PasswordJob
from idp.realms.store import get_realm
from idp.users.password_jobs import enqueue, run_due
from idp.users.service import find_user
from tests.conftest import FIXED_NOW
from tests.idp.device_api.test_exactly_once import race


def test_racing_runners_apply_a_job_once(app: Flask) -> None:
    with app.app_context():
        user = find_user(get_realm("nouvelle-aquitaine"), "claire.fontaine@demarches.example")
        assert user is not None
        hasher = app.extensions["idp.hasher"]
        enqueue(
            user,
            hasher.hash("Bordeaux2027Soleil"),
            now=FIXED_NOW,
            delay=timedelta(seconds=5),
            flow_id=None,
            client=ClientInfo(ip="127.0.0.1"),
        )
        db.session.commit()
    later = FIXED_NOW + timedelta(seconds=6)

    def runner(_i: int) -> int:
        with app.app_context():
            return run_due(now=later)

    applied = race(runner, n=6)
    assert sum(applied) == 1, applied
    with app.app_context():
        [job] = db.session.scalars(select(PasswordJob)).all()
        assert job.status == "done"
        changes = [e for e in query(realm="nouvelle-aquitaine") if e.event == "password_changed"]
        assert len(changes) == 1
