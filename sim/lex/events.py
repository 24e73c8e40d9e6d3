"""The Lex V2 code-hook contract: the Lambda input event, and validation of the Lambda's response.

Formats: https://docs.aws.amazon.com/lexv2/latest/dg/lambda-input-format.html and
https://docs.aws.amazon.com/lexv2/latest/dg/lambda-response-format.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.lex.errors import CodeHookResponseError
from sim.lex.fields import Field, FieldContext, spec
from sim.lex.model import BotLocale, Intent

DIALOG_ACTION_TYPES = frozenset({"Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot"})
INTENT_STATES = frozenset(
    {"Failed", "Fulfilled", "FulfillmentInProgress", "InProgress", "ReadyForFulfillment", "Waiting"}
)
CONFIRMATION_STATES = frozenset({"Confirmed", "Denied", "None"})
CONTENT_TYPES = frozenset({"PlainText", "SSML", "CustomPayload", "ImageResponseCard"})
SLOT_SHAPES = frozenset({"Scalar", "List"})
_NEEDS_INTENT = frozenset({"Close", "ConfirmIntent", "ElicitSlot"})
_NEEDS_MESSAGES = frozenset({"ConfirmIntent", "ElicitIntent"})
ELICITATION_STYLES = frozenset({"Default", "SpellByLetter", "SpellByWord"})
# The members each object of the response may have (lambda-response-format.html); any other is rejected.
_RESPONSE = spec({"sessionState", "messages", "requestAttributes"})
_SESSION_STATE = spec({"activeContexts", "sessionAttributes", "runtimeHints", "dialogAction", "intent",
                       "originatingRequestId"})  # fmt: skip
_DIALOG_ACTION = spec({"type", "slotToElicit", "slotElicitationStyle", "subSlotToElicit"})
_INTENT = spec({"name", "slots", "state", "confirmationState"})
_SLOT = spec({"shape", "value", "values", "subSlots"})
_VALUE = spec({"originalValue", "interpretedValue", "resolvedValues"})
_MESSAGE = spec({"contentType", "content", "imageResponseCard"})
_CARD = spec({"title", "subtitle", "imageUrl", "buttons"})
_CONTEXT = spec({"name", "timeToLive", "contextAttributes"})
_MAX_BUTTONS = 5
RESPONSE_CONTENT_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class BotIdentity:
    """The bot block of the event: which bot, alias, locale and version answered."""

    bot_id: str
    bot_name: str
    alias_id: str
    alias_name: str
    version: str
    locale_id: str

    def to_wire(self) -> dict[str, str]:
        """The event's "bot" object."""
        return {
            "id": self.bot_id,
            "name": self.bot_name,
            "aliasId": self.alias_id,
            "aliasName": self.alias_name,
            "localeId": self.locale_id,
            "version": self.version,
        }


def build_event(
    *,
    source: str,
    input_mode: str,
    session_id: str,
    input_transcript: str,
    bot: BotIdentity,
    interpretations: list[dict[str, Any]],
    proposed_next_state: dict[str, Any] | None,
    request_attributes: dict[str, str],
    session_state: dict[str, Any],
    invocation_label: str | None = None,
) -> dict[str, Any]:
    """The Lex V2 Lambda input event (messageVersion 1.0); ``invocationLabel`` only when the step has one."""
    event: dict[str, Any] = {
        "messageVersion": "1.0",
        "invocationSource": source,
        "inputMode": input_mode,
        "responseContentType": RESPONSE_CONTENT_TYPE,
        "sessionId": session_id,
        "inputTranscript": input_transcript,
        **({"invocationLabel": invocation_label} if invocation_label is not None else {}),
        "bot": bot.to_wire(),
        "interpretations": interpretations,
    }
    if proposed_next_state is not None:
        event["proposedNextState"] = proposed_next_state
    if request_attributes:
        event["requestAttributes"] = dict(request_attributes)
    event["sessionState"] = session_state
    if input_mode == "Speech":
        top = interpretations[0]["intent"]
        event["transcriptions"] = [
            {
                "transcription": input_transcript,
                "transcriptionConfidence": 1.0,
                "resolvedContext": {"intent": top["name"]},
                "resolvedSlots": {k: v for k, v in top.get("slots", {}).items() if v is not None},
            }
        ]
    return event


@dataclass(frozen=True)
class HookResponse:
    """A validated code-hook response."""

    action_type: str
    slot_to_elicit: str | None
    intent: dict[str, Any] | None
    messages: list[dict[str, Any]]
    session_attributes: dict[str, str] | None
    active_contexts: list[dict[str, Any]] | None
    request_attributes: dict[str, str] | None
    runtime_hints: dict[str, Any] | None = None
    slot_elicitation_style: str | None = None


def validate_response(response: Any, locale: BotLocale, *, source: str) -> HookResponse:
    """Check a code hook's response the way Lex does; CodeHookResponseError names the bad field."""
    ctx = FieldContext(lambda path, problem: CodeHookResponseError(path, problem, source=source))
    root = Field(response, "", ctx)
    root.obj(_RESPONSE)
    state = root.child("sessionState")
    state.obj(_SESSION_STATE)
    action = state.child("dialogAction")
    action.obj(_DIALOG_ACTION)
    action_type = action.child("type").one_of(DIALOG_ACTION_TYPES, "dialogAction.type")
    style = action.get("slotElicitationStyle")
    elicitation_style = style.one_of(ELICITATION_STYLES, "slotElicitationStyle") if style is not None else None
    intent_field = state.get("intent")
    if intent_field is None and action_type in _NEEDS_INTENT:
        state.child("intent").fail(f"required when dialogAction.type is {action_type}")
    intent = _intent(intent_field, locale, action_type) if intent_field is not None else None
    slot_to_elicit = _slot_to_elicit(action, action_type, intent, locale)
    messages = [_message(m) for m in root.child("messages").items()]
    if action_type in _NEEDS_MESSAGES and not messages:
        root.child("messages").fail(f"required when dialogAction.type is {action_type}")
    hints = state.get("runtimeHints")
    attributes = state.get("sessionAttributes")
    contexts = state.get("activeContexts")
    request_attributes = root.get("requestAttributes")
    return HookResponse(
        action_type=action_type,
        slot_to_elicit=slot_to_elicit,
        intent=intent,
        messages=messages,
        session_attributes=attributes.string_map() if attributes is not None else None,
        active_contexts=[_context(c) for c in contexts.items()] if contexts is not None else None,
        request_attributes=request_attributes.string_map() if request_attributes is not None else None,
        runtime_hints=_runtime_hints(hints) if hints is not None else None,
        slot_elicitation_style=elicitation_style,
    )


def _runtime_hints(field: Field) -> dict[str, Any]:
    """sessionState.runtimeHints: ``{"slotHints": {intent: {slot: {"runtimeHintValues": [{"phrase"}]}}}}``."""
    field.obj(spec({"slotHints"}))
    hints = field.get("slotHints")
    if hints is None:
        return {}
    by_intent: dict[str, Any] = {}
    for intent in hints.obj():
        slots = hints.child(intent)
        by_intent[intent] = {}
        for slot in slots.obj():
            hint = slots.child(slot)
            hint.obj(spec({"runtimeHintValues", "subSlotHints"}))
            values = hint.child("runtimeHintValues")
            phrases = []
            for value in values.items(min_items=1, max_items=100):
                value.obj(spec({"phrase"}))
                phrases.append({"phrase": value.child("phrase").text()})
            by_intent[intent][slot] = {"runtimeHintValues": phrases}
    return {"slotHints": by_intent}


def _intent(field: Field, locale: BotLocale, action_type: str) -> dict[str, Any]:
    """sessionState.intent: a known intent, valid state/confirmationState, well-formed slots."""
    field.obj(_INTENT)
    name_field = field.child("name")
    name = name_field.text()
    definition = locale.intent(name)
    if definition is None:
        name_field.fail(f"unknown intent {name!r}")
    intent: dict[str, Any] = {"name": name}
    state = field.get("state")
    if state is None and action_type == "Close":
        field.child("state").fail("required when dialogAction.type is Close")
    if state is not None:
        intent["state"] = state.one_of(INTENT_STATES, "intent state")
    confirmation = field.get("confirmationState")
    if confirmation is not None:
        intent["confirmationState"] = confirmation.one_of(CONFIRMATION_STATES, "confirmationState")
    slots = field.get("slots")
    intent["slots"] = _slots(slots, definition) if slots is not None else {}
    return intent


def _slots(field: Field, intent: Intent) -> dict[str, Any]:
    """intent.slots: every key a slot of the intent, every value null or a well-formed Slot."""
    slots: dict[str, Any] = {}
    for name in field.obj():
        slot_field = field.child(name)
        if intent.slot(name) is None:
            slot_field.fail(f"intent {intent.name!r} has no slot {name!r}")
        slots[name] = None if slot_field.value is None else _slot(slot_field)
    return slots


def _slot(field: Field) -> dict[str, Any]:
    """One Slot object: {shape, value {originalValue, interpretedValue, resolvedValues}, values}."""
    field.obj(_SLOT)
    shape_field = field.get("shape")
    shape = shape_field.one_of(SLOT_SHAPES, "slot shape") if shape_field is not None else "Scalar"
    slot: dict[str, Any] = {"shape": shape}
    value_field = field.get("value")
    if value_field is None and shape == "Scalar":
        field.child("value").fail("required for a Scalar slot")
    if value_field is not None:
        value_field.obj(_VALUE)
        value: dict[str, Any] = {}
        original = value_field.get("originalValue")
        if original is not None:
            value["originalValue"] = original.text(allow_empty=True)
        value["interpretedValue"] = value_field.child("interpretedValue").text(allow_empty=True)
        resolved = value_field.get("resolvedValues")
        value["resolvedValues"] = [r.text(allow_empty=True) for r in resolved.items()] if resolved else []
        slot["value"] = value
    if shape == "List":
        slot["values"] = [_slot(v) for v in field.child("values").items()]
    return slot


def _slot_to_elicit(action: Field, action_type: str, intent: dict[str, Any] | None, locale: BotLocale) -> str | None:
    """dialogAction.slotToElicit: required for ElicitSlot and must be a slot of the intent."""
    field = action.get("slotToElicit")
    if field is None:
        if action_type == "ElicitSlot":
            action.child("slotToElicit").fail("required when dialogAction.type is ElicitSlot")
        return None
    name = field.text()
    if action_type == "ElicitSlot" and intent is not None:
        definition = locale.intent(intent["name"])
        if definition is not None and definition.slot(name) is None:
            field.fail(f"intent {intent['name']!r} has no slot {name!r}")
    return name


def _message(field: Field) -> dict[str, Any]:
    """One message: contentType plus content, or an imageResponseCard for ImageResponseCard."""
    field.obj(_MESSAGE)
    content_type = field.child("contentType").one_of(CONTENT_TYPES, "contentType")
    if content_type != "ImageResponseCard":
        return {"contentType": content_type, "content": field.child("content").text()}
    card_field = field.child("imageResponseCard")
    card_field.obj(_CARD)
    card: dict[str, Any] = {"title": card_field.child("title").text()}
    for key in ("subtitle", "imageUrl"):
        optional = card_field.get(key)
        if optional is not None:
            card[key] = optional.text()
    buttons = card_field.get("buttons")
    if buttons is not None:
        card["buttons"] = [_button(b) for b in buttons.items(max_items=_MAX_BUTTONS)]
    message: dict[str, Any] = {"contentType": content_type, "imageResponseCard": card}
    content = field.get("content")
    if content is not None:
        message["content"] = content.text(allow_empty=True)
    return message


def _button(field: Field) -> dict[str, str]:
    """One response-card button."""
    field.obj(spec({"text", "value"}))
    return {"text": field.child("text").text(), "value": field.child("value").text()}


def _context(field: Field) -> dict[str, Any]:
    """One active context: name, timeToLive {timeToLiveInSeconds, turnsToLive}, contextAttributes."""
    field.obj(_CONTEXT)
    ttl = field.child("timeToLive")
    ttl.obj(spec({"timeToLiveInSeconds", "turnsToLive"}))
    return {
        "name": field.child("name").text(),
        "timeToLive": {
            "timeToLiveInSeconds": int(ttl.child("timeToLiveInSeconds").number(5, 86400, integer=True)),
            "turnsToLive": int(ttl.child("turnsToLive").number(1, 20, integer=True)),
        },
        "contextAttributes": field.child("contextAttributes").string_map(),
    }
