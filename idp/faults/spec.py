"""What a fault is, and the validation of ``POST /_dev/faults`` bodies (stable error codes).

Body: ``{"kind": K, "device_id": D}`` or ``{"kind": K, "realm": R, "username": U}``, plus the
kind's parameters and an optional ``"times": N`` (fires N times, then is spent; default: until
cleared). Kinds and parameters:

========================  =====================================================================
``drop_hints``            events for the target are not delivered (challenge, superseded...)
``delay_hints``           ``delay_ms`` (1-60000): each event is delivered that much later
``duplicate_hints``       ``copies`` (2-5, default 2): each event is delivered that many times
``reorder_hints``         ``hold_ms`` (50-60000, default 2000): each event waits for the next
                          one of the device (delivered after it) or ``hold_ms``
``corrupt_signature``     the challenge's signature is altered, in events and in ``pending``
``stale_pending``         ``pending`` also lists the user's last *decided or superseded*
                          challenge, correctly signed again now (a replay)
``expired_pending``       ``pending`` also lists a correctly signed copy whose ``exp`` has passed
``fail_pending``          ``status`` (400-599): ``pending`` answers it (an ``ErrorBody``)
``fail_decisions``        ``status`` (400-599): ``decisions`` answers it, deciding nothing
``close_stream``          ``after_events`` (0-1000): the event stream ends after that many events
========================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["KINDS", "PARAMETERS", "FaultInputError", "FaultSpec", "parse_fault"]

# kind -> {parameter: (minimum, maximum, default or None when required)}
PARAMETERS: Final[dict[str, dict[str, tuple[int, int, int | None]]]] = {
    "drop_hints": {},
    "delay_hints": {"delay_ms": (1, 60_000, None)},
    "duplicate_hints": {"copies": (2, 5, 2)},
    "reorder_hints": {"hold_ms": (50, 60_000, 2000)},
    "corrupt_signature": {},
    "stale_pending": {},
    "expired_pending": {},
    "fail_pending": {"status": (400, 599, None)},
    "fail_decisions": {"status": (400, 599, None)},
    "close_stream": {"after_events": (0, 1000, None)},
}
KINDS: Final = tuple(PARAMETERS)
_TARGET: Final = frozenset({"device_id", "realm", "username"})
_COMMON: Final = frozenset({"kind", "times"}) | _TARGET
_MAX_TIMES: Final = 1000


class FaultInputError(ValueError):
    """A body ``/_dev/faults`` refuses: ``code`` is stable, ``field`` names the member."""

    def __init__(self, code: str, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


@dataclass(frozen=True, slots=True)
class FaultSpec:
    kind: str
    params: dict[str, int] = field(default_factory=dict)
    device_id: str | None = None
    realm: str | None = None
    username: str | None = None
    times: int | None = None


def _integer(body: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = body[name]
    # bool is an int in Python; JSON true is not a number.
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise FaultInputError(
            f"{name}_invalid", f"{name}: an integer from {low} to {high}", field=name
        )
    return value


def _text(body: Mapping[str, Any], name: str) -> str:
    value = body[name]
    if not isinstance(value, str) or not 0 < len(value) <= 120:
        raise FaultInputError(f"{name}_invalid", f"{name}: a non-empty string", field=name)
    return value


def parse_fault(body: object) -> FaultSpec:
    """The fault a body asks for, or :class:`FaultInputError` (the first problem found)."""
    if not isinstance(body, Mapping):
        raise FaultInputError("body_invalid", "a JSON object is expected")
    kind = body.get("kind")
    if kind is None:
        raise FaultInputError("kind_missing", "kind: one of " + ", ".join(KINDS), field="kind")
    if not isinstance(kind, str) or kind not in PARAMETERS:
        raise FaultInputError("kind_invalid", "kind: one of " + ", ".join(KINDS), field="kind")
    allowed = PARAMETERS[kind]
    for name in body:
        if name not in _COMMON and name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise FaultInputError(
                "field_unknown",
                f"{name}: not a parameter of {kind} (its parameters: {known})",
                field=str(name),
            )
    params: dict[str, int] = {}
    for name, (low, high, default) in allowed.items():
        if name in body:
            params[name] = _integer(body, name, low, high)
        elif default is None:
            raise FaultInputError(
                f"{name}_missing", f"{name}: required by {kind} ({low} to {high})", field=name
            )
        else:
            params[name] = default
    times = _integer(body, "times", 1, _MAX_TIMES) if "times" in body else None
    return _targeted(body, kind, params, times)


def _targeted(
    body: Mapping[str, Any], kind: str, params: dict[str, int], times: int | None
) -> FaultSpec:
    targets = _TARGET & body.keys()
    if not targets:
        raise FaultInputError("target_missing", "device_id, or realm and username")
    if "device_id" in targets and len(targets) > 1:
        raise FaultInputError(
            "target_ambiguous", "device_id, or realm and username, not both", field="device_id"
        )
    if "device_id" in targets:
        return FaultSpec(kind, params, device_id=_text(body, "device_id"), times=times)
    if targets != {"realm", "username"}:
        missing = "username" if "realm" in targets else "realm"
        raise FaultInputError(
            "target_missing", f"{missing}: a user is named by realm and username", field=missing
        )
    return FaultSpec(
        kind, params, realm=_text(body, "realm"), username=_text(body, "username"), times=times
    )
