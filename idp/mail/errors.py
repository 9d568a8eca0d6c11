"""Why a mail could not be rendered or delivered; each error has a stable code.

``MailDeliveryFailed`` is the one views meet: the SMTP server refused the message, was
unreachable or too slow. Nothing was sent (as far as we can tell), the idempotency key stays
free, and the page can offer to try again. Its ``message()`` is the French msgid shown to the
user, translated at the edge.
"""

from __future__ import annotations

from flask_babel import lazy_gettext

from idp.errors import IdpError

__all__ = [
    "DELIVERY_FAILED_MESSAGE",
    "MailContextMissing",
    "MailDeliveryFailed",
    "MailError",
    "MailKindUnknown",
]

DELIVERY_FAILED_MESSAGE = lazy_gettext(
    "Le message n'a pas pu être envoyé pour le moment. Réessayez dans quelques instants."
)


class MailError(IdpError):
    code = "mail_error"


class MailKindUnknown(MailError):
    """No template pair ``mail/<kind>.txt`` + ``mail/<kind>.html`` is registered (a bug)."""

    code = "mail_kind_unknown"


class MailContextMissing(MailError):
    """A template value the kind requires was not given (a bug in the caller)."""

    code = "mail_context_missing"


class MailDeliveryFailed(MailError):
    """The transport did not accept the message within the timeout.

    ``reason`` is one of ``timeout``, ``refused`` (the server answered 4xx/5xx),
    ``unreachable`` (connection refused, DNS, TLS) or ``outbox_unwritable``;
    ``smtp_code`` is the server's reply code when it gave one. ``temporary`` is True for a
    timeout, an unreachable server or a 4xx reply: trying again later may work.
    """

    code = "mail_delivery_failed"

    def __init__(self, detail: str = "", *, reason: str, smtp_code: int | None = None) -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.smtp_code = smtp_code

    @property
    def temporary(self) -> bool:
        if self.smtp_code is not None:
            return 400 <= self.smtp_code < 500
        return self.reason in {"timeout", "unreachable"}

    def message(self) -> str:
        """The user-facing explanation in the current locale."""
        return str(DELIVERY_FAILED_MESSAGE)
