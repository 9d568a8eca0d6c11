"""Why a recovery flow cannot go on; each has a stable code and a translated page."""

from __future__ import annotations

from datetime import datetime

from idp.errors import IdpError

__all__ = [
    "FlowChoiceInvalid",
    "FlowCompleted",
    "FlowError",
    "FlowExpired",
    "FlowLocked",
    "FlowMissing",
    "FlowStale",
]


class FlowError(IdpError):
    code = "flow_error"


class FlowMissing(FlowError):
    """No flow in this browser session (never started, or replaced by a newer one)."""

    code = "flow_missing"


class FlowExpired(FlowError):
    code = "flow_expired"


class FlowCompleted(FlowError):
    """The flow already ended (success or failure): it cannot be replayed."""

    code = "flow_completed"


class FlowStale(FlowError):
    """A form posted for an older step (back button, second tab)."""

    code = "flow_stale"


class FlowLocked(FlowError):
    """Too many failures for this identifier: recovery is locked for a while."""

    code = "flow_locked"

    def __init__(self, detail: str = "", *, until: datetime) -> None:
        super().__init__(detail)
        self.until = until


class FlowChoiceInvalid(FlowError):
    """A method the current step does not offer (a forged or stale choice)."""

    code = "flow_choice_invalid"
