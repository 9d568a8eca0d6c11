"""Sésame's own use cases (seed 004): « Récupérer mon identifiant » and the identification
step of « Activer mon compte ». Views validate the form and call these; these audit and mail.

Both identify by number and date of birth through ``users.identification.identify_by_number``,
the same function as the recovery step, and answer the same whatever was wrong.
"""

from __future__ import annotations

from datetime import datetime

from idp.audit.service import ClientInfo, record
from idp.mail import mail_language, render_mail
from idp.mail.deferred import defer
from idp.models import Realm, User
from idp.realms.identifiers import IdentifierKind
from idp.realms.schema import RealmPreset
from idp.users.identification import identify_by_number
from idp.users.masking import mask_identifier

__all__ = ["identify_for_activation", "recover_identifier"]


def recover_identifier(
    realm: Realm,
    preset: RealmPreset,
    kind: IdentifierKind,
    number: str,
    birth_date: str,
    *,
    now: datetime,
    client: ClientInfo,
) -> str | None:
    """The identifier, masked for the page, and mailed in full to the address on file;
    None when the data identify no account (the caller commits either way)."""
    found = identify_by_number(
        realm, preset.identifiers, kind, number, birth_date, today=now.date()
    )
    user = found.user
    record(
        "identifier_recovery",
        "success" if user else "failure",
        now=now,
        realm=realm.slug,
        actor=found.subject,
        user_id=user.id if user else None,
        client=client,
    )
    if user is None:
        return None
    if user.email:
        mail = render_mail(
            "identifier_reminder",
            mail_language(user.language),
            realm_name=preset.display_name,
            identifier=user.username,
            display_name=user.display_name,
        )
        defer(
            mail.to(
                user.email,
                idempotency_key=f"identifier:{user.id}:{now.date()}",
                realm=realm.slug,
                user_id=user.id,
                actor=user.username,
            )
        )
    return mask_identifier(user.username)


def identify_for_activation(
    realm: Realm,
    preset: RealmPreset,
    kind: IdentifierKind,
    number: str,
    birth_date: str,
    *,
    now: datetime,
    client: ClientInfo,
) -> User | None:
    """The pre-provisioned (not yet activated) account these data identify, or None."""
    found = identify_by_number(
        realm, preset.identifiers, kind, number, birth_date, today=now.date()
    )
    user = found.user if found.user is not None and not found.user.activated else None
    record(
        "account_activation_identify",
        "success" if user else "failure",
        now=now,
        realm=realm.slug,
        actor=found.subject,
        client=client,
    )
    return user
