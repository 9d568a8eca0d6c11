"""SQLAlchemy models; import them all here so Alembic sees the whole metadata."""

from idp.models.admin_token import AdminToken
from idp.models.audit import AuditEvent
from idp.models.browser_session import BrowserSession
from idp.models.cas import ServiceTicket
from idp.models.device import Challenge, Device, EnrollmentOfferRecord
from idp.models.flow import FlowState
from idp.models.jobs import PasswordJob, ResetLink, SupportRequest
from idp.models.mfa import RecoveryCode, SecondFactorLock
from idp.models.oidc import (
    OidcAuthorizationCode,
    OidcClient,
    OidcConsent,
    OidcRsaKey,
    OidcToken,
)
from idp.models.realm import Realm, RealmKey
from idp.models.user import PasswordHistory, User, UserAttribute

__all__ = [
    "AdminToken",
    "AuditEvent",
    "BrowserSession",
    "Challenge",
    "Device",
    "EnrollmentOfferRecord",
    "FlowState",
    "OidcAuthorizationCode",
    "OidcClient",
    "OidcConsent",
    "OidcRsaKey",
    "OidcToken",
    "PasswordHistory",
    "PasswordJob",
    "Realm",
    "RealmKey",
    "RecoveryCode",
    "ResetLink",
    "SecondFactorLock",
    "ServiceTicket",
    "SupportRequest",
    "User",
    "UserAttribute",
]
