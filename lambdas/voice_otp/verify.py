"""Cognito Verify Auth Challenge Response trigger: check the typed code against the OTP store.

https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-verify-auth-challenge-response.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas import coldstart  # first: no cyclic GC while the handler imports
from lambdas.common.core import aws  # noqa: F401 - boto3 before Powertools (see lambdas/coldstart.py)
from lambdas.common.core.handlers import fails_closed
from lambdas.common.core.logging import get_logger
from lambdas.events.cognito import VerifyAuthChallengeEvent
from lambdas.voice_otp.auth_flow import wants_resend
from lambdas.voice_otp.wiring import voice_otp_method

if TYPE_CHECKING:  # typing only: the handler never needs Powertools' context class at runtime
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = get_logger("verify_auth_challenge")


@fails_closed(logger, "verify auth challenge")
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Set ``answerCorrect``; never echoes the answer."""
    trigger = VerifyAuthChallengeEvent(event)
    correct = voice_otp_method().verify(
        username=trigger.user_name,
        private_parameters=trigger.private_challenge_parameters,
        answer=trigger.challenge_answer,
        resend=wants_resend(trigger.client_metadata),
        user_not_found=trigger.user_not_found,
    )
    trigger.answer(correct=correct)
    return trigger.raw_event


coldstart.loaded()  # last: the handler is imported
