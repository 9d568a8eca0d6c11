from __future__ import annotations

import threading
import time

import pytest

from authenticator_app.core.accounts import Account
from authenticator_app.core.clock import FixedClock
from authenticator_app.core.enrollment import Enroller
from authenticator_app.core.errors import AccountNotFound, NoPushAccount, NumberNotOffered
from authenticator_app.core.idp_errors import (
    ChallengeExpired,
    ChallengeSuperseded,
    DeviceRevoked,
    NumberMismatch,
)
from authenticator_app.core.push_service import PushService
from authenticator_app.core.vault import Vault
from shared.keys import generate_private_key
from tests.authenticator_app.fake_idp import FakeIdp


def test_push_accounts(service: PushService, enrolled: Account, enroller: Enroller) -> None:
    enroller.add_uri("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP")
    assert service.push_accounts() == [enrolled]
    assert service.push_accounts("jasmin") == [enrolled]
    with pytest.raises(AccountNotFound):
        service.push_accounts("nope")


def test_no_push_account(service: PushService) -> None:
    with pytest.raises(NoPushAccount):
        service.push_accounts()


def test_an_already_pending_challenge_is_returned_at_once(
    service: PushService, enrolled: Account, timed_idp: FakeIdp
) -> None:
    created = timed_idp.create_challenge()
    found, seen = service.wait_for_challenge(service.new_inbox(), [enrolled], timeout=10)
    assert found is not None
    assert found.challenge.challenge_id == created.id
    assert seen.refused == []


def test_waits_for_the_next_challenge(
    service: PushService, enrolled: Account, timed_idp: FakeIdp
) -> None:
    threading.Timer(0.3, timed_idp.create_challenge).start()
    started = time.monotonic()
    found, _ = service.wait_for_challenge(service.new_inbox(), [enrolled], timeout=10)
    assert found is not None
    assert time.monotonic() - started < 5


def test_timeout_without_a_challenge(service: PushService, enrolled: Account) -> None:
    started = time.monotonic()
    found, _ = service.wait_for_challenge(service.new_inbox(), [enrolled], timeout=1)
    assert found is None
    assert 0.9 < time.monotonic() - started < 4


def test_a_forged_pending_challenge_is_refused_without_hammering(
    service: PushService, enrolled: Account, timed_idp: FakeIdp, live_clock: FixedClock
) -> None:
    forged, _ = timed_idp.realm.challenge(
        live_clock(),
        device_id=enrolled.push.device_id,  # type: ignore[union-attr]
        key=generate_private_key(),
        iss=timed_idp.realm.url,
    )
    timed_idp.extra_tokens.append(forged)
    found, seen = service.wait_for_challenge(service.new_inbox(), [enrolled], timeout=1.5)
    assert found is None
    assert [r.code for r in seen.refused] == ["challenge_signature_invalid"]
    assert len(timed_idp.requests) <= 6  # enroll + a few polls, not a busy loop


def test_approve_with_the_right_number(
    service: PushService, enrolled: Account, timed_idp: FakeIdp, vault: Vault
) -> None:
    created = timed_idp.create_challenge(number=42)
    inbox = service.new_inbox()
    found, _ = service.wait_for_challenge(inbox, [enrolled], timeout=5)
    assert found is not None
    outcome = service.answer(found, "approve", number=42, inbox=inbox)
    assert (outcome.status, outcome.succeeded) == ("approved", True)
    assert created.status == "approved"
    assert vault.was_answered(enrolled.id, created.id)
    assert len(inbox) == 0


def test_an_answered_challenge_listed_again_is_a_replay(
    service: PushService, enrolled: Account, timed_idp: FakeIdp
) -> None:
    timed_idp.create_challenge(number=42)
    inbox = service.new_inbox()
    found, _ = service.wait_for_challenge(inbox, [enrolled], timeout=5)
    assert found is not None
    service.answer(found, "approve", number=42, inbox=inbox)
    timed_idp.extra_tokens.append(found.token)  # the IdP (or an attacker) lists it again
    changes = service.refresh(service.new_inbox(), [enrolled])
    assert [r.code for r in changes.refused] == ["challenge_replayed"]


def test_wrong_number_fails_the_challenge_and_is_remembered(
    service: PushService, enrolled: Account, timed_idp: FakeIdp, vault: Vault
) -> None:
    created = timed_idp.create_challenge(number=42)
    found, _ = service.wait_for_challenge(service.new_inbox(), [enrolled], timeout=5)
    assert found is not None
    with pytest.raises(NumberMismatch) as caught:
        service.answer(found, "approve", number=24)
    assert caught.value.message == "the number does not match the one shown in the browser"
    assert created.status == "failed"
    assert vault.contents.answered[-1].outcome == "number_mismatch"


@pytest.mark.parametrize(("decision", "status"), [("deny", "denied"), ("report", "reported")])
def test_deny_and_report(
    service: PushService,
    enrolled: Account,
    timed_idp: FakeIdp,
    decision: str,
    status: str,
) -> None:
    created = timed_idp.create_challenge()
    found, _ = service.wait_for_challenge(service.new_inbox(), [enrolled], timeout=5)
    assert found is not None
    outcome = service.answer(found, decision, number=42)  # type: ignore[arg-type]
    assert (outcome.status, created.status, created.decision_number) == (status, status, None)


def test_superseded_at_the_idp(service: PushService, enrolled: Account, timed_idp: FakeIdp) -> None:
    timed_idp.create_challenge()
    found, _ = service.wait_for_challenge(service.new_inbox(), [enrolled], timeout=5)
    assert found is not None
    timed_idp.create_challenge()
    with pytest.raises(ChallengeSuperseded):
        service.answer(found, "approve", number=42)


def test_expired_at_the_idp(
    service: PushService, enrolled: Account, timed_idp: FakeIdp, live_clock: FixedClock
) -> None:
    timed_idp.create_challenge(ttl=30)
    found, _ = service.wait_for_challenge(service.new_inbox(), [enrolled], timeout=5)
    assert found is not None
    live_clock.advance(31)
    with pytest.raises(ChallengeExpired):
        service.answer(found, "approve", number=42)


def test_choose_mode_checks_locally_before_sending(
    vault: Vault, live_clock: FixedClock, make_idp: type[FakeIdp]
) -> None:
    fake = make_idp(matching_mode="choose", clock=live_clock)
    account = Enroller(vault, clock=live_clock).add_uri(fake.offer_uri())
    service = PushService(vault, clock=live_clock)
    created = fake.create_challenge(number=42, choices=[42, 17, 88])
    found, _ = service.wait_for_challenge(service.new_inbox(), [account], timeout=5)
    assert found is not None
    with pytest.raises(NumberNotOffered):
        service.answer(found, "approve", number=43)
    assert ("POST", "/decisions") not in fake.requests
    assert service.answer(found, "approve", number=42).status == "approved"
    assert created.status == "approved"


def test_unenroll(
    service: PushService, enrolled: Account, timed_idp: FakeIdp, vault: Vault
) -> None:
    service.unenroll(enrolled)
    assert timed_idp.devices[enrolled.push.device_id].revoked  # type: ignore[union-attr]
    remaining = vault.account(enrolled.id)  # it had TOTP codes: they stay
    assert remaining.kinds == ["totp"]
    with pytest.raises(DeviceRevoked):
        PushService(vault).client(enrolled).pending()
