"""The typed Lex V2 view: reads what Lex sends, names the field of what it does not, builds valid responses."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from lambdas.lexv2 import (
    LexEvent,
    MalformedLexEventError,
    close,
    confirm_intent,
    delegate,
    elicit_intent,
    elicit_slot,
    plain_text,
    ssml,
)
from lambdas.lexv2.event import MAX_TEXT_CHARS
from sim.lex.events import validate_response
from sim.lex.loader import load_bot
from tests.conftest import load_event

BOTS = Path(__file__).resolve().parents[2] / "fixtures" / "bots"


@pytest.fixture
def event() -> dict[str, Any]:
    return load_event("lexv2_dialog_code_hook")


def test_reads_the_recorded_event(event: dict[str, Any]) -> None:
    view = LexEvent(event)
    assert view.invocation_source == event["invocationSource"]
    assert view.session_id == event["sessionId"]
    assert view.locale_id == event["bot"]["localeId"]
    assert view.intent.name == event["sessionState"]["intent"]["name"]
    assert view.session_attributes == (event["sessionState"].get("sessionAttributes") or {})
    assert not view.is_fulfillment or event["invocationSource"] == "FulfillmentCodeHook"


def test_slot_value_prefers_the_resolved_value(event: dict[str, Any]) -> None:
    event["sessionState"]["intent"]["slots"] = {
        "Food": {"shape": "Scalar", "value": {"originalValue": "pie", "interpretedValue": "pie",
                                               "resolvedValues": ["pizza"]}},
        "Empty": None,
        "Said": {"value": {"originalValue": "x", "interpretedValue": "y", "resolvedValues": []}},
    }
    intent = LexEvent(event).intent
    assert intent.slot_value("Food") == "pizza"
    assert intent.slot_value("Said") == "y"
    assert intent.slot_value("Empty") == ""
    assert intent.slot_value("Missing") == ""
    assert intent.slot("Food") is not None
    assert intent.slot("Food").original_value == "pie"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("path", "bad", "field"),
    [
        ((), "not an event", "event"),
        (("sessionState",), None, "sessionState"),
        (("sessionState", "intent"), [], "sessionState.intent"),
        (("sessionState", "intent", "name"), 7, "sessionState.intent.name"),
        (("sessionState", "intent", "name"), "", "sessionState.intent.name"),
        (("sessionState", "sessionAttributes"), {"a": 1}, "sessionState.sessionAttributes"),
        (("sessionId",), None, "sessionId"),
        (("inputTranscript",), "9" * (MAX_TEXT_CHARS + 1), "inputTranscript"),
        (("bot",), "bot", "bot"),
    ],
)
def test_a_malformed_event_names_its_field(event: dict[str, Any], path: tuple[str, ...], bad: Any,
                                           field: str) -> None:
    raw: Any = copy.deepcopy(event)
    if path:
        target = raw
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = bad
    else:
        raw = bad
    with pytest.raises(MalformedLexEventError) as caught:
        _read_everything(raw)
    assert caught.value.field == field


def _read_everything(raw: Any) -> None:
    view = LexEvent(raw)
    _ = (view.session_id, view.session_attributes, view.input_transcript, view.locale_id)


def test_resolved_values_of_the_wrong_type_are_refused(event: dict[str, Any]) -> None:
    event["sessionState"]["intent"]["slots"] = {"S": {"value": {"interpretedValue": "a", "resolvedValues": "a"}}}
    with pytest.raises(MalformedLexEventError, match="resolvedValues"):
        LexEvent(event).intent.slot_value("S")


def test_every_builder_answers_what_lex_accepts(event: dict[str, Any]) -> None:
    view = LexEvent(event)
    attrs = {"k": "v"}
    responses = [
        elicit_slot(view.intent, "Size", "What size?", session_attributes=attrs),
        close(view.intent, "Fulfilled", plain_text("Done."), session_attributes=attrs),
        close(view.intent, "Failed", ssml("Sorry."), session_attributes=attrs),
        delegate(view.intent, session_attributes=attrs),
        confirm_intent(view.intent, "Shall I?", session_attributes=attrs),
        elicit_intent("What next?", session_attributes=attrs),
    ]
    locale = load_bot(BOTS / "toy_bot.json").locale("en_US")
    for response in responses:
        checked = validate_response(response, locale, source=view.invocation_source)  # raises as Lex would
        assert checked is not None
        assert response["sessionState"]["sessionAttributes"] == attrs


def test_elicit_slot_clears_the_rejected_value(event: dict[str, Any]) -> None:
    event["sessionState"]["intent"]["slots"] = {"Pin": {"value": {"interpretedValue": "123456"}},
                                                "Other": {"value": {"interpretedValue": "x"}}}
    response = elicit_slot(LexEvent(event).intent, "Pin", "Again?", session_attributes={}, clear=("Other",))
    slots = response["sessionState"]["intent"]["slots"]
    assert slots["Pin"] is None
    assert slots["Other"] is None
    assert response["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "Pin"}
    assert event["sessionState"]["intent"]["slots"]["Pin"] is not None  # the event itself is not changed


def test_messages_are_required_where_lex_requires_them(event: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="ConfirmIntent"):
        confirm_intent(LexEvent(event).intent, session_attributes={})
    with pytest.raises(ValueError, match="ElicitIntent"):
        elicit_intent(session_attributes={})


def test_ssml_is_wrapped_once() -> None:
    assert ssml("Hi")["content"] == "<speak>Hi</speak>"
    assert ssml("<speak>Hi</speak>")["content"] == "<speak>Hi</speak>"


def test_an_echoed_slot_always_carries_the_interpreted_value_lex_requires(event: dict[str, Any]) -> None:
    event["sessionState"]["intent"]["slots"] = {
        "Size": {"shape": "Scalar", "value": {"originalValue": "big", "resolvedValues": ["large"]}},
        "Crust": {"shape": "Scalar", "value": {"originalValue": "thin"}},
    }
    slots = delegate(LexEvent(event).intent, session_attributes={})["sessionState"]["intent"]["slots"]
    assert slots["Size"]["value"] == {"originalValue": "big", "interpretedValue": "large", "resolvedValues": ["large"]}
    assert slots["Crust"]["value"]["interpretedValue"] == "thin"
    locale = load_bot(BOTS / "toy_bot.json").locale("en_US")
    assert validate_response(delegate(LexEvent(event).intent, session_attributes={}), locale,
                             source="DialogCodeHook") is not None
