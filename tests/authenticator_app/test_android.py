"""The Android packaging: ``authenticator_app/android/buildozer.spec`` and its staging.

Every third-party module the staged app imports, and everything those distributions need at
run time, must be on the spec's pinned requirements; the ones with compiled parts must be
python-for-android recipes (the rest is pure Python, which p4a installs with pip).
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from authenticator_app import __version__
from authenticator_app.mobile import phone_vault_path
from scripts.android_stage import stage

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "authenticator_app" / "android" / "buildozer.spec"
# Compiled distributions python-for-android builds from a recipe (its develop branch); p4a
# brings their own native dependencies (SDL2, pyjnius, libffi, OpenSSL, libpng...).
P4A_RECIPES = frozenset({"kivy", "pydantic-core", "cryptography", "cffi", "pillow", "pyzbar"})
# Recipes that install their own Python dependencies (Kivy's: docutils, pygments, filetype...).
RECIPE_BRINGS_DEPENDENCIES = frozenset({"kivy"})
# Recipes without a Python distribution: the interpreter, native libraries, p4a's module.
NATIVE = frozenset({"python3", "hostpython3", "openssl", "libzbar", "android"})
# Published with an optional compiled speed-up (mypyc) and a pure-Python fallback.
PURE_FALLBACK = frozenset({"charset-normalizer"})
PROVIDED = frozenset({"authenticator_app", "shared", "android", "jnius"})


def spec() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(SPEC, encoding="utf-8")
    return parser


def requirements() -> dict[str, str]:
    """name -> pinned version ("" for native recipes)."""
    pinned: dict[str, str] = {}
    for item in spec()["app"]["requirements"].split(","):
        name, _, version = item.strip().partition("==")
        pinned[canonicalize_name(name)] = version
    return pinned


def imported_modules(tree: Path) -> set[str]:
    names: set[str] = set()
    for path in tree.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"__future__"}


def runtime_closure(roots: set[str]) -> set[str]:
    """The distributions ``roots`` need on Android (no extras, Linux markers)."""
    environment = {"sys_platform": "linux", "platform_system": "Linux", "extra": ""}
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        if name in RECIPE_BRINGS_DEPENDENCIES:
            continue
        for line in metadata.distribution(name).requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                todo.append(requirement.name)
    return seen


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stage(tmp_path_factory.mktemp("android"))


def test_the_spec_pins_every_requirement() -> None:
    pinned = requirements()
    assert {name for name, version in pinned.items() if not version} <= NATIVE
    assert pinned["python3"] == pinned["hostpython3"]
    for name, version in pinned.items():
        if name not in NATIVE or name.endswith("python3"):
            assert re.fullmatch(r"\d+(\.\d+)+", version), f"{name} is not pinned: {version!r}"
    assert pinned["kivy"] == "2.3.1"
    assert pinned["pydantic"] == "2.12.3"
    assert pinned["pydantic-core"] == "2.41.4"  # the one pydantic 2.12.3 requires
    assert spec()["app"]["version"] == __version__


def test_every_dependency_is_pinned_and_compiled_ones_have_a_recipe(staged: Path) -> None:
    modules = imported_modules(staged) - PROVIDED
    by_module = metadata.packages_distributions()
    unknown = {module for module in modules if module not in by_module}
    assert not unknown, f"imported but not installed here: {unknown}"
    roots = {canonicalize_name(by_module[module][0]) for module in modules}
    assert {"kivy", "pydantic", "cryptography", "pyjwt", "requests", "pyzbar", "pillow"} <= roots
    pinned = requirements()
    for name in sorted(runtime_closure(roots)):
        assert name in pinned, f"{name} is needed on the phone but not in buildozer.spec"
        wheel = metadata.distribution(name).read_text("WHEEL") or ""
        if "Root-Is-Purelib: true" not in wheel:
            assert name in P4A_RECIPES | PURE_FALLBACK, f"{name} is compiled and has no recipe"


def test_the_staged_tree_is_the_app_only(staged: Path) -> None:
    assert (
        (staged / "main.py")
        .read_text(encoding="utf-8")
        .strip()
        .endswith("raise SystemExit(main())")
    )
    assert (staged / "authenticator_app" / "app.py").is_file()
    assert (staged / "shared" / "jws.py").is_file()
    assert list(staged.rglob("*.mo")), "the translations travel with the app"
    for absent in (
        "idp",
        "tests",
        "authenticator_app/android",
        "authenticator_app/i18n/tooling.py",
        "authenticator_app/core/migration_proto.py",  # protobuf: headless import only
    ):
        assert not (staged / absent).exists(), absent
    assert not list(staged.rglob("__pycache__"))
    assert (staged.parent / "buildozer.spec").read_text(encoding="utf-8") == SPEC.read_text(
        encoding="utf-8"
    )


def test_the_bundled_font_and_its_licence_are_packaged(staged: Path) -> None:
    fonts = staged / "authenticator_app" / "fonts"
    shipped = sorted(path.name for path in fonts.iterdir())
    assert shipped == ["DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "LICENSE.txt"]
    # buildozer keeps only the files whose extension the spec names.
    included = set(spec()["app"]["source.include_exts"].split(","))
    assert {path.suffix.lstrip(".") for path in fonts.iterdir()} <= included


def test_the_vault_lives_in_the_private_storage_on_android(tmp_path: Path) -> None:
    assert phone_vault_path("android", storage=lambda: str(tmp_path)) == tmp_path / "vault.bin"
    assert phone_vault_path("linux").name == "vault.bin"


def test_the_camera_permission_is_declared_and_asked_at_the_first_scan() -> None:
    from authenticator_app.mobile import CAMERA_PERMISSION

    permissions = {p.strip() for p in spec()["app"]["android.permissions"].split(",")}
    assert {"INTERNET", "POST_NOTIFICATIONS", "CAMERA"} <= permissions
    assert CAMERA_PERMISSION == "android.permission.CAMERA"
    # Kivy's Android camera provider and the decoder travel with the app.
    pinned = requirements()
    assert {"pyzbar", "libzbar", "pillow"} <= set(pinned)
