"""A real SMTP server on loopback (aiosmtpd) that records, refuses or stalls on demand.

Use the ``smtp_server`` fixture (import it into a ``conftest.py``), or ``SmtpServer`` as a
context manager where a fixture does not fit (an end-to-end test that starts ``idp serve``
with ``IDP_SMTP_URL=server.url``)::

    def test_x(smtp_server):
        ...                                # the IdP sends to smtp_server.url
        [mail] = smtp_server.wait_for(1)   # email.message.EmailMessage, parsed
        smtp_server.fail_with("451 4.3.0 Try again later")  # refuse at DATA from now on
        smtp_server.be_slow(3.0)           # answer DATA only after 3 s
        smtp_server.reset()                # back to accepting everything

Messages are parsed with ``email.policy.default``: ``mail["Subject"]``,
``mail.get_body(("plain",)).get_content()``...
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import free_port

__all__ = ["SmtpServer", "smtp_server"]


class SmtpServer:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        auth: tuple[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port()
        self.auth = auth
        self._messages: list[EmailMessage] = []
        self._envelopes: list[tuple[str, list[str]]] = []
        self._changed = threading.Condition()
        self.data_reply: str | None = None
        self.rcpt_reply: str | None = None
        self.delay = 0.0
        self.logins: list[str] = []
        kwargs: dict[str, Any] = {}
        if auth is not None:
            kwargs = {
                "authenticator": self._authenticate,
                # Offered without TLS on this loopback test server; not required, so a client
                # that skips AUTH is visible in ``logins`` rather than refused.
                "auth_require_tls": False,
            }
        self._controller = Controller(_Handler(self), hostname=host, port=self.port, **kwargs)

    @property
    def url(self) -> str:
        if self.auth is None:
            return f"smtp://{self.host}:{self.port}"
        return f"smtp://{self.auth[0]}:{self.auth[1]}@{self.host}:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._changed:
            return list(self._messages)

    @property
    def envelopes(self) -> list[tuple[str, list[str]]]:
        """(MAIL FROM, RCPT TO list) of each accepted message."""
        with self._changed:
            return list(self._envelopes)

    def fail_with(self, reply: str = "554 5.7.1 Message refused") -> None:
        """Answer DATA with ``reply`` (a 4xx or 5xx line) until ``reset``."""
        self.data_reply = reply

    def refuse_recipients(self, reply: str = "550 5.1.1 No such user") -> None:
        self.rcpt_reply = reply

    def be_slow(self, seconds: float) -> None:
        """Wait ``seconds`` before answering DATA (longer than the client's timeout)."""
        self.delay = seconds

    def reset(self) -> None:
        self.data_reply = self.rcpt_reply = None
        self.delay = 0.0

    def clear(self) -> None:
        with self._changed:
            self._messages.clear()
            self._envelopes.clear()

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        """At least ``count`` messages, waiting up to ``timeout`` seconds for them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} mail(s) within {timeout}s, got {len(self._messages)}"
                    )
                self._changed.wait(left)
            return list(self._messages)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _authenticate(
        self, _server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and self.auth is not None
            and (data.login.decode(), data.password.decode()) == self.auth
        )
        if ok:
            self.logins.append(f"{mechanism}:{data.login.decode()}")
        return AuthResult(success=ok)

    def _record(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        with self._changed:
            self._messages.append(message)
            self._envelopes.append((mail_from, list(rcpt_tos)))
            self._changed.notify_all()


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if self.server.rcpt_reply:
            return self.server.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        if self.server.data_reply:
            return self.server.data_reply
        raw = envelope.original_content or envelope.content
        self.server._record(envelope.mail_from, envelope.rcpt_tos, raw)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A fresh SMTP server on 127.0.0.1 and a free port, accepting everything."""
    with SmtpServer() as server:
        yield server
