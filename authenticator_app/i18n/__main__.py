"""``python -m authenticator_app.i18n update|check|compile`` (see :mod:`.tooling`)."""

from __future__ import annotations

import sys

from authenticator_app.i18n import LANGUAGES
from authenticator_app.i18n.tooling import check, compile_catalogs, update


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "update":
        for language in LANGUAGES:
            print(f"updated {update(language)}")
        return 0
    if command == "compile":
        for path in compile_catalogs(LANGUAGES):
            print(f"wrote {path}")
        return 0
    if command == "check":
        status = 0
        for language in LANGUAGES:
            problems = check(language)
            if not problems.ok:
                status = 1
                print(f"{language}: {problems}")
        return status
    print("usage: python -m authenticator_app.i18n update|check|compile", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
