"""Find an account by an identification number and a date of birth (seed 004).

One answer for every mismatch (unknown number, wrong date, wrong format of a real number...):
the caller shows the same message whatever was wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from idp.extensions import db
from idp.models import Realm, User, UserAttribute
from idp.realms.identifiers import IdentifierFormats, IdentifierKind

__all__ = [
    "Identification",
    "find_by_number",
    "identify_by_number",
    "normalise_number",
    "parse_birth_date_fr",
]

_FR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def normalise_number(kind: IdentifierKind, value: str) -> str:
    value = "".join(value.split())
    return (
        value.upper()
        if kind is IdentifierKind.INE
        else (value.lower() if kind is IdentifierKind.UID else value)
    )


def parse_birth_date_fr(value: str, *, today: date) -> date | None:
    """``jj/mm/aaaa`` -> a real past date, else None (31/02, future dates, garbage)."""
    match = _FR_DATE.fullmatch(value.strip())
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        parsed = date(year, month, day)
    except ValueError:
        return None
    return parsed if date(1900, 1, 1) <= parsed <= today else None


def find_by_number(
    realm: Realm, formats: IdentifierFormats, kind: IdentifierKind, number: str, birth: date
) -> User | None:
    value = normalise_number(kind, number)
    if not formats.accepts(kind, value):
        return None
    users = db.session.scalars(
        select(User)
        .join(UserAttribute)
        .where(
            User.realm_id == realm.id,
            UserAttribute.name == kind.value,
            UserAttribute.value == value,
        )
    ).all()
    for user in users:
        if user.attribute("birth_date") == birth.isoformat():
            return user
    return None


@dataclass(frozen=True)
class Identification:
    """What a number and a date of birth, as typed, identify.

    ``problem`` is ``"birth_date"`` (not a real past date) or ``"number_format"`` (not a
    number of this kind): shape errors the form may name. Otherwise ``user`` is the account
    or None, and the caller says one thing for every mismatch. ``subject`` is what audit
    records and locks key on (``kind:number``), known account or not.
    """

    kind: IdentifierKind
    number: str
    user: User | None = None
    problem: str | None = None

    @property
    def subject(self) -> str:
        return f"{self.kind.value}:{self.number}"[:120]


def identify_by_number(
    realm: Realm,
    formats: IdentifierFormats,
    kind: IdentifierKind,
    number: str,
    birth_date: str,
    *,
    today: date,
) -> Identification:
    """Identification by number and date of birth (seed 004), written once for the recovery
    step, « Récupérer mon identifiant » and « Activer mon compte »."""
    value = normalise_number(kind, number)
    birth = parse_birth_date_fr(birth_date, today=today)
    if birth is None:
        return Identification(kind, value, problem="birth_date")
    if not formats.accepts(kind, value):
        return Identification(kind, value, problem="number_format")
    return Identification(kind, value, user=find_by_number(realm, formats, kind, value, birth))
