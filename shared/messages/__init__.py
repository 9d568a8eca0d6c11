"""The wire messages of the push protocol, one module per family.

:data:`MESSAGE_MODELS` names every model; the names are those of the JSON Schemas in
``docs/schemas/<name>.schema.json``. Signed messages (:class:`ProtocolMessage` subclasses) are
registered under their ``typ`` claim.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pydantic import BaseModel

from shared.messages.base import ProtocolMessage, WireModel, WireObject
from shared.messages.challenge import ChallengeContext, Matching, PushChallenge
from shared.messages.decision import PushDecision
from shared.messages.device_auth import (
    AUTHORIZATION_SCHEME,
    DeviceAuthToken,
    authorization_header,
    token_from_authorization,
)
from shared.messages.enrollment import (
    EnrollmentOffer,
    EnrollmentReceipt,
    EnrollmentRequest,
    TotpParameters,
)
from shared.messages.enrollment_uri import is_enrollment_uri
from shared.messages.error import ErrorBody
from shared.messages.events import ChallengeHint, PendingList

__all__ = [
    "AUTHORIZATION_SCHEME",
    "MESSAGE_MODELS",
    "SIGNED_MESSAGE_MODELS",
    "ChallengeContext",
    "ChallengeHint",
    "DeviceAuthToken",
    "EnrollmentOffer",
    "EnrollmentReceipt",
    "EnrollmentRequest",
    "ErrorBody",
    "Matching",
    "PendingList",
    "ProtocolMessage",
    "PushChallenge",
    "PushDecision",
    "TotpParameters",
    "WireModel",
    "WireObject",
    "authorization_header",
    "is_enrollment_uri",
    "token_from_authorization",
]

SIGNED_MESSAGE_MODELS: Mapping[str, type[ProtocolMessage]] = MappingProxyType(
    {
        model.message_type: model
        for model in (EnrollmentRequest, PushChallenge, PushDecision, DeviceAuthToken)
    }
)

MESSAGE_MODELS: Mapping[str, type[BaseModel]] = MappingProxyType(
    {
        "enrollment_offer": EnrollmentOffer,
        **SIGNED_MESSAGE_MODELS,
        "enrollment_receipt": EnrollmentReceipt,
        "challenge_hint": ChallengeHint,
        "pending_list": PendingList,
        "error": ErrorBody,
    }
)
