"""The voice-call OTP sign-in method: create a challenge and ring the user; verify the typed code.

Unknown users (Cognito ``userNotFound`` with PreventUserExistenceErrors) and users without a usable phone
number get a decoy: the same OTP store calls against a pseudonymous number, no phone call, a delay in place
of the call, and the same public parameters, so responses cannot enumerate users.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from lambdas.common import clock
from lambdas.common.auth_flow import ChallengeRef, SessionEntry, latest_challenge
from lambdas.common.delivery import DeliveryError, VoiceCallSender
from lambdas.common.errors import UserFacingError
from lambdas.common.logging import get_logger
from lambdas.common.otp import LockedOut, OtpError, OtpStore, ResendTooSoon, SendLimitExceeded, VerifyOutcome
from lambdas.common.phone import InvalidPhoneNumber, mask, validate_e164

logger = get_logger("voice_otp")

CHANNEL = "VOICE"
PHONE_ATTRIBUTE = "phone_number"
VERIFIED_ATTRIBUTE = "phone_number_verified"

_USER_MESSAGES: Mapping[type[OtpError], tuple[str, str]] = {
    LockedOut: ("LockedOut", "Too many failed attempts. Please try again later."),
    ResendTooSoon: ("ResendTooSoon", "Please wait a few seconds before asking for another code."),
    SendLimitExceeded: ("SendLimitExceeded", "Too many codes were requested. Please try again later."),
}
CALL_FAILED = "We could not call your phone right now. Please try again shortly."


@dataclass(frozen=True)
class Challenge:
    """What the Create trigger returns to Cognito."""

    public_parameters: dict[str, str]
    private_parameters: dict[str, str]
    metadata: str


class CallLatency:
    """Moving average of how long Connect takes to accept a call: the decoy path waits as long."""

    def __init__(self, initial: float = 0.15, weight: float = 0.2) -> None:
        self.value = initial
        self._weight = weight

    def observe(self, seconds: float) -> None:
        """Fold one measured call time into the average."""
        self.value += self._weight * (seconds - self.value)


class VoiceOtpMethod:
    """Create and verify voice-call OTP challenges for the Cognito custom-auth triggers."""

    def __init__(
        self,
        store: OtpStore,
        *,
        hmac_key: Callable[[], bytes],
        sender: Callable[[], VoiceCallSender] | None = None,
        pause: Callable[[float], None] = time.sleep,
        latency: CallLatency | None = None,
    ) -> None:
        self._store = store
        self._hmac_key = hmac_key
        self._sender = sender
        self._pause = pause
        self._latency = latency or CallLatency()

    def create(
        self,
        *,
        username: str,
        user_attributes: Mapping[str, str],
        user_not_found: bool,
        session: Sequence[SessionEntry],
        resend: bool,
    ) -> Challenge:
        """Reuse the live challenge of this session, or issue a new one and place the call."""
        real_number = None if user_not_found else _usable_number(user_attributes)
        destination = real_number or self._decoy_number(username)
        previous = latest_challenge(session)
        if previous and not resend and clock.now() < previous.expires_at:
            return self._challenge(previous, destination)  # a retry: no new call, no AWS call at all

        try:
            issued = self._store.issue(user=username, destination=destination)
        except OtpError as exc:
            refusal, message = _USER_MESSAGES.get(type(exc), ("Rejected", "Please try again later."))
            logger.info("otp issue refused", extra={"refusal": refusal})
            raise UserFacingError(message, code=refusal) from None
        ref = ChallengeRef(challenge_id=issued.challenge_id, expires_at=int(issued.expires_at))

        if real_number is None:
            self._pause(self._latency.value)
        else:
            self._call(real_number, ref)
        return self._challenge(ref, destination)

    def verify(self, *, username: str, private_parameters: Mapping[str, str], answer: object,
               resend: bool) -> bool:
        """True only for the right code on a live challenge of this user (a resend request is no answer)."""
        challenge_id = private_parameters.get("challengeId", "")
        if resend or not challenge_id:
            return False
        outcome = self._store.verify(challenge_id=challenge_id, user=username, code=answer)  # type: ignore[arg-type]
        logger.info("otp verified", extra={"outcome": outcome.value})
        return outcome is VerifyOutcome.OK

    def _call(self, number: str, ref: ChallengeRef) -> None:
        if self._sender is None:
            raise RuntimeError("voice sender is not configured for this function")
        started = time.monotonic()
        try:
            placed = self._sender().place_call(
                number,
                attributes={"challengeId": ref.challenge_id},
                client_token=ref.challenge_id,
            )
        except DeliveryError as exc:
            logger.error("voice call failed", extra={"reason": exc.reason, "detail": str(exc)})
            raise UserFacingError(CALL_FAILED, code="DeliveryFailed") from None
        self._latency.observe(time.monotonic() - started)
        logger.info("voice call placed", extra={"contact_id": placed.contact_id, "attempts": placed.attempts})

    def _challenge(self, ref: ChallengeRef, destination: str) -> Challenge:
        return Challenge(
            public_parameters={"channel": CHANNEL, "destination": mask(destination)},
            private_parameters={"challengeId": ref.challenge_id},
            metadata=ref.to_metadata(),
        )

    def _decoy_number(self, username: str) -> str:
        """A stable, plausible North American number derived from the username with the HMAC key."""
        digest = hmac.new(self._hmac_key(), b"decoy-number:" + username.encode(), hashlib.sha256).digest()
        digits = str(int.from_bytes(digest[:8], "big")).zfill(20)
        return f"+1{2 + int(digits[0]) % 8}{digits[1:10]}"


def _usable_number(user_attributes: Mapping[str, str]) -> str | None:
    """The user's verified E.164 number; an unverified number is never rung (it may not be theirs)."""
    if user_attributes.get(VERIFIED_ATTRIBUTE) != "true":
        return None
    try:
        return validate_e164(user_attributes.get(PHONE_ATTRIBUTE))
    except InvalidPhoneNumber:
        return None
