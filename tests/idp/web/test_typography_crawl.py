"""No French page lets « : ; ? ! » or a guillemet's inner space wrap: every page reachable by
links, signed out and signed in (admin console included), is read as a person reads it.

What is read: the text between tags (no script, no style) and the attributes a person sees or
hears (``placeholder``, ``title``, ``alt``, ``aria-label``, a button's ``value``, and the
``data-*`` texts the scripts or the stylesheet show). A plain space (U+0020) where French wants a
non-breaking one fails the test with the page and the words around it.
"""

from __future__ import annotations

import html
import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.extensions import db
from idp.realms.store import get_realm
from idp.users.service import find_user
from tests.idp.conftest import login

# A plain space before the high punctuation, or inside guillemets. The punctuation must be
# followed by a space or the end, so "10:45", "a:b" and URLs never match.
PLAIN_SPACE = re.compile(r"\S +[:;?!](?=\s|$|<)|« +\S|\S +»")
# English puts no space at all there (a word, then the mark): "Identifier:", never "Identifier :".
# Only after a letter, so a list of allowed characters (« ! " # $ … : ; ») is not a fault.
ENGLISH_SPACE = re.compile(r"[^\W\d_][ \u00a0\u202f]+[:;?!](?=\s|$)")
_SKIP = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>", re.S)
_SEEN_ATTRIBUTES = re.compile(
    r"""\s(?:placeholder|title|alt|aria-label|data-(?:label|show|hide|format|done))="([^"]*)\"""",
    re.I,
)
_BUTTON_VALUE = re.compile(r"""<input[^>]*type="(?:submit|button)"[^>]*value="([^"]*)\"""", re.I)
_HREF = re.compile(r"""href="([^"#]+)\"""")
# Links a crawl must not follow: they act (sign out) or leave the realm's pages.
_NOT_FOLLOWED = re.compile(
    r"/logout|/lang/|/static/|/_dev/|/api/|\.well-known|/protocol/|/cas/|/jwks"
)


# What a person typed (their own secret question) is theirs, in their language.
_USER_TEXT = re.compile(r'(data-testid="secret-question"[^>]*>)[^<]*')


def seen_texts(page: str) -> list[str]:
    page = _USER_TEXT.sub(r"\1", _SKIP.sub(" ", page))
    texts = [html.unescape(part) for part in _TAG.split(page)]
    texts += [html.unescape(value) for value in _SEEN_ATTRIBUTES.findall(page)]
    texts += [html.unescape(value) for value in _BUTTON_VALUE.findall(page)]
    return texts


def faults(page: str, rule: re.Pattern[str] = PLAIN_SPACE) -> list[str]:
    found = []
    for text in seen_texts(page):
        for match in rule.finditer(text):
            start = max(0, match.start() - 30)
            found.append(text[start : match.end() + 10].strip())
    return found


def crawl(
    client: FlaskClient, starts: list[str], rule: re.Pattern[str] = PLAIN_SPACE, limit: int = 120
) -> dict[str, list[str]]:
    """GET every same-site page reachable from ``starts``; the faults found on each."""
    queue, seen, report = deque(starts), set(starts), {}
    while queue and len(seen) <= limit:
        url = queue.popleft()
        resp = client.get(url)
        if resp.status_code != 200 or resp.mimetype != "text/html":
            continue
        page = resp.get_data(as_text=True)
        if found := faults(page, rule):
            report[url] = found
        for href in _HREF.findall(html.unescape(page)):
            target = urldefrag(href)[0]
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != "localhost":
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith("/") and path not in seen and not _NOT_FOLLOWED.search(path):
                seen.add(path)
                queue.append(path)
    return report


def test_the_pattern_sees_what_a_reader_sees() -> None:
    assert faults("<p>Identifiant :</p>") == ["Identifiant :"]
    assert faults('<input placeholder="Vraiment ?">') == ["Vraiment ?"]
    assert faults("<p>« OUI »</p>") == ["« OUI »", "« OUI »"]  # both sides
    assert faults("<p>Identifiant\u00a0: x, 10:45, https://a.example/?q=1</p>") == []
    assert faults("<script>a ? b : c</script>") == []
    assert faults("<p>INE number :</p>", ENGLISH_SPACE) == ["INE number :"]
    assert faults('<li>among: ! " # : ;</li>', ENGLISH_SPACE) == []


SIGNED_OUT = ["/"] + [
    f"/realms/{slug}/{path}"
    for slug in ("jasmin", "nouvelle-aquitaine", "metamots", "uphf")
    for path in ("login", "recovery/")
]


def test_signed_out_pages(client: FlaskClient) -> None:
    assert crawl(client, SIGNED_OUT) == {}


def test_signed_out_pages_in_english(client: FlaskClient) -> None:
    client.get("/lang/en")
    assert crawl(client, SIGNED_OUT, ENGLISH_SPACE) == {}


@pytest.mark.parametrize(
    ("realm", "username", "password"),
    [
        ("metamots", "sophie.bernard", "Azur!Riviera7"),
        ("uphf", "lea.dubois", "Valenciennes@2025"),
    ],
)
def test_signed_in_pages_and_the_admin_console(
    app: Flask, client: FlaskClient, realm: str, username: str, password: str
) -> None:
    with app.app_context():
        user = find_user(get_realm(realm), username)  # type: ignore[arg-type]
        assert user is not None
        user.is_admin = True
        db.session.commit()
    login(client, realm, username, password)
    base = f"/realms/{realm}"
    starts = [f"{base}/profile", f"{base}/security", f"{base}/admin/"]
    assert crawl(client, starts) == {}
    client.get("/lang/en")
    assert crawl(client, starts, ENGLISH_SPACE) == {}
