"""The timeline of a challenge or a recovery flow: stored trace events merged with what the
database knows (the challenge row's state changes, the flow row, the audit trail, mails).

Every JWS is shown decoded (header, payload, ``kid``, the key's RFC 7638 thumbprint) and its
signature verified again *now*; a decision lists each check the IdP makes and its result.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from idp.extensions import db
from idp.models import AuditEvent, Challenge, Device, FlowState, RealmKey, User
from idp.trace.jws_view import inspect_jws
from idp.trace.store import StoredEvent, TraceStore, json_safe
from shared.errors import ProtocolError
from shared.jws import peek_header

__all__ = ["challenge_timeline", "flow_timeline"]

_ANSWER_FAILS_STATE = {"challenge_already_decided", "challenge_superseded"}
_SLACK = timedelta(seconds=2)


def _event(at: datetime, kind: str, summary: str, **members: Any) -> dict[str, Any]:
    return {"at": at, "kind": kind, "summary": summary, **members}


def _realm_keys(realm_id: int) -> dict[str, dict[str, Any]]:
    rows = db.session.scalars(select(RealmKey).where(RealmKey.realm_id == realm_id))
    return {k.kid: dict(k.public_jwk) for k in rows}


def _decision_checks(
    challenge: Challenge | None, jws: dict[str, Any], received: datetime, answer: dict[str, Any]
) -> list[dict[str, Any]]:
    payload = jws.get("payload") or {}
    error = (answer or {}).get("error")
    checks = [
        {
            "check": "signature",
            "passed": bool(jws.get("signature_verified_now")),
            "detail": "ES256 signature against the device's registered key",
        }
    ]
    if challenge is None:
        return [*checks, {"check": "challenge", "passed": False, "detail": "no such challenge"}]
    nonce = payload.get("nonce")
    checks.append(
        {
            "check": "nonce",
            "passed": isinstance(nonce, str) and hmac.compare_digest(nonce, challenge.nonce),
            "detail": "the decision echoes the challenge's nonce",
        }
    )
    applies = payload.get("decision") == "approve" and challenge.matching_mode != "none"
    number = payload.get("number")
    checks.append(
        {
            "check": "number",
            "passed": (number == challenge.number) if applies else None,
            "detail": (
                f"{challenge.matching_mode}: {number!r} sent, {challenge.number!r} shown"
                if applies
                else f"not checked ({payload.get('decision')}, mode {challenge.matching_mode})"
            ),
        }
    )
    checks.append(
        {
            "check": "expiry",
            "passed": received < challenge.expires_at,
            "detail": f"received before {challenge.expires_at.isoformat()}",
        }
    )
    checks.append(
        {
            "check": "state",
            "passed": error not in _ANSWER_FAILS_STATE,
            "detail": "the challenge was still pending"
            if error not in _ANSWER_FAILS_STATE
            else f"refused: {error}",
        }
    )
    return checks


def _published(data: dict[str, Any]) -> str:
    addresses = data.get("addresses") or data.get("devices") or []
    unique = list(dict.fromkeys(addresses))
    summary = (
        f"{data.get('event')} event published via {data.get('broker')} to "
        f"{', '.join(unique)} ({len(addresses)} deliveries), "
        f"{data.get('delivered_to_local_subscribers')} local subscriber(s)"
    )
    if data.get("error"):
        summary += f"; broker failed: {data['error']}"
    if data.get("note"):
        summary += f" ({data['note']})"
    return summary


def _received(data: dict[str, Any]) -> str:
    via = data.get("via")
    holder = {"events": "the device's event stream", "browser wait": "a browser's wait"}.get(
        str(via), f"the device's {via}"
    )
    return f"{data.get('event')} event handed to {holder}"


_SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "hint_published": _published,
    "hint_received": _received,
    "fault_injected": lambda d: f"fault {d.get('fault_id')} {d.get('kind')}: {d.get('detail')}",
    "flow_request": lambda d: f"{d.get('method')} {d.get('path')} -> {d.get('http_status')}",
}


def _signed_event(
    ev: StoredEvent, realm_keys: dict[str, dict[str, Any]], base: dict[str, Any]
) -> dict[str, Any]:
    copies = [
        {"device_id": device, "jws": inspect_jws(token, realm_keys)}
        for device, token in ev.data.get("tokens", {}).items()
    ]
    kids = sorted({str(c["jws"].get("kid")) for c in copies})
    return _event(
        ev.at,
        "challenge_created",
        f"signed for {len(copies)} device(s) with kid {', '.join(kids)}",
        **base,
        copies=copies,
    )


def _fetched_event(
    ev: StoredEvent, realm_keys: dict[str, dict[str, Any]], base: dict[str, Any]
) -> dict[str, Any]:
    data = ev.data
    injected = f" [injected: {data['injected']}]" if data.get("injected") else ""
    return _event(
        ev.at,
        "pending_fetched",
        f"listed in pending ({data.get('listed')} token(s), wait={data.get('wait')}){injected}",
        **base,
        jws=inspect_jws(data.get("token") or "", realm_keys),
        data={k: v for k, v in data.items() if k != "token"},
    )


def _from_store(
    ev: StoredEvent, challenge: Challenge | None, realm_keys: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    base = {"instance": ev.instance, "device_id": ev.device_id, "challenge_id": ev.challenge_id}
    if ev.kind == "challenge_signed":
        return _signed_event(ev, realm_keys, base)
    if ev.kind == "pending_fetched":
        return _fetched_event(ev, realm_keys, base)
    if ev.kind == "decision_received":
        return _decision_event(ev, challenge, base)
    describe = _SUMMARIES.get(ev.kind)
    summary = describe(ev.data) if describe is not None else ev.kind
    return _event(ev.at, ev.kind, summary, **base, data=ev.data)


def _decision_event(
    ev: StoredEvent, challenge: Challenge | None, base: dict[str, Any]
) -> dict[str, Any]:
    data = ev.data
    token = data.get("token") or ""
    device = db.session.get(Device, ev.device_id) if ev.device_id else None
    keys: dict[str, dict[str, Any]] = {}
    if device is not None:
        try:
            kid = peek_header(token).get("kid")
        except ProtocolError:  # shown as malformed by inspect_jws
            kid = None
        if isinstance(kid, str):
            keys[kid] = dict(device.public_jwk)
    jws = inspect_jws(token, keys)
    if device is not None:
        jws["device_key_thumbprint"] = device.jwk_thumbprint
    answer = data.get("answer") or {}
    # An injected failure answered before the IdP looked: it made no check.
    checks = [] if data.get("injected") else _decision_checks(challenge, jws, ev.at, answer)
    payload = jws.get("payload") or {}
    outcome = answer.get("status") or answer.get("error")
    return _event(
        ev.at,
        "decision_received",
        f"{payload.get('decision')} -> HTTP {data.get('http_status')} {outcome}"
        + (" [injected]" if data.get("injected") else ""),
        **base,
        jws=jws,
        checks=checks,
        answer=answer,
        http_status=data.get("http_status"),
    )


def _audit(user_id: int | None, start: datetime, end: datetime, match: Any) -> list[dict[str, Any]]:
    if user_id is None:
        return []
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.user_id == user_id, AuditEvent.at >= start, AuditEvent.at <= end)
        .order_by(AuditEvent.id)
    )
    out = []
    for row in rows:
        details = dict(row.details or {})
        if not match(row, details):
            continue
        kind = "mail_sent" if row.event.startswith("mail_") else "audit"
        out.append(
            _event(
                row.at,
                kind,
                f"{row.event} ({row.outcome})",
                audit_id=row.id,
                audit={
                    "event": row.event,
                    "outcome": row.outcome,
                    "realm": row.realm,
                    "actor": row.actor,
                    "ip": row.ip,
                    "details": details,
                },
            )
        )
    return out


def _finish(subject: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    seen: set[int] = set()
    unique = []
    for e in events:
        audit_id = e.get("audit_id")
        if audit_id is not None:
            if audit_id in seen:
                continue
            seen.add(audit_id)
        unique.append(e)
    events = sorted(unique, key=lambda e: e["at"])
    start = events[0]["at"] if events else None
    for e in events:
        e["offset_ms"] = int((e["at"] - start).total_seconds() * 1000) if start else 0
    timeline: dict[str, Any] = json_safe({"subject": subject, "events": events})
    return timeline


def _challenge_events(
    challenge_id: str, store: TraceStore, challenge: Challenge | None
) -> list[dict[str, Any]]:
    stored = store.events(challenge_id=challenge_id)
    realm_keys = _realm_keys(challenge.realm_id) if challenge is not None else {}
    if challenge is None:
        return [_from_store(ev, None, realm_keys) for ev in stored]
    end = challenge.decided_at or challenge.expires_at
    devices = set(db.session.scalars(select(Device.id).where(Device.user_id == challenge.user_id)))
    # Device-wide events (a failed pending, a closed stream) while the challenge was live.
    stored += store.device_events(devices, challenge.created_at - _SLACK, end + _SLACK)
    stored.sort(key=lambda ev: ev.id)
    # Events of one instant keep this order (the sort by time is stable): the state the row
    # was created in, what the trace recorded, the state it ended in.
    events = [
        _event(
            challenge.created_at,
            "state_changed",
            "pending",
            status="pending",
            expires_at=challenge.expires_at,
        )
    ]
    events += [_from_store(ev, challenge, realm_keys) for ev in stored]
    if challenge.status != "pending":
        events.append(
            _event(
                end,
                "state_changed",
                challenge.status
                + (f" ({challenge.failure_code})" if challenge.failure_code else ""),
                status=challenge.status,
                decided_by=challenge.decided_by,
                failure_code=challenge.failure_code,
            )
        )
    events += _audit(
        challenge.user_id,
        challenge.created_at - _SLACK,
        end + _SLACK,
        lambda row, d: d.get("challenge_id") == challenge_id or row.event.startswith("mail_"),
    )
    return events


def challenge_timeline(challenge_id: str, store: TraceStore) -> dict[str, Any] | None:
    """The timeline, or None when neither the database nor the trace knows the id."""
    challenge = db.session.get(Challenge, challenge_id)
    events = _challenge_events(challenge_id, store, challenge)
    if challenge is None and not events:
        return None
    subject: dict[str, Any] = {"challenge_id": challenge_id}
    if challenge is not None:
        user = db.session.get(User, challenge.user_id)
        subject.update(
            realm=user.realm.slug if user else None,
            user=user.username if user else None,
            purpose=challenge.purpose,
            status=challenge.status,
            matching_mode=challenge.matching_mode,
            number=challenge.number,
            choices=challenge.choices,
            created_at=challenge.created_at,
            expires_at=challenge.expires_at,
            flow_id=challenge.flow_id,
        )
    return _finish(subject, events)


def flow_timeline(flow_id: str, store: TraceStore) -> dict[str, Any] | None:
    flow = db.session.get(FlowState, flow_id)
    stored = store.events(flow_id=flow_id)
    if flow is None and not stored:
        return None
    subject: dict[str, Any] = {"flow_id": flow_id}
    if flow is None:
        return _finish(subject, [_from_store(ev, None, {}) for ev in stored])
    end = flow.completed_at or flow.failed_at or flow.expires_at
    user = db.session.get(User, flow.user_id) if flow.user_id else None
    subject.update(
        kind=flow.kind,
        step_index=flow.step_index,
        steps=(flow.data or {}).get("steps"),
        user=user.username if user else None,
        created_at=flow.created_at,
        completed_at=flow.completed_at,
        failed_at=flow.failed_at,
        failure_code=flow.failure_code,
    )
    # Events of one instant keep this order (the sort by time is stable).
    events = [_event(flow.created_at, "flow_started", f"{flow.kind} flow started")]
    events += [_from_store(ev, None, {}) for ev in stored]
    challenges = list(db.session.scalars(select(Challenge).where(Challenge.flow_id == flow_id)))
    for challenge in challenges:
        events += _challenge_events(challenge.id, store, challenge)
    known = {c.id for c in challenges}
    events += _audit(
        flow.user_id,
        flow.created_at - _SLACK,
        end + _SLACK,
        lambda _row, d: d.get("challenge_id") not in known,
    )
    if flow.completed_at:
        events.append(_event(flow.completed_at, "flow_completed", "flow completed"))
    if flow.failed_at:
        events.append(_event(flow.failed_at, "flow_failed", f"failed: {flow.failure_code}"))
    subject["challenges"] = sorted(known)
    return _finish(subject, events)
