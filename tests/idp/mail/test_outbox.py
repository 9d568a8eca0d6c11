"""The development outbox: bounded, shared through a file, readable at /_dev/mail in test mode."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.mail import Mailer, Outbox
from tests.idp.conftest import text_of
from tests.idp.mail.conftest import outgoing


def _entry(n: int) -> dict[str, Any]:
    return {"to": f"u{n}@example.org", "subject": f"s{n}", "message_id": f"<{n}@x>"}


def test_memory_outbox_keeps_the_last_ones() -> None:
    box = Outbox(None, limit=3)
    for n in range(5):
        box.add(_entry(n))
    assert [m["subject"] for m in box.as_json()] == ["s2", "s3", "s4"]
    box.clear()
    assert box.as_json() == []


def test_file_outbox_is_shared_between_instances_and_private(tmp_path: Path) -> None:
    path = tmp_path / "dev-outbox.json"
    writer, reader = Outbox(path, limit=200), Outbox(path, limit=200)  # as two processes
    for n in range(205):
        writer.add(_entry(n))
    seen = reader.as_json()
    assert len(seen) == 200
    assert seen[0]["subject"] == "s5"
    assert seen[-1]["subject"] == "s204"
    assert json.loads(path.read_text(encoding="utf-8")) == seen
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # codes and links in clear
    reader.clear()
    assert writer.as_json() == []


def test_a_damaged_file_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "dev-outbox.json"
    path.write_text("{not json", encoding="utf-8")
    box = Outbox(path)
    assert box.as_json() == []
    box.add(_entry(1))
    assert [m["subject"] for m in box.as_json()] == ["s1"]


def test_without_smtp_url_mail_goes_to_the_outbox_in_the_instance_folder(app: Flask) -> None:
    outbox = app.extensions["idp.outbox"]
    assert outbox.path == Path(app.instance_path) / "dev-outbox.json"
    with app.app_context():
        mailer: Mailer = app.extensions["idp.mailer"]
        result = mailer.send(outgoing())
    [entry] = outbox.as_json()
    assert set(entry) == {
        "to",
        "from",
        "subject",
        "text",
        "html",
        "kind",
        "language",
        "message_id",
        "date",
    }
    assert entry["message_id"] == result.message_id
    assert entry["from"] == "Jasmin <no-reply@idp.localhost>"  # realm name, MAIL_FROM address
    assert (entry["kind"], entry["language"]) == ("security_code", "fr")
    assert entry["date"] == "2026-11-24T09:30:00+00:00"  # the injected clock
    assert "482913" in entry["text"]
    assert result.transport == "outbox"


def test_outside_test_mode_there_is_no_dev_mail_route(app: Flask, client: FlaskClient) -> None:
    assert not app.config["TEST_MODE"]
    assert client.get("/_dev/mail").status_code == 404
    assert client.get("/_dev/mail/view").status_code == 404


class TestInTestMode:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"TEST_MODE": True, "MAIL_OUTBOX_FILE": ""}

    def test_dev_mail_lists_the_outbox_as_json(self, app: Flask, client: FlaskClient) -> None:
        assert app.extensions["idp.outbox"].path is None  # memory only, as configured
        assert client.get("/_dev/mail").get_json() == {"messages": []}
        with app.app_context():
            app.extensions["idp.mailer"].send(outgoing("a", to="a@example.org"))
            app.extensions["idp.mailer"].send(outgoing("b", to="b@example.org"))
        body = client.get("/_dev/mail").get_json()
        assert [m["to"] for m in body["messages"]] == ["a@example.org", "b@example.org"]
        only_b = client.get("/_dev/mail?to=B@example.org").get_json()["messages"]
        assert [m["to"] for m in only_b] == ["b@example.org"]

    def test_readable_page_and_sandboxed_html_part(self, app: Flask, client: FlaskClient) -> None:
        empty = client.get("/_dev/mail/view")
        assert empty.status_code == 200
        assert "Aucun message pour le moment." in empty.get_data(as_text=True)
        with app.app_context():
            result = app.extensions["idp.mailer"].send(outgoing())
        page = text_of(client.get("/_dev/mail/view"))
        assert "Boîte d'envoi de développement" in page
        assert "Votre code de sécurité" in page
        assert "482913" in page
        part = client.get("/_dev/mail/view/html", query_string={"id": result.message_id})
        assert part.status_code == 200
        assert part.mimetype == "text/html"
        assert "sandbox" in part.headers["Content-Security-Policy"]
        assert "script-src" not in part.headers["Content-Security-Policy"]
        assert "482913" in part.get_data(as_text=True)
        assert client.get("/_dev/mail/view/html?id=nope").status_code == 404


class TestDebugServer:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"DEBUG_SERVER": True}

    def test_page_without_test_mode_json(self, client: FlaskClient) -> None:
        assert client.get("/_dev/mail/view").status_code == 200
        assert client.get("/_dev/mail").status_code == 404  # JSON is a test-mode contract
