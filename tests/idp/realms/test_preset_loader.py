"""Broken presets are reported field by field, with lines, all errors at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from idp.realms.preset import (
    MAX_PRESET_BYTES,
    PresetError,
    PresetIssue,
    RealmPreset,
    load_preset,
    parse_preset,
)

BASE = """\
slug = "demo-realm"
display_name = "Démo"
organisation = "Organisation de démo"

[branding]
primary_color = "#112233"
secondary_color = "#445566"
logo_text = "Démo"

[password_policy]
min_length = 10
require_upper = true
require_digit = true

[recovery]
steps = ["identify_by_email", "verify_email_code", "set_password", "done"]

[[demo_users]]
username = "alice"
password = "Correct-Horse-9"
email = "alice@example.org"
display_name = "Alice Durand"

[demo_users.attrs]
first_name = "Alice"
birth_date = "1990-05-01"

[[demo_users]]
username = "bob"
password = "Battery-Staple-7"
email = "bob@example.org"
display_name = "Bob Martin"
attrs = { last_name = "Martin" }
"""


def line_of(text: str, snippet: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing ``snippet``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if snippet in line]
    return hits[occurrence - 1]


def broken(*replacements: tuple[str, str]) -> str:
    text = BASE
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def issues_of(text: str) -> list[PresetIssue]:
    with pytest.raises(PresetError) as info:
        parse_preset(text, "demo.toml")
    return info.value.issues


def only_issue(text: str) -> PresetIssue:
    issues = issues_of(text)
    assert len(issues) == 1, issues
    return issues[0]


def test_base_preset_is_valid_and_fills_defaults() -> None:
    preset = parse_preset(BASE)
    assert isinstance(preset, RealmPreset)
    assert preset.languages == ["fr", "en"]
    assert preset.default_language == "fr"
    assert preset.login.variant == "standard"
    assert preset.push.matching_mode == "typed"
    assert preset.push.challenge_ttl_seconds == 60
    assert preset.recovery.flow_ttl_seconds == 900
    assert preset.demo_users[0].attrs == {"first_name": "Alice", "birth_date": "1990-05-01"}


def test_unknown_top_level_key() -> None:
    text = broken(('display_name = "Démo"', 'display_name = "Démo"\ncolour = "rouge"'))
    issue = only_issue(text)
    assert issue.field == "colour"
    assert issue.line == line_of(text, "colour =")
    assert issue.message == "unknown key"


def test_unknown_nested_key_suggests_the_right_one() -> None:
    text = broken(("min_length = 10", "min_lenght = 10"))
    issue = only_issue(text)
    assert issue.field == "password_policy.min_lenght"
    assert issue.line == line_of(text, "min_lenght")
    assert "did you mean 'min_length'" in issue.message


def test_wrong_type_is_not_coerced() -> None:
    text = broken(("min_length = 10", 'min_length = "10"'))
    issue = only_issue(text)
    assert issue.field == "password_policy.min_length"
    assert issue.line == line_of(text, "min_length")
    assert "integer" in issue.message
    assert "'10'" in issue.message


def test_bad_colour() -> None:
    text = broken(('primary_color = "#112233"', 'primary_color = "#12345"'))
    issue = only_issue(text)
    assert (issue.field, issue.line) == ("branding.primary_color", line_of(text, "primary_color"))


def test_unknown_step_suggests_the_right_one() -> None:
    text = broken(('"verify_email_code",', '"verify_email_kode",'))
    issue = only_issue(text)
    assert issue.field == "recovery.steps[1]"
    assert issue.line == line_of(text, "steps =")
    assert "did you mean 'verify_email_code'" in issue.message


def test_steps_must_end_with_done() -> None:
    text = broken((', "done"]', "]"))
    issue = only_issue(text)
    assert issue.field == "recovery.steps[2]"
    assert issue.line == line_of(text, "steps =")
    assert "end with 'done'" in issue.message


def test_unknown_demo_attribute_in_a_sub_table() -> None:
    text = broken(('first_name = "Alice"', 'firstname = "Alice"'))
    issue = only_issue(text)
    assert issue.field == "demo_users[0].attrs.firstname"
    assert issue.line == line_of(text, "firstname")
    assert "unknown attribute" in issue.message


def test_unknown_demo_attribute_in_an_inline_table_of_the_second_user() -> None:
    text = broken(('attrs = { last_name = "Martin" }', 'attrs = { surname = "Martin" }'))
    issue = only_issue(text)
    assert issue.field == "demo_users[1].attrs.surname"
    assert issue.line == line_of(text, "surname")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"1990-13-01"', "not a calendar date"),
        ('"01/05/1990"', "yyyy-mm-dd"),
        ('"2999-01-01"', "future"),
        ("1990-02-30", "invalid TOML"),
    ],
)
def test_bad_birth_date(value: str, message: str) -> None:
    text = broken(('birth_date = "1990-05-01"', f"birth_date = {value}"))
    issue = only_issue(text)
    assert message in issue.message
    assert issue.line == line_of(text, "birth_date")
    if "TOML" not in message:
        assert issue.field == "demo_users[0].attrs.birth_date"


def test_birth_date_may_be_a_toml_date() -> None:
    preset = parse_preset(broken(('birth_date = "1990-05-01"', "birth_date = 1990-05-01")))
    assert preset.demo_users[0].attrs["birth_date"] == "1990-05-01"


def test_toml_syntax_error_has_its_line() -> None:
    text = broken(("[recovery]", "[recovery"))
    issue = only_issue(text)
    assert issue.field == ""
    assert issue.line == line_of(text, "[recovery")
    assert issue.message.startswith("invalid TOML:")


def test_every_error_is_reported_at_once() -> None:
    text = broken(
        ('primary_color = "#112233"', 'primary_color = "red"'),
        ("min_length = 10", "min_lenght = 10"),
        ("require_digit = true", 'require_digit = "yes"'),
        ('"verify_email_code",', '"verify_email_kode",'),
        ('first_name = "Alice"', 'firstname = "Alice"'),
        ('birth_date = "1990-05-01"', 'birth_date = "1990-05-41"'),
        ('attrs = { last_name = "Martin" }', 'attrs = { surname = "Martin" }'),
    )
    issues = issues_of(text)
    assert [i.field for i in issues] == [
        "branding.primary_color",
        "password_policy.min_lenght",
        "password_policy.require_digit",
        "recovery.steps[1]",
        "demo_users[0].attrs.firstname",
        "demo_users[0].attrs.birth_date",
        "demo_users[1].attrs.surname",
    ]
    assert all(i.line is not None for i in issues)
    assert [i.line for i in issues] == sorted(i.line or 0 for i in issues)


def test_error_text_has_one_line_per_issue() -> None:
    text = broken(
        ('primary_color = "#112233"', 'primary_color = "red"'),
        ("min_length = 10", "min_lenght = 10"),
    )
    with pytest.raises(PresetError) as info:
        parse_preset(text, "demo.toml")
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        f"demo.toml:{line_of(text, 'primary_color')}: branding.primary_color: "
    )
    assert lines[1].startswith(
        f"demo.toml:{line_of(text, 'min_lenght')}: password_policy.min_lenght:"
    )


def test_missing_required_table() -> None:
    text = BASE.replace('[branding]\nprimary_color = "#112233"\n', "[branding]\n")
    text = text.replace('secondary_color = "#445566"\nlogo_text = "Démo"\n', "")
    issues = issues_of(text)
    assert {i.field for i in issues} == {
        "branding.primary_color",
        "branding.secondary_color",
        "branding.logo_text",
    }
    assert {i.line for i in issues} == {line_of(text, "[branding]")}
    assert {i.message for i in issues} == {"is required"}


def test_slug_format() -> None:
    issue = only_issue(broken(('slug = "demo-realm"', 'slug = "Demo Realm"')))
    assert (issue.field, issue.line) == ("slug", 1)


def test_default_language_must_be_offered() -> None:
    text = broken(
        ('organisation = "Organisation de démo"', 'organisation = "O"\nlanguages = ["en"]')
    )
    issues = issues_of(text)
    assert [i.field for i in issues] == ["default_language"]
    assert issues[0].line is None  # the key is absent: no line to point at
    text = text.replace('languages = ["en"]', 'languages = ["en"]\ndefault_language = "en"')
    issues = issues_of(text)
    assert [i.field for i in issues] == ["demo_users[0].language", "demo_users[1].language"]
    assert issues[0].line == line_of(text, "[[demo_users]]")


def test_demo_password_must_satisfy_the_policy() -> None:
    text = broken(('password = "Battery-Staple-7"', 'password = "battery"'))
    issue = only_issue(text)
    assert issue.field == "demo_users[1].password"
    assert issue.line == line_of(text, 'password = "battery"')
    assert "too_short" in issue.message
    assert "missing_upper" in issue.message
    assert "battery" not in issue.message


def test_secrets_are_not_echoed() -> None:
    secret = "S3cret-" + "x" * 300
    text = broken(('password = "Battery-Staple-7"', f'password = "{secret}"'))
    issue = only_issue(text)
    assert issue.field == "demo_users[1].password"
    assert secret[:20] not in issue.message


def test_email_flow_needs_demo_emails_and_names_the_user() -> None:
    text = broken(('email = "alice@example.org"\n', ""))
    issue = only_issue(text)
    assert issue.field == "demo_users[0].email"
    assert issue.line == line_of(text, "[[demo_users]]")


def test_duplicate_demo_usernames() -> None:
    issue = only_issue(broken(('username = "bob"', 'username = "Alice"')))
    assert issue.field == "demo_users[1].username"


def test_push_recovery_needs_push_enabled_and_number_matching() -> None:
    text = broken(
        (
            '["identify_by_email", "verify_email_code", "set_password", "done"]',
            '["identify_by_email", "verify_push", "set_password", "done"]',
        ),
        ("[[demo_users]]", '[push]\nmatching_mode = "none"\n\n[[demo_users]]'),
    )
    issues = issues_of(text)
    assert {i.field for i in issues} == {"push.enabled", "push.matching_mode"}
    assert next(i for i in issues if i.field == "push.matching_mode").line == line_of(
        text, "matching_mode"
    )


def test_oversized_text_is_refused_before_parsing() -> None:
    issue = only_issue(BASE + "#" * MAX_PRESET_BYTES)
    assert "bytes" in issue.message


def test_load_preset_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "demo-realm.toml"
    path.write_text(BASE, encoding="utf-8")
    assert load_preset(path).slug == "demo-realm"


def test_load_preset_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(broken(('slug = "demo-realm"', 'slug = "?"')), encoding="utf-8")
    with pytest.raises(PresetError) as info:
        load_preset(path)
    assert str(info.value).startswith(f"{path}:1: slug: ")


def test_load_preset_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PresetError) as info:
        load_preset(tmp_path / "absent.toml")
    assert "cannot read" in str(info.value)


def test_load_preset_refuses_big_files(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_bytes(b"#" * (MAX_PRESET_BYTES + 1))
    with pytest.raises(PresetError, match="bytes"):
        load_preset(path)


def test_load_preset_refuses_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(BASE.replace('"Démo"', '"D\xe9mo"').encode("latin-1"))
    with pytest.raises(PresetError) as info:
        load_preset(path)
    assert info.value.issues == [PresetIssue("", 2, "is not valid UTF-8")]


def test_load_preset_accepts_a_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert load_preset(path).display_name == "Démo"
