"""Read-only, typed views over the Lex V2 Lambda input event (messageVersion 1.0).

Format: https://docs.aws.amazon.com/lexv2/latest/dg/lambda-input-format.html

Every accessor checks the type it returns: an event that is not what Lex sends raises
:class:`MalformedLexEventError` naming the field, never a ``KeyError`` or ``AttributeError`` deep in a
handler. Open AWS strings (invocation sources, input modes, intent states) are returned as strings, not
closed enums: Lex adds values over time.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

# Lex V2 caps one session attribute value and an utterance far below this; anything longer is not Lex.
MAX_TEXT_CHARS = 8_192


class MalformedLexEventError(ValueError):
    """The event does not have the shape Lex V2 sends; ``field`` names the first field at fault."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"malformed Lex V2 event: {field} {problem}")
        self.field = field


def _mapping(value: Any, field: str, *, optional: bool = False) -> Mapping[str, Any]:
    if value is None and optional:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedLexEventError(field, "must be an object")
    return value


def _text(value: Any, field: str, *, optional: bool = False) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise MalformedLexEventError(field, "must be a string")
    if len(value) > MAX_TEXT_CHARS:
        raise MalformedLexEventError(field, f"is longer than {MAX_TEXT_CHARS} characters")
    return value


def _string_map(value: Any, field: str) -> dict[str, str]:
    raw = _mapping(value, field, optional=True)
    out: dict[str, str] = {}
    for key, item in raw.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise MalformedLexEventError(field, "must map strings to strings")
        out[key] = _text(item, f"{field}.{key}")
    return out


class Slot:
    """One slot of an intent: the caller's words, Lex's interpretation and its resolved values."""

    def __init__(self, raw: Mapping[str, Any], field: str) -> None:
        self._field = field
        self._value = _mapping(raw.get("value"), f"{field}.value", optional=True)
        self.shape = _text(raw.get("shape"), f"{field}.shape", optional=True) or "Scalar"

    @property
    def original_value(self) -> str:
        """What the caller said or typed for the slot."""
        return _text(self._value.get("originalValue"), f"{self._field}.value.originalValue", optional=True)

    @property
    def interpreted_value(self) -> str:
        """Lex's interpretation of the value ("" when it has none)."""
        return _text(self._value.get("interpretedValue"), f"{self._field}.value.interpretedValue", optional=True)

    @property
    def resolved_values(self) -> list[str]:
        """The slot type values the input resolved to (synonyms map to their sample value)."""
        raw = self._value.get("resolvedValues") or []
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise MalformedLexEventError(f"{self._field}.value.resolvedValues", "must be a list of strings")
        return list(raw)

    @property
    def value(self) -> str:
        """The value to act on: the first resolved value, else the interpreted value."""
        resolved = self.resolved_values
        return resolved[0] if resolved else self.interpreted_value


# The values Lex accepts in a response's ``sessionState.intent`` (it may send more one day: those are read, not echoed).
RESPONSE_CONFIRMATION_STATES = frozenset({"Confirmed", "Denied", "None"})
RESPONSE_INTENT_STATES = frozenset({"Failed", "Fulfilled", "FulfillmentInProgress", "InProgress",
                                    "ReadyForFulfillment", "Waiting"})


class Intent:
    """The intent in the session state: name, state, confirmation and slots."""

    def __init__(self, raw: Mapping[str, Any], field: str = "sessionState.intent") -> None:
        self.raw = raw
        self._field = field
        self.name = _text(raw.get("name"), f"{field}.name")
        if not self.name:  # Lex always names the intent; a response naming none is one Lex rejects
            raise MalformedLexEventError(f"{field}.name", "must not be empty")
        self.state = _text(raw.get("state"), f"{field}.state", optional=True)
        self.confirmation_state = (
            _text(raw.get("confirmationState"), f"{field}.confirmationState", optional=True) or "None"
        )
        self._slots = _mapping(raw.get("slots"), f"{field}.slots", optional=True)

    def slot(self, name: str) -> Slot | None:
        """The slot ``name`` when it holds a value, else ``None``."""
        raw = self._slots.get(name)
        if raw is None:
            return None
        slot = Slot(_mapping(raw, f"{self._field}.slots.{name}"), f"{self._field}.slots.{name}")
        return slot if slot.interpreted_value or slot.original_value or slot.resolved_values else None

    def slot_value(self, name: str) -> str:
        """The value of slot ``name`` ("" when unfilled)."""
        slot = self.slot(name)
        return slot.value if slot else ""

    def to_wire(self, *, state: str | None = None, clear: tuple[str, ...] = ()) -> dict[str, Any]:
        """This intent as the response's ``sessionState.intent``, optionally with a new state and cleared slots."""
        wire = copy.deepcopy(dict(self.raw))
        slots = dict(wire.get("slots") or {})
        for name in slots:
            slot = self.slot(name)
            if slot is None:  # unfilled, however the event spelled it: Lex wants null back
                slots[name] = None
            elif slot.shape == "Scalar":  # rebuilt from what was read: Lex refuses a value without interpretedValue
                resolved = slot.resolved_values
                interpreted = slot.interpreted_value or (resolved[0] if resolved else "") or slot.original_value
                slots[name] = {"shape": "Scalar", "value": {"originalValue": slot.original_value or interpreted,
                                                            "interpretedValue": interpreted,
                                                            "resolvedValues": resolved}}
            else:  # a list slot, echoed as sent once all of it has been read (a malformed one is refused)
                slot.original_value, slot.interpreted_value, slot.resolved_values  # noqa: B018
        for name in clear:
            slots[name] = None
        wire["slots"] = slots
        # Echo only what Lex accepts back: an odd value in the event must not make Lex reject the whole answer.
        confirmation = self.confirmation_state
        wire["confirmationState"] = confirmation if confirmation in RESPONSE_CONFIRMATION_STATES else "None"
        if state is not None:
            wire["state"] = state
        elif self.state in RESPONSE_INTENT_STATES:
            wire["state"] = self.state
        else:
            wire.pop("state", None)
        return wire


class LexEvent:
    """The Lex V2 code-hook input event. Construct once per invocation; it validates lazily, per field."""

    def __init__(self, raw: Any) -> None:
        self.raw = _mapping(raw, "event")
        self._state = _mapping(self.raw.get("sessionState"), "sessionState")
        self.intent = Intent(_mapping(self._state.get("intent"), "sessionState.intent"))

    @property
    def invocation_source(self) -> str:
        """``DialogCodeHook`` or ``FulfillmentCodeHook``."""
        return _text(self.raw.get("invocationSource"), "invocationSource")

    @property
    def is_fulfillment(self) -> bool:
        """True when Lex asks the hook to fulfil the intent."""
        return self.invocation_source == "FulfillmentCodeHook"

    @property
    def invocation_label(self) -> str:
        """The ``InvocationLabel`` of the dialog step whose code hook this is ("" when the step has none)."""
        return _text(self.raw.get("invocationLabel"), "invocationLabel", optional=True)

    @property
    def input_mode(self) -> str:
        """``Text``, ``Speech`` or ``DTMF``."""
        return _text(self.raw.get("inputMode"), "inputMode", optional=True) or "Text"

    @property
    def session_id(self) -> str:
        """The runtime session id (for Connect, the contact id)."""
        return _text(self.raw.get("sessionId"), "sessionId")

    @property
    def input_transcript(self) -> str:
        """What the user said or typed this turn (may hold a secret: never log it)."""
        return _text(self.raw.get("inputTranscript"), "inputTranscript", optional=True)

    @property
    def locale_id(self) -> str:
        """The bot locale answering, e.g. ``en_US``."""
        bot = _mapping(self.raw.get("bot"), "bot")
        return _text(bot.get("localeId"), "bot.localeId")

    @property
    def bot_name(self) -> str:
        """The bot's name."""
        bot = _mapping(self.raw.get("bot"), "bot")
        return _text(bot.get("name"), "bot.name", optional=True)

    @property
    def session_attributes(self) -> dict[str, str]:
        """A copy of the session attributes (client-writable through RecognizeText: never trust them)."""
        return _string_map(self._state.get("sessionAttributes"), "sessionState.sessionAttributes")

    @property
    def request_attributes(self) -> dict[str, str]:
        """The request attributes (for Connect: ``x-amz-lex:*`` and contact attributes passed in)."""
        return _string_map(self.raw.get("requestAttributes"), "requestAttributes")

    @property
    def slot_to_elicit(self) -> str:
        """The slot Lex was eliciting when this turn arrived ("" when none)."""
        action = _mapping(self._state.get("dialogAction"), "sessionState.dialogAction", optional=True)
        return _text(action.get("slotToElicit"), "sessionState.dialogAction.slotToElicit", optional=True)

    @property
    def proposed_slot_to_elicit(self) -> str:
        """The slot Lex proposes to elicit next ("" when none)."""
        proposed = _mapping(self.raw.get("proposedNextState"), "proposedNextState", optional=True)
        action = _mapping(proposed.get("dialogAction"), "proposedNextState.dialogAction", optional=True)
        return _text(action.get("slotToElicit"), "proposedNextState.dialogAction.slotToElicit", optional=True)
