"""Realm presets: TOML files describing a realm after its seed guide, and their loader."""

from idp.realms.attributes import USER_ATTRIBUTE_KEYS, validate_user_attribute
from idp.realms.identifiers import IdentifierFormats, IdentifierKind, IneFormat, is_valid_ine
from idp.realms.issues import PresetError, PresetIssue
from idp.realms.preset import (
    MAX_PRESET_BYTES,
    Branding,
    DemoUser,
    LoginSettings,
    PasswordPolicy,
    RealmPreset,
    SessionSettings,
    UrlSettings,
    builtin_preset_paths,
    load_builtin_presets,
    load_preset,
    parse_preset,
)
from idp.realms.push import PushSettings
from idp.realms.recovery import STEP_NAMES, RecoverySettings

__all__ = [
    "MAX_PRESET_BYTES",
    "STEP_NAMES",
    "USER_ATTRIBUTE_KEYS",
    "Branding",
    "DemoUser",
    "IdentifierFormats",
    "IdentifierKind",
    "IneFormat",
    "LoginSettings",
    "PasswordPolicy",
    "PresetError",
    "PresetIssue",
    "PushSettings",
    "RealmPreset",
    "RecoverySettings",
    "SessionSettings",
    "UrlSettings",
    "builtin_preset_paths",
    "is_valid_ine",
    "load_builtin_presets",
    "load_preset",
    "parse_preset",
    "validate_user_attribute",
]
