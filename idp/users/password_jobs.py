"""Password changes propagated in the background ("Veuillez patienter", seed 001).

Security and reliability decisions:
- The job stores the argon2id hash only, computed (and checked against the policy) when the
  user submitted the form.
- Jobs live in the database, so a restart loses none; a job is *claimed* with a conditional
  UPDATE (``pending -> running``) before it is applied, so it is applied exactly once, whether
  the background runner, the status poll, or another worker process gets there first.
- A job claimed by a process that died mid-way is taken up again after ``STALE_CLAIM``.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import or_, select, update

from idp.audit.service import ClientInfo
from idp.extensions import db
from idp.mail.deferred import flush as flush_mail
from idp.models import PasswordJob, User
from idp.users.password_change import apply_password_hash

__all__ = ["enqueue", "run_due", "start_runner", "status_of"]

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=2)


def enqueue(
    user: User,
    new_hash: str,
    *,
    now: datetime,
    delay: timedelta,
    flow_id: str | None,
    client: ClientInfo,
) -> PasswordJob:
    job = PasswordJob(
        id=secrets.token_urlsafe(16),
        user_id=user.id,
        flow_id=flow_id,
        password_hash=new_hash,
        status="pending",
        created_at=now,
        run_after=now + delay,
        client_ip=client.ip,
    )
    db.session.add(job)
    return job


def _claim(job_id: str, now: datetime) -> bool:
    claimed = db.session.execute(
        update(PasswordJob)
        .where(
            PasswordJob.id == job_id,
            or_(
                PasswordJob.status == "pending",
                (PasswordJob.status == "running") & (PasswordJob.claimed_at < now - STALE_CLAIM),
            ),
        )
        .values(status="running", claimed_at=now)
    )
    db.session.commit()
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def run_due(*, now: datetime, limit: int = 20) -> int:
    """Apply the jobs whose time has come; returns how many this call applied."""
    due = list(
        db.session.scalars(
            select(PasswordJob.id)
            .where(
                PasswordJob.run_after <= now,
                or_(
                    PasswordJob.status == "pending",
                    (PasswordJob.status == "running")
                    & (PasswordJob.claimed_at < now - STALE_CLAIM),
                ),
            )
            .limit(limit)
        )
    )
    applied = 0
    for job_id in due:
        if not _claim(job_id, now):
            continue
        job = db.session.get(PasswordJob, job_id)
        if job is None:  # pragma: no cover - deleted with its user meanwhile
            continue
        apply_password_hash(
            job.user,
            job.password_hash,
            now=now,
            client=ClientInfo(ip=job.client_ip),
            reason="recovery",
        )
        job.status, job.done_at = "done", now
        db.session.commit()
        flush_mail()  # the "password changed" notice, now that the change is committed
        applied += 1
    return applied


def status_of(job_id: str, *, now: datetime) -> str:
    """The job's status, applying it first if it is due (so a poll never waits on a runner)."""
    job = db.session.get(PasswordJob, job_id)
    if job is None:
        return "unknown"
    if job.status != "done" and job.run_after <= now:
        run_due(now=now)
        db.session.refresh(job)
    return job.status


def start_runner(app: Flask, clock: Callable[[], datetime], *, interval: float = 1.0) -> None:
    """A daemon thread (a greenlet under gevent) applying due jobs every ``interval`` s."""

    def loop() -> None:
        stop = threading.Event()
        while not stop.wait(interval):
            try:
                with app.app_context():
                    run_due(now=clock())
                    db.session.remove()
            except Exception:
                log.exception("password job runner tick failed")

    threading.Thread(target=loop, name="password-jobs", daemon=True).start()
