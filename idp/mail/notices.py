"""Security notices mailed to a user after something happened to their account.

A notice is best effort: it is sent after the change it reports, and a delivery failure never
undoes that change (the mailer has logged and audited it as ``mail_failed``).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel.speaklater import LazyString

from idp.audit.service import ClientInfo
from idp.mail.deferred import defer
from idp.mail.errors import MailDeliveryFailed
from idp.mail.mailer import Mailer
from idp.mail.message import DeliveryResult
from idp.mail.rendering import external_url, render_mail
from idp.models import User
from idp.push.context import describe_browser

__all__ = ["notify_password_changed", "notify_security_info_changed"]


def notify_password_changed(
    user: User, *, now: datetime, client: ClientInfo, mailer: Mailer | None = None
) -> DeliveryResult | None:
    """Mail "Votre mot de passe a été modifié" when the user has an address.

    Call it after the new password is set: the idempotency key names this change (the user's
    new session generation), so a retried request does not mail twice. Returns None when there
    is no address or the delivery failed.
    """
    if not user.email:
        return None
    browser = describe_browser(client.user_agent) if client.user_agent else None
    if browser == describe_browser(None):  # "unknown browser" says nothing: leave it out
        browser = None
    rendered = render_mail(
        "password_changed",
        user.language,
        realm_name=user.realm.display_name,
        display_name=user.display_name or None,
        when=now,
        ip=client.ip,
        browser=browser,
        login_url=external_url(f"/realms/{user.realm.slug}/login"),
    )
    message = rendered.to(
        user.email,
        idempotency_key=f"password_changed:{user.id}:{user.session_generation}",
        realm=user.realm.slug,
        user_id=user.id,
        actor=user.username,
    )
    if mailer is not None:
        try:
            return mailer.send(message)
        except MailDeliveryFailed:
            return None
    # Sent once the password change is committed (idp.mail.deferred).
    defer(message)
    return None


def notify_security_info_changed(
    user: User,
    *,
    change: LazyString,
    key: str,
    now: datetime,
    client: ClientInfo,
    to: str | None = None,
) -> None:
    """Mail "Vos informations de sécurité ont été modifiées" (``change``, a ``lazy_gettext``
    sentence, says what; it is rendered in the user's language) to ``to`` or the user's address.

    ``key`` names this change for idempotency (an audit row id, say). Sent after the commit."""
    address = to or user.email
    if not address:
        return
    from flask_babel import force_locale

    from idp.mail.rendering import mail_language

    browser = describe_browser(client.user_agent) if client.user_agent else None
    if browser == describe_browser(None):
        browser = None
    with force_locale(mail_language(user.language)):
        sentence = str(change)
    rendered = render_mail(
        "security_info_changed",
        user.language,
        realm_name=user.realm.display_name,
        display_name=user.display_name or None,
        when=now,
        change=sentence,
        ip=client.ip,
        browser=browser,
        security_url=external_url(f"/realms/{user.realm.slug}/security"),
    )
    defer(
        rendered.to(
            address,
            idempotency_key=f"security_info_changed:{user.id}:{key}:{address}",
            realm=user.realm.slug,
            user_id=user.id,
            actor=user.username,
        )
    )
