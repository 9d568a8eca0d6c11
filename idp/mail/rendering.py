"""Render a mail of a given kind in the recipient's language.

French is the default, English when the user chose ``en`` (``flask_babel.force_locale``, so the
same French msgids as the web pages are used). The HTML part is autoescaped like every ``.html``
template, so values from users (names, identifiers) cannot inject markup; the text part is
plain text. The subject is the HTML template's ``subject`` block, unescaped and flattened to
one line so no value can add a header.

Rendering needs an app context (templates, catalogs) but never a request: templates get only
the values passed here, and links must be absolute (see ``external_url``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from jinja2 import Template, TemplateNotFound

from idp.mail.errors import MailContextMissing, MailKindUnknown
from idp.mail.kinds import REQUIRED
from idp.mail.message import OutgoingMail
from idp.web.typography import french_html, french_text

__all__ = ["RenderedMail", "external_url", "mail_language", "render_mail"]

_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class RenderedMail:
    kind: str
    language: str
    subject: str
    text: str
    html: str
    sender_name: str | None = None

    def to(
        self,
        address: str,
        *,
        idempotency_key: str,
        realm: str | None = None,
        user_id: int | None = None,
        actor: str | None = None,
    ) -> OutgoingMail:
        """This mail, addressed: what ``Mailer.send`` takes."""
        return OutgoingMail(
            to=address,
            subject=self.subject,
            text=self.text,
            html=self.html,
            language=self.language,
            kind=self.kind,
            idempotency_key=idempotency_key,
            realm=realm,
            user_id=user_id,
            actor=actor,
            sender_name=self.sender_name,
        )


def mail_language(preferred: str | None) -> str:
    """``en`` when the user chose English (``en``, ``en-GB``...), else French."""
    return "en" if (preferred or "").strip().lower()[:2] == "en" else "fr"


def external_url(path: str) -> str:
    """An absolute link for a mail: the configured ``BASE_URL`` plus ``path``."""
    return str(current_app.config["BASE_URL"]) + "/" + path.lstrip("/")


def render_mail(kind: str, language: str | None, **context: Any) -> RenderedMail:
    """Subject, text and HTML of ``kind`` in ``language`` (``fr`` unless ``en``)."""
    required = REQUIRED.get(kind)
    if required is None:
        raise MailKindUnknown(f"no mail templates for kind {kind!r}")
    missing = sorted(required - context.keys())
    if missing:
        raise MailContextMissing(f"mail {kind!r} needs {', '.join(missing)}")
    lang = mail_language(language)
    env = current_app.jinja_env
    try:
        html_template = env.get_template(f"mail/{kind}.html")
        text_template = env.get_template(f"mail/{kind}.txt")
    except TemplateNotFound as exc:
        raise MailKindUnknown(f"missing template {exc.name}") from exc
    values: dict[str, Any] = {"kind": kind, "language": lang, "display_name": None, **context}
    with force_locale(lang):
        subject = _subject(html_template, values)
        values["subject"] = subject
        html = html_template.render(values)
        text = _tidy(text_template.render(values))
    if lang == "fr":
        subject, text, html = french_text(subject), french_text(text), french_html(html)
    sender = str(context.get("realm_name") or "") or None
    return RenderedMail(
        kind=kind, language=lang, subject=subject, text=text, html=html, sender_name=sender
    )


def _subject(template: Template, values: dict[str, Any]) -> str:
    block = template.blocks.get("subject")
    if block is None:
        raise MailKindUnknown(f"{template.name} has no subject block")
    rendered = "".join(block(template.new_context(values)))
    # Autoescaped HTML -> plain text, then one line: a value with CR/LF cannot add headers.
    return " ".join(html.unescape(rendered).split())


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)) + "\n"
