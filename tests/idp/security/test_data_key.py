"""Encryption at rest: AES-GCM under an HKDF-derived key, the migration, and key rotation."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import text

from idp import create_app
from idp.cli import cli
from idp.extensions import db
from idp.models import RealmKey
from idp.security.data_key import DataKeyError, Keyring, keyring_from_config
from tests.idp.conftest import make_config

SECRET = "test-secret-key-" + "x" * 32


def test_round_trip_and_fresh_nonces() -> None:
    ring = Keyring.from_material("a" * 40)
    one = ring.encrypt("JBSWY3DPEHPK3PXP", context="device.totp_secret")
    two = ring.encrypt("JBSWY3DPEHPK3PXP", context="device.totp_secret")
    assert one != two
    assert "JBSWY3DP" not in one
    assert one.startswith(f"enc1:{ring.kid}:")
    assert ring.decrypt(one, context="device.totp_secret") == "JBSWY3DPEHPK3PXP"


def test_a_value_does_not_decrypt_in_another_column_or_under_another_key() -> None:
    ring = Keyring.from_material("a" * 40)
    sealed = ring.encrypt("seed", context="device.totp_secret")
    with pytest.raises(DataKeyError, match="does not authenticate"):
        ring.decrypt(sealed, context="realm_key.private_pem")
    with pytest.raises(DataKeyError, match="neither IDP_DATA_KEY"):
        Keyring.from_material("b" * 40).decrypt(sealed, context="device.totp_secret")
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(DataKeyError):
        ring.decrypt(tampered, context="device.totp_secret")
    with pytest.raises(DataKeyError, match="not encrypted"):
        ring.decrypt("JBSWY3DPEHPK3PXP", context="device.totp_secret")


def test_data_key_wins_over_secret_key_and_previous_keys_still_decrypt() -> None:
    from_secret = keyring_from_config({"SECRET_KEY": SECRET})
    from_data = keyring_from_config({"SECRET_KEY": SECRET, "DATA_KEY": "d" * 40})
    assert from_secret.kid != from_data.kid
    old = from_secret.encrypt("seed", context="c")
    rotated = keyring_from_config(
        {"SECRET_KEY": SECRET, "DATA_KEY": "d" * 40, "DATA_KEY_PREVIOUS": SECRET + ", "}
    )
    assert rotated.decrypt(old, context="c") == "seed"
    assert rotated.needs_rotation(old)
    # The derived key is not the secret itself (HKDF with its own label).
    assert SECRET.encode()[:32] != from_secret.current


def test_realm_keys_and_seeds_are_stored_encrypted(app: Flask) -> None:
    with app.app_context():
        stored = db.session.execute(text("SELECT private_pem FROM realm_key")).scalars().all()
        assert stored
        assert all(v.startswith("enc1:") for v in stored)
        assert all("PRIVATE KEY" not in v for v in stored)
        key = db.session.scalars(db.select(RealmKey)).first()
        assert key is not None
        assert key.private_pem.startswith("-----BEGIN")


def test_migration_encrypts_existing_rows(tmp_path: Path) -> None:
    from flask_migrate import downgrade, upgrade

    from idp.demo import load_demo

    app = create_app(make_config(tmp_path / "idp.sqlite3"))
    with app.app_context():
        upgrade()
        list(load_demo())
        downgrade(revision="fe854295bb83")  # the schema and rows before encryption
        plain = db.session.execute(text("SELECT id, private_pem FROM realm_key")).all()
        assert plain
        assert all(pem.startswith("-----BEGIN") for _id, pem in plain)
        user_id = db.session.execute(text("SELECT id FROM user_account LIMIT 1")).scalar_one()
        db.session.execute(
            text(
                "INSERT INTO device (id, user_id, name, platform, app_version, public_jwk, "
                "jwk_thumbprint, enrolled_at, totp_secret) VALUES ('d1', :u, 'P', 'h', '1', "
                "'{}', 't1', '2026-01-01 00:00:00', 'JBSWY3DPEHPK3PXPJBSWY3DPEH')"
            ),
            {"u": user_id},
        )
        db.session.commit()
        upgrade()
        seed = db.session.execute(text("SELECT totp_secret FROM device")).scalar_one()
        assert seed.startswith("enc1:")
        from idp.models import Device

        db.session.expire_all()
        assert db.session.get(Device, "d1").totp_secret == "JBSWY3DPEHPK3PXPJBSWY3DPEH"
        pems = dict(db.session.execute(text("SELECT id, private_pem FROM realm_key")).all())
        assert all(v.startswith("enc1:") for v in pems.values())
        db.engine.dispose()


def test_rotation_command(tmp_path: Path, database_url: str) -> None:
    env = {
        "IDP_DATABASE_URL": database_url,
        "IDP_SECRET_KEY": SECRET,
        "IDP_INSTANCE_PATH": str(tmp_path),
    }
    runner = CliRunner()
    ok = runner.invoke(cli, ["data-key", "status"], env=env)
    assert ok.exit_code == 0, ok.output
    new_env = {**env, "IDP_DATA_KEY": "n" * 43}
    stale = runner.invoke(cli, ["data-key", "status", "--json"], env=new_env)
    assert stale.exit_code == 1
    # Without the old key nothing can be read, and nothing is changed.
    refused = runner.invoke(cli, ["data-key", "rotate"], env=new_env)
    assert refused.exit_code == 1
    assert "nothing was changed" in refused.output
    done = runner.invoke(
        cli, ["data-key", "rotate"], env={**new_env, "IDP_DATA_KEY_PREVIOUS": SECRET}
    )
    assert done.exit_code == 0, done.output
    assert runner.invoke(cli, ["data-key", "status"], env=new_env).exit_code == 0
    app = create_app(
        make_config(tmp_path / "idp.sqlite3", database_url=database_url, DATA_KEY="n" * 43)
    )
    with app.app_context():
        key = db.session.scalars(db.select(RealmKey)).first()
        assert key is not None
        assert key.private_pem.startswith("-----BEGIN")
        db.engine.dispose()
