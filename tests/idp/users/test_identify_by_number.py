"""Identification by number and date of birth, written once (recovery step and Sésame pages)."""

from __future__ import annotations

from datetime import date

from flask import Flask

from idp.realms.identifiers import IdentifierKind
from idp.realms.store import get_realm, preset_of
from idp.users.identification import identify_by_number

TODAY = date(2026, 11, 24)


def test_one_function_answers_every_case(app: Flask) -> None:
    with app.app_context():
        realm = get_realm("uphf")
        assert realm is not None
        formats = preset_of(realm).identifiers

        def ask(kind: IdentifierKind, number: str, birth: str):  # type: ignore[no-untyped-def]
            return identify_by_number(realm, formats, kind, number, birth, today=TODAY)

        found = ask(IdentifierKind.STUDENT_NUMBER, " 2210 4578 ", "17/04/2003")
        assert found.user is not None
        assert found.user.username == "lea.dubois"
        assert found.subject == "student_number:22104578"
        assert ask(IdentifierKind.INE, "0912345671c", "17/04/2003").user is not None
        assert ask(IdentifierKind.STUDENT_NUMBER, "22104578", "31/02/2003").problem == "birth_date"
        assert ask(IdentifierKind.STUDENT_NUMBER, "22104578", "17/04/2099").problem == "birth_date"
        assert ask(IdentifierKind.STUDENT_NUMBER, "2210", "17/04/2003").problem == "number_format"
        wrong_date = ask(IdentifierKind.STUDENT_NUMBER, "22104578", "18/04/2003")
        unknown = ask(IdentifierKind.STUDENT_NUMBER, "22100000", "17/04/2003")
        assert (wrong_date.user, wrong_date.problem) == (None, None)
        assert (unknown.user, unknown.problem) == (None, None)
