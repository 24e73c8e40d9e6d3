"""Cognito Verify Auth Challenge Response trigger: check the typed code against the OTP store.

https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-verify-auth-challenge-response.html
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    VerifyAuthChallengeResponseTriggerEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common.core.handlers import fails_closed
from lambdas.common.core.logging import get_logger
from lambdas.voice_otp.auth_flow import wants_resend
from lambdas.voice_otp.wiring import voice_otp_method

logger = get_logger("verify_auth_challenge")


@fails_closed(logger, "verify auth challenge")
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Set ``answerCorrect``; never echoes the answer."""
    trigger = VerifyAuthChallengeResponseTriggerEvent(event)
    request = trigger.request
    correct = voice_otp_method().verify(
        username=trigger.user_name,
        private_parameters=request.private_challenge_parameters,
        answer=request.challenge_answer,
        resend=wants_resend(request.client_metadata),
        user_not_found=bool(request.user_not_found),
    )
    trigger.response.answer_correct = correct
    return trigger.raw_event
