"""What the OTP store hands back: issued challenges, live challenges, a user's state, verification outcomes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class SendReceipt:
    """What ``issue`` wrote to the send counters, so ``refund`` can undo exactly that."""

    user_pk: str
    user_seq: int
    user_before: dict[str, Any]
    dest_pk: str
    dest_seq: int
    dest_before: dict[str, Any]
    known_user: bool


@dataclass(frozen=True)
class IssuedOtp:
    """A new challenge: its id, the code to deliver (never in the repr) and its expiry (epoch seconds)."""

    challenge_id: str
    code: str = dataclasses.field(repr=False)
    expires_at: float
    receipt: SendReceipt | None = dataclasses.field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class LiveChallenge:
    """A user's challenge that is still answerable."""

    challenge_id: str
    expires_at: float


@dataclass(frozen=True)
class UserStatus:
    """What an administrator sees of one user's OTP state (never a code)."""

    failures: int
    locked_until: float | None
    needs_administrator: bool


class VerifyOutcome(StrEnum):
    """The result of one verification attempt."""

    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"       # attempt limit for this challenge reached
    USED = "used"                 # already consumed (also: lost a concurrent race)
    LOCKED = "locked"             # per-user failure lockout in force (or the ceiling reached)
    NOT_FOUND = "not_found"       # unknown challenge or not this user's
    CONTENDED = "contended"       # concurrent writes kept winning; nothing was checked
