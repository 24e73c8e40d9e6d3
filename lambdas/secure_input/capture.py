"""Lex V2 code hook of the secure-input bot: validate the card number and ZIP, then seal both at once.

Each turn (``DialogCodeHook``) checks every slot Lex has filled: a card number must be 13-19 digits and pass
Luhn, a ZIP code 5 digits or ZIP+4. An invalid or unrecognised answer is asked for again with a fixed
message that never repeats what the caller said, at most ``MAX_RETRIES`` times per field; then the intent
fails with ``captureStatus=failed``. A valid card number stays in Lex's obfuscated slot (Lex holds every slot
value until the intent ends; this code stores it nowhere) until the ZIP is valid too. Fulfilment
(``FulfillmentCodeHook``) seals both values in one invocation with one KMS call (``sealing.seal``), clears the
slots so Connect never sees them, and returns only ciphertext and the card's last four digits in the
session attributes the flow copies into contact attributes.

https://docs.aws.amazon.com/lexv2/latest/dg/lambda.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lambdas import coldstart  # first: no cyclic GC while the handler imports
from lambdas.common.core import aws  # noqa: F401 - boto3 before Powertools (see lambdas/coldstart.py)
from lambdas.common.core.logging import get_logger
from lambdas.lexv2 import LexEvent, MalformedLexEventError, close, delegate, elicit_slot
from lambdas.secure_input.fields import CARD, FIELDS, Field, mask_card
from lambdas.secure_input.sealing import SealError, seal
from lambdas.secure_input.settings import seal_settings

if TYPE_CHECKING:  # typing only: the handler never needs Powertools' context class at runtime
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = get_logger("secure_input_capture")

INTENT = "CapturePayment"
MAX_RETRIES = 2  # after the first ask: three answers per field at most
# Session attributes this hook owns. Only these leave the hook; a stale one from an earlier capture is dropped.
STATUS, LAST4 = "captureStatus", "cardLast4"
CAPTURED, FAILED, ERROR = "captured", "failed", "error"
OUTPUTS = (STATUS, LAST4, *(f.ciphertext_attribute for f in FIELDS))
_CONTACT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,255}")  # Connect contact ids are UUIDs

RETRY_MESSAGES = {
    "card": "Sorry, that card number is not valid. Please say or key in the full card number, then press pound.",
    "zip": "Sorry, that is not a valid ZIP code. Please say or key in your five or nine digit billing ZIP code.",
}
FAILED_MESSAGE = "Sorry, we could not take your card details."
ERROR_MESSAGE = "Sorry, we cannot take your card details right now."
CAPTURED_MESSAGE = "Thank you. Your card details are recorded securely."


class CaptureEventError(Exception):
    """The event is not a Lex V2 event for this bot; Lex fails the turn and the flow takes its error branch."""


def _failures_key(field: Field) -> str:
    return f"{field.name}Failures"


def _failures(attributes: Mapping[str, str], field: Field) -> int:
    """Failed answers so far for ``field``; an unreadable count counts as exhausted (fail closed)."""
    raw = attributes.get(_failures_key(field), "0")
    return int(raw) if raw.isdigit() and len(raw) < 3 else MAX_RETRIES + 1


def _carried(attributes: Mapping[str, str]) -> dict[str, str]:
    """The session attributes to send back: everyone else's, without this hook's outputs of an earlier capture."""
    return {key: value for key, value in attributes.items() if key not in OUTPUTS}


def _reject(lex: LexEvent, attributes: dict[str, str], field: Field, problem: str) -> dict[str, Any]:
    """Count a failed answer for ``field``: ask again, or fail the capture once the retries are spent."""
    failures = _failures(attributes, field) + 1
    attributes[_failures_key(field)] = str(failures)
    logger.info("capture answer rejected", extra={"field": field.name, "problem": problem, "failures": failures})
    slots = tuple(f.slot for f in FIELDS)
    if failures > MAX_RETRIES:
        attributes[STATUS] = FAILED
        logger.warning("capture failed: retries exhausted", extra={"field": field.name})
        return close(lex.intent, "Failed", FAILED_MESSAGE, session_attributes=attributes, clear=slots)
    return elicit_slot(lex.intent, field.slot, RETRY_MESSAGES[field.name], session_attributes=attributes)



def _collect(lex: LexEvent, attributes: dict[str, str]) -> tuple[dict[str, str], dict[str, Any] | None]:
    """``(values, None)`` when every field holds a valid value, else ``({}, the answer to give now)``."""
    values: dict[str, str] = {}
    for field in FIELDS:
        raw = lex.intent.slot_value(field.slot)
        if raw:
            value = field.canonical(raw)
            problem = field.problem(value)
            if problem is not None:
                return {}, _reject(lex, attributes, field, problem)
            values[field.name] = value
        elif lex.slot_to_elicit == field.slot and not lex.is_fulfillment:
            return {}, _reject(lex, attributes, field, "unrecognised")  # asked, and Lex could not fill it
        else:
            return {}, delegate(lex.intent, session_attributes=attributes)  # not asked yet: the bot's prompt
    return values, None


def _fulfil(lex: LexEvent, attributes: dict[str, str], values: dict[str, str]) -> dict[str, Any]:
    """Seal both values (one KMS call) and hand back only ciphertext and the last four digits."""
    slots = tuple(f.slot for f in FIELDS)
    settings = seal_settings()
    try:
        sealed = seal(key_id=settings.key_id, deployment=settings.deployment, contact_id=lex.session_id,
                      values=values)
    except SealError as error:
        logger.error("capture could not seal the values", extra={"problem": str(error)})
        attributes[STATUS] = ERROR
        return close(lex.intent, "Failed", ERROR_MESSAGE, session_attributes=attributes, clear=slots)
    attributes.update({f.ciphertext_attribute: sealed[f.name] for f in FIELDS})
    attributes[LAST4] = mask_card(values[CARD.name])
    attributes[STATUS] = CAPTURED
    logger.info("capture sealed", extra={"fields": sorted(sealed), "contact_id": lex.session_id})
    return close(lex.intent, "Fulfilled", CAPTURED_MESSAGE, session_attributes=attributes, clear=slots)


def respond(lex: LexEvent) -> dict[str, Any]:
    """The code hook's answer to one Lex event."""
    attributes = _carried(lex.session_attributes)
    if lex.intent.name != INTENT:
        return delegate(lex.intent, session_attributes=attributes)
    if not _CONTACT_ID.fullmatch(lex.session_id):  # for a Connect call, Lex's session id is the contact id
        raise CaptureEventError("sessionId is not a contact id")
    values, answer = _collect(lex, attributes)
    if answer is not None:
        return answer
    if not lex.is_fulfillment:
        return delegate(lex.intent, session_attributes=attributes)  # both valid: Lex moves on to fulfilment
    return _fulfil(lex, attributes, values)


@logger.inject_lambda_context(log_event=False)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    """Lex V2 code hook entry point (dialog and fulfilment)."""
    try:
        return respond(LexEvent(event))
    except MalformedLexEventError as error:
        logger.warning("malformed Lex event", extra={"field": error.field})
        raise CaptureEventError(f"malformed Lex V2 event at {error.field}") from None
    except CaptureEventError as error:
        logger.warning("event refused", extra={"problem": str(error)})
        raise


coldstart.loaded()  # last: the handler is imported
