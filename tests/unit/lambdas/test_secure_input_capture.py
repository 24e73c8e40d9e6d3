"""The capture code hook, driven by the Lex emulator over the deployed bot (real event shapes), KMS in moto."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lambdas.common.core import aws
from lambdas.secure_input import capture
from lambdas.secure_input.sealing import open_sealed
from sim.lex import LexRuntime, load_bot
from tests.aws_calls import count_aws_calls
from tests.conftest import load_event

BOT = Path(__file__).resolve().parents[3] / "bots" / "secure_input.json"
CONTACT = "4e9b3c2a-1f0d-4c7e-9a8b-6d5e4f3a2b1c"
CARD, ZIP = "4111111111111111", "98101"


class Chat:
    """A Lex session with the secure-input bot whose code hook is the capture handler."""

    def __init__(self, context: Any) -> None:
        def hook(event: dict[str, Any], _ctx: Any) -> dict[str, Any]:
            self.events.append(copy.deepcopy(event))
            return capture.handler(event, context)

        self.events: list[dict[str, Any]] = []
        self.lex = LexRuntime(bots={"bot": load_bot(BOT)}, code_hooks={"bot": hook})
        self.last: dict[str, Any] = {}

    def say(self, text: str, mode: str = "Speech") -> str:
        self.last = self.lex.recognize_text(bot_alias_arn="bot", session_id=CONTACT, text=text, input_mode=mode)
        return " ".join(m["content"] for m in self.last.get("messages", []))

    @property
    def attributes(self) -> dict[str, str]:
        return dict(self.last["sessionState"]["sessionAttributes"])

    @property
    def intent(self) -> dict[str, Any]:
        return dict(self.last["sessionState"]["intent"])


@pytest.fixture
def key(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    key_id: str = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    monkeypatch.setenv("SECURE_INPUT_KEY_ID", key_id)
    monkeypatch.setenv("SECURE_INPUT_DEPLOYMENT", "SecureInput")
    return key_id


@pytest.fixture
def chat(key: str, lambda_context: Any) -> Chat:
    return Chat(lambda_context)


def test_card_then_zip_is_sealed_with_one_kms_call(chat: Chat, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_aws_calls(monkeypatch)
    assert "ZIP code" in chat.say("4111 1111 1111 1111")
    assert calls == Counter()  # validating the card alone costs nothing
    assert "recorded securely" in chat.say(f"my zip code is {ZIP}")
    assert calls == Counter({"kms:GenerateDataKey": 1})
    attributes = chat.attributes
    assert attributes["captureStatus"] == "captured"
    assert attributes["cardLast4"] == "1111"
    assert set(attributes) == {"captureStatus", "cardLast4", "cardCiphertext", "zipCiphertext"}
    assert chat.intent["state"] == "Fulfilled"
    assert chat.intent["slots"] == {"CardNumber": None, "ZipCode": None}  # Connect never sees the values
    assert open_sealed(key_id=key, deployment="SecureInput", contact_id=CONTACT, field="card",
                       sealed=attributes["cardCiphertext"]) == CARD


def test_dtmf_entry_is_accepted(chat: Chat) -> None:
    chat.say(f"{CARD}#", "DTMF")
    assert "recorded securely" in chat.say("981011234#", "DTMF")
    assert chat.attributes["captureStatus"] == "captured"


def test_a_luhn_failure_is_asked_again_without_echo(chat: Chat) -> None:
    answer = chat.say("4111111111111112", "DTMF")
    assert answer == capture.RETRY_MESSAGES["card"]
    assert chat.last["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "CardNumber"}
    assert chat.intent["slots"]["CardNumber"] is None  # the rejected value is not kept
    assert chat.attributes == {"cardFailures": "1"}
    chat.say(CARD, "DTMF")
    assert "recorded securely" in chat.say(ZIP)


def test_an_unrecognised_answer_counts_as_a_failed_attempt(chat: Chat) -> None:
    chat.say(CARD)
    assert chat.say("I do not know it") == capture.RETRY_MESSAGES["zip"]
    assert chat.attributes["zipFailures"] == "1"


def test_three_bad_answers_end_the_capture_and_store_nothing(chat: Chat, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_aws_calls(monkeypatch)
    chat.say("4111111111111112", "DTMF")
    chat.say("4111111111111113", "DTMF")
    assert chat.say("4111111111111114", "DTMF") == capture.FAILED_MESSAGE
    assert chat.intent["state"] == "Failed"
    assert chat.attributes == {"cardFailures": "3", "captureStatus": "failed"}
    assert calls == Counter()


def test_zip_retries_are_counted_separately_from_the_card(chat: Chat) -> None:
    chat.say("4111111111111112", "DTMF")
    chat.say(CARD, "DTMF")
    chat.say("9810", "DTMF")
    chat.say("9810112", "DTMF")
    assert "recorded securely" in chat.say("98101-1234")
    assert chat.attributes["captureStatus"] == "captured"


def test_a_tampered_failure_count_fails_closed(chat: Chat) -> None:
    answer = chat.lex.recognize_text(bot_alias_arn="bot", session_id=CONTACT, text="4111111111111112",
                                     input_mode="DTMF", session_attributes={"cardFailures": "lots"})
    assert answer["sessionState"]["intent"]["state"] == "Failed"
    assert answer["sessionState"]["sessionAttributes"]["captureStatus"] == "failed"


def test_a_kms_failure_closes_with_an_error_status(chat: Chat, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECURE_INPUT_KEY_ID", "arn:aws:kms:us-east-1:123456789012:key/does-not-exist")
    chat.say(CARD)
    assert chat.say(ZIP) == capture.ERROR_MESSAGE
    assert chat.attributes["captureStatus"] == "error"
    assert not any(k.endswith("Ciphertext") for k in chat.attributes)


def test_other_session_attributes_pass_through_and_stale_outputs_are_dropped(key: str, lambda_context: Any) -> None:
    event = load_event("lexv2_dialog_code_hook")
    event["sessionId"] = CONTACT
    event["sessionState"]["intent"] = {"name": "CapturePayment", "slots": {"CardNumber": None, "ZipCode": None},
                                       "state": "InProgress", "confirmationState": "None"}
    event["sessionState"]["sessionAttributes"] = {"channel": "VOICE", "cardCiphertext": "SI1.old.old",
                                                  "captureStatus": "captured"}
    answer = capture.handler(event, lambda_context)
    assert answer["sessionState"]["sessionAttributes"] == {"channel": "VOICE"}
    assert answer["sessionState"]["dialogAction"]["type"] == "Delegate"


@pytest.mark.parametrize("mutate", [
    lambda e: e.pop("sessionState"),
    lambda e: e.update(sessionId=42),
    lambda e: e.update(sessionId="../../etc"),
    lambda e: e["sessionState"]["intent"]["slots"].update(CardNumber="4111111111111111"),
    lambda e: e["sessionState"].update(sessionAttributes={"x": 4111111111111111}),
])
def test_malformed_events_fail_the_turn_without_quoting_values(key: str, lambda_context: Any, mutate: Any) -> None:
    event = load_event("lexv2_dialog_code_hook")
    event["sessionId"] = CONTACT
    event["sessionState"]["intent"] = {"name": "CapturePayment", "slots": {"CardNumber": None, "ZipCode": None},
                                       "state": "InProgress"}
    mutate(event)
    with pytest.raises(capture.CaptureEventError) as raised:
        capture.handler(event, lambda_context)
    assert "4111" not in str(raised.value)


def test_another_intent_is_delegated_untouched(key: str, lambda_context: Any) -> None:
    answer = capture.handler(load_event("lexv2_dialog_code_hook"), lambda_context)
    assert answer["sessionState"]["dialogAction"] == {"type": "Delegate"}
