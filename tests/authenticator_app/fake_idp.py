"""A tiny, real HTTP server implementing just enough of the device API for client tests.

It follows ``docs/protocol.md`` §7: enroll (with the activation-code errors), jwks, pending
(with ``?wait=`` long-poll), events (SSE: ``event: hint`` + ``data:``, ``: ping`` heartbeats,
chunked), decisions (nonce, number, decided once, superseded), and ``DELETE /device``. Device
calls are verified as the IdP does: ``Authorization: Device <jws>`` by the device key, ``aud`` =
realm URL, ``htm``/``htu`` = this request, ``jti`` once. Knobs let tests inject faults.

The end-to-end tests against the real ``idp serve`` are the lead's; this is not the IdP.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from shared.addresses import device_api_url, realm_url
from shared.enrollment_proof import verify_enrollment_request
from shared.errors import ProtocolError
from shared.identifiers import new_identifier, new_nonce, same_secret
from shared.jws import peek_header, sign, verify
from shared.keys import generate_private_key, jwk_thumbprint, load_public_jwk
from shared.messages import (
    ChallengeContext,
    ChallengeHint,
    DeviceAuthToken,
    EnrollmentOffer,
    EnrollmentReceipt,
    Matching,
    PushChallenge,
    PushDecision,
    TotpParameters,
    token_from_authorization,
)
from shared.timing import unix_time
from tests.authenticator_app.factories import RFC_SECRET, Realm

STATUS_OF = {"approve": "approved", "deny": "denied", "report": "reported"}


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message or code


@dataclass
class FakeChallenge:
    id: str
    user: str
    purpose: str
    mode: str
    number: int | None
    choices: list[int] | None
    nonce: str
    created: datetime
    expires: datetime
    status: str = "pending"
    decided_by: str | None = None
    decision_number: int | None = None


@dataclass
class FakeDevice:
    id: str
    jwk: dict[str, str]
    user: str
    name: str
    revoked: bool = False
    hints: list[ChallengeHint] = field(default_factory=list)


class FakeIdp:
    def __init__(
        self,
        *,
        realm: str = "jasmin",
        matching_mode: str = "typed",
        with_totp: bool = True,
        heartbeat: float = 0.2,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.fake = self  # type: ignore[attr-defined]
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.realm = Realm(url=realm_url(self.base_url, realm), slug=realm)
        self.api_url = device_api_url(self.base_url, realm)
        self.api_path = urlsplit(self.api_url).path
        self.matching_mode = matching_mode
        self.with_totp = with_totp
        self.heartbeat = heartbeat
        self.clock = clock or (lambda: datetime.now(UTC))
        self.offers: dict[str, dict[str, Any]] = {}
        self.devices: dict[str, FakeDevice] = {}
        self.challenges: dict[str, FakeChallenge] = {}
        self.used_jti: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        self.extra_tokens: list[str] = []
        """Tokens appended to every pending list (forgeries, replays...)."""
        self.fail_next: dict[tuple[str, str], tuple[int, str]] = {}
        """(method, tail) -> (status, code): answer the next such request with this error."""
        self.sse_drop_after: int | None = None
        """Close the stream abruptly after this many hints (then reset to None)."""
        self.sse_connections = 0
        self.stopping = threading.Event()
        self.changed = threading.Condition()
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeIdp:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # --- scripting ----------------------------------------------------------------------------

    def offer_uri(self, account: str = "alice.martin", *, exp_in: int = 300) -> str:
        code = new_identifier()
        exp = unix_time(self.clock() + timedelta(seconds=exp_in))
        self.offers[code] = {"account": account, "exp": exp, "used": False}
        offer = EnrollmentOffer(
            url=self.base_url,
            realm=self.realm.slug,
            issuer="Jasmin",
            account=account,
            code=code,
            exp=exp,
        )
        return offer.to_uri()

    def create_challenge(
        self,
        *,
        purpose: str = "sign_in",
        number: int = 42,
        user: str = "alice.martin",
        ttl: int = 60,
        choices: list[int] | None = None,
    ) -> FakeChallenge:
        now = self.clock()
        mode = self.matching_mode
        if mode == "choose" and choices is None:
            choices = [number, (number + 11) % 90 + 10, (number + 37) % 90 + 10]
        challenge = FakeChallenge(
            id=new_identifier(),
            user=user,
            purpose=purpose,
            mode=mode,
            number=number if mode != "none" else None,
            choices=choices if mode == "choose" else None,
            nonce=new_nonce(),
            created=now,
            expires=now + timedelta(seconds=ttl),
        )
        with self.changed:
            for old in self.challenges.values():
                if old.status == "pending" and (old.user, old.purpose) == (user, purpose):
                    old.status = "superseded"
                    self._hint(user, ChallengeHint(challenge_id=old.id, event="superseded"))
            self.challenges[challenge.id] = challenge
            # Protocol v2: the event carries the challenge, signed for each device.
            for device in self.devices.values():
                if device.user == user:
                    device.hints.append(
                        ChallengeHint(
                            challenge_id=challenge.id,
                            event="challenge",
                            challenge=self.token_for(challenge, device.id),
                        )
                    )
            self.changed.notify_all()
        return challenge

    def hint(self, user: str, hint: ChallengeHint) -> None:
        with self.changed:
            self._hint(user, hint)

    def _hint(self, user: str, hint: ChallengeHint) -> None:
        for device in self.devices.values():
            if device.user == user:
                device.hints.append(hint)
        self.changed.notify_all()

    def token_for(self, challenge: FakeChallenge, device_id: str) -> str:
        message = PushChallenge(
            challenge_id=challenge.id,
            device_id=device_id,
            realm=self.realm.slug,
            user=challenge.user,
            account=challenge.user,
            purpose=challenge.purpose,
            context=ChallengeContext(
                service="Jasmin", client_ip="127.0.0.1", location="Réseau local", time=0
            ),
            matching=Matching(mode=challenge.mode, choices=challenge.choices),
            nonce=challenge.nonce,
            iss=self.realm.url,
            aud=device_id,
            iat=unix_time(self.clock()),
            exp=unix_time(challenge.expires),
        )
        return sign(message, self.realm.key, self.realm.kid)

    def pending_for(self, device: FakeDevice) -> list[str]:
        now = self.clock()
        live = [
            c
            for c in self.challenges.values()
            if c.user == device.user and c.status == "pending" and c.expires > now
        ]
        live.sort(key=lambda c: c.created)
        return [self.token_for(c, device.id) for c in live] + list(self.extra_tokens)

    # --- request handling (called from the handler thread) -----------------------------------

    def decision_device(self, body: dict[str, Any]) -> FakeDevice:
        """The device named by a decision's ``kid`` (its signature is checked in decide)."""
        try:
            kid = peek_header(str(body.get("decision"))).get("kid")
        except ProtocolError as exc:
            raise Refusal(401, exc.code) from None
        device = self.devices.get(kid) if isinstance(kid, str) else None
        if device is None:
            raise Refusal(401, "device_unknown")
        if device.revoked:
            raise Refusal(401, "device_revoked")
        return device

    def authenticate(self, authorization: str | None, method: str, path: str) -> FakeDevice:
        try:
            token = token_from_authorization(authorization)
            kid = peek_header(token).get("kid")
        except ProtocolError as exc:
            raise Refusal(401, exc.code) from None
        device = self.devices.get(kid) if isinstance(kid, str) else None
        if device is None:
            raise Refusal(401, "device_unknown")
        if device.revoked:
            raise Refusal(401, "device_revoked")
        try:
            claims = verify(
                token,
                keys={device.id: load_public_jwk(device.jwk)},
                model=DeviceAuthToken,
                audience=self.realm.url,
                issuer=device.id,
                now=self.clock(),
            )
        except ProtocolError as exc:
            raise Refusal(401, exc.code) from None
        if not claims.matches_request(method, path):
            raise Refusal(401, "token_wrong_request")
        self._once(claims.jti)
        return device

    def _once(self, jti: str) -> None:
        with self.changed:
            if jti in self.used_jti:
                raise Refusal(401, "token_replayed")
            self.used_jti.add(jti)

    def enroll(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            request = verify_enrollment_request(
                str(body.get("request")), audience=self.realm.url, now=self.clock()
            )
        except ProtocolError as exc:
            raise Refusal(400 if exc.code == "message_malformed" else 401, exc.code) from None
        offer = self.offers.get(request.code)
        if offer is None:
            raise Refusal(404, "activation_code_unknown")
        if offer["used"]:
            raise Refusal(409, "activation_code_used")
        if offer["exp"] <= unix_time(self.clock()):
            raise Refusal(410, "activation_code_expired")
        self._once(request.jti)
        offer["used"] = True
        device = FakeDevice(
            id="dev_" + new_identifier(),
            jwk=dict(request.public_jwk),
            user=offer["account"],
            name=request.device_name,
        )
        assert jwk_thumbprint(device.jwk)
        self.devices[device.id] = device
        receipt = EnrollmentReceipt(
            device_id=device.id,
            realm=self.realm.slug,
            issuer="Jasmin",
            account=offer["account"],
            api_url=self.api_url,
            jwks=self.realm.jwks,
            profile_url=f"{self.realm.url}/profile",
            change_password_url=f"{self.realm.url}/password/change?login={offer['account']}",
            matching_mode=self.matching_mode,
            totp=TotpParameters(secret=RFC_SECRET) if self.with_totp else None,
        )
        return receipt.to_json_dict()

    def decide(self, device: FakeDevice, body: dict[str, Any]) -> dict[str, Any]:
        try:
            decision = verify(
                str(body.get("decision")),
                keys={device.id: load_public_jwk(device.jwk)},
                model=PushDecision,
                audience=self.realm.url,
                issuer=device.id,
                now=self.clock(),
            )
        except ProtocolError as exc:
            raise Refusal(401, exc.code) from None
        self._once(decision.jti)
        with self.changed:
            challenge = self.challenges.get(decision.challenge_id)
            if challenge is None or challenge.user != device.user:
                raise Refusal(404, "challenge_not_found")
            if challenge.status == "pending" and challenge.expires <= self.clock():
                challenge.status = "expired"
            if challenge.status == "expired":
                raise Refusal(410, "challenge_expired")
            if challenge.status == "superseded":
                raise Refusal(409, "challenge_superseded")
            if challenge.status != "pending":
                raise Refusal(409, "challenge_already_decided")
            if not same_secret(decision.nonce, challenge.nonce):
                raise Refusal(422, "nonce_mismatch")
            status = STATUS_OF[decision.decision]
            if decision.decision == "approve" and challenge.mode != "none":
                if decision.number is None:
                    raise Refusal(422, "number_required")
                challenge.decision_number = decision.number
                if decision.number != challenge.number:
                    challenge.status = "failed"
                    self._hint(
                        device.user, ChallengeHint(challenge_id=challenge.id, event="decided")
                    )
                    raise Refusal(422, "number_mismatch")
            challenge.status, challenge.decided_by = status, device.id
            self._hint(device.user, ChallengeHint(challenge_id=challenge.id, event="decided"))
        return {"challenge_id": challenge.id, "status": status}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        return

    @property
    def fake(self) -> FakeIdp:
        return self.server.fake  # type: ignore[no-any-return]

    def _json(self, status: int, body: dict[str, Any] | None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, refusal: Refusal) -> None:
        self._json(refusal.status, {"error": refusal.code, "message": refusal.message, "v": 1})

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        data = json.loads(self.rfile.read(length) or b"{}")
        return data if isinstance(data, dict) else {}

    def _route(self, method: str) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        tail = parts.path.removeprefix(fake.api_path)
        fake.requests.append((method, tail))
        try:
            injected = fake.fail_next.pop((method, tail), None)
            if injected is not None:
                # Drain the body first: the client keeps the connection alive for the retry.
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if injected[1] == "html":
                    self._raw(injected[0], b"<html>oops</html>", "text/html")
                    return
                raise Refusal(*injected)
            if not parts.path.startswith(fake.api_path):
                raise Refusal(404, "http_404")
            if (method, tail) == ("POST", "/enroll"):
                self._json(201, fake.enroll(self._body()))
                return
            if (method, tail) == ("GET", "/jwks"):
                self._json(200, fake.realm.jwks.as_dict())
                return
            if (method, tail) == ("POST", "/decisions"):
                # Protocol v2: the signed decision authenticates its device by itself.
                body = self._body()
                self._json(200, fake.decide(fake.decision_device(body), body))
                return
            device = fake.authenticate(self.headers.get("Authorization"), method, parts.path)
            if (method, tail) == ("GET", "/pending"):
                self._pending(device, parse_qs(parts.query))
            elif (method, tail) == ("GET", "/events"):
                self._events(device)
            elif (method, tail) == ("DELETE", "/device"):
                device.revoked = True
                self._json(204, None)
            else:
                raise Refusal(404, "http_404")
        except Refusal as refusal:
            self._error(refusal)

    def _raw(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _pending(self, device: FakeDevice, query: dict[str, list[str]]) -> None:
        fake = self.fake
        wait = min(int(query.get("wait", ["0"])[0]), 30)
        deadline = datetime.now(UTC) + timedelta(seconds=wait)
        with fake.changed:
            tokens = fake.pending_for(device)
            while not tokens and not fake.stopping.is_set():
                remaining = (deadline - datetime.now(UTC)).total_seconds()
                if remaining <= 0:
                    break
                fake.changed.wait(remaining)
                tokens = fake.pending_for(device)
        self._json(200, {"challenges": tokens, "v": 1})

    def _chunk(self, text: str) -> None:
        data = text.encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _events(self, device: FakeDevice) -> None:
        fake = self.fake
        with fake.changed:  # before the headers: the client counts as connected once it has them
            fake.sse_connections += 1
            device.hints.clear()  # hints sent while disconnected are lost, as on the real IdP
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._chunk("retry: 50\n: connected\n\n")
        sent = 0
        try:
            while not fake.stopping.is_set():
                with fake.changed:
                    if not device.hints:
                        fake.changed.wait(fake.heartbeat)
                    hints, device.hints[:] = list(device.hints), []
                    drop_after = fake.sse_drop_after
                if not hints:
                    self._chunk(": ping\n\n")
                for hint in hints:
                    if drop_after is not None and sent >= drop_after:
                        fake.sse_drop_after = None
                        self.close_connection = True
                        self.connection.close()  # abrupt: no terminating chunk
                        return
                    self._chunk(f"event: hint\ndata: {hint.to_json()}\n\n")
                    sent += 1
        except OSError:
            return
        self.close_connection = True

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")


def unused_key() -> Any:
    """A P-256 key the realm does not know (for wrong-key tests)."""
    return generate_private_key()
