"""The authenticator's engine: plain Python, shared by the headless command and the Kivy GUI.

It imports ``shared`` (the wire protocol), requests, pyotp, pydantic and cryptography, never
Kivy, Flask or the IdP (``tests/test_import_boundaries.py``). Services take an injected clock
and randomness; every failure is an :class:`~authenticator_app.core.errors.AuthenticatorError`
with a stable ``code``.

- :mod:`.vault`, :mod:`.vault_crypto`, :mod:`.atomic_file`: the encrypted vault file;
- :mod:`.accounts`: :class:`Account`, :class:`PushDevice`, :class:`OtpParameters`;
- :mod:`.otpauth`, :mod:`.otp`: Key URIs and TOTP/HOTP codes;
- :mod:`.enrollment`: :class:`Enroller` (push enrollment and adding any account URI);
- :mod:`.device_identity`, :mod:`.device_client`: signing as the device, the device API;
- :mod:`.challenges`, :mod:`.decisions`, :mod:`.push_service`: verify, inbox, answer;
- :mod:`.sse`, :mod:`.events`, :mod:`.watcher`: the SSE stream of hints and watching it;
- :mod:`.summaries`: stable JSON views; :mod:`.catalog`: the user-facing messages;
- :mod:`.unlock`: the PIN from the environment or a prompt, for headless runs.
"""

from __future__ import annotations

from authenticator_app.core.accounts import Account, OtpParameters, PushDevice
from authenticator_app.core.challenges import ChallengeInbox, PendingChallenge, verify_challenge
from authenticator_app.core.device_client import DeviceClient
from authenticator_app.core.enrollment import Enroller
from authenticator_app.core.errors import AuthenticatorError
from authenticator_app.core.push_service import PushService
from authenticator_app.core.vault import Vault
from authenticator_app.core.vault_crypto import KdfParams
from authenticator_app.core.watcher import Watcher

__all__ = [
    "Account",
    "AuthenticatorError",
    "ChallengeInbox",
    "DeviceClient",
    "Enroller",
    "KdfParams",
    "OtpParameters",
    "PendingChallenge",
    "PushDevice",
    "PushService",
    "Vault",
    "Watcher",
    "verify_challenge",
]
