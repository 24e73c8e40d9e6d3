"""The voice-login bot file in the Lex emulator: PINs keep leading zeros, both secrets stay obfuscated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.lex import LexRuntime, load_bot

BOT = Path(__file__).resolve().parents[4] / "bots" / "voice_login.json"


def run(turns: list[tuple[str, str]]) -> tuple[list[dict[str, Any]], LexRuntime]:
    seen: list[dict[str, Any]] = []

    def hook(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        intent = {**event["sessionState"]["intent"], "state": "Fulfilled"}
        return {"sessionState": {"sessionAttributes": {}, "intent": intent, "dialogAction": {"type": "Close"}}}

    bot = load_bot(BOT)
    lex = LexRuntime(bots={"bot": bot}, code_hooks={"bot": hook})
    for text, mode in turns:
        lex.recognize_text(bot_alias_arn="bot", session_id="s", text=text, input_mode=mode)
    return seen, lex


@pytest.mark.parametrize(("pin", "mode"), [("012345", "DTMF"), ("zero one two three four five", "Speech")])
def test_a_pin_keeps_its_leading_zero(pin: str, mode: str) -> None:
    seen, _ = run([("sign in", "Text"), ("00123456", "DTMF"), (pin, mode)])
    slots = seen[-1]["sessionState"]["intent"]["slots"]
    assert slots["CustomerId"]["value"]["interpretedValue"] == "00123456"
    assert slots["Pin"]["value"]["interpretedValue"] == "012345"


def test_keying_the_customer_id_first_starts_sign_in() -> None:
    seen, _ = run([("12345678", "DTMF"), ("246810", "DTMF")])
    assert seen[-1]["sessionState"]["intent"]["name"] == "Authenticate"


@pytest.mark.parametrize("short", ["12345", "1234567890123", "12ab56"])
def test_too_short_too_long_or_not_digits_is_asked_again(short: str) -> None:
    seen, lex = run([("sign in", "Text"), ("12345678", "DTMF"), (short, "DTMF")])
    assert seen == []  # the hook never sees an impossible PIN
    last = lex.transcript.turns[-1]
    assert last.slot_to_elicit == "Pin"
    assert "PIN" in last.bot_messages[0]


def test_the_pin_and_customer_id_are_hidden_in_the_bots_own_log() -> None:
    _, lex = run([("sign in", "Text"), ("12345678", "DTMF"), ("246810", "DTMF")])
    shown = lex.transcript.render()
    assert "246810" not in shown
    assert "12345678" not in shown
