"""DESIGN.md §2, "Packages and what each may import", enforced by scanning the source.

Every ``.py`` file under ``shared/``, ``idp/`` and ``authenticator_app/`` is parsed (never
imported) and each import it names, at any depth (in functions, under ``TYPE_CHECKING``, and
``importlib.import_module("...")`` / ``__import__("...")`` with a literal name) is checked against
the table. Relative imports are resolved first, so ``from ..screens import x`` inside
``authenticator_app.core`` counts as importing ``authenticator_app.screens``. Packages that do not
exist yet are simply not scanned.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED_PACKAGES = ("shared", "idp", "authenticator_app", "lab")
SHARED_MAY_IMPORT = frozenset({"shared", "pydantic", "jwt", "cryptography"})
FLASK = ("flask", "flask_*", "werkzeug")  # Flask, its extensions, and its WSGI core
KIVY = ("kivy", "kivymd", "plyer")
APP_UI = ("authenticator_app.screens", "authenticator_app.app")


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name
    line: int


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, module] if module else base)


def imports_of(source: str, importer: str, *, is_package: bool = False) -> Iterator[Import]:
    """Every module ``source`` imports, as absolute names."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(importer, is_package, node.level, node.module)
            yield Import(base, node.lineno)
            if node.module is None:  # "from . import screens" imports submodules by name
                for alias in node.names:
                    yield Import(f"{base}.{alias.name}", node.lineno)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if (
                name in {"import_module", "__import__"}
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                yield Import(first.value, node.lineno)


def _matches(module: str, pattern: str) -> bool:
    if pattern.endswith("_*"):
        return module.split(".", maxsplit=1)[0].startswith(pattern[:-1])
    return module == pattern or module.startswith(pattern + ".")


def _is_stdlib(module: str) -> bool:
    return module.split(".", maxsplit=1)[0] in sys.stdlib_module_names


# (importers, modules they never import, why), after DESIGN.md §2.
FORBIDDEN = (
    (("idp",), (*KIVY, "authenticator_app"), "idp never imports kivy or authenticator_app"),
    (("authenticator_app",), (*FLASK, "idp"), "authenticator_app never imports flask or idp"),
    # lab drives both sides (idp and the app's core) for research; never the app's UI.
    (("lab",), (*KIVY, *APP_UI), "lab never imports kivy or the app's screens"),
    (
        ("authenticator_app.core", "authenticator_app.presenters"),
        (*KIVY, *APP_UI),
        "authenticator_app.core and .presenters never import kivy (nor the screens)",
    ),
)


def violation(importer: str, module: str) -> str | None:
    """Why ``importer`` may not import ``module`` (None when it may)."""
    if not module:
        return None
    if _matches(importer, "shared"):
        allowed = _is_stdlib(module) or module.split(".", maxsplit=1)[0] in SHARED_MAY_IMPORT
        return (
            None
            if allowed
            else ("shared imports only the standard library, pydantic, PyJWT and cryptography")
        )
    for importers, forbidden, reason in FORBIDDEN:
        if any(_matches(importer, p) for p in importers) and any(
            _matches(module, p) for p in forbidden
        ):
            return reason
    return None


def _source_files() -> list[Path]:
    files: list[Path] = []
    for package in SCANNED_PACKAGES:
        directory = ROOT / package
        if directory.is_dir():
            files.extend(sorted(directory.rglob("*.py")))
    return files


def _violations(path: Path) -> list[str]:
    importer = module_name(path)
    found = []
    source = path.read_text(encoding="utf-8")
    for item in imports_of(source, importer, is_package=path.name == "__init__.py"):
        reason = violation(importer, item.module)
        if reason:
            found.append(f"{path.relative_to(ROOT)}:{item.line} imports {item.module}: {reason}")
    return found


@pytest.mark.parametrize("path", _source_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_package_respects_the_import_table(path: Path) -> None:
    assert _violations(path) == []


def test_shared_is_scanned() -> None:
    assert any(module_name(path).startswith("shared") for path in _source_files())


# --- the checker itself, on synthetic sources (meaningful before the packages exist) -----------

CASES = [
    ("shared.jws", "import json\nfrom pydantic import BaseModel\nimport jwt", []),
    ("shared.jws", "from cryptography.hazmat.primitives import hashes", []),
    ("shared.jws", "import requests", ["shared imports only"]),
    ("shared.jws", "from flask import current_app", ["shared imports only"]),
    ("shared.jws", "def f():\n    import kivy", ["shared imports only"]),
    (
        "shared.jws",
        "import importlib\nimportlib.import_module('idp.models')",
        ["shared imports only"],
    ),
    ("shared.messages.base", "from ..errors import ProtocolError", []),
    ("idp.views", "from shared.jws import verify\nfrom flask import Blueprint", []),
    ("idp.views", "from authenticator_app.core import vault", ["idp never imports"]),
    ("idp.views", "import kivy.app", ["idp never imports"]),
    ("authenticator_app.core.vault", "import requests, pyotp\nfrom shared import jws", []),
    ("authenticator_app.core.vault", "from kivy.clock import Clock", ["core and .presenters"]),
    ("authenticator_app.core.vault", "from ..screens import home", ["core and .presenters"]),
    ("authenticator_app.core.vault", "from .. import app", ["core and .presenters"]),
    ("authenticator_app.presenters.home", "import flask_wtf", ["never imports flask"]),
    ("authenticator_app.presenters.home", "from idp.models import Device", ["never imports"]),
    ("authenticator_app.screens.home", "from kivy.uix.screenmanager import Screen", []),
    ("authenticator_app.screens.home", "from authenticator_app.presenters import home", []),
    ("authenticator_app.app", "__import__('flask')", ["never imports flask"]),
    ("lab.fatigue", "from idp.clock import now\nfrom authenticator_app.core import vault", []),
    ("lab.fatigue", "from authenticator_app.screens import push", ["lab never imports"]),
]


@pytest.mark.parametrize(("importer", "source", "expected"), CASES)
def test_checker(importer: str, source: str, expected: list[str]) -> None:
    reasons = [
        reason
        for item in imports_of(source, importer)
        if (reason := violation(importer, item.module))
    ]
    assert len(reasons) == len(expected)
    for reason, fragment in zip(reasons, expected, strict=True):
        assert fragment in reason


def test_relative_imports_resolve_against_the_package() -> None:
    package = list(imports_of("from . import keys", "shared", is_package=True))
    assert [item.module for item in package] == ["shared", "shared.keys"]
    module = list(imports_of("from .fields import X", "shared.messages.base"))
    assert [item.module for item in module] == ["shared.messages.fields"]


def _idp_import_graph() -> dict[str, set[str]]:
    """Module -> the idp modules it imports anywhere (top level, in functions, TYPE_CHECKING)."""
    root = ROOT
    modules: dict[str, Path] = {}
    for path in (root / "idp").rglob("*.py"):
        if "migrations" in path.parts or path.name == "__init__.py":
            continue
        modules[".".join(path.relative_to(root).with_suffix("").parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                wanted = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                wanted = [a.name for a in node.names]
            else:
                continue
            graph[name].update(w for w in wanted if w in modules and w != name)
    return graph


def test_no_two_idp_modules_import_each_other() -> None:
    """Hidden cycles (a lazy import or a TYPE_CHECKING one answering a top-level one) were
    mail/extension <-> mail/views and realms/schema <-> realms/checks."""
    graph = _idp_import_graph()
    pairs = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if a in graph[b]})
    assert pairs == []
