"""Voice delivery: an outbound Amazon Connect call (``StartOutboundVoiceContact``) whose flow reads a code aloud.

The code itself never travels through Connect's API or contact attributes (both persist in the contact
record and Contact Search): the call carries no attributes, and the outbound flow fetches the prompt from a
Lambda (``lambdas.voice_otp.prompt``) that decrypts a copy sealed for that one contact.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.core import aws, clock
from lambdas.common.core.config import cached, load, setting
from lambdas.common.core.phone import validate_e164
from lambdas.common.delivery.errors import DeliveryError

# StartOutboundVoiceContact's default quota is 2 calls per second per instance: throttling is expected
# under bursts. Everything else is a configuration or destination problem that a retry will not fix.
RETRYABLE_CONNECT_ERRORS = frozenset({"ThrottlingException", "TooManyRequestsException", "InternalServiceException"})

# What each Connect failure means for an operator reading the log (the caller sees a generic message).
CONNECT_ERROR_MEANINGS: Mapping[str, str] = {
    "ThrottlingException": "Connect throttled StartOutboundVoiceContact (default quota: 2 calls/s)",
    "TooManyRequestsException": "Connect throttled StartOutboundVoiceContact (default quota: 2 calls/s)",
    "LimitExceededException": "the instance's concurrent active calls quota is reached",
    "DestinationNotAllowedException": "the destination country is not allowed by the instance's outbound settings",
    "OutboundContactNotPermittedException": "outbound calls are not enabled on the Connect instance",
    "ResourceNotFoundException": "the Connect instance, contact flow or source number does not exist",
    "InvalidParameterException": "a StartOutboundVoiceContact parameter was rejected",
    "InvalidRequestException": "the StartOutboundVoiceContact request was rejected",
    "InternalServiceException": "Connect had an internal error",
    "AccessDeniedException": "the function's role may not call StartOutboundVoiceContact on this flow",
}


@dataclass(frozen=True)
class VoiceSettings:
    """The Connect instance, outbound flow and caller ID used to place calls."""

    instance_id: str = setting("CONNECT_INSTANCE_ID")
    contact_flow_id: str = setting("CONNECT_CONTACT_FLOW_ID")
    source_phone_number: str = setting("CONNECT_SOURCE_PHONE_NUMBER")


@dataclass(frozen=True)
class PlacedCall:
    """An outbound call Connect accepted."""

    contact_id: str
    attempts: int


# What one outbound call must leave for the work after it (sealing the code copy: 1 KMS + 1 DynamoDB call,
# and the trigger's answer to Cognito) when it is started with a deadline.
RESERVE_AFTER_CALL_SECONDS = 1.0


class VoiceCallSender:
    """Places the outbound call with ``StartOutboundVoiceContact``, retrying throttling with full jitter.

    With ``time_left`` (seconds the caller may still spend, e.g. from the Lambda context), an attempt starts
    only if its worst case (the Connect client's connect + read timeouts, one SDK attempt) plus
    ``RESERVE_AFTER_CALL_SECONDS`` fits in what is left, and a backoff never sleeps past that point: the
    retries cannot outlast a Cognito trigger's 5 seconds.
    """

    def __init__(
        self,
        settings: VoiceSettings,
        *,
        max_attempts: int = 3,
        base_delay: float = 0.1,
        max_delay: float = 0.8,
        sleep: Callable[[float], None] = clock.sleep,
    ) -> None:
        validate_e164(settings.source_phone_number)
        self._settings = settings
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep

    def place_call(self, destination: str, *, client_token: str, attributes: Mapping[str, str] | None = None,
                   time_left: Callable[[], float] | None = None) -> PlacedCall:
        """Ring ``destination`` (E.164) and run the outbound flow with ``attributes`` (no secrets in them)."""
        validate_e164(destination)
        connect = aws.client("connect")
        needed = aws.CONNECT_ATTEMPT_WORST_CASE_SECONDS + RESERVE_AFTER_CALL_SECONDS
        for attempt in range(1, self._max_attempts + 1):
            if time_left is not None and time_left() < needed:
                raise DeliveryError(
                    f"outbound voice call not attempted (attempt {attempt}): too little time left in the "
                    f"trigger's budget for one more Connect attempt ({needed:.1f} s needed)",
                    reason="DeadlineReached", retryable=True,
                )
            try:
                response = connect.start_outbound_voice_contact(
                    DestinationPhoneNumber=destination,
                    ContactFlowId=self._settings.contact_flow_id,
                    InstanceId=self._settings.instance_id,
                    SourcePhoneNumber=self._settings.source_phone_number,
                    Attributes=dict(attributes or {}),
                    ClientToken=client_token,  # idempotent across our retries: one call, not two
                )
                return PlacedCall(contact_id=str(response["ContactId"]), attempts=attempt)
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
                retryable = code in RETRYABLE_CONNECT_ERRORS
                if not retryable or attempt == self._max_attempts:
                    meaning = CONNECT_ERROR_MEANINGS.get(code, "Connect rejected the call")
                    raise DeliveryError(
                        f"outbound voice call failed after {attempt} attempt(s): {code}: {meaning}",
                        reason=code,
                        retryable=retryable,
                    ) from None
            except BotoCoreError as exc:
                if attempt == self._max_attempts:
                    raise DeliveryError(
                        f"outbound voice call failed after {attempt} attempt(s): {type(exc).__name__}",
                        reason=type(exc).__name__,
                        retryable=True,
                    ) from None
            # Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"), capped to fit 5 s.
            delay = random.uniform(0, min(self._max_delay, self._base_delay * 2 ** attempt))  # noqa: S311
            if time_left is not None:
                delay = max(0.0, min(delay, time_left() - needed))
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


voice_settings = cached(lambda: load(VoiceSettings))
