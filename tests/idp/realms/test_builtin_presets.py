"""The four shipped presets load, follow their seed guides and have usable demo users."""

from __future__ import annotations

import json
from functools import cache

import pytest

from idp.policy import evaluate
from idp.realms import IdentifierKind, RealmPreset, is_valid_ine
from idp.realms.preset import builtin_preset_paths, load_builtin_presets

SLUGS = ["jasmin", "metamots", "nouvelle-aquitaine", "uphf"]


@cache
def presets() -> dict[str, RealmPreset]:
    return {p.slug: p for p in load_builtin_presets()}


def demo_users() -> list[tuple[str, str]]:
    """Demo users that have a password (pre-provisioned ones get theirs at activation)."""
    return [(slug, u.username) for slug in SLUGS for u in presets()[slug].demo_users if u.activated]


def test_the_four_seed_realms_are_shipped() -> None:
    assert [p.stem for p in builtin_preset_paths()] == SLUGS
    assert sorted(presets()) == SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_each_realm_has_two_or_three_demo_users(slug: str) -> None:
    active = [u for u in presets()[slug].demo_users if u.activated]
    assert 2 <= len(active) <= 3


@pytest.mark.parametrize(("slug", "username"), demo_users())
def test_demo_password_satisfies_its_realm_policy(slug: str, username: str) -> None:
    preset = presets()[slug]
    user = preset.demo_user(username)
    assert evaluate(user.password, preset.password_policy, login=username, names=user.names) == []


@pytest.mark.parametrize(("slug", "username"), demo_users())
def test_demo_password_would_fail_in_lowercase_where_upper_is_required(
    slug: str, username: str
) -> None:
    preset = presets()[slug]
    user = preset.demo_user(username)
    codes = {v.code for v in evaluate(user.password.lower(), preset.password_policy)}
    assert "missing_upper" in codes


def test_jasmin_follows_seed_000() -> None:
    jasmin = presets()["jasmin"]
    assert jasmin.organisation == "AECE CFA JASMIN"
    assert jasmin.recovery.entry == "change_password"
    assert jasmin.recovery.steps == ["captcha", "verify_push", "set_password", "done"]
    assert jasmin.login.forgot_password_label == "J'ai oublié mon mot de passe"
    assert jasmin.push.enabled
    assert jasmin.push.sign_in_second_factor
    assert jasmin.push.offer_totp
    assert jasmin.push.matching_mode == "typed"
    assert jasmin.password_policy.max_age_days == 90
    assert next(u.username for u in jasmin.demo_users) == "camille.martin"


def test_nouvelle_aquitaine_follows_seed_001() -> None:
    na = presets()["nouvelle-aquitaine"]
    assert na.display_name == "Mes démarches en Nouvelle-Aquitaine"
    assert na.login.variant == "nouvelle-aquitaine"
    assert na.login.forgot_password_label == "Mot de passe perdu"
    assert na.recovery.steps == [
        "choose_category",
        "identify_by_email",
        "verify_email_code",
        "set_password",
        "apply_async",
        "done",
    ]
    policy = na.password_policy
    assert (policy.min_length, policy.require_lower, policy.require_upper) == (8, True, True)
    assert policy.require_digit
    assert not policy.require_special
    # Exactly the guide's four rules, nothing more.
    assert not (policy.forbid_common)
    assert not (policy.forbid_login)
    assert not (policy.history)
    assert policy.allow_spaces
    assert policy.min_zxcvbn_score is None
    assert policy.max_length is None
    categories = na.recovery.choose_category.categories
    assert [c.label for c in categories] == [
        "Je suis un usager des services de la Région",
        "Je suis un élu de la Région",
        "Je suis un agent des lycées",
        "Je suis un agent du siège",
        "J'ai besoin de support",
    ]
    assert [c.continues for c in categories] == [True, False, False, False, False]
    assert categories[0].examples == (
        "Exemples : demandeur d'aide, gestionnaire d'un lycée, partenaire, prestataire."
    )
    assert na.recovery.set_password.strength_meter
    assert na.recovery.set_password.suggestions


def test_metamots_follows_seed_003() -> None:
    metamots = presets()["metamots"]
    assert metamots.login.variant == "metamots"
    assert metamots.login.show_language_choice
    assert metamots.login.title == "Se connecter"
    assert metamots.login.welcome_text == (
        "Bienvenue sur l'espace SaaS du Service en ligne Metamots. Vous devez avoir un compte "
        "pour vous connecter. Si ce n'est pas le cas, vous avez un lien plus bas pour en créer un."
    )
    assert metamots.login.forgot_password_label == "Réinitialiser votre mot de passe"
    assert metamots.recovery.steps == [
        "identify_by_attributes",
        "verify_email_link",
        "set_password",
        "done",
    ]
    assert "Entreprise" in metamots.recovery.identify_by_attributes.organisation_types
    policy = metamots.password_policy
    assert policy.min_length == 8
    assert policy.require_lower
    assert policy.require_upper
    assert policy.require_digit
    assert policy.require_special


def test_uphf_follows_seed_004() -> None:
    uphf = presets()["uphf"]
    assert uphf.login.variant == "cas"
    assert uphf.login.forgot_password_label == "Mot de passe oublié ?"
    assert uphf.recovery.steps == [
        "identify_by_number_and_birth_date",
        "verify_secret_question",
        "set_password",
        "accept_rules",
        "done",
    ]
    policy = uphf.password_policy
    assert (policy.min_length, policy.max_length, policy.history) == (12, 30, 3)
    assert not policy.allow_spaces
    assert policy.forbid_login
    assert set(policy.special_chars or "") == set('!"#$%&()*+,/:;<=>?@[]^`{}~')
    assert len(policy.special_chars or "") == 26
    assert uphf.recovery.accept_rules.label == (
        "Je reconnais avoir pris connaissance du règlement intérieur"
    )


def test_uphf_demo_users_can_be_found_by_every_identifier_kind() -> None:
    uphf = presets()["uphf"]
    kinds = {k for u in uphf.demo_users for k in IdentifierKind if k.value in u.attrs}
    assert kinds == set(IdentifierKind)
    for user in uphf.demo_users:
        assert "birth_date" in user.attrs
        assert ("secret_answer" in user.attrs) == user.activated
        if "ine" in user.attrs:
            assert is_valid_ine(user.attrs["ine"])
        for kind in IdentifierKind:
            if kind.value in user.attrs:
                assert uphf.identifiers.accepts(kind, user.attrs[kind.value])


@pytest.mark.parametrize("slug", SLUGS)
def test_every_demo_user_has_an_email_and_a_realm_language(slug: str) -> None:
    preset = presets()[slug]
    for user in preset.demo_users:
        assert user.email
        assert user.language in preset.languages


def test_presets_round_trip_through_json() -> None:
    """The realm store keeps ``model_dump(mode="json")`` and validates it again."""
    for preset in presets().values():
        stored = json.dumps(preset.model_dump(mode="json"), sort_keys=True)
        assert RealmPreset.model_validate_json(stored) == preset
