from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from authenticator_app.core.clock import FixedClock
from authenticator_app.core.enrollment import Enroller, default_device_name
from authenticator_app.core.errors import (
    AuthenticatorError,
    DeviceNameInvalid,
    IdpResponseInvalid,
    IdpUnavailable,
    IdpUnreachable,
    OfferExpired,
    UriInsecure,
    UriInvalid,
    UriUnsupported,
    UriVersionUnsupported,
)
from authenticator_app.core.idp_errors import (
    ActivationCodeExpired,
    ActivationCodeUnknown,
    ActivationCodeUsed,
)
from authenticator_app.core.vault import Vault
from shared.keys import jwk_thumbprint, public_jwk
from shared.messages import EnrollmentOffer
from shared.version import PROTOCOL_VERSION
from tests.authenticator_app.conftest import PIN
from tests.authenticator_app.fake_idp import FakeIdp

GOOGLE = "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example"


def test_enroll_stores_a_push_account(
    enroller: Enroller, timed_idp: FakeIdp, vault: Vault, vault_path: Any
) -> None:
    account = enroller.add_uri(timed_idp.offer_uri("camille.martin"), device_name="Pixel 8")
    push = account.push
    assert push is not None
    assert (account.issuer, account.name, account.kinds) == (
        "Jasmin",
        "camille.martin",
        ["push", "totp"],
    )
    assert push.realm_url == timed_idp.realm.url
    assert push.api_url == timed_idp.api_url
    assert push.jwks == timed_idp.realm.jwks
    assert push.matching_mode == "typed"
    assert push.change_password_url.endswith("login=camille.martin")
    device = timed_idp.devices[push.device_id]
    assert device.name == "Pixel 8"
    # The key registered at the IdP is the one in the vault, and it is only in the vault.
    stored = Vault.open(vault_path, PIN).account(account.id)
    assert stored.push is not None
    from shared.keys import private_key_from_pem

    key = private_key_from_pem(stored.push.private_key_pem.encode())
    assert jwk_thumbprint(public_jwk(key)) == jwk_thumbprint(device.jwk)


def test_enroll_without_totp(enroller: Enroller, make_idp: Any, live_clock: FixedClock) -> None:
    fake = make_idp(with_totp=False, matching_mode="choose", clock=live_clock)
    account = enroller.add_uri(fake.offer_uri())
    assert account.kinds == ["push"]
    assert account.push is not None
    assert account.push.matching_mode == "choose"


def test_add_otpauth(enroller: Enroller, vault: Vault) -> None:
    account = enroller.add_uri(GOOGLE)
    assert account.kinds == ["totp"]
    assert vault.accounts == (account,)


def test_unsupported_uri(enroller: Enroller) -> None:
    with pytest.raises(UriUnsupported):
        enroller.add_uri("https://example.org/")


def test_malformed_enrollment_uri(enroller: Enroller, timed_idp: FakeIdp) -> None:
    uri = timed_idp.offer_uri().replace("&realm=jasmin", "")
    with pytest.raises(UriInvalid, match="realm"):
        enroller.add_uri(uri)


def test_newer_enrollment_uri(enroller: Enroller, timed_idp: FakeIdp) -> None:
    with pytest.raises(UriVersionUnsupported):
        enroller.add_uri(timed_idp.offer_uri().replace(f"v={PROTOCOL_VERSION}", "v=9"))


def test_expired_offer_is_refused_locally(
    enroller: Enroller, timed_idp: FakeIdp, vault: Vault
) -> None:
    with pytest.raises(OfferExpired):
        enroller.add_uri(timed_idp.offer_uri(exp_in=-60))
    assert timed_idp.requests == []
    assert vault.accounts == ()


def offer_uri(url: str, now: datetime) -> str:
    return EnrollmentOffer(
        url=url,
        realm="jasmin",
        issuer="Jasmin",
        account="a",
        code="ABCDEFGH",
        exp=int(now.timestamp()) + 300,
    ).to_uri()


def test_plain_http_to_another_host_needs_the_flag(
    enroller: Enroller, live_clock: FixedClock
) -> None:
    uri = offer_uri("http://idp.example.org", live_clock())
    with pytest.raises(UriInsecure):
        enroller.add_uri(uri)
    assert enroller.parse_offer(uri, allow_insecure_http=True).url == "http://idp.example.org"
    assert (
        enroller.parse_offer(offer_uri("https://idp.example.org", live_clock())).realm == "jasmin"
    )


def test_code_already_used(enroller: Enroller, timed_idp: FakeIdp, vault: Vault) -> None:
    uri = timed_idp.offer_uri()
    enroller.add_uri(uri)
    with pytest.raises(ActivationCodeUsed) as caught:
        enroller.add_uri(uri)
    assert caught.value.status == 409
    assert caught.value.message == "the activation code was already used"
    assert len(vault.accounts) == 1


def test_code_unknown(enroller: Enroller, timed_idp: FakeIdp, vault: Vault) -> None:
    uri = timed_idp.offer_uri()
    timed_idp.offers.clear()
    with pytest.raises(ActivationCodeUnknown):
        enroller.add_uri(uri)
    assert vault.accounts == ()


def test_code_expired_at_the_idp(enroller: Enroller, timed_idp: FakeIdp) -> None:
    uri = timed_idp.offer_uri()
    for offer in timed_idp.offers.values():
        offer["exp"] = 0  # withdrawn by a newer offer, say
    with pytest.raises(ActivationCodeExpired):
        enroller.add_uri(uri)


@pytest.mark.parametrize(
    ("status", "error"), [(500, IdpUnavailable), (502, IdpUnavailable), (400, IdpResponseInvalid)]
)
def test_non_protocol_answers(
    enroller: Enroller, timed_idp: FakeIdp, status: int, error: type[Exception]
) -> None:
    timed_idp.fail_next[("POST", "/enroll")] = (status, "html")
    with pytest.raises(error):
        enroller.add_uri(timed_idp.offer_uri())


def test_receipt_for_another_realm(
    enroller: Enroller, timed_idp: FakeIdp, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = timed_idp.enroll

    def other_realm(body: dict[str, Any]) -> dict[str, Any]:
        return {**original(body), "realm": "uphf"}

    monkeypatch.setattr(timed_idp, "enroll", other_realm)
    with pytest.raises(IdpResponseInvalid, match="realm"):
        enroller.add_uri(timed_idp.offer_uri())


def test_malformed_receipt(
    enroller: Enroller, timed_idp: FakeIdp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timed_idp, "enroll", lambda body: {"device_id": "x"})
    with pytest.raises(IdpResponseInvalid, match="receipt"):
        enroller.add_uri(timed_idp.offer_uri())


def test_unreachable_idp(enroller: Enroller, live_clock: FixedClock) -> None:
    fake = FakeIdp(clock=live_clock)  # bound, never started: connections are refused
    uri = fake.offer_uri()
    fake.server.server_close()
    with pytest.raises(IdpUnreachable):
        enroller.add_uri(uri)


def test_bad_device_name(enroller: Enroller, timed_idp: FakeIdp) -> None:
    with pytest.raises(DeviceNameInvalid):
        enroller.add_uri(timed_idp.offer_uri(), device_name="evil\u202ename")


def test_default_device_name() -> None:
    assert default_device_name().startswith("Authenticator (")


class _Offline(requests.Session):
    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise requests.ConnectionError("offline test session")


@given(st.text(max_size=200) | st.text(max_size=200).map(lambda t: "otpauth://idp-push/" + t))
@settings(max_examples=300, deadline=None)
def test_any_uri_raises_only_typed_errors(tmp_path_factory: Any, text: str) -> None:
    vault = _VAULTS.setdefault("v", _make_vault(tmp_path_factory))
    enroller = Enroller(vault, session_factory=_Offline)
    with contextlib.suppress(AuthenticatorError):
        enroller.add_uri(text)


_VAULTS: dict[str, Vault] = {}


def _make_vault(tmp_path_factory: Any) -> Vault:
    from tests.authenticator_app.conftest import FAST_KDF

    return Vault.create(tmp_path_factory.mktemp("fuzz") / "v.bin", PIN, kdf=FAST_KDF)
