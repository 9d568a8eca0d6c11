"""SQLAlchemy models; import them all here so Alembic sees the whole metadata."""

from idp.models.audit import AuditEvent
from idp.models.cas import ServiceTicket
from idp.models.device import Challenge, Device, EnrollmentOfferRecord, UsedJti
from idp.models.flow import FlowState
from idp.models.jobs import PasswordJob, ResetLink, SupportRequest
from idp.models.mfa import RecoveryCode, SecondFactorLock
from idp.models.realm import Realm, RealmKey
from idp.models.user import PasswordHistory, User, UserAttribute

__all__ = [
    "AuditEvent",
    "Challenge",
    "Device",
    "EnrollmentOfferRecord",
    "FlowState",
    "PasswordHistory",
    "PasswordJob",
    "Realm",
    "RealmKey",
    "RecoveryCode",
    "ResetLink",
    "SecondFactorLock",
    "ServiceTicket",
    "SupportRequest",
    "UsedJti",
    "User",
    "UserAttribute",
]
