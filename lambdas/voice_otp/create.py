"""Cognito Create Auth Challenge trigger: issue a voice OTP and ring the user (or reuse the live one).

https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-create-auth-challenge.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas import coldstart  # first: no cyclic GC while the handler imports
from lambdas.common.core import aws  # noqa: F401 - boto3 before Powertools (see lambdas/coldstart.py)
from lambdas.common.core.errors import UNAVAILABLE, UserFacingError
from lambdas.common.core.handlers import fails_closed
from lambdas.common.core.logging import get_logger
from lambdas.events.base import MalformedEventError
from lambdas.events.cognito import CreateAuthChallengeEvent
from lambdas.voice_otp.auth_flow import CUSTOM_CHALLENGE, wants_resend
from lambdas.voice_otp.wiring import voice_otp_method

if TYPE_CHECKING:  # typing only: the handler never needs Powertools' context class at runtime
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = get_logger("create_auth_challenge")


@fails_closed(logger, "create auth challenge")
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Fill the challenge parameters; errors reach the client as Cognito's UserLambdaValidationException."""
    try:
        trigger = CreateAuthChallengeEvent(event)
        challenge_name = trigger.challenge_name
    except MalformedEventError as error:
        logger.warning("malformed Create Auth Challenge event", extra={"problem": str(error)})
        raise UserFacingError(UNAVAILABLE, code="MalformedEvent") from None
    if challenge_name != CUSTOM_CHALLENGE:
        raise UserFacingError(UNAVAILABLE, code="UnexpectedChallenge")
    challenge = voice_otp_method().create(
        username=trigger.user_name,
        user_attributes=trigger.user_attributes,
        user_not_found=trigger.user_not_found,
        session=trigger.session,
        resend=wants_resend(trigger.client_metadata),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    trigger.answer(public=challenge.public_parameters, private=challenge.private_parameters,
                   metadata=challenge.metadata)
    return trigger.raw_event


coldstart.loaded()  # last: the handler is imported
