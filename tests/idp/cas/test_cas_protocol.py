"""CAS 3.0 on the uphf realm: tickets are single use, short-lived and bound to their service."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient

from idp.clock import FixedClock
from tests.idp.conftest import csrf_from, text_of

SERVICE = "https://ent.uphf.example/portail?lang=fr"
CAS = "/realms/uphf/cas"
NS = {"cas": "http://www.yale.edu/tp/cas"}


def _cas_login(
    client: FlaskClient,
    service: str = SERVICE,
    user: str = "lea.dubois",
    password: str = "Valenciennes@2025",
    **query: str,
):  # type: ignore[no-untyped-def]
    params = {"service": service, **query}
    page = client.get(f"{CAS}/login", query_string=params).get_data(as_text=True)
    return client.post(
        f"{CAS}/login",
        query_string=params,
        data={"csrf_token": csrf_from(page), "identifier": user, "password": password},
    )


def _ticket(resp) -> str:  # type: ignore[no-untyped-def]
    location = resp.headers["Location"]
    assert location.startswith("https://ent.uphf.example/portail?")
    query = parse_qs(urlsplit(location).query)
    assert query["lang"] == ["fr"]
    return query["ticket"][0]


def _validate(
    client: FlaskClient, ticket: str, service: str = SERVICE, path: str = "p3/"
) -> ET.Element:
    resp = client.get(
        f"{CAS}/{path}serviceValidate", query_string={"ticket": ticket, "service": service}
    )
    assert resp.mimetype == "application/xml"
    return ET.fromstring(resp.data)


def test_login_issues_a_ticket_that_validates_once(client: FlaskClient) -> None:
    ticket = _ticket(_cas_login(client))
    assert ticket.startswith("ST-")
    ok = _validate(client, ticket)
    assert ok.findtext("cas:authenticationSuccess/cas:user", namespaces=NS) == "lea.dubois"
    attrs = ok.find("cas:authenticationSuccess/cas:attributes", NS)
    assert attrs is not None
    assert attrs.findtext("cas:student_number", namespaces=NS) == "22104578"
    again = _validate(client, ticket, path="")
    assert again.find("cas:authenticationFailure", NS).get("code") == "INVALID_TICKET"  # type: ignore[union-attr]


def test_ticket_is_bound_to_its_service(client: FlaskClient) -> None:
    ticket = _ticket(_cas_login(client))
    other = _validate(client, ticket, service="https://moodle.uphf.example/")
    assert other.find("cas:authenticationFailure", NS).get("code") == "INVALID_SERVICE"  # type: ignore[union-attr]
    # ... and consumed by the failed attempt.
    assert _validate(client, ticket).find("cas:authenticationFailure", NS) is not None


def test_ticket_expires(client: FlaskClient, clock: FixedClock) -> None:
    ticket = _ticket(_cas_login(client))
    clock.advance(timedelta(seconds=31))
    failure = _validate(client, ticket).find("cas:authenticationFailure", NS)
    assert failure is not None
    assert failure.text == "ticket expired"


def test_unknown_and_malformed_tickets(client: FlaskClient) -> None:
    assert (
        _validate(client, "ST-nope")
        .find("cas:authenticationFailure", NS)
        .get(  # type: ignore[union-attr]
            "code"
        )
        == "INVALID_TICKET"
    )
    assert (
        _validate(client, "PT-x")
        .find("cas:authenticationFailure", NS)
        .get(  # type: ignore[union-attr]
            "code"
        )
        == "INVALID_TICKET_SPEC"
    )
    resp = client.get(f"{CAS}/serviceValidate")
    assert (
        ET.fromstring(resp.data)
        .find("cas:authenticationFailure", NS)
        .get(  # type: ignore[union-attr]
            "code"
        )
        == "INVALID_REQUEST"
    )


def test_unregistered_service_gets_no_ticket(client: FlaskClient) -> None:
    for service in (
        "https://evil.example/",
        "https://ent.uphf.example.evil/",
        "javascript:alert(1)",
    ):
        resp = client.get(f"{CAS}/login", query_string={"service": service})
        assert resp.status_code == 403
        assert "Application non autorisée" in text_of(resp)


def test_single_sign_on_and_renew(client: FlaskClient) -> None:
    _ticket(_cas_login(client))
    sso = client.get(f"{CAS}/login", query_string={"service": SERVICE})
    assert "ticket=ST-" in sso.headers["Location"]
    renew = client.get(f"{CAS}/login", query_string={"service": SERVICE, "renew": "true"})
    assert renew.status_code == 200
    assert "Service Central d'Authentification" in text_of(renew)
    non_primary = parse_qs(urlsplit(sso.headers["Location"]).query)["ticket"][0]
    resp = client.get(
        f"{CAS}/serviceValidate",
        query_string={"ticket": non_primary, "service": SERVICE, "renew": "true"},
    )
    assert b"INVALID_TICKET" in resp.data


def test_gateway_without_session(client: FlaskClient) -> None:
    resp = client.get(f"{CAS}/login", query_string={"service": SERVICE, "gateway": "true"})
    assert resp.headers["Location"] == SERVICE


def test_wrong_password_stays_on_the_cas_page(client: FlaskClient) -> None:
    resp = _cas_login(client, password="wrong")
    assert resp.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in text_of(resp)


def test_logout(client: FlaskClient) -> None:
    _ticket(_cas_login(client))
    resp = client.get(f"{CAS}/logout", query_string={"service": SERVICE})
    assert resp.headers["Location"] == SERVICE
    assert client.get(f"{CAS}/login", query_string={"service": SERVICE}).status_code == 200
    page = text_of(client.get(f"{CAS}/logout", query_string={"service": "https://evil.example"}))
    assert "Déconnexion réussie" in page
    assert "(e)" not in page  # no « déconnecté(e) »: a sentence that needs no gender


def test_realm_without_cas(client: FlaskClient) -> None:
    assert client.get("/realms/jasmin/cas/login").status_code == 404


def test_ticket_validation_is_audited(app: Flask, client: FlaskClient) -> None:
    from idp.audit.service import query

    _validate(client, _ticket(_cas_login(client)))
    with app.app_context():
        events = {e.event for e in query(realm="uphf")}
    assert {"cas_ticket_issued", "cas_ticket_validated"} <= events


def test_concurrent_validations_of_one_ticket_succeed_once(app: Flask) -> None:
    """Regression: with 2 workers on PostgreSQL, 9 of 10 tickets validated several times."""
    from tests.idp.device_api.test_exactly_once import race

    for _ in range(3):
        ticket = _ticket(_cas_login(app.test_client()))

        def validate(_i: int, ticket: str = ticket) -> bool:
            answer = _validate(app.test_client(), ticket)
            return answer.find("cas:authenticationSuccess", NS) is not None

        results = race(validate)
        assert results.count(True) == 1, results
