"""The voice-login bot's code hook (dialog and fulfillment) for every intent.

Lex sends the caller's slots here, including the PIN: the event is never logged, and neither are slot values,
transcripts or session attributes. Errors reach the caller as a safe sentence, never a trace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambdas import coldstart  # first: no cyclic GC while the handler imports
from lambdas.common.core import aws  # noqa: F401 - boto3 before Powertools (see lambdas/coldstart.py)
from lambdas.common.core.errors import InternalError
from lambdas.common.core.logging import get_logger
from lambdas.lexv2 import LexEvent, MalformedLexEventError, close
from lambdas.voice_login.intents import add_authorized_user, authenticate, help
from lambdas.voice_login.wiring import voice_login

if TYPE_CHECKING:  # typing only: the handler never needs Powertools' context class at runtime
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = get_logger("voice_login_fulfillment")

UNKNOWN_INTENT = "Sorry, I can't help with that here."
_ROUTES: dict[str, Callable[[LexEvent], dict[str, Any]]] = {
    "Authenticate": lambda event: authenticate.handle(event, voice_login()),
    "AddAuthorizedUser": lambda event: add_authorized_user.handle(event, voice_login()),
    "Help": help.handle,
    "FallbackIntent": help.fallback,
}
_ON_ERROR: dict[str, Callable[[LexEvent], dict[str, Any]]] = {
    "Authenticate": authenticate.unavailable,
    "AddAuthorizedUser": add_authorized_user.unavailable,
}


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Route the turn to its intent; a malformed event is refused, any other error becomes a spoken apology."""
    try:
        lex = LexEvent(event)
        name = lex.intent.name
        lex.session_attributes  # noqa: B018 - validate them now: every route reads them
    except MalformedLexEventError as exc:
        logger.warning("malformed Lex event", extra={"field": exc.field})
        raise InternalError(f"malformed Lex V2 event ({exc.field})") from None
    route = _ROUTES.get(name)
    if route is None:
        logger.warning("intent not handled here", extra={"intent": name[:100]})
        return close(lex.intent, "Failed", UNKNOWN_INTENT, session_attributes=lex.session_attributes)
    try:
        return route(lex)
    except MalformedLexEventError as exc:
        logger.warning("malformed Lex event", extra={"field": exc.field, "intent": name})
        raise InternalError(f"malformed Lex V2 event ({exc.field})") from None
    except Exception as exc:
        logger.error("voice-login turn failed", extra={"intent": name, "error": type(exc).__name__})
        fallback = _ON_ERROR.get(name)
        if fallback is None:
            raise InternalError("voice-login turn failed") from None
        return fallback(lex)


coldstart.loaded()  # last: the handler is imported
