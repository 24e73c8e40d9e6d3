"""The Lex emulator's runtime: dialog management, the code-hook contract, response shape, obfuscation."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.model import Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.lex import (
    BotDefinition,
    BotNotFoundError,
    CodeHookError,
    CodeHookResponseError,
    LexRuntime,
    load_bot,
    parse_bot,
)
from tests.conftest import load_event

TOY_BOT = Path(__file__).parents[2] / "fixtures" / "bots" / "toy_bot.json"
ARN = "arn:aws:lex:us-east-1:123456789012:bot-alias/TOYBOT1234/LIVEALIAS1"
SESSION = "0123456789abcdef"
Responder = Callable[[dict[str, Any]], Any]


@pytest.fixture(scope="module")
def bot() -> BotDefinition:
    """The toy bot."""
    return load_bot(TOY_BOT)


def delegate(event: dict[str, Any]) -> dict[str, Any]:
    """A dialog hook answer that lets Lex decide, keeping the state it was given."""
    state = event["sessionState"]
    return {
        "sessionState": {
            "sessionAttributes": state["sessionAttributes"],
            "dialogAction": {"type": "Delegate"},
            "intent": state["intent"],
        }
    }


def fulfilled(event: dict[str, Any]) -> dict[str, Any]:
    """A fulfillment hook answer: Close, Fulfilled, no messages (Lex adds the closing response)."""
    state = event["sessionState"]
    return {
        "sessionState": {
            "sessionAttributes": state["sessionAttributes"],
            "dialogAction": {"type": "Close"},
            "intent": {**state["intent"], "state": "Fulfilled"},
        }
    }


class ToyHook:
    """The toy bot's code hook: records every event; scripted answers first, then delegate / fulfil."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.script: list[Responder] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        assert context.get_remaining_time_in_millis() > 0
        self.events.append(copy.deepcopy(event))
        if self.script:
            return self.script.pop(0)(event)
        return delegate(event) if event["invocationSource"] == "DialogCodeHook" else fulfilled(event)

    def sources(self) -> list[str]:
        """The invocationSource of each call so far."""
        return [e["invocationSource"] for e in self.events]


@pytest.fixture
def hook() -> ToyHook:
    """A fresh toy hook."""
    return ToyHook()


@pytest.fixture
def lex(bot: BotDefinition, hook: ToyHook) -> LexRuntime:
    """A runtime with the toy bot under its alias ARN."""
    return LexRuntime(bots={ARN: bot}, code_hooks={ARN: hook})


def say(lex: LexRuntime, text: str, **kwargs: Any) -> dict[str, Any]:
    """One turn in the test session."""
    return lex.recognize_text(bot_alias_arn=ARN, session_id=SESSION, text=text, **kwargs)


def action(response: dict[str, Any]) -> tuple[str, str | None]:
    """(dialogAction.type, slotToElicit) of a response."""
    dialog_action = response["sessionState"]["dialogAction"]
    return dialog_action["type"], dialog_action.get("slotToElicit")


def contents(response: dict[str, Any]) -> list[str]:
    """The text of each message."""
    return [m.get("content") or m["imageResponseCard"]["title"] for m in response.get("messages", [])]


def slot_value(response: dict[str, Any], slot: str) -> dict[str, Any] | None:
    """A slot's value object in the response's session state."""
    found = response["sessionState"]["intent"]["slots"][slot]
    return None if found is None else dict(found["value"])


# ---- dialog management ---------------------------------------------------------------------------


def test_slots_are_elicited_in_priority_order_with_spoken_digits(lex: LexRuntime) -> None:
    first = say(lex, "Check my balance!")
    assert action(first) == ("ElicitSlot", "AccountNumber")  # priority 1, although Pin is defined first
    assert contents(first) == ["What is your account number?"]
    second = say(lex, "four one one one")
    assert action(second) == ("ElicitSlot", "Pin")
    assert slot_value(second, "AccountNumber") == {
        "originalValue": "four one one one",
        "interpretedValue": "4111",
        "resolvedValues": ["4111"],
    }
    third = say(lex, "my pin is 1 2 3 4")
    assert action(third) == ("Close", None)
    assert third["sessionState"]["intent"]["state"] == "ReadyForFulfillment"
    assert slot_value(third, "Pin") == {
        "originalValue": "1 2 3 4",
        "interpretedValue": "1234",
        "resolvedValues": ["1234"],
    }
    assert contents(third) == ["Thanks, checking your balance now."]


def test_utterance_fills_its_slot_and_skips_that_prompt(lex: LexRuntime) -> None:
    response = say(lex, "check the balance of account 5 5 5 5")
    assert action(response) == ("ElicitSlot", "Pin")
    assert slot_value(response, "AccountNumber") == {
        "originalValue": "5 5 5 5",
        "interpretedValue": "5555",
        "resolvedValues": ["5555"],
    }


def test_dtmf_digits_are_taken_as_typed(lex: LexRuntime) -> None:
    say(lex, "check my balance")
    response = say(lex, "0411#", input_mode="DTMF")
    assert slot_value(response, "AccountNumber") == {
        "originalValue": "0411",
        "interpretedValue": "0411",
        "resolvedValues": ["0411"],
    }


def test_fallback_intent_when_nothing_matches(lex: LexRuntime) -> None:
    response = say(lex, "purple monkey dishwasher")
    assert response["sessionState"]["intent"]["name"] == "FallbackIntent"
    assert response["sessionState"]["intent"]["state"] == "ReadyForFulfillment"
    assert action(response) == ("Close", None)
    assert contents(response) == ["Sorry, I can't help with that."]
    assert "nluConfidence" not in response["interpretations"][0]


def test_match_below_the_confidence_threshold_falls_back_but_is_reported(lex: LexRuntime) -> None:
    response = say(lex, "um hi can you check my balance please")
    assert response["sessionState"]["intent"]["name"] == "FallbackIntent"
    alternative = response["interpretations"][1]
    assert alternative["intent"]["name"] == "CheckBalance"
    assert alternative["nluConfidence"]["score"] < 0.4


def test_invalid_slot_value_reprompts_with_variations_up_to_max_retries_then_falls_back(lex: LexRuntime) -> None:
    say(lex, "check my balance")
    retry1, retry2 = say(lex, "banana"), say(lex, "banana")
    assert [action(retry1), action(retry2)] == [("ElicitSlot", "AccountNumber")] * 2
    assert contents(retry1) == ["Please say or key in your account number."]
    assert contents(retry2) == ["Sorry, which account number?"]
    failed = say(lex, "banana")  # MaxRetries is 2: the third miss hands over to the fallback intent
    assert failed["sessionState"]["intent"]["name"] == "FallbackIntent"
    assert action(failed) == ("Close", None)
    assert contents(failed) == ["Sorry, I can't help with that."]


def test_valid_value_after_a_miss_resets_the_retry_count(lex: LexRuntime) -> None:
    say(lex, "check my balance")
    say(lex, "banana")
    assert action(say(lex, "4111")) == ("ElicitSlot", "Pin")
    assert action(say(lex, "banana")) == ("ElicitSlot", "Pin")  # Pin's own MaxRetries (1) starts afresh
    assert say(lex, "banana")["sessionState"]["intent"]["name"] == "FallbackIntent"


def test_another_intent_during_elicitation_switches_intent(lex: LexRuntime) -> None:
    say(lex, "check my balance")
    response = say(lex, "what can you do")
    assert response["sessionState"]["intent"]["name"] == "Help"
    assert action(response) == ("Close", None)


def test_confirmation_yes_runs_fulfillment_and_closing_response(lex: LexRuntime, hook: ToyHook) -> None:
    asked = say(lex, "I'd like a large thin crust pizza")
    assert action(asked) == ("ConfirmIntent", None)
    assert contents(asked) == ["A large thin crust pizza, right?"]
    done = say(lex, "yes please")
    assert done["sessionState"]["intent"]["confirmationState"] == "Confirmed"
    assert done["sessionState"]["intent"]["state"] == "Fulfilled"
    assert contents(done) == ["Your pizza is on its way."]
    assert hook.sources() == ["DialogCodeHook", "DialogCodeHook", "FulfillmentCodeHook"]


def test_confirmation_no_declines_without_fulfillment(lex: LexRuntime, hook: ToyHook) -> None:
    say(lex, "I'd like a small pan pizza")
    declined = say(lex, "no")
    assert declined["sessionState"]["intent"]["confirmationState"] == "Denied"
    assert declined["sessionState"]["intent"]["state"] == "Failed"
    assert action(declined) == ("Close", None)
    assert contents(declined) == ["Okay, I cancelled that order."]
    assert "FulfillmentCodeHook" not in hook.sources()
    assert hook.events[-1]["proposedNextState"]["dialogAction"] == {"type": "Close"}


def test_unclear_confirmation_reprompts_then_falls_back(lex: LexRuntime, hook: ToyHook) -> None:
    say(lex, "I'd like a small pan pizza")
    again = say(lex, "hmm let me think")
    assert action(again) == ("ConfirmIntent", None)
    assert hook.events[-1]["proposedNextState"]["prompt"] == {"attempt": "Retry1"}
    assert say(lex, "still thinking")["sessionState"]["intent"]["name"] == "FallbackIntent"


def test_definition_messages_pass_every_content_type_through(lex: LexRuntime) -> None:
    response = say(lex, "help")
    kinds = [m["contentType"] for m in response["messages"]]
    assert kinds == ["PlainText", "SSML", "CustomPayload", "ImageResponseCard"]
    assert response["messages"][1]["content"] == "<speak>Say <emphasis>balance</emphasis>.</speak>"
    assert response["messages"][2]["content"] == '{"screen": "help"}'
    assert response["messages"][3]["imageResponseCard"] == {
        "title": "Menu",
        "subtitle": "Pick one",
        "imageUrl": "https://example.com/menu.png",
        "buttons": [{"text": "Balance", "value": "check my balance"}, {"text": "Pizza", "value": "I want a pizza"}],
    }


def test_session_attributes_merge_persist_and_follow_the_hook(lex: LexRuntime, hook: ToyHook) -> None:
    say(lex, "check my balance", session_attributes={"contactId": "c-1"})
    response = say(lex, "4111", session_attributes={"range": "4-4"})
    assert response["sessionState"]["sessionAttributes"] == {"contactId": "c-1", "range": "4-4"}

    def set_otp(event: dict[str, Any]) -> dict[str, Any]:
        answer = delegate(event)
        answer["sessionState"]["sessionAttributes"] = {"otp": "sent"}
        return answer

    hook.script.append(set_otp)
    replaced = say(lex, "I want a pizza")
    assert replaced["sessionState"]["sessionAttributes"] == {"otp": "sent"}  # the hook's sessionState wins


def test_request_attributes_reach_the_hook_and_come_back(lex: LexRuntime, hook: ToyHook) -> None:
    response = say(lex, "I want a pizza", request_attributes={"x-amz-lex:accept-content-types": "PlainText"})
    assert hook.events[0]["requestAttributes"] == {"x-amz-lex:accept-content-types": "PlainText"}
    assert response["requestAttributes"] == {"x-amz-lex:accept-content-types": "PlainText"}


def test_speech_input_sends_transcriptions_to_the_hook(lex: LexRuntime, hook: ToyHook) -> None:
    say(lex, "order a big pizza", input_mode="Speech")
    event = hook.events[0]
    assert event["inputMode"] == "Speech"
    assert event["transcriptions"][0]["transcription"] == "order a big pizza"
    assert event["transcriptions"][0]["resolvedContext"] == {"intent": "OrderPizza"}
    assert set(event["transcriptions"][0]["resolvedSlots"]) == {"Size"}


def test_delete_session_starts_over(lex: LexRuntime) -> None:
    say(lex, "check my balance")
    lex.delete_session(bot_alias_arn=ARN, session_id=SESSION)
    assert say(lex, "4111")["sessionState"]["intent"]["name"] == "FallbackIntent"


def test_bots_are_found_by_key_or_name_and_unknown_ones_fail(bot: BotDefinition, hook: ToyHook) -> None:
    key = "${LexBotAliasArn}"
    lex = LexRuntime(bots={key: bot}, code_hooks=lambda asked: hook if asked == key else None)
    assert say_to(lex, "${LexBotAliasArn}", "help")["sessionState"]["intent"]["name"] == "Help"
    assert say_to(lex, "ToyBot", "help")["sessionState"]["intent"]["name"] == "Help"
    assert say_to(lex, "ToyBot", "I want a pizza")["sessionState"]["dialogAction"]["slotToElicit"] == "Size"
    with pytest.raises(BotNotFoundError, match="no bot registered for 'OtherBot'"):
        say_to(lex, "OtherBot", "help")


def say_to(lex: LexRuntime, key: str, text: str) -> dict[str, Any]:
    """One turn addressed to a given bot key."""
    return lex.recognize_text(bot_alias_arn=key, session_id=SESSION, text=text, locale_id="en-US")


# ---- code hook contract ----------------------------------------------------------------------------


def key_paths(value: Any, path: str = "$", parent: str = "") -> set[str]:
    """Every key path in a JSON value; map keys (slot and attribute names) become '*'."""
    maps = {"slots", "sessionAttributes", "requestAttributes", "contextAttributes", "resolvedSlots"}
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{'*' if parent in maps else key}"
            paths |= {child} | key_paths(item, child, key)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, f"{path}[]", parent)
    return paths


def play_documented_conversation(lex: LexRuntime) -> list[dict[str, Any]]:
    """The conversation the lexv2_* example files describe; returns each RecognizeText response."""
    turns = ["I want a pizza", "a large one please", "crispy", "yes"]
    attributes = {"customerType": "returning"}
    request = {"x-amz-lex:accept-content-types": "PlainText,SSML"}
    return [say(lex, t, session_attributes=attributes, request_attributes=request) for t in turns]


@pytest.mark.parametrize(("index", "name"), [(1, "lexv2_dialog_code_hook"), (-1, "lexv2_fulfillment_code_hook")])
def test_hook_event_has_the_documented_shape(lex: LexRuntime, hook: ToyHook, index: int, name: str) -> None:
    play_documented_conversation(lex)
    documented, sent = load_event(name), hook.events[index]
    assert key_paths(sent) == key_paths(documented)
    always = {"messageVersion", "invocationSource", "inputMode", "responseContentType", "sessionId", "inputTranscript",
              "bot", "interpretations", "sessionState"}  # fmt: skip
    assert always <= set(documented)
    for field in ("invocationSource", "inputTranscript", "bot", "sessionState", "proposedNextState"):
        assert sent.get(field) == documented.get(field), field
    assert isinstance(sent["interpretations"][0]["nluConfidence"], float)  # a bare number in Lambda events


def test_dialog_hook_gets_the_previous_action_and_proposed_next_state(lex: LexRuntime, hook: ToyHook) -> None:
    play_documented_conversation(lex)
    event = hook.events[1]
    assert event["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "Size"}
    assert event["proposedNextState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "Crust"}
    assert event["proposedNextState"]["prompt"] == {"attempt": "Initial"}
    assert event["bot"] == {"id": "TOYBOT1234", "name": "ToyBot", "aliasId": "LIVEALIAS1", "aliasName": "live",
                            "localeId": "en_US", "version": "1"}  # fmt: skip
    assert "proposedNextState" not in hook.events[-1]


def _output_shape() -> Shape:
    model = botocore.session.get_session().get_service_model("lexv2-runtime")
    return model.operation_model("RecognizeText").output_shape


def check_shape(value: Any, shape: Shape, path: str = "$") -> None:
    """Fail unless value fits the botocore shape (null map values allowed, as Lex sends null slots)."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), path
        assert set(value) <= set(shape.members), f"{path}: unknown {set(value) - set(shape.members)}"
        assert set(shape.required_members) <= set(value), f"{path}: missing required members"
        for key, item in value.items():
            check_shape(item, shape.members[key], f"{path}.{key}")
    elif kind == "list":
        assert isinstance(value, list), path
        for item in value:
            check_shape(item, shape.member, f"{path}[]")
    elif kind == "map":
        assert isinstance(value, dict), path
        for key, item in value.items():
            if item is not None:
                check_shape(item, shape.value, f"{path}.{key}")
    elif kind == "string":
        assert isinstance(value, str), path
        assert not shape.enum or value in shape.enum, f"{path}: {value!r} not in {shape.enum}"
    elif kind in {"double", "float"}:
        assert isinstance(value, int | float), path
    else:
        pytest.fail(f"{path}: unexpected shape type {kind}")


def test_responses_fit_boto3_recognize_text_output_shape(lex: LexRuntime) -> None:
    responses = [*play_documented_conversation(lex), say(lex, "help"), say(lex, "blah")]
    for response in responses:
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
        check_shape({k: v for k, v in response.items() if k != "ResponseMetadata"}, _output_shape())
    documented = load_event("lexv2_recognize_text_response")
    check_shape(documented, _output_shape())
    assert key_paths({k: v for k, v in responses[1].items() if k != "ResponseMetadata"}) == key_paths(documented)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(max_size=40), min_size=1, max_size=4))
def test_any_input_gives_a_well_formed_response(bot: BotDefinition, texts: list[str]) -> None:
    lex = LexRuntime(bots={ARN: bot}, code_hooks={ARN: ToyHook()})
    for text in texts:
        response = say(lex, text)
        check_shape({k: v for k, v in response.items() if k != "ResponseMetadata"}, _output_shape())


RESPONSES = [
    pytest.param("lexv2_response_elicit_slot", ("ElicitSlot", "Size"), ["PlainText"], id="ElicitSlot"),
    pytest.param("lexv2_response_confirm_intent", ("ConfirmIntent", None), ["SSML"], id="ConfirmIntent"),
    pytest.param(
        "lexv2_response_elicit_intent", ("ElicitIntent", None), ["PlainText", "ImageResponseCard"], id="ElicitIntent"
    ),
    pytest.param("lexv2_response_delegate", ("ElicitSlot", "Crust"), ["PlainText"], id="Delegate"),
]


@pytest.mark.parametrize(("name", "expected_action", "content_types"), RESPONSES)
def test_each_dialog_action_from_the_dialog_hook_is_honoured(
    lex: LexRuntime, hook: ToyHook, name: str, expected_action: tuple[str, str | None], content_types: list[str]
) -> None:
    documented = load_event(name)
    hook.script.append(lambda _event: copy.deepcopy(documented))
    response = say(lex, "I want a pizza")
    assert action(response) == expected_action
    assert [m["contentType"] for m in response["messages"]] == content_types
    assert response["sessionState"]["sessionAttributes"] == documented["sessionState"]["sessionAttributes"]
    if "messages" in documented:
        assert response["messages"] == documented["messages"]
    if expected_action[0] == "ElicitIntent":
        assert "intent" not in response["sessionState"]
        assert say(lex, "help")["sessionState"]["intent"]["name"] == "Help"  # a fresh intent next turn


def test_close_from_fulfillment_is_honoured_with_its_messages(lex: LexRuntime, hook: ToyHook) -> None:
    documented = load_event("lexv2_response_close")
    say(lex, "I'd like a large crispy pizza")
    hook.script += [delegate, lambda _event: copy.deepcopy(documented)]
    response = say(lex, "yes")
    assert action(response) == ("Close", None)
    assert response["sessionState"]["intent"]["state"] == "Fulfilled"
    assert response["messages"] == documented["messages"]  # PlainText and CustomPayload, no closing response
    assert response["requestAttributes"] == documented["requestAttributes"]


def test_hook_elicit_slot_without_messages_uses_the_slots_prompt(lex: LexRuntime, hook: ToyHook) -> None:
    def elicit_crust(event: dict[str, Any]) -> dict[str, Any]:
        answer = delegate(event)
        answer["sessionState"]["dialogAction"] = {"type": "ElicitSlot", "slotToElicit": "Crust"}
        return answer

    hook.script.append(elicit_crust)
    response = say(lex, "I want a pizza")
    assert action(response) == ("ElicitSlot", "Crust")
    assert contents(response) == ["Thin or thick crust?"]


def _mutated(mutate: Callable[[dict[str, Any]], Any]) -> Responder:
    def respond(event: dict[str, Any]) -> Any:
        answer = delegate(event)
        result = mutate(answer)
        return answer if result is None else result

    return respond


def _state(answer: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = answer["sessionState"]
    return state


MALFORMED = [
    pytest.param(lambda a: [], "response: expected an object, got array", id="not-an-object"),
    pytest.param(lambda a: {}, "sessionState: expected an object, got null", id="no-session-state"),
    pytest.param(lambda a: _state(a).pop("dialogAction") and None, "sessionState.dialogAction: expected an object",
                 id="no-dialog-action"),
    pytest.param(lambda a: _state(a)["dialogAction"].update(type="Finish"),
                 "sessionState.dialogAction.type: 'Finish' is not a valid dialogAction.type", id="bad-type"),
    pytest.param(lambda a: _state(a).update(dialogAction={"type": "Close"}, intent={"name": "OrderPizza"}),
                 "sessionState.intent.state: required when dialogAction.type is Close", id="close-without-state"),
    pytest.param(lambda a: _state(a).update(dialogAction={"type": "ElicitSlot"}),
                 "sessionState.dialogAction.slotToElicit: required when dialogAction.type is ElicitSlot",
                 id="elicit-without-slot"),
    pytest.param(lambda a: _state(a).update(dialogAction={"type": "ElicitSlot", "slotToElicit": "Topping"}),
                 "sessionState.dialogAction.slotToElicit: intent 'OrderPizza' has no slot 'Topping'",
                 id="elicit-unknown-slot"),
    pytest.param(lambda a: _state(a)["intent"]["slots"].update(Size="large"),
                 "sessionState.intent.slots.Size: expected an object, got string", id="slot-wrong-shape"),
    pytest.param(lambda a: _state(a)["intent"]["slots"].update(Size={"value": {"originalValue": "x"}}),
                 "sessionState.intent.slots.Size.value.interpretedValue: expected a string, got null",
                 id="slot-without-interpreted-value"),
    pytest.param(lambda a: _state(a)["intent"]["slots"].update(Topping=None),
                 "sessionState.intent.slots.Topping: intent 'OrderPizza' has no slot 'Topping'", id="unknown-slot"),
    pytest.param(lambda a: _state(a)["intent"].update(name="OrderBurger"),
                 "sessionState.intent.name: unknown intent 'OrderBurger'", id="unknown-intent"),
    pytest.param(lambda a: _state(a)["intent"].update(state="Done"),
                 "sessionState.intent.state: 'Done' is not a valid intent state", id="bad-intent-state"),
    pytest.param(lambda a: _state(a).update(sessionAttributes={"count": 1}),
                 "sessionState.sessionAttributes.count: expected a string, got number", id="attribute-not-string"),
    pytest.param(lambda a: a.update(messages={"contentType": "PlainText", "content": "hi"}),
                 "messages: expected an array, got object", id="messages-not-array"),
    pytest.param(lambda a: a.update(messages=[{"contentType": "Markdown", "content": "hi"}]),
                 "messages[0].contentType: 'Markdown' is not a valid contentType", id="bad-content-type"),
    pytest.param(lambda a: a.update(messages=[{"contentType": "PlainText"}]),
                 "messages[0].content: expected a string, got null", id="message-without-content"),
    pytest.param(lambda a: a.update(messages=[{"contentType": "ImageResponseCard", "content": "x"}]),
                 "messages[0].imageResponseCard: expected an object, got null", id="card-missing"),
    pytest.param(lambda a: _state(a).update(dialogAction={"type": "ElicitIntent"}),
                 "messages: required when dialogAction.type is ElicitIntent", id="elicit-intent-without-messages"),
    pytest.param(lambda a: _state(a).update(dialogAction={"type": "ConfirmIntent"}),
                 "messages: required when dialogAction.type is ConfirmIntent", id="confirm-intent-without-messages"),
    pytest.param(lambda a: a.update(sessionAtributes={}), "sessionAtributes: unknown field", id="unknown-top-field"),
    pytest.param(lambda a: _state(a)["dialogAction"].update(slotToElicitt="Crust"),
                 "sessionState.dialogAction.slotToElicitt: unknown field", id="unknown-action-field"),
    pytest.param(lambda a: _state(a)["intent"].update(nluConfidence=1),
                 "sessionState.intent.nluConfidence: unknown field", id="unknown-intent-field"),
    pytest.param(lambda a: _state(a).update(dialogAction={"type": "ElicitSlot", "slotToElicit": "Crust",
                                                          "slotElicitationStyle": "Shout"}),
                 "sessionState.dialogAction.slotElicitationStyle: 'Shout' is not a valid slotElicitationStyle",
                 id="bad-elicitation-style"),
    pytest.param(lambda a: _state(a).update(runtimeHints={"slotHints": {"OrderPizza": {"Crust": {
                     "runtimeHintValues": []}}}}),
                 "runtimeHints.slotHints.OrderPizza.Crust.runtimeHintValues: needs at least 1 item(s)",
                 id="empty-runtime-hints"),
]  # fmt: skip


def test_runtime_hints_and_elicitation_style_are_carried_through(lex: LexRuntime, hook: ToyHook) -> None:
    hints = {"slotHints": {"OrderPizza": {"Crust": {"runtimeHintValues": [{"phrase": "deep dish"}]}}}}

    def spell(event: dict[str, Any]) -> dict[str, Any]:
        answer = delegate(event)
        answer["sessionState"]["runtimeHints"] = hints
        answer["sessionState"]["dialogAction"] = {"type": "ElicitSlot", "slotToElicit": "Crust",
                                                  "slotElicitationStyle": "SpellByLetter"}
        return answer

    hook.script.append(spell)
    response = say(lex, "I want a pizza")
    assert response["sessionState"]["dialogAction"] == {
        "type": "ElicitSlot", "slotToElicit": "Crust", "slotElicitationStyle": "SpellByLetter"}
    assert response["sessionState"]["runtimeHints"] == hints
    say(lex, "large")
    assert hook.events[-1]["sessionState"]["runtimeHints"] == hints


def test_every_interpretation_carries_state_and_confirmation_state(lex: LexRuntime) -> None:
    response = say(lex, "I want a pizza")
    assert len(response["interpretations"]) >= 2
    for interpretation in response["interpretations"]:
        assert {"state", "confirmationState"} <= set(interpretation["intent"]), interpretation


@pytest.mark.parametrize(("mutate", "expected"), MALFORMED)
def test_malformed_hook_response_fails_the_turn_naming_the_field(
    lex: LexRuntime, hook: ToyHook, mutate: Callable[[dict[str, Any]], Any], expected: str
) -> None:
    say(lex, "I want a pizza")
    hook.script.append(_mutated(mutate))
    with pytest.raises(CodeHookResponseError) as caught:
        say(lex, "large")
    assert expected in str(caught.value)
    assert str(caught.value).startswith("Invalid Lambda Response: DialogCodeHook: ")
    # the failed turn left the session as it was: the same answer now succeeds
    assert action(say(lex, "large")) == ("ElicitSlot", "Crust")


def test_hook_exception_fails_the_turn_without_leaking_its_message(lex: LexRuntime, hook: ToyHook) -> None:
    def explode(_event: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("pin 9876 rejected")

    hook.script.append(explode)
    with pytest.raises(CodeHookError) as caught:
        say(lex, "I want a pizza")
    assert "DialogCodeHook for intent 'OrderPizza' raised ValueError" in str(caught.value)
    assert "9876" not in str(caught.value)
    assert isinstance(caught.value.__cause__, ValueError)
    failed = lex.transcript.turns[-1]
    assert (failed.caller, failed.dialog_action) == ("I want a pizza", "Failed")
    assert failed.bot_messages == ("(turn failed: CodeHookError)",)


def test_enabled_hook_without_a_registered_handler_is_an_error(bot: BotDefinition) -> None:
    lex = LexRuntime(bots={ARN: bot}, code_hooks={})
    with pytest.raises(CodeHookError, match=r"enables DialogCodeHook but .* has no code hook registered"):
        say(lex, "I want a pizza")
    assert action(say(lex, "check my balance")) == ("ElicitSlot", "AccountNumber")  # no hook needed there


# ---- obfuscation -----------------------------------------------------------------------------------


def _balance_call(lex: LexRuntime) -> None:
    say(lex, "check my balance")
    say(lex, "4111")
    say(lex, "my pin is 9876")


def test_obfuscated_values_never_reach_the_transcript_or_logs(
    lex: LexRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="sim.lex"):
        _balance_call(lex)
    rendered = lex.transcript.render()
    for secret in ("4111", "9876"):
        assert secret not in rendered
        assert secret not in caplog.text
    assert "caller (Text): {AccountNumber}" in rendered
    assert "caller (Text): my pin is {Pin}" in rendered
    assert "lex turn" in caplog.text


def test_show_obfuscated_prints_the_callers_side_on_purpose(
    bot: BotDefinition, caplog: pytest.LogCaptureFixture
) -> None:
    lex = LexRuntime(bots={ARN: bot}, code_hooks={}, show_obfuscated=True)
    with caplog.at_level(logging.DEBUG, logger="sim.lex"):
        _balance_call(lex)
    assert "caller (Text): my pin is 9876" in lex.transcript.render()
    assert "9876" not in caplog.text  # logs stay obfuscated


def test_unrecognised_answer_to_an_obfuscated_slot_is_hidden_entirely(lex: LexRuntime) -> None:
    say(lex, "check my balance")
    say(lex, "it is 41 or maybe 42")
    assert lex.transcript.turns[-1].caller == "{AccountNumber}"
    assert "41" not in lex.transcript.render()


def test_obfuscated_values_echoed_by_a_hook_are_scrubbed_from_the_transcript_only(bot: BotDefinition) -> None:
    data = json.loads(TOY_BOT.read_text())
    data["BotLocales"][0]["Intents"][0]["FulfillmentCodeHook"] = {"Enabled": True}
    hooked = parse_bot(data)

    def echo(event: dict[str, Any]) -> dict[str, Any]:
        answer = fulfilled(event)
        answer["messages"] = [{"contentType": "PlainText", "content": "PIN 9876 accepted for account 4111."}]
        return answer

    hook = ToyHook()
    hook.script.append(echo)
    lex = LexRuntime(bots={ARN: hooked}, code_hooks={ARN: hook})
    _balance_call(lex)
    assert lex.transcript.turns[-1].bot_messages == ("PIN {Pin} accepted for account {AccountNumber}.",)
    assert hook.events[0]["sessionState"]["intent"]["slots"]["Pin"]["value"]["interpretedValue"] == "9876"
