"""Lex V2 code hook of the ordering bot (dialog and fulfillment): GetFoodMenu and OTP-gated OrderFood.

https://docs.aws.amazon.com/lexv2/latest/dg/lambda-input-format.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas import coldstart  # first: no cyclic GC while the handler imports
from lambdas.common.core import aws  # noqa: F401 - boto3 before Powertools (see lambdas/coldstart.py)
from lambdas.common.core.logging import get_logger
from lambdas.lexv2 import LexEvent, MalformedLexEventError, elicit_intent
from lambdas.ordering_bot.messages import messages_for
from lambdas.ordering_bot.ordering import ENCRYPTED_PIN
from lambdas.ordering_bot.wiring import ordering_bot

if TYPE_CHECKING:  # typing only: the handler never needs Powertools' context class at runtime
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = get_logger("ordering_bot_hook")


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer one turn; a malformed event or an internal fault gets a safe re-prompt, never a trace."""
    try:
        lex = LexEvent(event)
        return ordering_bot().answer(lex)
    except MalformedLexEventError as exc:
        logger.warning("malformed Lex event", extra={"field": exc.field})
    except Exception:
        logger.exception("ordering hook failed")
    return _sorry(event)


def _sorry(event: Any) -> dict[str, Any]:
    """Ask what the user wants next, keeping whatever session attributes are well-formed (minus the PIN)."""
    state = _object(_object(event).get("sessionState"))
    attributes = _object(state.get("sessionAttributes"))
    kept = {k: v for k, v in attributes.items() if isinstance(k, str) and isinstance(v, str) and k != ENCRYPTED_PIN}
    locale = _object(_object(event).get("bot")).get("localeId")
    return elicit_intent(messages_for(locale if isinstance(locale, str) else "").unavailable,
                         session_attributes=kept)


def _object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


coldstart.loaded()  # last: the handler is imported
