"""Codes and keyed hashes: a CSPRNG draw uniform over every code, and HMAC-SHA-256 under a secret key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

CODE_LENGTHS = range(6, 11)


def new_code(length: int) -> str:
    """Uniform over all ``length``-digit strings, leading zeros included."""
    return f"{secrets.randbelow(10**length):0{length}d}"


def well_formed(code: object) -> bool:
    """``code`` could be a code at all: 6 to 10 ASCII digits (anything else is simply wrong)."""
    return isinstance(code, str) and len(code) in CODE_LENGTHS and code.isascii() and code.isdigit()


class CodeHasher:
    """HMAC-SHA-256 under a key kept outside the data it protects, domain-separated per use."""

    def __init__(self, key: Callable[[], bytes]) -> None:
        """``key`` returns the HMAC key (a cached Secrets Manager value), read only when a hash is needed."""
        self._key = key

    def mac(self, label: str, *parts: str) -> str:
        """The hex HMAC of ``parts``, separated by NUL and prefixed with ``label``."""
        return hmac.new(self._key(), "\x00".join((label, *parts)).encode(), hashlib.sha256).hexdigest()

    def code(self, challenge_id: str, code: str) -> str:
        """Bound to the challenge id, so a stored hash is worthless for any other challenge."""
        return self.mac("otp-code", challenge_id, code)

    def destination(self, number: str) -> str:
        """A pseudonymous key for a phone number (send limits per number, without storing the number)."""
        return self.mac("otp-destination", number)
