"""Cognito Define Auth Challenge trigger: sequences password then voice OTP, then tokens.

https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-define-auth-challenge.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas import coldstart  # first: no cyclic GC while the handler imports
from lambdas.common.core.errors import UNAVAILABLE, UserFacingError
from lambdas.common.core.handlers import fails_closed
from lambdas.common.core.logging import get_logger
from lambdas.common.otp.settings import otp_policy
from lambdas.events.base import MalformedEventError
from lambdas.events.cognito import DefineAuthChallengeEvent
from lambdas.voice_otp.auth_flow import decide
from lambdas.voice_otp.settings import auth_flow_settings

if TYPE_CHECKING:  # typing only: the handler never needs Powertools' context class at runtime
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = get_logger("define_auth_challenge")


@fails_closed(logger, "define auth challenge")
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer Cognito with the next challenge, tokens, or failure."""
    try:
        trigger = DefineAuthChallengeEvent(event)
        session, client_metadata = trigger.session, trigger.client_metadata
    except MalformedEventError as error:
        logger.warning("malformed Define Auth Challenge event", extra={"problem": str(error)})
        raise UserFacingError(UNAVAILABLE, code="MalformedEvent") from None
    decision = decide(
        session,
        passwordless=auth_flow_settings().passwordless,
        max_attempts=otp_policy().max_attempts,
        client_metadata=client_metadata,
    )
    trigger.answer(issue_tokens=decision.issue_tokens, fail_authentication=decision.fail_authentication,
                   challenge_name=decision.challenge_name)
    logger.info(
        "auth step decided",
        extra={"rounds": len(session), "next": decision.challenge_name,
               "issue_tokens": decision.issue_tokens, "fail": decision.fail_authentication},
    )
    return trigger.raw_event


coldstart.loaded()  # last: the handler is imported
