"""End-to-end fixtures: a real ``idp serve`` (gunicorn + gevent) and real headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright without ``playwright install``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import free_port

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class LiveIdp:
    base_url: str
    instance: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path
    extra: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).parent / "idp"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _idp_env(instance: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(
        IDP_INSTANCE_PATH=str(instance),
        IDP_DATABASE_URL=f"sqlite:///{instance / 'idp.sqlite3'}",
        IDP_BASE_URL=f"http://127.0.0.1:{port}",
        IDP_SECRET_KEY="e2e-secret-key-" + "y" * 40,
        IDP_TEST_MODE="1",
        IDP_TEST_CAPTCHA_ANSWER="E2E42",
        IDP_ARGON2_TIME_COST="1",
        IDP_ARGON2_MEMORY_COST="8192",
        IDP_ARGON2_PARALLELISM="1",
    )
    env.update(extra)  # ``extra`` may override the defaults above (e.g. the argon2 cost)
    return env


def start_idp(instance: Path, port: int | None = None, **extra: str) -> LiveIdp:
    port = port or free_port()
    env = _idp_env(instance, port, **extra)
    idp = str(Path(sys.executable).parent / "idp")
    subprocess.run([idp, "init-demo"], env=env, check=True, capture_output=True, timeout=120)
    log_path = instance / "idp.log"
    log = log_path.open("ab")
    proc = subprocess.Popen(
        [idp, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    live = LiveIdp(f"http://127.0.0.1:{port}", instance, env, proc, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"idp serve exited early:\n{live.log()}")
        try:
            with urllib.request.urlopen(live.url("/healthz"), timeout=1):  # noqa: S310
                return live
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"idp serve did not answer in time:\n{live.log()}")


def stop_idp(live: LiveIdp) -> None:
    live.process.terminate()
    try:
        live.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        live.process.kill()


@pytest.fixture(scope="module")
def live_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveIdp]:
    live = start_idp(tmp_path_factory.mktemp("idp"))
    yield live
    stop_idp(live)


def chromium_path() -> str:
    path = os.environ.get("IDP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(f"Chromium not found at {path}: ./scripts/test installs Debian's chromium")
    return path


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(),
            args=CHROMIUM_FLAGS,
            headless=True,
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, "rep_" + rep.when, rep)


PHONE_WIDTH = 360


def _document_width(page: object) -> int:
    """The document's scroll width, once a document with a root element is parsed.

    Measured with ``evaluate`` (the DevTools protocol, outside the page's CSP), not with
    ``wait_for_function``: that one polls with ``eval`` inside the page, which the IdP's
    ``script-src 'self'`` rightly refuses when the first check finds the page still loading.
    A click that navigates may still be loading the next document, so wait for it, and try
    again if the document changes under the measurement.
    """
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(100):
        page.wait_for_load_state("domcontentloaded")  # type: ignore[attr-defined]
        try:
            width = page.evaluate(  # type: ignore[attr-defined]
                "document.documentElement ? document.documentElement.scrollWidth : null"
            )
        except PlaywrightError as exc:  # the document was replaced mid-measurement
            if "context was destroyed" not in str(exc):
                raise
            width = None
        if width is not None:
            return int(width)
        page.wait_for_timeout(50)  # type: ignore[attr-defined]
    raise AssertionError(f"{page.url}: no document to measure")  # type: ignore[attr-defined]


def assert_fits_phone(page: object) -> None:
    """The page, laid out 360 px wide, scrolls only vertically (no horizontal overflow)."""
    size = page.viewport_size  # type: ignore[attr-defined]
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 640})  # type: ignore[attr-defined]
    try:
        width = _document_width(page)
    finally:
        if size:
            page.set_viewport_size(size)  # type: ignore[attr-defined]
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide on a 360 px phone"  # type: ignore[attr-defined]


def shot(page: object, name: str) -> None:
    """Check that the page fits a phone; save a screenshot when IDP_SCREENSHOT_DIR is set
    (scripts/screenshots sets it)."""
    assert_fits_phone(page)
    directory = os.environ.get("IDP_SCREENSHOT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def advance_clock(live: LiveIdp, seconds: int) -> None:
    """Test mode: move the server's clock forward (one gunicorn worker holds the clock)."""
    import json

    request = urllib.request.Request(  # noqa: S310 - loopback test server
        live.url("/_dev/clock"),
        data=json.dumps({"seconds": seconds}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass
