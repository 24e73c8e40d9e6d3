"""contact_flows/outbound_voice_otp.json, run by the flow interpreter: the code is read, never stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sim.connect import (
    AttributeSet,
    CallResult,
    ContactData,
    Flow,
    FlowInterpreter,
    LambdaInvoked,
    LoggingChanged,
    PlaceholderError,
    RecordingChanged,
    ScriptedParticipant,
    load_flow,
)

FLOW_FILE = Path(__file__).resolve().parents[3] / "contact_flows" / "outbound_voice_otp.json"
PROMPT_ARN = "arn:aws:lambda:us-east-1:123456789012:function:voice-otp-prompt"
CODE = "482913"
SPOKEN = " ".join(CODE)
APOLOGY = "Sorry, we could not read your code right now. Goodbye."
REPLAY_OFFER = "Press 1 to hear your code again."
OFFER = "Hello. This is a call with the verification code you asked for. Press 1 to hear it."
NO_KEY = ("We did not hear a key press, so we will not read the code. If you asked for it, please request a new "
          "call. Goodbye.")


def fake_prompt(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Stands in for lambdas/voice_otp_prompt: the code digit by digit, read twice, as SSML."""
    assert event["Details"]["ContactData"]["Attributes"] == {}, "the call names no challenge"
    assert event["Details"]["ContactData"]["ContactId"] == "contact-otp"
    digits = '<break time="300ms"/>'.join(f'<say-as interpret-as="digits">{d}</say-as>' for d in CODE)
    return {"prompt": f"<speak>Your code is {digits}. Again, your code is {digits}.</speak>"}


def failing_prompt(event: dict[str, Any], context: Any) -> dict[str, str]:
    """The prompt Lambda failing (no live challenge)."""
    raise LookupError("challenge is not live")


def flow() -> Flow:
    """The outbound flow with its placeholder resolved, as CDK's Fn::Sub will."""
    return load_flow(FLOW_FILE, {"VoiceOtpPromptFunctionArn": PROMPT_ARN})


def call(replies: list[str | None], handler: Any = fake_prompt) -> tuple[CallResult, ScriptedParticipant]:
    """Place the outbound call (flow logging inherited as ON, to prove the flow turns it off)."""
    phone = ScriptedParticipant(replies)
    contact = ContactData(
        contact_id="contact-otp",
        channel="VOICE",
        initiation_method="API",
        customer_address="+15550100100",
        system_address="+15550100999",
        instance_arn="arn:aws:connect:us-east-1:123456789012:instance/abc",
        attributes={},
        flow_logging_enabled=True,
    )
    result = FlowInterpreter(lambdas={PROMPT_ARN: handler}).run(flow(), participant=phone, contact=contact)
    return result, phone


def code_plays(heard: list[str]) -> list[str]:
    """The lines that read the code out."""
    return [line for line in heard if SPOKEN in line]


def test_code_is_read_twice_per_play_and_replayed_once_on_request() -> None:
    result, phone = call(["1", "1", None])
    plays = code_plays(phone.heard)
    assert len(plays) == 2
    assert all(line.count(SPOKEN) == 2 for line in plays)
    assert phone.heard == [OFFER, plays[0], REPLAY_OFFER, plays[1], REPLAY_OFFER, "Goodbye."]
    assert result.disconnected
    assert result.ended_by == "hang-up"


def test_voicemail_silence_never_hears_the_code() -> None:
    result, phone = call([None])
    assert phone.heard == [OFFER, NO_KEY]
    assert result.transcript.of_type(LambdaInvoked) == [], "the code is not even fetched"
    assert result.disconnected


@pytest.mark.parametrize("key", ["7", "#", "0"])
def test_any_other_key_before_the_code_never_hears_it(key: str) -> None:
    _, phone = call([key])
    assert phone.heard == [OFFER, NO_KEY]


def test_logging_and_recording_are_off_before_the_code_is_fetched() -> None:
    result, _ = call(["1", None])
    events = result.transcript.events
    lambda_at = events.index(result.transcript.of_type(LambdaInvoked)[0])
    logging_at = events.index(result.transcript.of_type(LoggingChanged)[0])
    recording = result.transcript.of_type(RecordingChanged)[0]
    assert logging_at < lambda_at
    assert events.index(recording) < lambda_at
    assert result.logging_history == (True, False)
    assert not result.transcript.of_type(LambdaInvoked)[0].logging_enabled
    assert not recording.state.recording
    assert not recording.state.analytics
    assert (result.voice, result.voice_engine) == ("Joanna", "Neural")


def test_replays_are_bounded() -> None:
    _, phone = call(["1", "1", "1", "1", "1"])
    assert len(code_plays(phone.heard)) == 3
    assert phone.heard[-1] == "Goodbye."


def test_any_other_key_says_goodbye() -> None:
    _, phone = call(["1", "7"])
    assert len(code_plays(phone.heard)) == 1
    assert phone.heard[-1] == "Goodbye."


def test_prompt_lambda_failure_is_a_polite_goodbye() -> None:
    result, phone = call(["1", "1"], failing_prompt)
    assert phone.heard == [OFFER, APOLOGY]
    assert result.disconnected
    assert len(phone.requests) == 1, "only the offer asked for a key"
    assert result.transcript.of_type(LambdaInvoked)[0].outcome == "error"


def test_no_attribute_ever_holds_the_prompt() -> None:
    result, _ = call(["1", "1", None])
    assert result.attributes == {}
    assert result.transcript.of_type(AttributeSet) == []
    assert CODE not in json.dumps(dict(result.attributes))
    for action in flow().actions.values():
        if action.type == "UpdateContactAttributes":
            assert "$.External" not in json.dumps(dict(action.parameters))


def test_flow_starts_by_disabling_logging_and_needs_its_placeholder() -> None:
    start = flow().action(flow().start_action)
    assert (start.type, start.parameters["FlowLoggingBehavior"]) == ("UpdateFlowLoggingBehavior", "Disabled")
    with pytest.raises(PlaceholderError, match="VoiceOtpPromptFunctionArn"):
        load_flow(FLOW_FILE)
