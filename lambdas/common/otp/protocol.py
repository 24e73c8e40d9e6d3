"""What code that issues and checks one-time codes needs of a store: depend on these, not on DynamoDB.

``common.otp.store.DynamoOtpStore`` implements all of them; tests and other stores implement what they need.
"""

from __future__ import annotations

from typing import Protocol

from lambdas.common.otp.model import IssuedOtp, UserStatus, VerifyOutcome
from lambdas.common.otp.policy import OtpPolicy


class OtpChallenges(Protocol):
    """Issue a code for a user and a destination, undo an undelivered send, verify an answer once."""

    def issue(self, *, user: str, destination: str, known_user: bool = True) -> IssuedOtp: ...
    def refund(self, issued: IssuedOtp) -> bool: ...
    def verify(self, *, challenge_id: str, user: str, code: object, known_user: bool = True) -> VerifyOutcome: ...


class SealedCodes(Protocol):
    """A copy of a code that only the one contact delivering it can reveal (the voice prompt)."""

    def seal_for_contact(self, issued: IssuedOtp, contact_id: str) -> None: ...
    def reveal_for_contact(self, contact_id: object) -> str | None: ...


class FailureAdministration(Protocol):
    """Read and clear a user's failure state (the audited administrator path)."""

    def status(self, user: str) -> UserStatus: ...
    def clear_failures(self, user: str) -> UserStatus: ...


class AttemptCounter(Protocol):
    """Failures of a secret checked elsewhere (a PIN): counted before the check, reset by a success."""

    def count_attempt(self, user: str, *, known_user: bool = False) -> None: ...
    def reset_failures(self, user: str) -> None: ...


class OtpStore(OtpChallenges, SealedCodes, FailureAdministration, AttemptCounter, Protocol):
    """Everything the DynamoDB store offers."""

    policy: OtpPolicy
