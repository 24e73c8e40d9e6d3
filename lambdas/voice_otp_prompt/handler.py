"""Invoked by the outbound Connect flow: returns the SSML that reads the caller's code, digit by digit.

The code is never a contact attribute (those persist in the contact record and Contact Search); the flow
receives it only in ``$.External`` for the message block, with flow logging disabled beforehand.
https://docs.aws.amazon.com/connect/latest/adminguide/connect-lambda-functions.html
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.connect_contact_flow_event import ConnectContactFlowEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common.logging import get_logger
from lambdas.common.voice_otp_factory import otp_store

logger = get_logger("voice_otp_prompt")
CHALLENGE_ATTRIBUTE = "challengeId"


class PromptUnavailable(Exception):
    """No live challenge for this call; Connect takes the block's error branch (a polite goodbye)."""


def render_prompt(code: str) -> str:
    """SSML reading ``code`` slowly, digit by digit, twice."""
    spoken = '<break time="300ms"/>'.join(f'<say-as interpret-as="digits">{d}</say-as>' for d in code)
    return (
        '<speak><prosody rate="slow">'
        f'Your verification code is <break time="400ms"/>{spoken}.<break time="1s"/>'
        f'Again, your code is <break time="400ms"/>{spoken}.'
        "</prosody></speak>"
    )


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    """``{"prompt": SSML}`` for the call's challenge, only to the number the challenge was issued for."""
    contact = ConnectContactFlowEvent(event).contact_data
    challenge_id = contact.attributes.get(CHALLENGE_ATTRIBUTE)
    destination = contact.customer_endpoint.address if contact.customer_endpoint else None
    if not isinstance(challenge_id, str) or not challenge_id or not destination:
        logger.warning("prompt requested without a challenge or a customer endpoint",
                       extra={"contact_id": contact.contact_id})
        raise PromptUnavailable("no challenge for this contact")
    code = otp_store().reveal_code(challenge_id=challenge_id, destination=destination)
    if code is None:
        logger.warning("prompt requested for a challenge that is not live", extra={"contact_id": contact.contact_id})
        raise PromptUnavailable("challenge is not live")
    logger.info("prompt served", extra={"contact_id": contact.contact_id})
    return {"prompt": render_prompt(code)}
