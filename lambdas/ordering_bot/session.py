"""The authenticated state of a chat session, held server-side as a signature the client cannot forge.

Lex session attributes are written by the client (``RecognizeText`` takes them), so ``auth=true`` proves
nothing. After a right code the hook adds ``authProof``: an expiry and an HMAC (the OTP core's key,
domain-separated) over the Lex session id, the user and that expiry. It is worthless in any other session,
for any other e-mail address, or after it expires; each authenticated turn re-signs it for another idle
period, so it lasts exactly as long as the Lex session it belongs to (``IdleSessionTTLInSeconds``).
"""

from __future__ import annotations

import hmac
import re

from lambdas.common.core import clock
from lambdas.common.otp.codes import CodeHasher

_LABEL = "ordering-bot-session"
_PROOF = re.compile(r"(?P<expiry>\d{1,12})\.(?P<mac>[0-9a-f]{64})")


class SessionProofs:
    """Mint and check ``authProof`` values."""

    def __init__(self, hasher: CodeHasher, ttl_seconds: int) -> None:
        self._hasher = hasher
        self._ttl = ttl_seconds

    def mint(self, *, session_id: str, user: str) -> str:
        """A proof that ``user`` proved their phone in ``session_id``, valid for one idle period from now."""
        expiry = int(clock.now()) + self._ttl
        return f"{expiry}.{self._mac(session_id, user, expiry)}"

    def valid(self, proof: object, *, session_id: str, user: str) -> bool:
        """True only for an unexpired proof minted for this session and this user (constant-time compare)."""
        match = _PROOF.fullmatch(proof) if isinstance(proof, str) else None
        if match is None:
            return False
        expiry = int(match["expiry"])
        expected = self._mac(session_id, user, expiry)
        return hmac.compare_digest(match["mac"], expected) and clock.now() < expiry

    def _mac(self, session_id: str, user: str, expiry: int) -> str:
        return self._hasher.mac(_LABEL, session_id, user, str(expiry))
