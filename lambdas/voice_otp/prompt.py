"""Invoked by the outbound Connect flow: returns the SSML that reads the caller's code, digit by digit.

The code is bound to the one outbound contact the Create trigger placed: it is revealed only to that
ContactId (recorded from ``StartOutboundVoiceContact``'s answer), only on a contact that API initiated
(``StartOutboundVoiceContact`` contacts have ``InitiationMethod`` ``API``; an inbound call with a spoofed
caller ID has ``INBOUND``), and at most twice. The contact carries no attribute naming the challenge, and the
code is never a contact attribute (those persist in the contact record and Contact Search): the flow
receives it only in ``$.External`` for the message block, with flow logging disabled beforehand.
https://docs.aws.amazon.com/connect/latest/adminguide/connect-lambda-functions.html
https://docs.aws.amazon.com/connect/latest/APIReference/API_StartOutboundVoiceContact.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas import coldstart  # first: no cyclic GC while the handler imports
from lambdas.common.core import aws  # noqa: F401 - boto3 before Powertools (see lambdas/coldstart.py)
from lambdas.common.core.handlers import fails_closed
from lambdas.common.core.logging import get_logger
from lambdas.events.base import MalformedEventError
from lambdas.events.connect import ContactFlowEvent
from lambdas.voice_otp.wiring import otp_store

if TYPE_CHECKING:  # typing only: the handler never needs Powertools' context class at runtime
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = get_logger("voice_otp_prompt")
OUTBOUND_API_INITIATION = "API"  # what StartOutboundVoiceContact contacts carry


class PromptUnavailable(Exception):
    """No code for this call; Connect takes the block's error branch (a polite goodbye)."""


def render_prompt(code: str) -> str:
    """SSML reading ``code`` slowly, digit by digit, twice."""
    spoken = '<break time="300ms"/>'.join(f'<say-as interpret-as="digits">{d}</say-as>' for d in code)
    return (
        '<speak><prosody rate="slow">'
        f'Your verification code is <break time="400ms"/>{spoken}.<break time="1s"/>'
        f'Again, your code is <break time="400ms"/>{spoken}.'
        "</prosody></speak>"
    )


@fails_closed(logger, "prompt", safe=(PromptUnavailable,), refusal=lambda: PromptUnavailable("prompt failed"))
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    """``{"prompt": SSML}`` for the outbound contact that delivers a code, and for no other contact."""
    try:
        flow_event = ContactFlowEvent(event)
        contact_id, initiation = flow_event.contact_id, flow_event.initiation_method
    except MalformedEventError as error:
        logger.warning("prompt requested with a malformed Connect event", extra={"problem": str(error)})
        raise PromptUnavailable("malformed Connect event") from None
    if initiation != OUTBOUND_API_INITIATION or not contact_id:  # an open AWS string, compared to the one we accept
        logger.warning("prompt requested by a contact that is not an OTP call",
                       extra={"contact_id": contact_id, "initiation_method": initiation})
        raise PromptUnavailable("not an outbound OTP call")
    try:
        code = otp_store(hashing=False).reveal_for_contact(contact_id)
    except Exception:  # DynamoDB or KMS failed: the operator gets the cause, the caller the flow's goodbye
        logger.exception("prompt unavailable: the code for this contact could not be read",
                         extra={"contact_id": contact_id})
        raise PromptUnavailable("code store unavailable") from None
    if code is None:
        logger.warning("prompt requested for a contact with no live code to reveal", extra={"contact_id": contact_id})
        raise PromptUnavailable("no live code for this contact")
    logger.info("prompt served", extra={"contact_id": contact_id})
    return {"prompt": render_prompt(code)}


coldstart.loaded()  # last: the handler is imported
