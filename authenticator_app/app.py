"""The Kivy app: the composition root (DESIGN.md §6.11).

It builds the screens, makes one presenter per screen once the vault is open, hands them the
outside world (:class:`AppServices`: clock, HTTP sessions, browser, clipboard, notifications,
QR reader, camera), runs network work on :class:`~authenticator_app.screens.kivy_runner.KivyRunner`
and the SSE watch on its own thread, and implements the presenters'
:class:`~authenticator_app.presenters.navigation.Navigator`. It holds no screen logic.
"""

from __future__ import annotations

import logging
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from authenticator_app.screens import PHONE_WINDOW  # first: it configures Kivy

# isort: split

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.modalview import ModalView
from kivy.utils import platform

from authenticator_app.core.clock import AdjustableClock, RandomBytes, system_clock, system_random
from authenticator_app.core.clock import Clock as TimeSource
from authenticator_app.core.enrollment import Enroller, default_device_name
from authenticator_app.core.pipush.service import PiPushService
from authenticator_app.core.push_service import PushService
from authenticator_app.core.trace_log import TraceLog, trace_log_path
from authenticator_app.core.vault import Vault
from authenticator_app.core.vault_crypto import KdfParams
from authenticator_app.i18n import Translator
from authenticator_app.presenters.accounts import AccountsPresenter
from authenticator_app.presenters.add_account import AddAccountPresenter, is_account_link
from authenticator_app.presenters.export_accounts import ExportPresenter
from authenticator_app.presenters.idle_lock import IdleLock
from authenticator_app.presenters.import_accounts import ImportPresenter
from authenticator_app.presenters.lock import LockPresenter
from authenticator_app.presenters.navigation import Route
from authenticator_app.presenters.pipush import PiPushPresenter, threaded_pi_launcher
from authenticator_app.presenters.preferences import Preferences, preferences_path
from authenticator_app.presenters.profile import ProfilePresenter
from authenticator_app.presenters.push import PushPresenter
from authenticator_app.presenters.qr_image import read_qr_codes
from authenticator_app.presenters.scan import AskPermission, ScanPresenter
from authenticator_app.presenters.settings import SettingsPresenter
from authenticator_app.presenters.watching import WatchLauncher, threaded_launcher
from authenticator_app.screens.accounts_screen import AccountsScreen
from authenticator_app.screens.add_account_screen import AddAccountScreen
from authenticator_app.screens.export_screen import ExportScreen
from authenticator_app.screens.import_screen import ImportScreen
from authenticator_app.screens.kivy_runner import KivyRunner
from authenticator_app.screens.lock_screen import LockScreen
from authenticator_app.screens.pipush_screen import PiPushScreen
from authenticator_app.screens.profile_screen import ProfileScreen
from authenticator_app.screens.push_screen import PushScreen
from authenticator_app.screens.root import AppRoot
from authenticator_app.screens.scan_screen import ScanScreen
from authenticator_app.screens.settings_screen import SettingsScreen
from authenticator_app.screens.theme import COLORS

__all__ = ["AppServices", "AuthenticatorApp", "run_app", "system_notify"]

log = logging.getLogger(__name__)
ESCAPE_OR_BACK = 27


def system_notify(title: str, message: str) -> None:
    """A system notification through plyer, where the platform offers one."""
    try:
        from plyer import notification

        notification.notify(title=title, message=message, app_name="Authenticator", timeout=10)
    except Exception as exc:
        # Optional by nature (no notification daemon, no backend for this platform): the
        # prompt is on screen anyway, so a failure here is logged and nothing more.
        log.info("no system notification: %s", exc)


def copy_to_clipboard(text: str) -> None:
    from kivy.core.clipboard import Clipboard

    Clipboard.copy(text)


@dataclass
class AppServices:
    """What the app needs from the outside world (tests replace any of it)."""

    vault_path: Path
    clock: TimeSource = system_clock
    rng: RandomBytes = system_random
    kdf: KdfParams | None = None
    session_factory: Callable[[], requests.Session] = requests.Session
    open_url: Callable[[str], bool] = webbrowser.open
    copy_text: Callable[[str], None] = copy_to_clipboard
    notify: Callable[[str, str], None] = system_notify
    read_qr: Callable[[Path], list[str]] = read_qr_codes
    camera_provider: Any = None
    """The camera class (Kivy's ``CameraBase`` interface); None: the one Kivy selects."""
    camera_permission: AskPermission | None = None
    """Asks for the camera; None: Android's runtime permission, granted elsewhere."""
    watch: bool = True
    """Watch push accounts (SSE) while unlocked."""
    watch_options: dict[str, Any] = field(default_factory=dict)
    pi_options: dict[str, Any] = field(default_factory=dict)
    """Options of the privacyIDEA poller (``interval``: seconds between polls)."""
    preferences_file: Path | None = None
    """Default: ``<vault>.settings.json``."""
    language: str | None = None
    """Overrides the saved language."""
    device_name: str | None = None
    test_mode: bool = False
    """Settings offer the device clock's offset (``AUTHENTICATOR_TEST_MODE=1``)."""
    window_size: tuple[int, int] | None = PHONE_WINDOW
    export_directory: Path | None = None
    """Where exports go by default; None: the home directory."""
    idle_clock: TimeSource = system_clock
    """Measures idle time for the automatic lock (the codes' clock is ``clock``: a test that
    moves the codes' time must not lock the app by the same stroke)."""


class AuthenticatorApp(App):  # type: ignore[misc]
    title = "Authenticator"

    def __init__(self, services: AppServices, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.preferences = Preferences.load(
            services.preferences_file or preferences_path(services.vault_path)
        )
        if services.language:
            self.preferences.language = services.language
        self.translator = Translator(self.preferences.language)
        # Every presenter and service shares this clock: the test-mode offset moves them all.
        self.clock = AdjustableClock(
            services.clock, self.preferences.clock_offset_seconds if services.test_mode else 0
        )
        self.runner = KivyRunner()
        self.vault: Vault | None = None
        self.presenters: dict[str, Any] = {}
        self.push: PushPresenter | None = None
        self.pipush: PiPushPresenter | None = None
        self.history: list[str] = []
        self.root_widget: AppRoot | None = None
        self.idle = IdleLock(self.preferences.idle_lock_seconds, services.idle_clock)
        self._asking_permission = False

    # --- building -------------------------------------------------------------------------

    def build(self) -> AppRoot:
        from authenticator_app.screens.translation import tr

        tr.use(self.translator)
        self.translator.subscribe(lambda _language: self.refresh_all())
        Window.clearcolor = COLORS["background"]
        root = AppRoot()
        for screen in (
            LockScreen(),
            AccountsScreen(),
            ProfileScreen(),
            AddAccountScreen(),
            ScanScreen(),
            PushScreen(),
            PiPushScreen(),
            SettingsScreen(),
            ImportScreen(),
            ExportScreen(),
        ):
            root.add_screen(screen)
        self.root_widget = root
        lock = LockPresenter(
            root.screen("lock"),
            vault_path=self.services.vault_path,
            runner=self.runner,
            translator=self.translator,
            preferences=self.preferences,
            on_unlocked=self.unlocked,
            clock=self.clock,
            rng=self.services.rng,
            kdf=self.services.kdf,
        )
        root.screen("lock").presenter = lock
        self.presenters = {"lock": lock}
        lock.start()
        root.manager.current = "lock"
        root.screen("scan").camera_provider = self.services.camera_provider
        Clock.schedule_interval(self._tick, 1.0)
        Window.bind(on_keyboard=self._on_keyboard)
        Window.bind(on_touch_down=self._on_activity, on_key_down=self._on_activity)
        return root

    def on_start(self) -> None:
        if self.services.window_size and platform not in {"android", "ios"}:
            Window.size = self.services.window_size

    @property
    def _root(self) -> AppRoot:
        if self.root_widget is None:
            raise RuntimeError("the app is not built yet")
        return self.root_widget

    def _screen(self, name: str) -> Any:
        return self._root.screen(name)

    def unlocked(self, vault: Vault) -> None:
        """The PIN opened the vault: make the presenters of the other screens."""
        services = self.services
        self.vault = vault
        self.idle.unlocked()
        common: dict[str, Any] = {"navigator": self, "translator": self.translator}
        service = PushService(
            vault,
            clock=self.clock,
            rng=services.rng,
            session_factory=services.session_factory,
            trace=TraceLog(trace_log_path(vault.path), clock=self.clock),
        )
        accounts = AccountsPresenter(
            self._screen("accounts"), vault=vault, clock=self.clock, **common
        )
        profile = ProfilePresenter(
            self._screen("profile"),
            vault=vault,
            service=service,
            runner=self.runner,
            open_url=services.open_url,
            copy_text=services.copy_text,
            on_accounts_changed=self.accounts_changed,
            clock=self.clock,
            **common,
        )
        add = AddAccountPresenter(
            self._screen("add"),
            enroller=Enroller(
                vault,
                clock=self.clock,
                rng=services.rng,
                session_factory=services.session_factory,
                platform_name=platform,
            ),
            runner=self.runner,
            read_qr=services.read_qr,
            on_added=lambda _account: self.accounts_changed(),
            device_name=services.device_name or default_device_name(),
            **common,
        )
        scan = ScanPresenter(
            self._screen("scan"),
            runner=self.runner,
            ask_permission=self._ask_camera_permission,
            on_scanned=lambda uri: self._scanned(add, uri),
            on_paste_instead=lambda: self._paste_instead(add),
            is_account_link=is_account_link,
            **common,
        )
        self.push = PushPresenter(
            self._screen("push"),
            service=service,
            launcher=self._launcher(vault) if services.watch else None,
            runner=self.runner,
            notify=services.notify,
            on_status=accounts.set_status,
            clock=self.clock,
            **common,
        )
        self.pipush = PiPushPresenter(
            self._screen("pipush"),
            service=self._pi_service(vault),
            launcher=threaded_pi_launcher(lambda: self._pi_service(vault), **services.pi_options)
            if services.watch
            else None,
            runner=self.runner,
            notify=services.notify,
            **common,
        )
        settings = SettingsPresenter(
            self._screen("settings"),
            vault=vault,
            preferences=self.preferences,
            runner=self.runner,
            on_lock=self.lock,
            clock=services.clock,
            device_clock=self.clock if self.services.test_mode else None,
            on_idle_changed=self._idle_changed,
            **common,
        )
        self._add_transfer_presenters(vault)
        self.presenters.update(
            accounts=accounts,
            profile=profile,
            add=add,
            scan=scan,
            push=self.push,
            pipush=self.pipush,
            settings=settings,
        )
        for name in ("accounts", "profile", "add", "scan", "push", "pipush", "settings"):
            self._screen(name).presenter = self.presenters[name]
        self.history = []
        self.show("accounts")
        self.push.start()
        self.pipush.start()

    def _add_transfer_presenters(self, vault: Vault) -> None:
        """Import and export, reached from the settings (issue 20)."""
        common: dict[str, Any] = {
            "vault": vault,
            "navigator": self,
            "translator": self.translator,
            "runner": self.runner,
            "clock": self.clock,
            "rng": self.services.rng,
        }
        self.presenters.update(
            {
                "import": ImportPresenter(
                    self._screen("import"), on_imported=self.accounts_changed, **common
                ),
                "export": ExportPresenter(
                    self._screen("export"),
                    directory=self.services.export_directory or Path.home(),
                    kdf=self.services.kdf,
                    **common,
                ),
            }
        )
        for name in ("import", "export"):
            self._screen(name).presenter = self.presenters[name]

    def _ask_camera_permission(self, answer: Callable[[bool], None]) -> None:
        ask = self.services.camera_permission
        if ask is None and platform == "android":
            from authenticator_app.mobile import ask_camera_permission

            ask = ask_camera_permission
        if ask is None:
            answer(True)  # a desktop has no runtime permission for its cameras
            return
        # Android's permission dialog pauses the app: that pause must not lock it.
        self._asking_permission = True

        def answered(granted: bool) -> None:
            self._asking_permission = False
            answer(granted)

        # Android answers on its own thread: back to the UI thread before the presenter.
        ask(lambda granted: self.runner.post(lambda: answered(granted)))

    def _scanned(self, add: AddAccountPresenter, uri: str) -> None:
        self.back()
        add.submit_scanned(uri)

    def _paste_instead(self, add: AddAccountPresenter) -> None:
        self.back()
        add.set_mode("link")

    def _pi_service(self, vault: Vault) -> PiPushService:
        services = self.services
        return PiPushService(
            vault, clock=self.clock, rng=services.rng, session_factory=services.session_factory
        )

    def _launcher(self, vault: Vault) -> WatchLauncher:
        services = self.services

        def new_service() -> PushService:
            return PushService(
                vault,
                clock=self.clock,
                rng=services.rng,
                session_factory=services.session_factory,
                # The same log as the headless CLI's: `authenticator trace` reads it.
                trace=TraceLog(trace_log_path(vault.path), clock=self.clock),
            )

        return threaded_launcher(new_service, **services.watch_options)

    def lock(self) -> None:
        """Forget the vault key and the presenters that used it; back to the PIN.

        By hand, after the idle time, or when the app is paused. A push sent while locked
        waits at the IdP: the watch started by the next unlock fetches it from ``pending``.
        """
        self.idle.paused()
        for child in list(Window.children):  # a file picker left open must not outlive the PIN
            if isinstance(child, ModalView):
                child.dismiss(animation=False)
        if "scan" in self.presenters:
            self.presenters["scan"].stop()
        if self.push is not None:
            self.push.stop()
        if self.pipush is not None:
            self.pipush.stop()
        if self.vault is not None:
            self.vault.lock()
        self.vault, self.push, self.pipush = None, None, None
        lock = self.presenters["lock"]
        self.presenters = {"lock": lock}
        self.history = []
        self._root.go("lock", forward=False)
        lock.start()

    def accounts_changed(self) -> None:
        """An account was added, renamed or removed: refresh, and watch the new set."""
        if "accounts" in self.presenters:
            self.presenters["accounts"].refresh()
        if self.push is not None:
            self.push.start()
        if self.pipush is not None:
            self.pipush.start()

    def refresh_all(self) -> None:
        """The language changed: every screen renders its texts again."""
        for name, presenter in self.presenters.items():
            if name == "profile" and self.current != "profile":
                continue
            presenter.refresh()
        if self.push is not None:
            self.presenters["accounts"].set_status(self.push.status())

    # --- Navigator ------------------------------------------------------------------------

    @property
    def current(self) -> str:
        return self.root_widget.current if self.root_widget else ""

    def show(self, route: Route, account_id: str | None = None) -> None:
        if self.vault is None and route != "lock":
            return
        presenter: Any = self.presenters.get(route)
        if route == "profile" and account_id is not None:
            presenter.load(account_id)
        elif route in {"add", "scan", "settings", "import", "export"}:
            presenter.start()
        elif route == "accounts":
            presenter.refresh()
        if route == "accounts":
            self.history = []
        elif self.current not in {"", route, "lock"}:
            self.history.append(self.current)
        self._root.go(route)

    def back(self) -> None:
        if self.current == "scan" and "scan" in self.presenters:
            self.presenters["scan"].stop()  # the camera goes off with its screen
        previous = self.history.pop() if self.history else "accounts"
        if previous == "profile":
            self.presenters["profile"].refresh()
        elif previous == "accounts":
            self.presenters["accounts"].refresh()
        self._root.go(previous, forward=False)

    def notice(self, text: str) -> None:
        if self.root_widget is not None:
            self.root_widget.notice(text)

    # --- time, keys, lifecycle ------------------------------------------------------------

    def _idle_changed(self, seconds: int) -> None:
        self.idle.idle_seconds = seconds

    def _on_activity(self, *_args: Any) -> bool:
        """Any touch or key while the window has focus: the idle time starts again."""
        self.idle.touched()
        return False  # only watched, never consumed

    def _tick(self, _dt: float) -> None:
        if self.vault is not None and self.idle.should_lock():
            log.info("locked after %s s without activity", self.idle.idle_seconds)
            self.lock()
            return
        current = self.current
        if current in {"lock", "accounts", "profile", "scan"} and current in self.presenters:
            self.presenters[current].tick()
        if self.push is not None:
            self.push.tick()

    def _on_keyboard(self, _window: Any, key: int, *_args: Any) -> bool:
        if key != ESCAPE_OR_BACK:
            return False
        if self.current in {"lock", "accounts", "push", "pipush"}:
            return self.current in {"push", "pipush"}  # a prompt is answered, not dismissed
        self.back()
        return True

    def on_pause(self) -> bool:
        if self.vault is not None and not self._asking_permission:
            self.lock()  # nothing readable while in the background; the PIN on return
            return True
        if self.current == "scan" and "scan" in self.presenters:
            self.presenters["scan"].stop()  # another app may want the camera
        if self.push is not None:
            self.push.stop()
        if self.pipush is not None:
            self.pipush.stop()
        return True

    def on_resume(self) -> None:
        if self.current == "scan" and "scan" in self.presenters:
            self.presenters["scan"].start()
        if self.vault is not None and self.push is not None:
            self.presenters["accounts"].reload()
            self.push.start()  # reconnects, and catches up from pending
        if self.vault is not None and self.pipush is not None:
            self.pipush.start()  # polls again: what is still open shows up

    def on_stop(self) -> None:
        if "scan" in self.presenters:
            self.presenters["scan"].stop()
        if self.push is not None:
            self.push.stop()
        if self.pipush is not None:
            self.pipush.stop()
        Clock.unschedule(self._tick)
        Window.unbind(on_keyboard=self._on_keyboard)
        Window.unbind(on_touch_down=self._on_activity, on_key_down=self._on_activity)
        self.runner.shutdown()


def run_app(vault_path: Path, **services: Any) -> int:
    """Open the app window on the vault at ``vault_path`` (blocks until it closes)."""
    AuthenticatorApp(AppServices(vault_path=vault_path, **services)).run()
    return 0
