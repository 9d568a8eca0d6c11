"""Form validators shared by the journeys."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from wtforms import Field
from wtforms.validators import ValidationError

__all__ = ["EmailAddress"]


class EmailAddress:
    """A syntactically valid address (no DNS look-up).

    Reserved test domains (``.example``, ``.test``) are accepted: the demo data uses them and
    the IdP must work offline; WTForms' ``Email`` refuses them.
    """

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, form: Any, field: Field) -> None:
        try:
            validate_email(
                str(field.data or ""), check_deliverability=False, globally_deliverable=False
            )
        except EmailNotValidError:
            raise ValidationError(self.message) from None
