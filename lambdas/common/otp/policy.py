"""The OTP policy: every limit, bounded to what NIST SP 800-63B rev 4 and OWASP ASVS 5 allow."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

DAY_SECONDS = 86_400
MAX_LOCKOUT_SECONDS = DAY_SECONDS   # the lockout doubles per step up to this


@dataclass(frozen=True)
class OtpPolicy:
    """Every OTP limit, bounded to what NIST/OWASP allow (bounds in ``POLICY_BOUNDS``)."""

    length: int = 6                      # digits
    ttl_seconds: int = 300               # validity of one code
    max_attempts: int = 3                # answers per challenge
    lockout_threshold: int = 10          # consecutive failures per lockout step
    lockout_seconds: int = 900           # first lockout; doubles with each further step, up to a day
    failure_ceiling: int = 100           # consecutive failures that lock until an administrator clears them
    resend_cooldown_seconds: int = 30    # inside it, the live challenge is reused: no new call
    send_limit: int = 5                  # per user AND per destination, per window
    send_window_seconds: int = 3600
    daily_send_limit: int = 10           # per user AND per destination, per 24 hours
    global_sends_per_minute: int = 30    # deployment-wide send budget (token bucket refill) ...
    global_send_burst: int = 30          # ... and bucket size

    def __post_init__(self) -> None:
        """Refuse any limit outside its bounds (ValueError naming the field)."""
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            low, high = POLICY_BOUNDS[field.name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"OtpPolicy.{field.name} must be an integer {low}..{high}, got {value!r}")
        if self.failure_ceiling < self.lockout_threshold:
            raise ValueError(f"OtpPolicy.failure_ceiling must be >= lockout_threshold ({self.lockout_threshold}), "
                             f"got {self.failure_ceiling}")

    def lockout_for(self, failures: int) -> float | None:
        """How long ``failures`` consecutive failures lock for: None between steps, inf at the ceiling."""
        if failures >= self.failure_ceiling:
            return float("inf")
        if failures <= 0 or failures % self.lockout_threshold:
            return None
        step = failures // self.lockout_threshold
        return float(min(self.lockout_seconds * 2 ** (step - 1), MAX_LOCKOUT_SECONDS))


# Inclusive bounds of every policy field: NIST SP 800-63B rev 4 (≥ 6 digits, ≤ 100 consecutive failures),
# OWASP ASVS 5 §6.6 (short validity), and ceilings that keep a misconfiguration from opening a pump.
POLICY_BOUNDS: Mapping[str, tuple[int, int]] = {
    "length": (6, 10),
    "ttl_seconds": (30, 600),
    "max_attempts": (1, 10),
    "lockout_threshold": (1, 100),
    "lockout_seconds": (1, MAX_LOCKOUT_SECONDS),
    "failure_ceiling": (1, 100),
    "resend_cooldown_seconds": (0, 600),
    "send_limit": (1, 20),
    "send_window_seconds": (60, DAY_SECONDS),
    "daily_send_limit": (1, 50),
    "global_sends_per_minute": (1, 6000),
    "global_send_burst": (1, 6000),
}
