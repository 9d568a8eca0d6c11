"""The push-fatigue simulator (``idp simulate fatigue``): scripted attacker bursts against a
real IdP in test mode, answered by simulated victims through the real push protocol.

For each matching mode (``none``, ``typed``, ``choose``), each defence setting and each user
model, a realm variant of ``--realm`` is imported with those push settings, a victim enrolls a
device with the headless authenticator's core (its own key pair and vault), and ``attempts``
attacks run one after the other, each lasting at most ``hours`` of simulated time:

1. the attacker, who knows the password, triggers a push (``/_dev/.../challenges``, which
   calls the same ``create_challenge`` as the sign-in page: same cap, same block);
2. the victim's device fetches its pending challenges (a device-signed call) and verifies the
   IdP's signature; the victim model answers after ``reaction`` seconds, and the device signs
   the decision (with a guessed number where the mode asks for one);
3. the attacker tries again ``interval`` seconds after the prompt, or when the cap reopens
   (``retry_after``), or gives up when a report has blocked push for longer than remains.

Time is simulated through the IdP's test-mode clock (``POST /_dev/clock``) and the device's
clock follows it (an offset clock), so an hour of attack takes a fraction of a second of
real time. Each attack is on a victim with no history: between attacks the clock moves past
the cap's window and the victim's report block is lifted (the simulator owns its database).
Randomness (numbers, choices, victims) comes from ``seed``: a run is reproducible.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from authenticator_app.core.enrollment import Enroller
from authenticator_app.core.idp_errors import IdpRefused
from authenticator_app.core.push_service import PushService
from authenticator_app.core.vault import Vault
from authenticator_app.core.vault_crypto import KdfParams
from lab.loopback import LoopbackIdp, loopback_idp
from lab.victims import UserModel, parse_user_model

__all__ = [
    "DEFENCES",
    "MODES",
    "CellResult",
    "Defence",
    "FatigueSettings",
    "SimulationError",
    "run_fatigue",
]

SCHEMA_VERSION = 1
MODES: tuple[str, ...] = ("none", "typed", "choose")
MAX_SIMULATED_SECONDS = 400 * 86400  # the test-mode clock's range
PIN = "24682468"
VAULT_KDF = KdfParams(log2_n=4, r=1, p=1)  # throw-away vaults: no PIN to protect


class SimulationError(ValueError):
    """Settings that cannot run (the CLI's usage error)."""


class CellRefused(Exception):
    """The IdP refuses this realm variant (reported as such, with no figures)."""


@dataclass(frozen=True, slots=True)
class Defence:
    name: str
    cap: bool
    report_blocks: bool


DEFENCES: dict[str, Defence] = {
    d.name: d
    for d in (
        Defence("none", cap=False, report_blocks=False),
        Defence("cap", cap=True, report_blocks=False),
        Defence("report-blocks", cap=False, report_blocks=True),
        Defence("cap+report-blocks", cap=True, report_blocks=True),
    )
}
# "No cap": the highest the preset schema allows, 100 per 10 s, never reached at one prompt
# per interval.
NO_CAP = {"max_challenges": 100, "window_seconds": 10}
DEFAULT_BLOCK_SECONDS = 86400


@dataclass(frozen=True)
class FatigueSettings:
    realm: str = "jasmin"
    attempts: int = 5
    hours: float = 0.5
    user_models: tuple[UserModel, ...] = field(
        default_factory=lambda: tuple(
            parse_user_model(m) for m in ("attentive", "annoyed:3", "random:0.1", "distracted")
        )
    )
    modes: tuple[str, ...] = MODES
    defences: tuple[str, ...] = tuple(DEFENCES)
    purpose: Literal["sign_in", "password_reset"] = "sign_in"
    interval_seconds: int = 60
    reaction_seconds: int = 10
    seed: int = 0

    def check(self) -> None:
        if not 1 <= self.attempts <= 10_000:
            raise SimulationError("--attempts: 1 to 10000")
        if not 0 < self.hours <= 24 * 7:
            raise SimulationError("--hours: more than 0, at most 168")
        if not 1 <= self.reaction_seconds < self.interval_seconds <= 3600:
            raise SimulationError("1 <= --reaction < --interval <= 3600 seconds")
        unknown = [m for m in self.modes if m not in MODES] + [
            d for d in self.defences if d not in DEFENCES
        ]
        if unknown:
            raise SimulationError(f"unknown mode or defence: {', '.join(unknown)}")
        if not self.modes or not self.defences or not self.user_models:
            raise SimulationError("at least one mode, one defence and one user model")


@dataclass
class AttackResult:
    compromised: bool
    prompts: int
    seconds: int
    guesses_wrong: int = 0
    rate_limited: int = 0
    blocked: bool = False


@dataclass
class CellResult:
    mode: str
    defence: str
    user_model: str
    attacks: int
    compromised: int
    success_rate: float
    prompts_seen: int
    approvals: int
    wrong_numbers: int
    rate_limited: int
    blocked_attacks: int
    prompts_before_compromise: dict[str, float | None]
    time_to_compromise_seconds: dict[str, float | None]
    approval_success_rate: float | None
    refused: str | None = None

    @classmethod
    def refused_by_idp(cls, mode: str, defence: str, model: str, reason: str) -> CellResult:
        return cls(
            mode=mode,
            defence=defence,
            user_model=model,
            attacks=0,
            compromised=0,
            success_rate=0.0,
            prompts_seen=0,
            approvals=0,
            wrong_numbers=0,
            rate_limited=0,
            blocked_attacks=0,
            prompts_before_compromise=_summary([]),
            time_to_compromise_seconds=_summary([]),
            approval_success_rate=None,
            refused=reason,
        )

    @classmethod
    def of(cls, mode: str, defence: str, model: str, attacks: list[AttackResult]) -> CellResult:
        won = [a for a in attacks if a.compromised]
        approvals = sum(a.guesses_wrong for a in attacks) + len(won)
        return cls(
            mode=mode,
            defence=defence,
            user_model=model,
            attacks=len(attacks),
            compromised=len(won),
            success_rate=len(won) / len(attacks),
            prompts_seen=sum(a.prompts for a in attacks),
            approvals=approvals,
            wrong_numbers=sum(a.guesses_wrong for a in attacks),
            rate_limited=sum(a.rate_limited for a in attacks),
            blocked_attacks=sum(a.blocked for a in attacks),
            prompts_before_compromise=_summary([a.prompts for a in won]),
            time_to_compromise_seconds=_summary([a.seconds for a in won]),
            approval_success_rate=len(won) / approvals if approvals else None,
        )


def _summary(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"min": None, "median": None, "mean": None, "max": None}
    return {
        "min": min(values),
        "median": statistics.median(values),
        "mean": round(statistics.fmean(values), 3),
        "max": max(values),
    }


class _DeviceClock:
    """The victim's phone: the IdP's start time plus the simulated offset (both sides move
    together, and only when the simulation says so)."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.offset = 0

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=self.offset)


class _Simulation:
    def __init__(self, idp: LoopbackIdp, settings: FatigueSettings, folder: Path) -> None:
        self.idp = idp
        self.settings = settings
        self.folder = folder
        self.rng = random.Random(settings.seed)  # noqa: S311 - a seeded simulation, not security
        self.device_clock = _DeviceClock(idp.epoch)

    # -- the clock, both sides ------------------------------------------------------------

    def wait(self, seconds: int) -> None:
        self.idp.move_clock(seconds)
        self.device_clock.offset += seconds

    def reset_clock(self) -> None:
        self.idp.reset_clock()
        self.device_clock.offset = 0

    # -- setting a cell up ----------------------------------------------------------------

    def realm_for(self, mode: str, defence: Defence) -> tuple[str, Any]:
        from pydantic import ValidationError

        from idp.clock import now
        from idp.extensions import db
        from idp.realms.preset import PRESET_DIR, RealmPreset, parse_preset
        from idp.realms.store import import_preset

        path = PRESET_DIR / f"{self.settings.realm}.toml"
        if not path.is_file():
            raise SimulationError(f"--realm: no built-in preset {self.settings.realm!r}")
        base = parse_preset(path.read_text(encoding="utf-8"), path.name)
        push: dict[str, Any] = {
            "enabled": True,
            "sign_in_second_factor": True,
            "matching_mode": mode,
            "report_blocks_recovery_seconds": (
                base.push.report_blocks_recovery_seconds or DEFAULT_BLOCK_SECONDS
            )
            if defence.report_blocks
            else 0,
        }
        if not defence.cap:
            push.update(NO_CAP)
        slug = f"sim-{mode}-{defence.name.replace('+', '-')}"[:40]
        data = base.model_dump(mode="json")
        data.update(slug=slug, demo_users=[], push={**data["push"], **push})
        try:
            # The product's own preset checks (e.g. mode none is refused with a push recovery).
            preset = RealmPreset.model_validate(data)
        except ValidationError as exc:
            raise CellRefused(
                "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            ) from None
        with self.idp.app.app_context():
            import_preset(preset, now=now())
            db.session.commit()
        return slug, preset.push

    def enroll_victim(self, slug: str, username: str) -> tuple[PushService, Any]:
        from flask import current_app

        from idp.clock import now
        from idp.extensions import db
        from idp.push.enrollment import create_offer
        from idp.realms.store import get_realm
        from idp.users.service import create_user

        with self.idp.app.app_context():
            realm = get_realm(slug)
            if realm is None:
                raise RuntimeError(f"realm {slug} vanished")
            user = create_user(
                realm,
                username,
                password=f"{username}-Pw-{self.rng.randrange(10**9)}!",
                hasher=current_app.extensions["idp.hasher"],
                now=now(),
            )
            db.session.flush()
            offer = create_offer(user, base_url=self.idp.base_url, now=now())
            db.session.commit()
        vault = Vault.create(self.folder / f"{slug}-{username}.vault", PIN, kdf=VAULT_KDF)
        Enroller(vault, clock=self.device_clock).add_uri(
            offer.uri, device_name=f"{username} phone", allow_insecure_http=True
        )
        service = PushService(vault, clock=self.device_clock)
        return service, vault.accounts[0]

    def unblock(self, slug: str, username: str) -> None:
        """A fresh victim for the next attack: no report block carried over."""
        from sqlalchemy import update

        from idp.extensions import db
        from idp.models import User
        from idp.realms.store import get_realm

        with self.idp.app.app_context():
            realm = get_realm(slug)
            if realm is None:
                raise RuntimeError(f"realm {slug} vanished")
            db.session.execute(
                update(User)
                .where(User.realm_id == realm.id, User.username == username)
                .values(push_blocked_until=None)
            )
            db.session.commit()

    # -- one attack -----------------------------------------------------------------------

    def attack(
        self,
        slug: str,
        username: str,
        *,
        push: Any,
        service: PushService,
        account: Any,
        model: UserModel,
    ) -> AttackResult:
        s = self.settings
        budget = int(s.hours * 3600)
        elapsed = 0
        result = AttackResult(compromised=False, prompts=0, seconds=0)
        inbox = service.new_inbox()
        path = f"/_dev/realms/{slug}/users/{username}/challenges"
        while elapsed < budget:
            made = self.idp.post(path, {"purpose": s.purpose})
            if made.status_code == 429:
                result.rate_limited += 1
                pause = max(1, int(made.json().get("retry_after", s.interval_seconds)))
            elif made.status_code == 403 and made.json().get("error") == "push_blocked":
                result.blocked = True
                pause = push.report_blocks_recovery_seconds
            elif made.status_code != 201:
                raise RuntimeError(f"the IdP refused a challenge: {made.status_code} {made.text}")
            else:
                result.prompts += 1
                if self.prompt(service, inbox, account, model, result):
                    result.compromised = True
                    result.seconds = elapsed + s.reaction_seconds
                    return result
                pause = s.interval_seconds
            pause = min(pause, budget - elapsed)
            self.wait(pause)
            elapsed += pause
        result.seconds = elapsed
        return result

    def prompt(
        self, service: PushService, inbox: Any, account: Any, model: UserModel, result: AttackResult
    ) -> bool:
        """The victim's phone shows the prompt; True when the attacker got in."""
        changes = service.refresh(inbox, [account])
        if changes.refused:
            raise RuntimeError(f"the device refused a challenge: {changes.refused[0]}")
        pending = inbox.latest()
        if pending is None:
            raise RuntimeError("the device saw no challenge")
        answer = model.answer(result.prompts, pending.challenge, self.rng)
        # The answer lands at the prompt's simulated time: the reaction (shorter than the
        # challenge's lifetime) only counts in the time to compromise (one clock move less
        # per prompt).
        try:
            outcome = service.answer(pending, answer.decision, number=answer.number, inbox=inbox)
        except IdpRefused as refusal:
            if refusal.code == "number_mismatch":
                result.guesses_wrong += 1
                return False
            raise
        return outcome.status == "approved"

    # -- everything -----------------------------------------------------------------------

    def run(self, progress: Callable[[str], None]) -> list[CellResult]:
        s = self.settings
        cells: list[CellResult] = []
        for mode in s.modes:
            for defence_name in s.defences:
                try:
                    slug, push = self.realm_for(mode, DEFENCES[defence_name])
                except CellRefused as refused:
                    for model in s.user_models:
                        cells.append(
                            CellResult.refused_by_idp(mode, defence_name, model.name, str(refused))
                        )
                    progress(f"{mode:6} {defence_name:17} refused by the IdP: {refused}")
                    continue
                gap = push.window_seconds + push.challenge_ttl_seconds
                if s.attempts * (int(s.hours * 3600) + gap) > MAX_SIMULATED_SECONDS:
                    raise SimulationError(
                        "attempts x (hours + the cap's window) exceeds the test clock's 400 days"
                    )
                for index, model in enumerate(s.user_models):
                    self.reset_clock()
                    username = f"victim-{index}-{model.kind}"
                    service, account = self.enroll_victim(slug, username)
                    attacks = []
                    for _ in range(s.attempts):
                        attacks.append(
                            self.attack(
                                slug,
                                username,
                                push=push,
                                service=service,
                                account=account,
                                model=model,
                            )
                        )
                        self.wait(gap)
                        self.unblock(slug, username)
                    cell = CellResult.of(mode, defence_name, model.name, attacks)
                    cells.append(cell)
                    progress(
                        f"{mode:6} {defence_name:17} {model.name:11} "
                        f"{cell.compromised}/{cell.attacks} compromised"
                    )
        self.reset_clock()
        return cells


def run_fatigue(
    settings: FatigueSettings,
    *,
    progress: Callable[[str], None] = lambda _line: None,
    folder: Path | None = None,
) -> dict[str, Any]:
    """Run the simulation on a fresh loopback IdP; the report (``--json``'s document)."""
    settings.check()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fatigue-") as scratch:
        where = folder or Path(scratch)
        with loopback_idp(where, seed=settings.seed) as idp:
            cells = _Simulation(idp, settings, where).run(progress)
    return {
        "v": SCHEMA_VERSION,
        "settings": {
            "realm": settings.realm,
            "attempts": settings.attempts,
            "hours": settings.hours,
            "purpose": settings.purpose,
            "interval_seconds": settings.interval_seconds,
            "reaction_seconds": settings.reaction_seconds,
            "seed": settings.seed,
            "modes": list(settings.modes),
            "defences": list(settings.defences),
            "user_models": [m.name for m in settings.user_models],
        },
        "results": [asdict(c) for c in cells],
        "wall_seconds": round(time.monotonic() - started, 2),
    }
