"""The Lex emulator passes each dialog step's ``InvocationLabel`` to the dialog code hook, as Lex V2 does."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from lambdas.lexv2 import LexEvent
from sim.lex import BotDefinitionError, LexRuntime, parse_bot

TOY_BOT = json.loads((Path(__file__).parents[2] / "fixtures" / "bots" / "toy_bot.json").read_text())
ARN = "arn:aws:lex:us-east-1:123456789012:bot-alias/TOYBOT1234/LIVEALIAS1"


def _hook_setting(label: str) -> dict[str, Any]:
    return {"EnableCodeHookInvocation": True, "IsActive": True, "InvocationLabel": label,
            "PostCodeHookSpecification": {}}


def labelled_bot() -> dict[str, Any]:
    """The toy bot, its OrderPizza intent labelled at the start, at the Size slot and at the confirmation."""
    bot = copy.deepcopy(TOY_BOT)
    pizza = next(i for i in bot["BotLocales"][0]["Intents"] if i["Name"] == "OrderPizza")
    pizza["InitialResponseSetting"] = {"CodeHook": _hook_setting("pizza-start")}
    size = next(s for s in pizza["Slots"] if s["Name"] == "Size")
    size["ValueElicitationSetting"]["SlotCaptureSetting"] = {
        "CodeHook": _hook_setting("size_captured"),
        "ElicitationCodeHook": {"EnableCodeHookInvocation": True, "InvocationLabel": "size-retry"},
    }
    pizza["IntentConfirmationSetting"]["CodeHook"] = _hook_setting("confirmed")
    return bot


class Recorder:
    """A dialog hook that delegates and a fulfillment hook that fulfils, keeping every event."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(copy.deepcopy(event))
        state = event["sessionState"]
        intent = state["intent"]
        if event["invocationSource"] == "FulfillmentCodeHook":
            return {"sessionState": {"dialogAction": {"type": "Close"}, "intent": {**intent, "state": "Fulfilled"}}}
        return {"sessionState": {"dialogAction": {"type": "Delegate"}, "intent": intent}}

    def labels(self) -> list[str | None]:
        """Each event's invocationLabel (None when absent)."""
        return [event.get("invocationLabel") for event in self.events]


def test_each_dialog_step_passes_its_label_and_other_steps_none() -> None:
    hook = Recorder()
    lex = LexRuntime(bots={ARN: parse_bot(labelled_bot())}, code_hooks={ARN: hook})

    def say(text: str) -> None:
        lex.recognize_text(bot_alias_arn=ARN, session_id="s-1", text=text)

    say("I want a pizza")           # the intent starts: its initial response's hook
    say("enormous")                 # not a size: the slot's elicitation hook (between retries)
    say("large")                    # the size is captured: the slot's capture hook
    say("thin")                     # Crust has no label
    say("yes")                      # the confirmation is answered: the confirmation's hook, then fulfilment
    assert hook.labels() == ["pizza-start", "size-retry", "size_captured", None, "confirmed", None]
    assert hook.events[-1]["invocationSource"] == "FulfillmentCodeHook"
    assert [LexEvent(e).invocation_label for e in hook.events] == [
        "pizza-start", "size-retry", "size_captured", "", "confirmed", ""]


def test_a_bot_without_labels_sends_none() -> None:
    hook = Recorder()
    lex = LexRuntime(bots={ARN: parse_bot(copy.deepcopy(TOY_BOT))}, code_hooks={ARN: hook})
    lex.recognize_text(bot_alias_arn=ARN, session_id="s-2", text="I want a pizza")
    assert hook.events
    assert all("invocationLabel" not in event for event in hook.events)


@pytest.mark.parametrize("label", ["", "two__underscores", "-leading", "has space", "x" * 101, 7.5])
def test_a_label_cloudformation_rejects_is_rejected_naming_its_field(label: Any) -> None:
    bot = labelled_bot()
    pizza = next(i for i in bot["BotLocales"][0]["Intents"] if i["Name"] == "OrderPizza")
    pizza["InitialResponseSetting"]["CodeHook"]["InvocationLabel"] = label
    with pytest.raises(BotDefinitionError, match=r"InitialResponseSetting\.CodeHook\.InvocationLabel"):
        parse_bot(bot)


def test_a_malformed_invocation_label_in_an_event_is_a_malformed_event() -> None:
    from lambdas.lexv2 import MalformedLexEventError

    with pytest.raises(MalformedLexEventError, match="invocationLabel"):
        _ = LexEvent({"sessionState": {"intent": {"name": "X"}}, "invocationLabel": 3}).invocation_label
