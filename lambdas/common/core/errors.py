"""Errors split the way callers see them: user-facing (safe to show) versus internal (logged, hidden)."""

from __future__ import annotations

UNAVAILABLE = "Sign-in is temporarily unavailable. Please try again later."


class UserFacingError(Exception):
    """An error whose message is safe to show the caller (no secrets, no internal detail, no enumeration)."""

    def __init__(self, message: str, *, code: str = "Rejected") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class InternalError(Exception):
    """A fault on our side; the caller sees a generic message and operators see the log."""
