"""Re-encrypt the columns encrypted at rest under the current data key (``idp data-key``).

Works on the raw stored values (SQL, not the ORM), so it touches nothing else of a row.
Every column encrypted with ``EncryptedText`` is listed in ``ENCRYPTED_COLUMNS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from idp.security.data_key import Keyring

__all__ = ["ENCRYPTED_COLUMNS", "RotationReport", "rotate", "status"]

# (table, primary key, column); the context authenticated with each value is "table.column".
ENCRYPTED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("device", "id", "totp_secret"),
    ("realm_key", "id", "private_pem"),
)


@dataclass(frozen=True)
class RotationReport:
    column: str
    total: int
    stale: int
    rewritten: int


def _rows(conn: Connection, table: str, key: str, column: str) -> list[tuple[object, str]]:
    # Identifiers come from ENCRYPTED_COLUMNS above, never from input.
    query = text(f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
    return [(row[0], str(row[1])) for row in conn.execute(query)]


def status(conn: Connection, ring: Keyring) -> list[RotationReport]:
    """How many values of each column are not under the current key."""
    reports = []
    for table, key, column in ENCRYPTED_COLUMNS:
        rows = _rows(conn, table, key, column)
        stale = sum(1 for _id, value in rows if ring.needs_rotation(value))
        reports.append(RotationReport(f"{table}.{column}", len(rows), stale, 0))
    return reports


def rotate(conn: Connection, ring: Keyring) -> list[RotationReport]:
    """Decrypt with whichever configured key fits and encrypt under the current one.

    Raises DataKeyError (nothing written, the caller rolls back) when a value fits no key.
    """
    reports = []
    for table, key, column in ENCRYPTED_COLUMNS:
        context = f"{table}.{column}"
        rows = _rows(conn, table, key, column)
        rewritten = 0
        for row_id, value in rows:
            if not ring.needs_rotation(value):
                continue
            fresh = ring.encrypt(ring.decrypt(value, context=context), context=context)
            conn.execute(
                text(f"UPDATE {table} SET {column} = :v WHERE {key} = :k"),  # noqa: S608
                {"v": fresh, "k": row_id},
            )
            rewritten += 1
        reports.append(RotationReport(context, len(rows), rewritten, rewritten))
    return reports
