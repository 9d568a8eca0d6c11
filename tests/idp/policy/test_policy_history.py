"""The history rule compares against real argon2id hashes (cheap parameters in tests)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher

from idp.policy import PasswordPolicy, ViolationCode, evaluate, verify_argon2

POLICY = PasswordPolicy(min_length=1, history=3)
# Newest first: the current password, then the two before it, then an older one.
PREVIOUS = ["Courant@2025", "Ancien@2024", "Vieux@2023", "Oublie@2022"]


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@cache
def hashes() -> tuple[str, ...]:
    return tuple(hasher().hash(p) for p in PREVIOUS)


def reused(password: str, policy: PasswordPolicy = POLICY) -> bool:
    found = evaluate(password, policy, previous_hashes=hashes())
    return any(v.code == ViolationCode.REUSED for v in found)


def test_hashes_are_argon2id() -> None:
    assert all(h.startswith("$argon2id$") for h in hashes())


def test_the_last_three_cannot_be_reused() -> None:
    assert reused("Courant@2025")
    assert reused("Ancien@2024")
    assert reused("Vieux@2023")


def test_older_and_new_passwords_are_fine() -> None:
    assert not reused("Oublie@2022")
    assert not reused("Nouveau@2026")
    assert not reused("courant@2025")  # case matters: it is a different password


def test_reuse_reports_the_count() -> None:
    found = evaluate("Ancien@2024", POLICY, previous_hashes=hashes())
    assert [(v.code, v.params) for v in found] == [("reused", {"count": 3})]


def test_history_off_or_without_hashes_checks_nothing() -> None:
    assert not reused("Courant@2025", PasswordPolicy(min_length=1))
    assert evaluate("Courant@2025", POLICY) == []


def test_malformed_stored_hash_is_not_a_match_nor_an_error() -> None:
    found = evaluate("x", POLICY, previous_hashes=["not-a-hash", "$argon2id$garbage"])
    assert found == []
    assert verify_argon2("$argon2id$garbage", "x") is False


def test_custom_verifier_sees_only_the_newest_entries() -> None:
    seen: list[str] = []

    def verify(stored: str, password: str) -> bool:
        seen.append(stored)
        return stored == f"plain:{password}"

    previous = ["plain:a", "plain:b", "plain:c", "plain:d"]
    found = evaluate("d", POLICY, previous_hashes=previous, verify_hash=verify)
    assert found == []
    assert seen == ["plain:a", "plain:b", "plain:c"]
    found = evaluate("a", POLICY, previous_hashes=previous, verify_hash=verify)
    assert [v.code for v in found] == ["reused"]
