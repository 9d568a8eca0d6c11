"""No-enumeration checker: every sign-in form and identify/reset entry of every realm, for an
account that exists and one that does not (and, where it matters, with and without a device).

For each entry it runs the same sequence of pages for each variant on a fresh browser session,
then compares, byte for byte, the answer to the request that carries the identifier (status,
``Location``, body) and the page it leads to, after normalising what differs by design:

- the CSRF token (``name="csrf_token" value=...``, ``<meta name="csrf-token">``);
- the CSP nonce (``nonce="..."``) and the flow's version counter (``name="flow_version"``);
- the identifier the visitor typed, echoed back in the form (replaced by ``{TYPED}``);
- the 2-digit number of a push page (a real challenge's or the decoy's, random either way);
- the seconds of « Patientez N secondes » (the wall clock may tick between two requests).

It also times that request, interleaved (each round runs the variants in a random order), a
bounded number of rounds, and reports the difference of mean times between each variant and
"unknown account" with a bootstrap 95 % confidence interval (2,000 resamples, seeded).

The IdP runs in test mode on loopback (``idp serve``, gunicorn + gevent, the server's argon2id
cost unless ``--fast-hash``) or in process (Flask's test client: faster, for the test suite).

    .venv/bin/python scripts/bench_no_enumeration.py [--rounds 20] [--server loopback|inprocess]
        [--realm SLUG ...] [--fast-hash] [--json]

Exit status: 0 when every entry answers identically, 1 otherwise. docs/research/enumeration.md
has the figures.
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The test-mode captcha answer; tests.e2e.conftest.start_idp (loopback) sets the same one.
CAPTCHA = "E2E42"
WRONG_PASSWORD = "Pas-le-bon-mot-de-passe-7!"  # noqa: S105 - the wrong password every variant types
NORMALISED = (
    "CSRF token",
    "CSP nonce",
    "flow_version",
    "typed identifier echoed back",
    "push number (random)",
    "resend countdown seconds (wall clock)",
)


# --- transport: the same calls over Flask's test client or HTTP ---------------------------


@dataclass
class Reply:
    status: int
    location: str
    body: str
    elapsed_ms: float


class Browser(Protocol):
    def get(self, path: str) -> Reply: ...
    def post(self, path: str, data: Mapping[str, str]) -> Reply: ...
    def post_json(self, path: str, body: Mapping[str, Any]) -> Reply: ...


class InProcessBrowser:
    def __init__(self, app: Any) -> None:
        self.client = app.test_client()

    def _reply(self, call: Callable[[], Any]) -> Reply:
        start = time.perf_counter()
        resp = call()
        body = resp.get_data(as_text=True)
        elapsed = (time.perf_counter() - start) * 1000
        # A server closes the answer once written; what runs then (mail) is not in the time.
        resp.close()
        return Reply(resp.status_code, resp.headers.get("Location", ""), body, elapsed)

    def get(self, path: str) -> Reply:
        return self._reply(lambda: self.client.get(path))

    def post(self, path: str, data: Mapping[str, str]) -> Reply:
        return self._reply(lambda: self.client.post(path, data=dict(data)))

    def post_json(self, path: str, body: Mapping[str, Any]) -> Reply:
        return self._reply(lambda: self.client.post(path, json=dict(body)))


class HttpBrowser:
    def __init__(self, base: str) -> None:
        import requests

        self.base = base.rstrip("/")
        self.session = requests.Session()

    def _reply(self, resp: Any, elapsed: float) -> Reply:
        location = resp.headers.get("Location", "")
        return Reply(resp.status_code, location.removeprefix(self.base), resp.text, elapsed)

    def get(self, path: str) -> Reply:
        start = time.perf_counter()
        resp = self.session.get(self.base + path, allow_redirects=False, timeout=30)
        return self._reply(resp, (time.perf_counter() - start) * 1000)

    def post(self, path: str, data: Mapping[str, str]) -> Reply:
        start = time.perf_counter()
        resp = self.session.post(
            self.base + path, data=dict(data), allow_redirects=False, timeout=30
        )
        return self._reply(resp, (time.perf_counter() - start) * 1000)

    def post_json(self, path: str, body: Mapping[str, Any]) -> Reply:
        start = time.perf_counter()
        resp = self.session.post(self.base + path, json=dict(body), timeout=30)
        return self._reply(resp, (time.perf_counter() - start) * 1000)


class _Hidden(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.fields.setdefault(str(a["name"]), a.get("value") or "")


def hidden_fields(html: str) -> dict[str, str]:
    parser = _Hidden()
    parser.feed(html)
    parser.fields.pop("action", None)  # the submit button says which action
    return parser.fields


def follow(browser: Browser, reply: Reply, limit: int = 5) -> Reply:
    """GET the redirects of ``reply`` (same site only)."""
    while reply.status in (301, 302, 303) and limit:
        reply = browser.get(reply.location)
        limit -= 1
    return reply


def submit(browser: Browser, path: str, data: Mapping[str, str]) -> Reply:
    """GET the form at ``path`` and POST it with its hidden fields and ``data``."""
    page = browser.get(path)
    return browser.post(path, {**hidden_fields(page.body), **data})


# --- what is compared ---------------------------------------------------------------------

_CSRF_INPUT = re.compile(r'(name="csrf_token"[^>]*?value=")[^"]*(")')
_CSRF_META = re.compile(r'(name="csrf-token"\s+content=")[^"]*(")')
_NONCE = re.compile(r'(nonce=")[^"]*(")')
_FLOW_VERSION = re.compile(r'(name="flow_version"[^>]*value=")[^"]*(")')
_NUMBER = re.compile(r'(data-testid="match-number">)\d*(<)')
# « Patientez 59 secondes » or 60: the wall clock's second may tick between two requests.
_COUNTDOWN = re.compile(r"(Patientez )\d+( secondes?)")


def normalise(text: str, typed: tuple[str, ...]) -> str:
    text = _CSRF_INPUT.sub(r"\1{CSRF}\2", text)
    text = _CSRF_META.sub(r"\1{CSRF}\2", text)
    text = _NONCE.sub(r"\1{NONCE}\2", text)
    text = _FLOW_VERSION.sub(r"\1{N}\2", text)
    text = _NUMBER.sub(r"\1{NUMBER}\2", text)
    text = _COUNTDOWN.sub(r"\1{N}\2", text)
    for value in sorted(typed, key=len, reverse=True):
        if value:
            text = text.replace(value, "{TYPED}")
    return text


@dataclass
class Observation:
    """What one variant got in one round."""

    answer: str  # status + Location + body of the measured request, normalised
    page: str  # the page it leads to, normalised
    elapsed_ms: float
    reached: bool = True  # the page shows the entry's expected text


@dataclass
class Variant:
    name: str
    run: Callable[[Browser], tuple[Reply, Reply]]  # (measured answer, page it leads to)
    typed: tuple[str, ...] = ()


@dataclass
class Entry:
    realm: str
    name: str
    # Text the pages must show: proof that the sequence reached the entry (an expired form or
    # a wrong step would otherwise look "identical" for every variant). A round where no
    # variant shows it is a SetupError; one where only some do is a difference.
    expect: str
    variants: list[Variant]  # the last one is the reference (the account that does not exist)
    observations: dict[str, list[Observation]] = field(default_factory=dict)
    # Run before each round (the push cap is per window: a round moves the clock past it).
    before_round: Callable[[Browser], None] | None = None


class SetupError(RuntimeError):
    """A variant did not reach the page it is meant to compare."""


def observe(entry: Entry, variant: Variant, browser: Browser) -> Observation:
    answer, page = variant.run(browser)
    head = f"{answer.status} {normalise(answer.location, variant.typed)}\n"
    return Observation(
        head + normalise(answer.body, variant.typed),
        f"{page.status}\n" + normalise(page.body, variant.typed),
        answer.elapsed_ms,
        entry.expect in normalise(page.body, variant.typed),
    )


def _reached(entry: Entry, observations: list[Observation]) -> None:
    if not any(o.reached for o in observations):
        raise SetupError(
            f"{entry.realm}: {entry.name}: no variant's page shows {entry.expect!r}; "
            "the sequence did not reach the entry"
        )


# --- the entries of each realm ------------------------------------------------------------


def _sign_in(realm: str, identifier: str, extra: Mapping[str, str] | None = None) -> Variant:
    def run(b: Browser) -> tuple[Reply, Reply]:
        answer = submit(
            b,
            f"/realms/{realm}/login",
            {"identifier": identifier, "password": WRONG_PASSWORD, **(extra or {})},
        )
        return answer, follow(b, answer)

    return Variant("", run, (identifier,))


def _cas(identifier: str) -> Variant:
    def run(b: Browser) -> tuple[Reply, Reply]:
        path = "/realms/uphf/cas/login?service=http%3A%2F%2F127.0.0.1%2Fapp"
        answer = submit(b, path, {"identifier": identifier, "password": WRONG_PASSWORD})
        return answer, follow(b, answer)

    return Variant("", run, (identifier,))


def _past_the_push_window(b: Browser) -> None:
    """Test mode: move the server's clock past jasmin's push window (900 s)."""
    reply = b.post_json("/_dev/clock", {"seconds": 901})
    if reply.status != 200:
        raise SetupError(f"POST /_dev/clock answered {reply.status}: is the IdP in test mode?")


def _jasmin_push(login: str, sends: int = 1) -> Variant:
    def run(b: Browser) -> tuple[Reply, Reply]:
        follow(b, b.get(f"/realms/jasmin/recovery/?login={login}"))
        follow(b, submit(b, "/realms/jasmin/recovery/captcha", {"answer": CAPTCHA}))
        for _ in range(sends - 1):
            follow(b, submit(b, "/realms/jasmin/recovery/verify_push", {"action": "send"}))
        answer = submit(b, "/realms/jasmin/recovery/verify_push", {"action": "send"})
        page = follow(b, answer)
        status = b.get("/realms/jasmin/recovery/push-status")
        page.body += "\n--- push-status ---\n" + status.body
        return answer, page

    return Variant("", run, (login,))


def _jasmin_code(login: str, method: str, code: str) -> Variant:
    """After the captcha, « Entrer un code... » / « Utiliser un code de récupération », and a
    wrong code."""

    def run(b: Browser) -> tuple[Reply, Reply]:
        base = "/realms/jasmin/recovery"
        follow(b, b.get(f"{base}/?login={login}"))
        push_page = follow(b, submit(b, f"{base}/captcha", {"answer": CAPTCHA}))
        fields = hidden_fields(push_page.body)
        follow(b, b.post(f"{base}/choose", {**fields, "method": method}))
        answer = submit(b, f"{base}/{method}", {"code": code, "action": "submit"})
        return answer, follow(b, answer)

    return Variant("", run, (login,))


def _nouvelle_aquitaine_code(email: str, action: str = "submit") -> Variant:
    def run(b: Browser) -> tuple[Reply, Reply]:
        base = "/realms/nouvelle-aquitaine/recovery"
        follow(b, b.get(f"{base}/"))
        follow(b, submit(b, f"{base}/choose_category", {"action": "category:usager"}))
        follow(b, submit(b, f"{base}/identify_by_email", {"email": email}))
        answer = submit(b, f"{base}/verify_email_code", {"code": "000000", "action": action})
        return answer, follow(b, answer)

    return Variant("", run, (email,))


def _nouvelle_aquitaine(email: str) -> Variant:
    def run(b: Browser) -> tuple[Reply, Reply]:
        base = "/realms/nouvelle-aquitaine/recovery"
        follow(b, b.get(f"{base}/"))
        follow(b, submit(b, f"{base}/choose_category", {"action": "category:usager"}))
        answer = submit(b, f"{base}/identify_by_email", {"email": email})
        return answer, follow(b, answer)

    return Variant("", run, (email,))


def _metamots(identity: Mapping[str, str]) -> Variant:
    def run(b: Browser) -> tuple[Reply, Reply]:
        base = "/realms/metamots/recovery"
        follow(b, b.get(f"{base}/"))
        answer = submit(b, f"{base}/identify_by_attributes", identity)
        return answer, follow(b, answer)

    return Variant("", run, tuple(identity.values()))


def _uphf_number(path: str, number: str, birth: str, *, start: str | None = None) -> Variant:
    def run(b: Browser) -> tuple[Reply, Reply]:
        if start:
            follow(b, b.get(start))
        data = {"kind": "student_number", "number": number, "birth_date": birth}
        answer = submit(b, f"{path}?kind=student_number", data)
        return answer, follow(b, answer)

    return Variant("", run, (number,))


def _named(name: str, variant: Variant) -> Variant:
    variant.name = name
    return variant


UNKNOWN = "unknown account"


def entries(realms: set[str]) -> list[Entry]:
    found: list[Entry] = []

    def add(realm: str, name: str, expect: str, *variants: Variant) -> Entry:
        entry = Entry(realm, name, expect, list(variants))
        if realm in realms:
            found.append(entry)
        return entry

    wrong = "Identifiant ou mot de passe incorrect"

    # Sign-in forms: a wrong password for an account that exists (with and without a device
    # in jasmin) and for one that does not. Identifiers of the same shape.
    add(
        "jasmin",
        "sign-in form (wrong password)",
        wrong,
        _named("existing, with device", _sign_in("jasmin", "theo.lefebvre")),
        _named("existing, no device", _sign_in("jasmin", "camille.martin")),
        _named(UNKNOWN, _sign_in("jasmin", "claude.mercier")),
    )
    add(
        "metamots",
        "sign-in form (wrong password)",
        wrong,
        _named("existing", _sign_in("metamots", "sophie.bernard")),
        _named(UNKNOWN, _sign_in("metamots", "sylvie.bernier")),
    )
    add(
        "nouvelle-aquitaine",
        "sign-in form (wrong password)",
        wrong,
        _named("existing", _sign_in("nouvelle-aquitaine", "claire.fontaine@demarches.example")),
        _named(UNKNOWN, _sign_in("nouvelle-aquitaine", "claude.fontenay@demarches.example")),
    )
    add(
        "uphf",
        "sign-in form (wrong password)",
        wrong,
        _named("existing", _sign_in("uphf", "lea.dubois")),
        _named(UNKNOWN, _sign_in("uphf", "leo.dupuis")),
    )
    add(
        "uphf",
        "CAS sign-in form (wrong password)",
        wrong,
        _named("existing", _cas("lea.dubois")),
        _named(UNKNOWN, _cas("leo.dupuis")),
    )
    # Recovery entries.
    add(
        "jasmin",
        "recovery: captcha, then « Envoyer une notification »",
        'data-testid="match-number">{NUMBER}<',
        _named("existing, with device", _jasmin_push("theo.lefebvre")),
        _named("existing, no device", _jasmin_push("camille.martin")),
        _named(UNKNOWN, _jasmin_push("claude.mercier")),
    ).before_round = _past_the_push_window
    # The push cap (5 per 15 minutes): the sixth click must read the same for everyone.
    add(
        "jasmin",
        "recovery: the 6th « Envoyer une notification » (push cap)",
        "Trop de notifications ont été envoyées.",
        _named("existing, with device", _jasmin_push("theo.lefebvre", sends=6)),
        _named("existing, no device", _jasmin_push("camille.martin", sends=6)),
        _named(UNKNOWN, _jasmin_push("claude.mercier", sends=6)),
    ).before_round = _past_the_push_window
    add(
        "nouvelle-aquitaine",
        "recovery: identify_by_email",
        "un code de sécurité a été envoyé à votre adresse de messagerie",
        _named("existing", _nouvelle_aquitaine("claire.fontaine@gmail.example")),
        _named(UNKNOWN, _nouvelle_aquitaine("claude.fontenay@gmail.example")),
    )
    for method, code, label in (
        ("verify_totp", "000000", "« Entrer un code de mon application » (wrong code)"),
        (
            "verify_recovery_code",
            "AAAA-BBBB-CCCC-DDDD",
            "« Utiliser un code de récupération » (wrong code)",
        ),
    ):
        add(
            "jasmin",
            f"recovery: {label}",
            'name="code"',
            _named("existing, with device", _jasmin_code("theo.lefebvre", method, code)),
            _named("existing, no device", _jasmin_code("camille.martin", method, code)),
            _named(UNKNOWN, _jasmin_code("claude.mercier", method, code)),
        )
    add(
        "nouvelle-aquitaine",
        "recovery: verify_email_code (wrong code)",
        'name="code"',
        _named("existing", _nouvelle_aquitaine_code("claire.fontaine@gmail.example")),
        _named(UNKNOWN, _nouvelle_aquitaine_code("claude.fontenay@gmail.example")),
    )
    add(
        "nouvelle-aquitaine",
        "recovery: verify_email_code « Renvoyer le code » at once (cooldown)",
        "avant de demander un nouveau code",
        _named(
            "existing",
            _nouvelle_aquitaine_code("claire.fontaine@gmail.example", action="resend"),
        ),
        _named(UNKNOWN, _nouvelle_aquitaine_code("claude.fontenay@gmail.example", "resend")),
    )
    sophie = {
        "email": "sophie.bernard@entreprise.example",
        "first_name": "Sophie",
        "last_name": "Bernard",
        "country": "FR",
        "organisation_type": "Entreprise",
    }
    add(
        "metamots",
        "recovery: identify_by_attributes",
        "Demande prise en compte",
        _named("existing, all fields match", _metamots(sophie)),
        _named("existing, a name differs", _metamots({**sophie, "first_name": "Sophia"})),
        _named(UNKNOWN, _metamots({**sophie, "email": "sylvie.bernier@entreprise.example"})),
    )
    recovery = "/realms/uphf/recovery"
    add(
        "uphf",
        "recovery: identify_by_number_and_birth_date (wrong birth date)",
        "Les informations saisies ne permettent pas de vous identifier.",
        _named(
            "existing number",
            _uphf_number(
                f"{recovery}/identify_by_number_and_birth_date",
                "22104578",
                "01/01/2000",
                start=f"{recovery}/",
            ),
        ),
        _named(
            UNKNOWN,
            _uphf_number(
                f"{recovery}/identify_by_number_and_birth_date",
                "22109999",
                "01/01/2000",
                start=f"{recovery}/",
            ),
        ),
    )
    add(
        "uphf",
        "Sésame: « Récupérer mon identifiant » (wrong birth date)",
        "Les informations saisies ne permettent pas de vous identifier.",
        _named(
            "existing number",
            _uphf_number("/realms/uphf/sesame/identifiant", "22104578", "01/01/2000"),
        ),
        _named(UNKNOWN, _uphf_number("/realms/uphf/sesame/identifiant", "22109999", "01/01/2000")),
    )
    add(
        "uphf",
        "Sésame: « Activer mon compte » (account already active)",
        "ne permettent pas d",
        _named(
            "existing, right birth date",
            _uphf_number("/realms/uphf/sesame/activation", "22104578", "17/04/2003"),
        ),
        _named(UNKNOWN, _uphf_number("/realms/uphf/sesame/activation", "22109999", "17/04/2003")),
    )
    return found


# --- statistics ---------------------------------------------------------------------------


def bootstrap_diff(
    a: list[float], b: list[float], *, resamples: int = 2000, seed: int = 7
) -> tuple[float, float, float]:
    """Difference of means (a - b) and its bootstrap 95 % percentile interval."""
    rng = random.Random(seed)
    diffs = sorted(
        statistics.fmean(rng.choices(a, k=len(a))) - statistics.fmean(rng.choices(b, k=len(b)))
        for _ in range(resamples)
    )
    low, high = diffs[int(resamples * 0.025)], diffs[int(resamples * 0.975) - 1]
    return statistics.fmean(a) - statistics.fmean(b), low, high


def first_difference(a: str, b: str) -> str:
    """The first differing line (``-`` this variant, ``+`` the reference), blank lines and
    indentation aside; ``~`` when only whitespace differs."""
    left = [line.strip() for line in a.splitlines() if line.strip()]
    right = [line.strip() for line in b.splitlines() if line.strip()]
    if left == right:
        return "~ whitespace only"
    for line in difflib.unified_diff(left, right, lineterm="", n=0):
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---")):
            return line[:160]
    return ""


def report(entry: Entry) -> dict[str, Any]:
    reference = entry.variants[-1].name
    ref = entry.observations[reference]
    comparisons = []
    for variant in entry.variants[:-1]:
        mine = entry.observations[variant.name]
        answer_diff = next(
            (
                first_difference(m.answer, r.answer)
                for m, r in zip(mine, ref, strict=True)
                if m.answer != r.answer
            ),
            "",
        )
        page_diff = next(
            (
                first_difference(m.page, r.page)
                for m, r in zip(mine, ref, strict=True)
                if m.page != r.page
            ),
            "",
        )
        times = [o.elapsed_ms for o in mine]
        ref_times = [o.elapsed_ms for o in ref]
        diff, low, high = bootstrap_diff(times, ref_times)
        comparisons.append(
            {
                "variant": variant.name,
                "against": reference,
                "identical": not answer_diff and not page_diff,
                "answer_identical": not answer_diff,
                "page_identical": not page_diff,
                "first_difference": answer_diff or page_diff,
                "rounds": len(times),
                "median_ms": round(statistics.median(times), 2),
                "reference_median_ms": round(statistics.median(ref_times), 2),
                "mean_diff_ms": round(diff, 2),
                "ci95_ms": [round(low, 2), round(high, 2)],
                "timing_difference": not (low <= 0 <= high),
            }
        )
    return {"realm": entry.realm, "entry": entry.name, "comparisons": comparisons}


# --- running ------------------------------------------------------------------------------


def run(entries_: list[Entry], make_browser: Callable[[], Browser], rounds: int, seed: int) -> None:
    rng = random.Random(seed)
    for entry in entries_:
        if entry.before_round:
            entry.before_round(make_browser())
        # Warm-up, not recorded.
        _reached(entry, [observe(entry, v, make_browser()) for v in entry.variants])
        entry.observations = {v.name: [] for v in entry.variants}
        for _ in range(rounds):
            if entry.before_round:
                entry.before_round(make_browser())
            order = list(entry.variants)
            rng.shuffle(order)  # interleaved, in a random order each round
            seen = []
            for variant in order:
                seen.append(observe(entry, variant, make_browser()))
                entry.observations[variant.name].append(seen[-1])
            _reached(entry, seen)


@contextmanager
def in_process_idp(*, fast_hash: bool) -> Iterator[Callable[[], Browser]]:
    from flask_migrate import upgrade

    from idp import create_app
    from idp.demo import load_demo

    with tempfile.TemporaryDirectory() as tmp:
        config: dict[str, Any] = {
            "TESTING": True,
            "TEST_MODE": True,
            "TEST_CAPTCHA_ANSWER": CAPTCHA,
            "SECRET_KEY": "bench-no-enumeration-" + "z" * 32,
            "DATABASE_URL": f"sqlite:///{tmp}/idp.sqlite3",
            "INSTANCE_PATH": tmp,
            "BASE_URL": "http://127.0.0.1:5000",
            "RATELIMIT_ENABLED": False,
        }
        if fast_hash:
            config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=1024, ARGON2_PARALLELISM=1)
        app = create_app(config)
        with app.app_context():
            upgrade()
            list(load_demo())
        _enroll_in_process(app)
        yield lambda: InProcessBrowser(app)


def _enroll_in_process(app: Any) -> None:
    from idp.clock import now
    from idp.push.enrollment import create_offer
    from idp.realms.store import get_realm
    from idp.users.service import find_user
    from tests.idp.device_api.device import ProtocolDevice

    with app.app_context():
        user = find_user(get_realm("jasmin"), "theo.lefebvre")  # type: ignore[arg-type]
        uri = create_offer(user, base_url=app.config["BASE_URL"], now=now()).uri  # type: ignore[arg-type]
        from idp.extensions import db

        db.session.commit()
    device = ProtocolDevice(app.test_client(), now=_utcnow(), base=app.config["BASE_URL"])
    resp = device.enroll(uri)
    if resp.status_code != 201:
        raise SystemExit(f"enrollment failed: {resp.status_code}")


def _utcnow() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


@contextmanager
def loopback_idp(
    *, fast_hash: bool, server_env: Mapping[str, str] | None = None
) -> Iterator[Callable[[], Browser]]:
    from tests.e2e.conftest import start_idp, stop_idp
    from tests.idp.device_api.device import HttpClient, ProtocolDevice

    extra = {"IDP_RATELIMIT_ENABLED": "false"}
    if not fast_hash:  # the server's own argon2id cost (start_idp lowers it for tests)
        extra.update(
            IDP_ARGON2_TIME_COST="2", IDP_ARGON2_MEMORY_COST="19456", IDP_ARGON2_PARALLELISM="1"
        )
    extra.update(server_env or {})
    with tempfile.TemporaryDirectory() as tmp:
        live = start_idp(Path(tmp), **extra)
        try:
            uri = live.cli("device", "enroll-uri", "jasmin", "theo.lefebvre").stdout.strip()
            device = ProtocolDevice(HttpClient(live.base_url), now=_utcnow(), base=live.base_url)
            resp = device.enroll(uri.splitlines()[-1])
            if resp.status_code != 201:
                raise SystemExit(f"enrollment failed: {resp.status_code}")
            yield lambda: HttpBrowser(live.base_url)
        finally:
            stop_idp(live)


def check(
    *,
    rounds: int = 20,
    server: str = "loopback",
    realms: set[str] | None = None,
    fast_hash: bool = False,
    seed: int = 1,
    server_env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    chosen = realms or {"jasmin", "metamots", "nouvelle-aquitaine", "uphf"}
    todo = entries(chosen)
    if server == "inprocess":
        if server_env:
            raise SetupError("--server-env needs --server loopback")
        context = in_process_idp(fast_hash=fast_hash)
    else:
        context = loopback_idp(fast_hash=fast_hash, server_env=server_env)
    with context as make_browser:
        run(todo, make_browser, rounds, seed)
    results = [report(e) for e in todo]
    return {
        "server": server,
        "rounds": rounds,
        "normalised": list(NORMALISED),
        "identical": all(c["identical"] for r in results for c in r["comparisons"]),
        "entries": results,
    }


def render(data: dict[str, Any]) -> str:
    lines = [
        f"server: {data['server']}, rounds: {data['rounds']} per variant (interleaved), "
        f"normalised: {', '.join(data['normalised'])}",
        "",
        f"{'realm':<19} {'entry / variant vs unknown account':<58} {'bytes':<9} "
        f"{'median ms':>9} {'Δmean ms [95% CI]':>24}",
    ]
    for result in data["entries"]:
        lines.append(f"{result['realm']:<19} {result['entry']}")
        for c in result["comparisons"]:
            same = "identical" if c["identical"] else "DIFFERENT"
            ci = f"{c['mean_diff_ms']:+.2f} [{c['ci95_ms'][0]:+.2f}, {c['ci95_ms'][1]:+.2f}]"
            flag = " *" if c["timing_difference"] else ""
            lines.append(
                f"{'':<19}   {c['variant']:<56} {same:<9} {c['median_ms']:>9.2f} {ci:>24}{flag}"
            )
            if not c["identical"]:
                lines.append(f"{'':<22}first difference: {c['first_difference']}")
    lines.append("")
    lines.append(
        "* the 95 % interval of the difference of means excludes 0 (a timing difference at this "
        "sample size)"
    )
    lines.append("every entry answers identically" if data["identical"] else "ENUMERATION LEAK")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds per variant (1-500)")
    parser.add_argument("--server", choices=["loopback", "inprocess"], default="loopback")
    parser.add_argument("--realm", action="append", help="only this realm (repeatable)")
    parser.add_argument("--fast-hash", action="store_true", help="cheap argon2id (tests)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="IDP_KEY=VALUE",
        help="extra environment of the loopback server (repeatable), to compare settings",
    )
    parser.add_argument("--json", action="store_true", dest="as_json")
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= 500:
        parser.error("--rounds must be between 1 and 500")
    known = {"jasmin", "metamots", "nouvelle-aquitaine", "uphf"}
    unknown = set(args.realm or ()) - known
    if unknown:
        parser.error(f"unknown realm: {', '.join(sorted(unknown))}")
    server_env = {}
    for item in args.server_env:
        key, sep, value = item.partition("=")
        if not sep or not key.startswith("IDP_"):
            parser.error(f"--server-env takes IDP_KEY=VALUE, not {item!r}")
        server_env[key] = value
    data = check(
        server_env=server_env,
        rounds=args.rounds,
        server=args.server,
        realms=set(args.realm) if args.realm else None,
        fast_hash=args.fast_hash,
        seed=args.seed,
    )
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.as_json else render(data), end="")
    return 0 if data["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
