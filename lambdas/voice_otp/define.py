"""Cognito Define Auth Challenge trigger: sequences password then voice OTP, then tokens.

https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-define-auth-challenge.html
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import DefineAuthChallengeTriggerEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common.core.handlers import fails_closed
from lambdas.common.core.logging import get_logger
from lambdas.common.otp.settings import otp_policy
from lambdas.voice_otp.auth_flow import decide
from lambdas.voice_otp.settings import auth_flow_settings

logger = get_logger("define_auth_challenge")


@fails_closed(logger, "define auth challenge")
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer Cognito with the next challenge, tokens, or failure."""
    trigger = DefineAuthChallengeTriggerEvent(event)
    decision = decide(
        trigger.request.session,
        passwordless=auth_flow_settings().passwordless,
        max_attempts=otp_policy().max_attempts,
        client_metadata=trigger.request.client_metadata,
    )
    response = trigger.response
    response.issue_tokens = decision.issue_tokens
    response.fail_authentication = decision.fail_authentication
    if decision.challenge_name:
        response.challenge_name = decision.challenge_name
    logger.info(
        "auth step decided",
        extra={"rounds": len(trigger.request.session), "next": decision.challenge_name,
               "issue_tokens": decision.issue_tokens, "fail": decision.fail_authentication},
    )
    return trigger.raw_event
