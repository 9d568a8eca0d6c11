"""Does the admin console hold with 100,000 users? (issue 17)

Builds a throw-away database (SQLite by default; ``--database-url postgresql://...`` for the
scaled layout), migrates it, loads the demo realms, bulk-inserts N users into ``metamots`` with
one multi-row INSERT per 5,000 (a hash shared by all: the cost is the rows, not argon2) and
100,000 audit rows, then times the console's queries through the real code
(``idp.admin.queries``) and its pages through the test client:

- first page of users, a page deep in the list (keyset ``after=``), a prefix search, an email
  search, an attribute (number) search, a name-contains search;
- first and a deep page of the audit viewer, a filtered one.

Prints median and max of ``--rounds`` runs per case, in milliseconds.

    .venv/bin/python scripts/bench_admin.py [--users 100000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _time(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    fn()  # warm the caches, as a console in use would be
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--audit", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import insert

    from idp import create_app
    from idp.admin import queries
    from idp.demo import load_demo
    from idp.extensions import db
    from idp.models import AuditEvent, User, UserAttribute
    from idp.realms.store import get_realm

    tmp = Path(tempfile.mkdtemp(prefix="bench-admin-"))
    url = args.database_url or f"sqlite:///{tmp / 'idp.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-" + "x" * 40,
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp),
            "RATELIMIT_ENABLED": False,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
            "ARGON2_PARALLELISM": 1,
        }
    )
    now = datetime.now(UTC)
    with app.app_context():
        upgrade()
        list(load_demo())
        realm = get_realm("metamots")
        assert realm is not None
        shared_hash = db.session.scalar(db.select(User.password_hash).limit(1))
        start = time.perf_counter()
        for first in range(0, args.users, 5000):
            users = [
                {
                    "realm_id": realm.id,
                    "username": f"user.{i:06d}",
                    "username_key": f"user.{i:06d}",
                    "display_name": f"Prénom{i} Nom{i % 997}",
                    "email": f"user.{i:06d}@bench.example",
                    "password_hash": shared_hash,
                    "password_changed_at": now,
                    "session_generation": 0,
                    "activated": True,
                    "must_change_password": False,
                    "is_admin": False,
                    "created_at": now,
                }
                for i in range(first, min(first + 5000, args.users))
            ]
            db.session.execute(insert(User), users)
        db.session.commit()
        ids = db.session.scalars(
            db.select(User.id).where(User.username_key.like("user.%")).order_by(User.id)
        ).all()
        for first in range(0, len(ids), 5000):
            db.session.execute(
                insert(UserAttribute),
                [
                    {"user_id": uid, "name": "student_number", "value": f"S{n:08d}"}
                    for n, uid in enumerate(ids[first : first + 5000], start=first)
                ],
            )
        for first in range(0, args.audit, 5000):
            db.session.execute(
                insert(AuditEvent),
                [
                    {
                        "at": now - timedelta(seconds=args.audit - i),
                        "realm": "metamots",
                        "actor": f"user.{i % max(args.users, 1):06d}",
                        "user_id": ids[i % len(ids)] if ids else None,
                        "event": "sign_in",
                        "outcome": "failure" if i % 7 == 0 else "success",
                        "ip": "192.0.2.1",
                        "details": {},
                    }
                    for i in range(first, min(first + 5000, args.audit))
                ],
            )
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(db.text("ANALYZE"))
        print(
            f"inserted {args.users} users, {len(ids)} attributes, {args.audit} audit rows "
            f"in {time.perf_counter() - start:.1f} s ({db.engine.dialect.name})"
        )
        deep = f"user.{int(args.users * 0.9):06d}"
        cases: dict[str, Callable[[], object]] = {
            "users: first page": lambda: queries.search_users(realm, ""),
            "users: page at 90%": lambda: queries.search_users(realm, "", after=deep),
            "users: prefix 'user.0500'": lambda: queries.search_users(realm, "user.0500"),
            "users: email prefix": lambda: queries.search_users(realm, "user.077777@"),
            "users: student number": lambda: queries.search_users(realm, "S00054321"),
            "users: name contains 'Nom996'": lambda: queries.search_users(realm, "Nom996"),
            "users: no match": lambda: queries.search_users(realm, "zzz-nobody"),
            "audit: first page": lambda: queries.audit_page(realm, queries.AuditFilter()),
            "audit: page at 90%": lambda: queries.audit_page(
                realm, queries.AuditFilter(), before=args.audit // 10
            ),
            "audit: one user's failures": lambda: queries.audit_page(
                realm, queries.AuditFilter(user="user.000042", outcome="failure")
            ),
        }
        print(f"{'case':<34} {'median ms':>10} {'max ms':>10}")
        for name, fn in cases.items():
            med, worst = _time(fn, args.rounds)
            print(f"{name:<34} {med:>10.1f} {worst:>10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
