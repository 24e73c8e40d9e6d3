"""Cognito Create Auth Challenge trigger: issue a voice OTP and ring the user (or reuse the live one).

https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-create-auth-challenge.html
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import CreateAuthChallengeTriggerEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common.core.errors import UNAVAILABLE, UserFacingError
from lambdas.common.core.handlers import fails_closed
from lambdas.common.core.logging import get_logger
from lambdas.voice_otp.auth_flow import CUSTOM_CHALLENGE, wants_resend
from lambdas.voice_otp.wiring import voice_otp_method

logger = get_logger("create_auth_challenge")


@fails_closed(logger, "create auth challenge")
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Fill the challenge parameters; errors reach the client as Cognito's UserLambdaValidationException."""
    trigger = CreateAuthChallengeTriggerEvent(event)
    request = trigger.request
    if request.challenge_name != CUSTOM_CHALLENGE:
        raise UserFacingError(UNAVAILABLE, code="UnexpectedChallenge")
    challenge = voice_otp_method().create(
        username=trigger.user_name,
        user_attributes=request.user_attributes,
        user_not_found=bool(request.user_not_found),
        session=request.session,
        resend=wants_resend(request.client_metadata),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    trigger.response.public_challenge_parameters = challenge.public_parameters
    trigger.response.private_challenge_parameters = challenge.private_parameters
    trigger.response.challenge_metadata = challenge.metadata
    return trigger.raw_event
