#!/usr/bin/env python3
"""Regenerate docs/schemas/<name>.schema.json from the shared pydantic models.

Usage: .venv/bin/python scripts/gen_schemas.py [DIRECTORY]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared.schemas import write_schemas  # noqa: E402 - after the path set-up above


def main(argv: list[str]) -> int:
    directory = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "schemas"
    for path in write_schemas(directory):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
