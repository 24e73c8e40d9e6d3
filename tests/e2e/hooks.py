"""Toy code hooks the conversation scripts in tests/e2e wire in (none of them touches AWS)."""

from __future__ import annotations

from typing import Any

from lambdas.voice_otp.prompt import render_prompt

FAKE_CODE = "204863"


def _resolved(intent: dict[str, Any], slot: str) -> str | None:
    """A slot's resolved value (the sample value a synonym stands for), else what was understood."""
    value = (intent["slots"].get(slot) or {}).get("value") or {}
    resolved = value.get("resolvedValues") or [value.get("interpretedValue")]
    return resolved[0]


def toy_bot_hook(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """OrderPizza: a thick crust only comes medium or large (re-asks the size); fulfilment names the order."""
    state = event["sessionState"]
    intent = state["intent"]
    size, crust = _resolved(intent, "Size"), _resolved(intent, "Crust")
    answer: dict[str, Any] = {"sessionAttributes": state.get("sessionAttributes") or {}, "intent": intent}
    if event["invocationSource"] == "FulfillmentCodeHook":
        answer.update(dialogAction={"type": "Close"}, intent={**intent, "state": "Fulfilled"})
        return {"sessionState": answer, "messages": [_text(f"Order placed: one {size} {crust} pizza.")]}
    if size == "small" and crust == "thick":
        answer.update(dialogAction={"type": "ElicitSlot", "slotToElicit": "Size"},
                      intent={**intent, "slots": {**intent["slots"], "Size": None}})
        return {"sessionState": answer, "messages": [_text("A thick crust only comes medium or large. What size?")]}
    return {"sessionState": {**answer, "dialogAction": {"type": "Delegate"}}}


def broken_hook(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A code hook that answers with something Lex rejects (the turn fails: DependencyFailedException)."""
    return {"sessionState": {"dialogAction": {"type": "Close"}}}


def fake_otp_prompt(event: dict[str, Any], context: Any) -> dict[str, str]:
    """The outbound OTP flow's prompt Lambda, with a fixed code and no OTP store."""
    return {"prompt": render_prompt(FAKE_CODE)}


def prompt_must_not_run(event: dict[str, Any], context: Any) -> dict[str, str]:
    """A prompt Lambda that fails loudly: for flows that must never fetch the code."""
    raise AssertionError("the code was fetched on a call that never pressed 1")


def _text(content: str) -> dict[str, str]:
    """A PlainText message."""
    return {"contentType": "PlainText", "content": content}


def voice_login_says(outcome: str) -> Any:
    """A voice-login code hook whose every sign-in ends with ``authOutcome`` = ``outcome`` (flow branches)."""

    def hook(event: dict[str, Any], context: Any) -> dict[str, Any]:
        intent = {**event["sessionState"]["intent"], "state": "Failed", "slots": {"CustomerId": None, "Pin": None}}
        return {"sessionState": {"sessionAttributes": {"authOutcome": outcome}, "intent": intent,
                                 "dialogAction": {"type": "Close"}},
                "messages": [_text("The sign-in was not accepted.")]}

    return hook


voice_login_locked = voice_login_says("locked")
voice_login_unavailable = voice_login_says("unavailable")
