"""Custom-auth session sequencing: SRP_A → PASSWORD_VERIFIER → CUSTOM_CHALLENGE → tokens.

Pure functions over Cognito's session list, so the Define trigger makes no AWS calls. The per-session
attempt count here is only the session's view; the authoritative limits (per challenge, per user across
sessions, send rates) are enforced in ``common.otp`` against DynamoDB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"
SRP_A = "SRP_A"
PASSWORD_VERIFIER = "PASSWORD_VERIFIER"  # noqa: S105 - a Cognito challenge name
METADATA_PREFIX = "VOICE_OTP"
RESEND_KEY = "resend"


class SessionEntry(Protocol):
    """One element of Cognito's ``request.session`` (``lambdas.events.cognito.ChallengeResult`` fits)."""

    @property
    def challenge_name(self) -> str: ...
    @property
    def challenge_result(self) -> bool: ...
    @property
    def challenge_metadata(self) -> str | None: ...


@dataclass(frozen=True)
class Decision:
    """What the Define trigger answers."""

    challenge_name: str | None = None
    issue_tokens: bool = False
    fail_authentication: bool = False


FAIL = Decision(fail_authentication=True)


@dataclass(frozen=True)
class ChallengeRef:
    """Which OTP challenge a custom round used, kept in Cognito's ``challengeMetadata`` (never the code)."""

    challenge_id: str
    expires_at: int

    def to_metadata(self) -> str:
        """Serialise as ``VOICE_OTP:<id>:<expiry epoch seconds>``."""
        return f"{METADATA_PREFIX}:{self.challenge_id}:{self.expires_at}"

    @classmethod
    def parse(cls, metadata: str | None) -> ChallengeRef | None:
        """The reference in ``metadata``, or None when it is not one of ours."""
        if not metadata:
            return None
        parts = metadata.split(":")
        if len(parts) != 3 or parts[0] != METADATA_PREFIX or not parts[1] or not parts[2].isdigit():
            return None
        return cls(challenge_id=parts[1], expires_at=int(parts[2]))


def wants_resend(client_metadata: Mapping[str, str] | None) -> bool:
    """The client asked for a new code (``ClientMetadata={"resend": "true"}``) instead of answering."""
    return (client_metadata or {}).get(RESEND_KEY, "").lower() == "true"


def password_verified(session: Sequence[SessionEntry]) -> bool:
    """A password (SRP) step of this session succeeded: only then may a challenge hint at the user's number."""
    return any(entry.challenge_name == PASSWORD_VERIFIER and entry.challenge_result for entry in session)


def latest_challenge(session: Sequence[SessionEntry]) -> ChallengeRef | None:
    """The challenge of the most recent custom round, if any."""
    for entry in reversed(session):
        if entry.challenge_name == CUSTOM_CHALLENGE:
            return ChallengeRef.parse(entry.challenge_metadata)
    return None


def decide(  # noqa: PLR0911 - one early return per rule of the sequence reads best
    session: Sequence[SessionEntry],
    *,
    passwordless: bool,
    max_attempts: int,
    client_metadata: Mapping[str, str] | None = None,
) -> Decision:
    """The next step of the custom-auth flow for this session."""
    password_rounds = 0 if passwordless else 2
    prefix, custom = session[:password_rounds], session[password_rounds:]

    if not passwordless:
        if not prefix or prefix[0].challenge_name != SRP_A or not prefix[0].challenge_result:
            return FAIL
        if len(prefix) == 1:
            return Decision(challenge_name=PASSWORD_VERIFIER) if not custom else FAIL
        if prefix[1].challenge_name != PASSWORD_VERIFIER or not prefix[1].challenge_result:
            return FAIL

    if any(entry.challenge_name != CUSTOM_CHALLENGE for entry in custom):
        return FAIL  # an unexpected challenge type (SMS_MFA, a second SRP_A, ...) is never ours
    if custom and custom[-1].challenge_result:
        return Decision(issue_tokens=True)
    if custom and not wants_resend(client_metadata):
        current = custom[-1].challenge_metadata
        failures = sum(1 for entry in custom if entry.challenge_metadata == current)
        if failures >= max_attempts:
            return FAIL
    return Decision(challenge_name=CUSTOM_CHALLENGE)
