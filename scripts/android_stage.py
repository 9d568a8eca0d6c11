"""Stage the Android build: build/android/{buildozer.spec, app/main.py, app/<packages>}.

python-for-android packages one directory whose ``main.py`` it runs; the project keeps its
fixed layout, so this copies what the phone needs (``authenticator_app`` without its Android
folder, ``shared``; no tests, no IdP) next to a two-line ``main.py`` and the spec from
``authenticator_app/android/``. Then: ``cd build/android && buildozer android debug``.

    .venv/bin/python scripts/android_stage.py [--out build/android]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("authenticator_app", "shared")
MAIN = '''"""Android entry point: python-for-android runs this file (staged by scripts/android)."""

from authenticator_app.mobile import main

raise SystemExit(main())
'''
# migration_proto.py: protobuf, for `authenticator import` only, is not built for the phone
IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "android", "tooling.py", "*.po", "migration_proto.py"
)


def stage(out: Path) -> Path:
    """Write the staged tree under ``out`` (replacing a previous one); return the app dir."""
    app = out / "app"
    if app.exists():
        shutil.rmtree(app)
    app.mkdir(parents=True)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, app / package, ignore=IGNORED)
    (app / "main.py").write_text(MAIN, encoding="utf-8")
    shutil.copy2(ROOT / "authenticator_app" / "android" / "buildozer.spec", out / "buildozer.spec")
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "android")
    args = parser.parse_args(argv)
    app = stage(args.out)
    files = sum(1 for path in app.rglob("*") if path.is_file())
    print(f"staged {files} files in {app}")
    print(f"next: cd {args.out} && buildozer android debug")
    return 0


if __name__ == "__main__":
    sys.exit(main())
