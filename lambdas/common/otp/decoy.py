"""What keeps unknown users indistinguishable from known ones: a pseudonymous number and a delivery-time stand-in.

An unknown user (or one with no usable number) goes through the same OTP store calls as a known one, against
a number derived from their name with the HMAC key, and waits about as long as a real delivery takes instead
of being rung or texted. Every capability that sends a code (voice call, SMS) uses these two pieces.
"""

from __future__ import annotations

import hashlib
import hmac


def decoy_number(key: bytes, subject: str) -> str:
    """A stable, plausible E.164 number for ``subject`` (a username, an e-mail), never shown in full."""
    digest = hmac.new(key, b"decoy-number:" + subject.encode(), hashlib.sha256).digest()
    digits = str(int.from_bytes(digest[:8], "big")).zfill(20)
    return f"+1{2 + int(digits[0]) % 8}{digits[1:10]}"


class DeliveryLatency:
    """Moving average of how long the provider takes to accept a call or a message: the decoy waits as long."""

    def __init__(self, initial: float = 0.15, weight: float = 0.2) -> None:
        self.value = initial
        self._weight = weight

    def observe(self, seconds: float) -> None:
        """Fold one measured delivery time into the average."""
        self.value += self._weight * (seconds - self.value)
