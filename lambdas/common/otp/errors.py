"""Refusals to issue a code: each says why, and when the caller may try again (never a secret)."""

from __future__ import annotations

from lambdas.common.otp.model import LiveChallenge


class OtpError(Exception):
    """Base for refusals to issue; ``retry_after`` seconds, when known."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LockedOut(OtpError):
    """Too many consecutive failures: no new code until the cool-off ends (or an administrator clears it)."""


class ResendTooSoon(OtpError):
    """A code was sent moments ago; ``live`` is that challenge when it can still be answered."""

    def __init__(self, message: str, retry_after: float | None = None, live: LiveChallenge | None = None) -> None:
        super().__init__(message, retry_after)
        self.live = live


class SendLimitExceeded(OtpError):
    """Too many codes sent to this user or this number in the hourly or daily window."""


class SendBudgetExhausted(OtpError):
    """The deployment-wide send budget is spent (a pumping attack, or a quota to raise)."""
