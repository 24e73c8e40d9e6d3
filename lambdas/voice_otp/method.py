"""The voice-call OTP sign-in method: create a challenge and ring the user; verify the typed code.

Unknown users (Cognito ``userNotFound`` with PreventUserExistenceErrors) and users without a usable phone
number get a decoy: the same OTP store calls against a pseudonymous number, no phone call, a delay in place
of the call, and the same public parameters, so responses cannot enumerate users. A real user whose call
fails gets the same answer as one whose call went through (the send is refunded, so they can ask again at
once): a delivery error is never a signal that a user exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from lambdas.common.core import clock
from lambdas.common.core.errors import UNAVAILABLE, UserFacingError
from lambdas.common.core.logging import get_logger
from lambdas.common.core.phone import InvalidPhoneNumber, hint, validate_e164
from lambdas.common.delivery.errors import DeliveryError
from lambdas.common.delivery.protocol import VoiceCaller
from lambdas.common.otp.decoy import DeliveryLatency, decoy_number
from lambdas.common.otp.errors import (
    LockedOut,
    OtpError,
    ResendTooSoon,
    SendBudgetExhausted,
    SendLimitExceeded,
)
from lambdas.common.otp.model import IssuedOtp, VerifyOutcome
from lambdas.common.otp.protocol import OtpChallenges, SealedCodes
from lambdas.voice_otp.auth_flow import ChallengeRef, SessionEntry, latest_challenge, password_verified

logger = get_logger("voice_otp")

CHANNEL = "VOICE"
PHONE_ATTRIBUTE = "phone_number"
VERIFIED_ATTRIBUTE = "phone_number_verified"
HINT_DIGITS = 2  # shown only once a password has been verified; none in passwordless mode

_USER_MESSAGES: Mapping[type[OtpError], tuple[str, str]] = {
    LockedOut: ("LockedOut", "Too many failed attempts. Please try again later."),
    ResendTooSoon: ("ResendTooSoon", "Please wait a few seconds before asking for another code."),
    SendLimitExceeded: ("SendLimitExceeded", "Too many codes were requested. Please try again later."),
    SendBudgetExhausted: ("SendBudgetExhausted", UNAVAILABLE),
}


class VoiceOtpStore(OtpChallenges, SealedCodes, Protocol):
    """What the voice method needs of the OTP store: challenges, and a copy sealed for the call."""


@dataclass(frozen=True)
class Challenge:
    """What the Create trigger returns to Cognito."""

    public_parameters: dict[str, str]
    private_parameters: dict[str, str]
    metadata: str


CallLatency = DeliveryLatency  # the name the voice method and its tests use


class VoiceOtpMethod:
    """Create and verify voice-call OTP challenges for the Cognito custom-auth triggers."""

    def __init__(
        self,
        store: VoiceOtpStore,
        *,
        hmac_key: Callable[[], bytes],
        sender: Callable[[], VoiceCaller] | None = None,
        pause: Callable[[float], None] = clock.sleep,
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
        time_left: Callable[[], float] | None = None,
    ) -> Challenge:
        """Reuse the live challenge (of this session, or of the user inside the resend cooldown), or issue a
        new one and place the call. ``time_left`` bounds the call's retries (seconds, e.g. the Lambda's)."""
        real_number = None if user_not_found else _usable_number(user_attributes)
        destination = real_number or self._decoy_number(username)
        digits = HINT_DIGITS if password_verified(session) else 0
        previous = latest_challenge(session)
        if previous and not resend and clock.now() < previous.expires_at:
            return self._challenge(previous, destination, digits)  # a retry: no new call, no AWS call at all

        try:
            issued = self._store.issue(user=username, destination=destination, known_user=not user_not_found)
        except ResendTooSoon as exc:
            if exc.live is None:
                raise self._refusal(exc) from None
            logger.info("otp reused inside the resend cooldown")
            live = ChallengeRef(challenge_id=exc.live.challenge_id, expires_at=int(exc.live.expires_at))
            return self._challenge(live, destination, digits)
        except OtpError as exc:
            raise self._refusal(exc) from None
        ref = ChallengeRef(challenge_id=issued.challenge_id, expires_at=int(issued.expires_at))

        if real_number is None:
            self._pause(self._latency.value)
            self._store.seal_for_contact(issued, str(uuid.uuid4()))  # the same KMS and DynamoDB calls as a call
        else:
            self._call(real_number, issued, time_left)
        return self._challenge(ref, destination, digits)

    def verify(self, *, username: str, private_parameters: Mapping[str, str], answer: object,
               resend: bool, user_not_found: bool = False) -> bool:
        """True only for the right code on a live challenge of this user (a resend request is no answer)."""
        challenge_id = private_parameters.get("challengeId", "")
        if resend or not challenge_id:
            return False
        outcome = self._store.verify(challenge_id=challenge_id, user=username, code=answer,
                                     known_user=not user_not_found)
        logger.info("otp verified", extra={"outcome": outcome.value})
        return outcome is VerifyOutcome.OK

    def _refusal(self, exc: OtpError) -> UserFacingError:
        refusal, message = _USER_MESSAGES.get(type(exc), ("Rejected", UNAVAILABLE))
        logger.info("otp issue refused", extra={"refusal": refusal})
        return UserFacingError(message, code=refusal)

    def _call(self, number: str, issued: IssuedOtp, time_left: Callable[[], float] | None) -> None:
        if self._sender is None:
            raise RuntimeError("voice sender is not configured for this function")
        started = clock.now()  # the clock backoffs sleep on: a simulated wait counts too
        try:
            placed = self._sender().place_call(number, client_token=issued.challenge_id, time_left=time_left)
        except DeliveryError as exc:
            # The caller is answered exactly as if the call went through (an error here would tell an
            # attacker the user exists); the send is refunded so the user can ask again at once.
            refunded = self._store.refund(issued)
            logger.error("voice call failed", extra={"reason": exc.reason, "detail": str(exc), "refunded": refunded})
            return
        self._latency.observe(clock.now() - started)
        self._store.seal_for_contact(issued, placed.contact_id)
        logger.info("voice call placed", extra={"contact_id": placed.contact_id, "attempts": placed.attempts})

    def _challenge(self, ref: ChallengeRef, destination: str, digits: int) -> Challenge:
        return Challenge(
            public_parameters={"channel": CHANNEL, "destination": hint(destination, digits=digits)},
            private_parameters={"challengeId": ref.challenge_id},
            metadata=ref.to_metadata(),
        )

    def _decoy_number(self, username: str) -> str:
        """A stable, plausible number derived from the username with the HMAC key (never shown in full)."""
        return decoy_number(self._hmac_key(), username)


def _usable_number(user_attributes: Mapping[str, str]) -> str | None:
    """The user's verified E.164 number; an unverified number is never rung (it may not be theirs)."""
    if user_attributes.get(VERIFIED_ATTRIBUTE) != "true":
        return None
    try:
        return validate_e164(user_attributes.get(PHONE_ATTRIBUTE))
    except InvalidPhoneNumber:
        return None
