#!/usr/bin/env python3
"""The lock files under ``requirements/``: how ``./scripts/lock`` writes them, how tests check them.

Each install profile has one lock, every distribution it needs pinned with the hashes of all of
its files on PyPI (``pip install --require-hashes``):

- ``requirements/idp.txt``: the IdP (``.[idp]``),
- ``requirements/app.txt``: the authenticator app (``.[app]``),
- ``requirements/dev.txt``: tests, linters and the demo (``.[idp,app,dev,research]``).

``dev`` is resolved first, with python-for-android's pins of ``buildozer.spec`` as constraints
(the phone cannot follow the lock: its compiled packages are recipes of fixed versions); ``idp``
and ``app`` are then resolved with ``dev``'s pins as constraints, so a package has one version in
every profile and what the tests ran is what is deployed. The locks are universal (every
platform, Python >= 3.11, with markers) and resolved against PyPI alone, whatever the local pip or
uv configuration says. An existing lock's pins are kept unless they no longer fit
(``./scripts/lock --upgrade`` or ``--upgrade-package NAME`` moves them).

Usage: ./scripts/lock [--upgrade | --upgrade-package NAME ...]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

__all__ = [
    "HINT",
    "LOCK_DIR",
    "PROFILES",
    "Pin",
    "android_problems",
    "lock_path",
    "lock_problems",
    "profile_problems",
    "project_requirements",
    "read_lock",
    "spec_pins",
    "unconflicted_pins",
]

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCK_DIR = ROOT / "requirements"
SPEC = ROOT / "authenticator_app" / "android" / "buildozer.spec"
PROJECT = "sspr-push-lab"
INDEX_URL = "https://pypi.org/simple"
PROFILES: dict[str, tuple[str, ...]] = {
    "idp": ("idp",),
    "app": ("app",),
    "dev": ("idp", "app", "dev", "research"),
}
HINT = "run ./scripts/lock"
# buildozer.spec entries that are not PyPI distributions: the interpreter, native recipes.
ANDROID_NATIVE = frozenset({"python3", "hostpython3", "openssl", "libzbar", "android"})
# What python-for-android runs: CPython 3.11 on Linux's kernel (sys.platform is "linux" there).
ANDROID_ENVIRONMENT = {
    "python_version": "3.11",
    "python_full_version": "3.11.13",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*(.*?))?\s*\\?$")
_CONFLICT = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


@dataclass(frozen=True)
class Pin:
    """One line of a lock: ``name==version ; marker``, and what required it (``# via``)."""

    name: str
    version: str
    marker: str
    via: frozenset[str]

    @property
    def direct(self) -> bool:
        """Required by pyproject.toml itself (``# via sspr-push-lab (pyproject.toml)``)."""
        return PROJECT in self.via

    def applies(self, environment: Mapping[str, str]) -> bool:
        return not self.marker or Marker(self.marker).evaluate(dict(environment))


def read_lock(text: str) -> list[Pin]:
    """The pins of a lock written by ``uv pip compile`` (annotations in uv's split style)."""
    pins: list[Pin] = []
    current: tuple[str, str, str] | None = None
    via: set[str] = set()

    def close() -> None:
        if current is not None:
            pins.append(Pin(*current, via=frozenset(via)))

    for raw in text.splitlines():
        line = raw.strip()
        if raw[:1].isalnum():
            close()
            match = _PIN.match(line)
            if match is None:
                raise ValueError(f"not a pinned requirement: {raw!r}")
            name, version, marker = match.groups()
            current, via = (canonicalize_name(name), version, marker or ""), set()
        elif current is not None and line.startswith("#"):
            comment = line.lstrip("#").strip()
            comment = comment.removeprefix("via").strip()
            if comment:
                via.add(comment.split(" (")[0] if comment.startswith(PROJECT) else comment)
    close()
    return pins


def lock_path(profile: str, lock_dir: Path = LOCK_DIR) -> Path:
    return lock_dir / f"{profile}.txt"


def project_requirements(pyproject_text: str, extras: Iterable[str]) -> list[Requirement]:
    """The project's own dependencies plus those of ``extras``, as pyproject.toml states them."""
    project = tomllib.loads(pyproject_text)["project"]
    lines = list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        lines += optional[extra]
    return [Requirement(line) for line in lines]


def _installed_extra(name: str, version: str, extra: str) -> set[str] | None:
    """The distributions ``name[extra]`` adds, read from the installed metadata when the installed
    version is the locked one (None when it cannot be told here)."""
    try:
        distribution = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    if distribution.version != version:
        return None
    added: set[str] = set()
    for line in distribution.requires or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is not None and "extra" in str(marker) and marker.evaluate({"extra": extra}):
            added.add(canonicalize_name(requirement.name))
    return added


ExtraLookup = Callable[[str, str, str], "set[str] | None"]


def lock_problems(
    profile: str,
    lock_text: str,
    pyproject_text: str,
    *,
    extra_lookup: ExtraLookup = _installed_extra,
) -> list[str]:
    """Where ``requirements/<profile>.txt`` and pyproject.toml disagree (empty when they agree)."""
    where = f"requirements/{profile}.txt"
    pins = read_lock(lock_text)
    by_name: dict[str, list[Pin]] = {}
    for pin in pins:
        by_name.setdefault(pin.name, []).append(pin)
    problems: list[str] = []
    required: set[str] = set()
    for requirement in project_requirements(pyproject_text, PROFILES[profile]):
        name = canonicalize_name(requirement.name)
        required.add(name)
        locked = by_name.get(name)
        if not locked and requirement.marker is not None and not requirement.marker.evaluate():
            continue  # for another platform or Python: uv leaves out what can never apply
        if not locked:
            problems.append(f"{where}: {requirement} is in pyproject.toml but not in the lock")
            continue
        for pin in locked:
            if not requirement.specifier.contains(Version(pin.version), prereleases=True):
                problems.append(
                    f"{where}: {name}=={pin.version} is outside pyproject.toml's {requirement}"
                )
            for extra in sorted(requirement.extras):
                added = extra_lookup(name, pin.version, extra)
                for missing in sorted((added or set()) - set(by_name)):
                    problems.append(f"{where}: {missing} (from {name}[{extra}]) is not in the lock")
        if not any(pin.direct for pin in locked):
            problems.append(f"{where}: {name} is not marked as required by pyproject.toml")
    for pin in pins:
        if pin.direct and pin.name not in required:
            problems.append(
                f"{where}: {pin.name} is locked but pyproject.toml no longer asks for it"
            )
    return [f"{problem}: {HINT}" for problem in problems]


def profile_problems(locks: Mapping[str, str]) -> list[str]:
    """Packages locked at different versions in two profiles (profile -> lock text)."""
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    problems: list[str] = []
    for profile, text in locks.items():
        for pin in read_lock(text):
            key = (pin.name, pin.marker)
            first = seen.setdefault(key, (profile, pin.version))
            if first[1] != pin.version:
                problems.append(
                    f"{pin.name} is {first[1]} in requirements/{first[0]}.txt but {pin.version} "
                    f"in requirements/{profile}.txt: {HINT}"
                )
    return problems


def spec_pins(spec_text: str) -> dict[str, str]:
    """buildozer.spec's PyPI distributions: canonical name -> pinned version."""
    match = re.search(r"^requirements\s*=(.*?)(?=^\S)", spec_text + "\n[", re.M | re.S)
    if match is None:
        raise ValueError("buildozer.spec has no requirements")
    pinned: dict[str, str] = {}
    for item in match.group(1).split(","):
        name, _, version = item.strip().partition("==")
        if name and canonicalize_name(name) not in ANDROID_NATIVE:
            pinned[canonicalize_name(name)] = version
    return pinned


def android_problems(spec_text: str, profile: str, lock_text: str) -> list[str]:
    """Packages that buildozer.spec and a lock both name at different versions."""
    pinned = spec_pins(spec_text)
    problems: list[str] = []
    for pin in read_lock(lock_text):
        if (
            pin.name in pinned
            and pin.applies(ANDROID_ENVIRONMENT)
            and pin.version != pinned[pin.name]
        ):
            problems.append(
                f"authenticator_app/android/buildozer.spec pins {pin.name}=={pinned[pin.name]} "
                f"but requirements/{profile}.txt has {pin.version}: the spec's pins are "
                f"constraints of the lock, {HINT}"
            )
    return problems


# ---------------------------------------------------------------------------------------------
# ./scripts/lock


def unconflicted_pins(text: str) -> str:
    """A lock left with merge conflict markers, as bare pins uv can start from: of two versions
    of a package (one per side), the higher one, so the result does not depend on merge order."""
    best: dict[tuple[str, str], str] = {}
    for line in text.splitlines():
        match = _PIN.match(line.strip())
        if line.startswith(_CONFLICT) or match is None:
            continue
        name, version, marker = match.groups()
        key = (canonicalize_name(name), marker or "")
        if key not in best or Version(version) > Version(best[key]):
            best[key] = version
    return "".join(
        f"{name}=={version}{f' ; {marker}' if marker else ''}\n"
        for (name, marker), version in sorted(best.items())
    )


def _constraints(pins: Iterable[tuple[str, str, str]]) -> str:
    return "".join(
        f"{name}=={version}{f' ; {marker}' if marker else ''}\n" for name, version, marker in pins
    )


def _uv() -> str:
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.exists() else shutil.which("uv")
    if found is None:
        raise SystemExit("uv is not installed: run ./scripts/lock (it installs uv into .venv)")
    return found


def _compile(profile: str, constraints: Path, upgrade: list[str]) -> None:
    command = [_uv(), "pip", "compile", "--quiet", "--no-config"]
    command += ["--default-index", INDEX_URL, "--universal", "--python-version", "3.11"]
    command += ["--generate-hashes", "--custom-compile-command", "./scripts/lock"]
    for extra in PROFILES[profile]:
        command += ["--extra", extra]
    command += ["--constraint", str(constraints.relative_to(ROOT)), *upgrade]
    command += ["--output-file", str(lock_path(profile).relative_to(ROOT)), "pyproject.toml"]
    # PyPI alone: no index, find-links or constraint from this machine's uv settings.
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("UV_") or key == "UV_CACHE_DIR"
    }
    print(f"==> requirements/{profile}.txt", file=sys.stderr)
    subprocess.run(command, check=True, cwd=ROOT, env=environment)


def main(argv: list[str]) -> int:
    upgrade = argv[1:]
    if any(arg in {"-h", "--help"} for arg in upgrade):
        print(__doc__)
        return 0
    LOCK_DIR.mkdir(exist_ok=True)
    for profile in PROFILES:
        path = lock_path(profile)
        if path.exists() and any(
            line.startswith(_CONFLICT) for line in path.read_text(encoding="utf-8").splitlines()
        ):
            print(f"==> {path.name} has merge conflicts: starting from its pins", file=sys.stderr)
            path.write_text(unconflicted_pins(path.read_text(encoding="utf-8")), encoding="utf-8")
    # Constraint files at a fixed path: uv names them in its "# via -c ..." annotations.
    scratch = ROOT / "build" / "lock"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        android = scratch / "buildozer-spec-pins.txt"
        android.write_text(
            _constraints(
                (name, version, "")
                for name, version in spec_pins(SPEC.read_text(encoding="utf-8")).items()
            ),
            encoding="utf-8",
        )
        _compile("dev", android, upgrade)
        dev = scratch / "dev-pins.txt"
        dev_pins = read_lock(lock_path("dev").read_text(encoding="utf-8"))
        dev.write_text(
            _constraints((pin.name, pin.version, pin.marker) for pin in dev_pins),
            encoding="utf-8",
        )
        for profile in PROFILES:
            if profile != "dev":
                _compile(profile, dev, upgrade)
    finally:
        shutil.rmtree(scratch)
    texts = {profile: lock_path(profile).read_text(encoding="utf-8") for profile in PROFILES}
    pyproject = PYPROJECT.read_text(encoding="utf-8")
    spec = SPEC.read_text(encoding="utf-8")
    problems = profile_problems(texts)
    for profile, text in texts.items():
        problems += lock_problems(profile, text, pyproject, extra_lookup=lambda *_: None)
        problems += android_problems(spec, profile, text)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
