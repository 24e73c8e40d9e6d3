"""The Connect flow interpreter, generic over the flow language: toy flows exercise each action type."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.connect_contact_flow_event import ConnectContactFlowEvent

from sim.connect import (
    AttributeSet,
    CallResult,
    ContactData,
    ErrorBranch,
    Flow,
    FlowDefinitionError,
    FlowInterpreter,
    FlowRuntimeError,
    FlowTransferred,
    InputRequest,
    InputStored,
    InvalidSsml,
    LambdaInvoked,
    ParticipantPressed,
    PlaceholderError,
    ScriptedParticipant,
    StepLimitExceeded,
    UnsupportedBlock,
    fn_sub,
    load_flow,
    parse_flow,
    ssml_to_text,
)
from sim.connect.jsonpath import parse_reference, substitute

FLOWS = Path(__file__).resolve().parents[2] / "fixtures" / "flows"
LOOKUP_ARN = "arn:aws:lambda:us-east-1:123456789012:function:lookup"
INSTANCE_ARN = "arn:aws:connect:us-east-1:123456789012:instance/toy-instance"
CALLER = "+15550100100"
Handler = Callable[[dict[str, Any], Any], Any]


# -- helpers -------------------------------------------------------------------------------------
def contact(**attributes: str) -> ContactData:
    """An inbound voice contact with the given attributes."""
    return ContactData(
        contact_id="contact-1",
        channel="VOICE",
        initiation_method="INBOUND",
        customer_address=CALLER,
        system_address="+15550100999",
        instance_arn=INSTANCE_ARN,
        attributes=attributes,
    )


def block(
    identifier: str,
    kind: str,
    next_action: str | None = "end",
    *,
    errors: dict[str, str] | None = None,
    conditions: list[tuple[str, str, str]] | None = None,
    **parameters: Any,
) -> dict[str, Any]:
    """One action as flow JSON; ``conditions`` are (operator, operand, next action)."""
    transitions: dict[str, Any] = {"NextAction": next_action} if next_action else {}
    if errors:
        transitions["Errors"] = [{"ErrorType": kind_, "NextAction": to} for kind_, to in errors.items()]
    if conditions:
        transitions["Conditions"] = [
            {"NextAction": to, "Condition": {"Operator": op, "Operands": [operand]}}
            for op, operand, to in conditions
        ]
    return {"Identifier": identifier, "Type": kind, "Parameters": parameters, "Transitions": transitions}


def say(identifier: str, text: str, next_action: str = "end") -> dict[str, Any]:
    """A MessageParticipant block with plain text."""
    return block(identifier, "MessageParticipant", next_action, Text=text)


def toy(*actions: dict[str, Any], name: str = "toy") -> Flow:
    """A flow of ``actions`` (the first one starts) plus a terminal ``end`` DisconnectParticipant."""
    end = block("end", "DisconnectParticipant", None)
    return parse_flow(
        {"Version": "2019-10-30", "StartAction": actions[0]["Identifier"], "Actions": [*actions, end]},
        default_name=name,
    )


def run(
    flow: Flow,
    replies: list[str | None] | None = None,
    *,
    lambdas: dict[str, Handler] | None = None,
    attributes: dict[str, str] | None = None,
    **options: Any,
) -> tuple[CallResult, ScriptedParticipant]:
    """Run ``flow`` with a scripted caller."""
    caller = ScriptedParticipant(replies or [])
    interpreter = FlowInterpreter(lambdas=lambdas or {}, **options)
    return interpreter.run(flow, participant=caller, contact=contact(**(attributes or {}))), caller


class FakeLex:
    """A LexBridge that replays canned RecognizeText responses (or raises) and records each request."""

    def __init__(self, *responses: dict[str, Any] | Exception) -> None:
        self.responses = list(responses)
        self.calls: list[dict[str, Any]] = []

    def recognize_text(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        response = self.responses.pop(0)
        if isinstance(response, Exception):
            raise response
        return response


def lex_turn(
    dialog_action: str,
    intent: str | None,
    state: str = "InProgress",
    *,
    say_: str | None = None,
    slots: dict[str, Any] | None = None,
    session: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A RecognizeText response."""
    messages = [{"content": say_, "contentType": "PlainText"}] if say_ else []
    intent_state = {"name": intent, "slots": slots or {}, "state": state, "confirmationState": "None"}
    return {
        "messages": messages,
        "sessionId": "contact-1",
        "interpretations": [],
        "sessionState": {
            "dialogAction": {"type": dialog_action},
            "intent": intent_state if intent else None,
            "sessionAttributes": session or {},
        },
    }


# -- loading, placeholders, validation ----------------------------------------------------------
def test_load_flow_substitutes_placeholders_like_fn_sub() -> None:
    flow = load_flow(FLOWS / "placeholders.json", {"GreetingFunctionArn": LOOKUP_ARN})
    result, caller = run(flow, lambdas={"lookup": lambda event, context: {"greeting": "hi"}})
    assert flow.action("greet").parameters["LambdaFunctionARN"] == LOOKUP_ARN
    assert caller.heard == ["Literal ${NotAPlaceholder} stays, greeting hi"]
    assert result.disconnected
    assert result.ended_by == "bye"


def test_unresolved_placeholder_is_named() -> None:
    with pytest.raises(PlaceholderError, match=r"\$\{GreetingFunctionArn\}") as raised:
        load_flow(FLOWS / "placeholders.json", {"Other": "x"})
    assert raised.value.names == ("GreetingFunctionArn",)


def test_fn_sub_semantics() -> None:
    assert fn_sub("${A}:${!B}:${A}", {"A": "1"}) == "1:${B}:1"
    with pytest.raises(PlaceholderError, match=r"\$\{AWS::Region\}"):
        fn_sub("arn:${AWS::Region}", {})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {
                "Version": "2017-01-01",
                "StartAction": "a",
                "Actions": [block("a", "DisconnectParticipant", None)],
            },
            "Version",
        ),
        ({"Version": "2019-10-30", "StartAction": "a", "Actions": [say("a", "hi", "nowhere")]}, "'nowhere'"),
        (
            {
                "Version": "2019-10-30",
                "StartAction": "zz",
                "Actions": [block("a", "DisconnectParticipant", None)],
            },
            "StartAction",
        ),
        (
            {
                "Version": "2019-10-30",
                "StartAction": "a",
                "Actions": [say("a", "x", "a"), say("a", "y", "a")],
            },
            "duplicate",
        ),
        (
            {
                "Version": "2019-10-30",
                "StartAction": "a/b",
                "Actions": [block("a/b", "DisconnectParticipant", None)],
            },
            "Identifier",
        ),
    ],
)
def test_invalid_flows_fail_at_load(document: dict[str, Any], message: str) -> None:
    with pytest.raises(FlowDefinitionError, match=message):
        parse_flow(document)


def test_unknown_block_type_names_type_and_block() -> None:
    flow = toy(say("hello", "Hi", "mystery"), block("mystery", "TeleportCaller"))
    with pytest.raises(UnsupportedBlock, match=r"'mystery'.*TeleportCaller") as raised:
        run(flow)
    assert raised.value.block_id == "mystery"
    assert raised.value.partial is not None
    assert raised.value.partial.transcript.heard() == ["Hi"]


def test_step_limit_catches_an_infinite_loop() -> None:
    flow = toy(block("spin", "UpdateContactAttributes", "spin", Attributes={"x": "1"}))
    with pytest.raises(StepLimitExceeded, match=r"more than 25 steps.*'spin'"):
        run(flow, max_steps=25)


def test_an_error_without_a_branch_disconnects_saying_why() -> None:
    flow = toy(block("ask", "GetParticipantInput", Text="Press 1", StoreInput="False"))
    result, _ = run(flow, [None])
    assert result.disconnected
    assert result.ended_by == "ask"
    assert result.transcript.render().splitlines()[-1] == (
        "       · block ask (GetParticipantInput): error InputTimeLimitExceeded (the caller pressed nothing) "
        "and no Errors branch for it: the contact is disconnected"
    )


# -- JSONPath and SSML ---------------------------------------------------------------------------
def test_jsonpath_references() -> None:
    data = {"Attributes": {"a b": "spaced", "x": "1"}, "AwsRegion": "us-east-1", "External": {}}
    assert parse_reference("$.Attributes['a b']") == ("Attributes", "a b")
    assert parse_reference("$.Attributes.['a b']") == ("Attributes", "a b")
    assert (
        substitute("in $['AwsRegion']: $.Attributes['a b'], $.Attributes.x.", data)
        == "in us-east-1: spaced, 1."
    )
    assert (
        substitute("missing '$.External.nope' costs $5 $.Nothing.here", data)
        == "missing '' costs $5 $.Nothing.here"
    )


def test_whole_value_reference_to_unknown_namespace_is_a_definition_error() -> None:
    flow = toy(block("set", "UpdateContactAttributes", Attributes={"x": "$.BadValue"}))
    with pytest.raises(FlowDefinitionError, match=r"'set'.*\$\.BadValue"):
        run(flow)


@pytest.mark.parametrize(
    ("ssml", "heard"),
    [
        ('<speak>Code <say-as interpret-as="digits">482913</say-as>.</speak>', "Code 4 8 2 9 1 3."),
        (
            '<speak><say-as interpret-as="digits">4</say-as><break time="1s"/><say-as interpret-as="digits">8'
            "</say-as></speak>",
            "4 8",
        ),
        ('<speak>Call <say-as interpret-as="telephone">+1 555-0100</say-as></speak>', "Call 1 5 5 5 0 1 0 0"),
        (
            '<speak><prosody rate="slow">ID <say-as interpret-as="characters">ab1</say-as></prosody></speak>',
            "ID a b 1",
        ),
        (
            '<speak><amazon:effect name="whispered">quiet</amazon:effect> '
            '<sub alias="AWS">A.W.S.</sub> &amp; co</speak>',
            "quiet AWS & co",
        ),
    ],
)
def test_ssml_to_text(ssml: str, heard: str) -> None:
    assert ssml_to_text(ssml) == heard


@pytest.mark.parametrize("ssml", ["no speak root", "<speak>unclosed <break></speak>"])
def test_invalid_ssml(ssml: str) -> None:
    with pytest.raises(InvalidSsml):
        ssml_to_text(ssml)


# -- participant actions -------------------------------------------------------------------------
def test_message_text_prompt_and_ssml() -> None:
    flow = toy(
        say("hi", "Hello $.Attributes.name from $.CustomerEndpoint.Address on $.Channel.", "prompt"),
        block("prompt", "MessageParticipant", "ssml", PromptId="arn:aws:connect:prompt/beep"),
        block(
            "ssml", "MessageParticipant", SSML='<speak>Pin <say-as interpret-as="digits">12</say-as></speak>'
        ),
    )
    _, caller = run(flow, attributes={"name": "Ana"})
    assert caller.heard == [
        f"Hello Ana from {CALLER} on VOICE.",
        "[prompt arn:aws:connect:prompt/beep]",
        "Pin 1 2",
    ]


def test_invalid_ssml_takes_the_error_branch() -> None:
    flow = toy(
        block("bad", "MessageParticipant", errors={"NoMatchingError": "oops"}, SSML="<speak>broken"),
        say("oops", "Sorry."),
    )
    result, caller = run(flow)
    assert caller.heard == ["Sorry."]
    assert result.transcript.of_type(ErrorBranch)[0].error_type == "NoMatchingError"


@pytest.mark.parametrize(
    ("replies", "heard_last", "error"),
    [
        (["1"], "Billing for +15550100100.", None),
        ([None], "Goodbye.", "InputTimeLimitExceeded"),
        (["9", "9"], "Goodbye.", "NoMatchingCondition"),
    ],
)
def test_dtmf_menu_routes_on_the_key(replies: list[str | None], heard_last: str, error: str | None) -> None:
    flows = {"billing-flow-id": load_flow(FLOWS / "billing.json")}
    result, caller = run(load_flow(FLOWS / "main_menu.json"), replies, flows=flows)
    assert caller.heard[-1] == heard_last
    assert caller.requests[0] == InputRequest(kind="dtmf", max_digits=1, timeout_seconds=4.0, encrypted=False)
    assert [e.error_type for e in result.transcript.of_type(ErrorBranch)][-1:] == ([error] if error else [])


def test_transfer_to_flow_by_arn_keeps_attributes_and_ends_in_the_other_flow() -> None:
    flows = {"billing-flow-id": load_flow(FLOWS / "billing.json")}
    result, _ = run(load_flow(FLOWS / "main_menu.json"), ["1"], flows=flows)
    assert result.transcript.of_type(FlowTransferred)[0].to_flow == "billing"
    assert (result.flow_name, result.ended_by, result.disconnected) == ("billing", "done", False)
    assert result.attributes == {"language": "en", "caller": CALLER, "contact": "contact-1"}


def test_transfer_to_unknown_flow_takes_the_error_branch() -> None:
    result, caller = run(load_flow(FLOWS / "main_menu.json"), ["1"])
    assert caller.heard[-1] == "Goodbye."
    assert result.transcript.of_type(ErrorBranch)[0].block_id == "to-billing"


def test_encrypted_stored_input_keeps_only_ciphertext() -> None:
    card = "4111111111111111"
    seen: list[tuple[str, str]] = []

    def encryptor(plaintext: str, key_id: str) -> str:
        seen.append((plaintext, key_id))
        return f"ciphertext-under-{key_id}-{len(plaintext)}"

    result, caller = run(
        load_flow(FLOWS / "card_capture.json"),
        [card + "#"],
        attributes={"keyId": "key-7"},
        encryptor=encryptor,
    )
    assert seen == [(card, "key-7")]
    assert result.stored_customer_input == "ciphertext-under-key-7-16"
    assert result.attributes["encrypted_card"] == "ciphertext-under-key-7-16"
    assert caller.requests[0] == InputRequest(kind="dtmf", max_digits=16, timeout_seconds=8.0, encrypted=True)
    assert result.transcript.of_type(ParticipantPressed)[0].masked
    assert result.transcript.of_type(InputStored)[0].encrypted
    assert card not in repr(result)
    assert card not in result.transcript.render()
    assert "pressed " + "*" * 17 + " (encrypted input)" in result.transcript.render()


def test_encrypted_input_without_an_encryptor_is_refused_before_asking() -> None:
    caller = ScriptedParticipant(["4111111111111111"])
    with pytest.raises(FlowRuntimeError, match="no encryptor"):
        FlowInterpreter(lambdas={}).run(
            load_flow(FLOWS / "card_capture.json"), participant=caller, contact=contact(keyId="k")
        )
    assert caller.requests == []


def test_encryptor_failure_takes_the_error_branch_and_stores_nothing() -> None:
    def broken(plaintext: str, key_id: str) -> str:
        raise RuntimeError(f"cannot encrypt {plaintext}")

    result, caller = run(
        load_flow(FLOWS / "card_capture.json"), ["4111"], attributes={"keyId": "k"}, encryptor=broken
    )
    assert caller.heard[-1] == "Sorry, we could not take your card."
    assert result.stored_customer_input is None
    assert "encrypted_card" not in result.attributes


@pytest.mark.parametrize(
    ("validation", "reply", "stored", "heard"),
    [
        (
            {"PhoneNumberValidation": {"NumberFormat": "Local", "CountryCode": "US"}},
            "5550100123#",
            "+15550100123",
            "ok",
        ),
        ({"PhoneNumberValidation": {"NumberFormat": "E164"}}, "447700900123", "+447700900123", "ok"),
        ({"PhoneNumberValidation": {"NumberFormat": "Local", "CountryCode": "US"}}, "123", None, "invalid"),
        ({"CustomValidation": {"MaximumLength": "4"}}, "123456", "1234", "ok"),
        ({"CustomValidation": {"MaximumLength": "4"}}, None, "Timeout", "ok"),
    ],
)
def test_stored_input_validation(
    validation: dict[str, Any], reply: str | None, stored: str | None, heard: str
) -> None:
    flow = toy(
        block(
            "ask",
            "GetParticipantInput",
            "ok",
            errors={"InvalidPhoneNumber": "invalid"},
            Text="Number?",
            StoreInput="True",
            InputValidation=validation,
        ),
        say("ok", "ok"),
        say("invalid", "invalid"),
    )
    result, caller = run(flow, [reply])
    assert result.stored_customer_input == stored
    assert caller.heard[-1] == heard


# -- flow control and contact actions ------------------------------------------------------------
@pytest.mark.parametrize(
    ("operator", "operand", "value", "matches"),
    [
        ("Equals", "gold", "gold", True),
        ("Equals", "gold", "Gold", False),
        ("TextStartsWith", "+44", "+447700", True),
        ("TextEndsWith", "00", "+447700", True),
        ("TextContains", "770", "+447700", True),
        ("TextContains", "999", "+447700", False),
        ("NumberEquals", "5", "5.0", True),
        ("NumberGreaterThan", "3", "10", True),
        ("NumberGreaterThan", "3", "ten", False),
        ("NumberLessThan", "3", "2.5", True),
        ("NumberGreaterOrEqualTo", "3", "3", True),
        ("NumberLessOrEqualTo", "3", "4", False),
    ],
)
def test_compare_operators(operator: str, operand: str, value: str, matches: bool) -> None:
    flow = toy(
        block(
            "check",
            "Compare",
            errors={"NoMatchingCondition": "no"},
            conditions=[(operator, operand, "yes")],
            ComparisonValue="$.Attributes.v",
        ),
        say("yes", "yes"),
        say("no", "no"),
    )
    _, caller = run(flow, attributes={"v": value})
    assert caller.heard == ["yes" if matches else "no"]


def test_compare_on_an_unset_value_matches_nothing_and_unknown_operators_fail() -> None:
    flow = toy(
        block(
            "check",
            "Compare",
            errors={"NoMatchingCondition": "no"},
            conditions=[("Equals", "", "yes")],
            ComparisonValue="$.Attributes.unset",
        ),
        say("yes", "yes"),
        say("no", "no"),
    )
    assert run(flow)[1].heard == ["no"]
    bad = toy(block("check", "Compare", conditions=[("Resembles", "x", "end")], ComparisonValue="$.Channel"))
    with pytest.raises(FlowDefinitionError, match=r"'check'.*Resembles"):
        run(bad)


def test_update_contact_attributes_is_all_or_nothing() -> None:
    flow = toy(
        block(
            "set",
            "UpdateContactAttributes",
            "ok",
            errors={"NoMatchingError": "failed"},
            Attributes={"good": "$.ContactId", "bad": "$.External.missing"},
        ),
        say("ok", "ok"),
        say("failed", "failed"),
    )
    result, caller = run(flow)
    assert caller.heard == ["failed"]
    assert result.attributes == {}
    assert result.transcript.of_type(AttributeSet) == []


def test_loops_count_per_block_and_continue_then_finish() -> None:
    flow = toy(
        say("a", "A", "loop-a"),
        block(
            "loop-a",
            "Loop",
            conditions=[("Equals", "ContinueLooping", "a"), ("Equals", "DoneLooping", "b")],
            LoopCount="1",
        ),
        say("b", "B", "loop-b"),
        block(
            "loop-b",
            "Loop",
            conditions=[("Equals", "ContinueLooping", "b"), ("Equals", "DoneLooping", "end")],
            LoopCount=2,
        ),
    )
    assert run(flow)[1].heard == ["A", "A", "B", "B", "B"]
    with pytest.raises(FlowDefinitionError, match="LoopCount must be between 0 and 100"):
        run(toy(block("l", "Loop", conditions=[("Equals", "DoneLooping", "end")], LoopCount="101")))


def test_logging_recording_voice_state_and_end_flow() -> None:
    seen: list[bool] = []
    flow = toy(
        block("log-on", "UpdateFlowLoggingBehavior", "record", FlowLoggingBehavior="Enabled"),
        block(
            "record",
            "UpdateContactRecordingBehavior",
            "voice",
            RecordingBehavior={"RecordedParticipants": ["Agent", "Customer"]},
            AnalyticsBehavior={"Enabled": "True", "AnalyticsLanguage": "en-US"},
        ),
        block(
            "voice",
            "UpdateContactTextToSpeechVoice",
            "call",
            TextToSpeechVoice="Matthew",
            TextToSpeechEngine="Neural",
        ),
        block(
            "call",
            "InvokeLambdaFunction",
            "stop",
            errors={"NoMatchingError": "end"},
            LambdaFunctionARN=LOOKUP_ARN,
        ),
        block("stop", "EndFlowExecution", None),
    )
    result, _ = run(flow, lambdas={LOOKUP_ARN: lambda event, context: seen.append(True) or {}})
    assert result.logging_history == (False, True)
    assert result.transcript.of_type(LambdaInvoked)[0].logging_enabled
    assert result.recording_history[-1].recording
    assert result.recording_history[-1].analytics
    assert (result.voice, result.voice_engine, result.disconnected, seen) == (
        "Matthew",
        "Neural",
        False,
        [True],
    )


@pytest.mark.parametrize(
    ("kind", "parameters", "message"),
    [
        ("UpdateFlowLoggingBehavior", {"FlowLoggingBehavior": "Sometimes"}, "Enabled or Disabled"),
        (
            "UpdateContactRecordingBehavior",
            {
                "RecordingBehavior": {"RecordedParticipants": ["Agent"]},
                "AnalyticsBehavior": {"Enabled": "True"},
            },
            "both recorded",
        ),
        ("GetParticipantInput", {"Text": "x", "StoreInput": "True"}, "InputValidation"),
        (
            "InvokeLambdaFunction",
            {"LambdaFunctionARN": LOOKUP_ARN, "InvocationTimeLimitSeconds": "9"},
            "between 1 and 8",
        ),
    ],
)
def test_invalid_static_parameters_fail_loudly(kind: str, parameters: dict[str, Any], message: str) -> None:
    with pytest.raises(FlowDefinitionError, match=message):
        run(toy(block("b", kind, **parameters)), lambdas={LOOKUP_ARN: lambda event, context: {}})


# -- Lambda ------------------------------------------------------------------------------------------
def test_lambda_gets_connects_event_and_external_is_nested_json() -> None:
    events: list[dict[str, Any]] = []

    def lookup(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        assert context.get_remaining_time_in_millis() <= 4000
        assert context.function_name == "lookup"
        return {"customer": {"tier": "gold", "name": "Ana"}}

    result, caller = run(load_flow(FLOWS / "main_menu.json"), ["2"], lambdas={"lookup": lookup})
    assert caller.heard[-2:] == ["Welcome back Ana, you are a gold member.", "Goodbye."]
    event = ConnectContactFlowEvent(events[0])
    assert event.parameters == {"language": "en", "purpose": "tier check"}
    assert event.contact_data.customer_endpoint is not None
    assert event.contact_data.customer_endpoint.address == CALLER
    assert event.contact_data.attributes["caller"] == CALLER
    assert (event.contact_data.contact_id, event.contact_data.instance_arn) == ("contact-1", INSTANCE_ARN)
    assert events[0]["Name"] == "ContactFlowEvent"
    assert events[0]["Details"]["ContactData"]["Channel"] == "VOICE"
    assert result.transcript.of_type(LambdaInvoked)[0].response_keys == ("customer",)


def _lambda_flow(response_type: str = "STRING_MAP") -> Flow:
    """Invoke a Lambda, then say its ``value``; errors say 'error'."""
    return toy(
        block(
            "call",
            "InvokeLambdaFunction",
            "speak",
            errors={"NoMatchingError": "error"},
            LambdaFunctionARN=LOOKUP_ARN,
            InvocationTimeLimitSeconds="2",
            ResponseValidation={"ResponseType": response_type},
        ),
        say("speak", "value $.External.value"),
        say("error", "error"),
    )


def _raise(exc: Exception) -> Handler:
    def handler(event: dict[str, Any], context: Any) -> Any:
        raise exc

    return handler


@pytest.mark.parametrize(
    ("handler", "outcome", "heard"),
    [
        (lambda event, context: {"value": "v1", "count": 3, "ok": True}, "ok", "value v1"),
        (lambda event, context: {"value": {"nested": "no"}}, "invalid-response", "error"),
        (lambda event, context: ["not", "a", "map"], "invalid-response", "error"),
        (_raise(ValueError("pin 1234 is wrong")), "error", "error"),
        (_raise(TimeoutError()), "timeout", "error"),
    ],
)
def test_lambda_outcomes(handler: Handler, outcome: str, heard: str) -> None:
    result, caller = run(_lambda_flow(), lambdas={LOOKUP_ARN: handler})
    invoked = result.transcript.of_type(LambdaInvoked)[0]
    assert (invoked.outcome, caller.heard) == (outcome, [heard])
    assert "1234" not in result.transcript.render()
    assert "v1" not in repr(invoked)


def test_lambda_slower_than_its_time_limit_is_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr("sim.connect.lambda_action.monotonic", lambda: now[0])

    def slow(event: dict[str, Any], context: Any) -> dict[str, str]:
        now[0] += 2.5  # the flow allows 2 seconds
        return {"value": "late"}

    result, caller = run(_lambda_flow(), lambdas={"lookup": slow})
    assert result.transcript.of_type(LambdaInvoked)[0].outcome == "timeout"
    assert caller.heard == ["error"]


def test_a_lambda_with_no_handler_mapped_takes_the_error_branch_saying_so() -> None:
    result, _ = run(_lambda_flow(), lambdas={"other": lambda event, context: {}})
    (branch,) = result.transcript.of_type(ErrorBranch)
    assert (branch.error_type, branch.reason) == ("NoMatchingError", "no local handler is mapped for Lambda 'lookup'")


# -- Lex V2 ----------------------------------------------------------------------------------------
def test_lex_conversation_routes_on_intent_and_exposes_slots() -> None:
    lex = FakeLex(
        lex_turn("ElicitSlot", "CheckBalance", say_="Which account?"),
        lex_turn(
            "Close",
            "CheckBalance",
            "Fulfilled",
            say_="Here it is.",
            session={"isValid": "true"},
            slots={"accountType": {"value": {"originalValue": "check", "interpretedValue": "checking"}}},
        ),
    )
    _result, caller = run(load_flow(FLOWS / "lex_v2.json"), ["balance please", "1"], lex=lex)
    assert caller.heard == [
        "How can I help?",
        "Which account?",
        "Here it is.",
        "Balance of your checking account, check true.",
    ]
    assert [call["input_mode"] for call in lex.calls] == ["Speech", "DTMF"]
    assert lex.calls[0]["session_attributes"] == {"range": "15-16", "x-amz-lex:barge-in-enabled:*:*": "true"}
    assert lex.calls[1]["session_attributes"] == {}
    assert {call["session_id"] for call in lex.calls} == {"contact-1"}
    assert lex.calls[0]["locale_id"] == "en-US"
    assert lex.calls[0]["bot_alias_arn"].endswith("ALIASID")
    assert caller.requests[0].kind == "lex"


@pytest.mark.parametrize(
    ("lex", "replies", "heard"),
    [
        (FakeLex(lex_turn("Close", "Other", "Fulfilled")), ["hello"], "Sorry, I cannot help with that."),
        (FakeLex(lex_turn("Close", "TransferMoney", "Failed")), ["send money"], "Transfers."),
        (FakeLex(), [None], "We did not hear you."),
        (FakeLex(RuntimeError("bot down")), ["hello"], "Something went wrong."),
        (
            FakeLex({"messages": [{"content": "<speak>bad", "contentType": "SSML"}]}),
            ["hi"],
            "Something went wrong.",
        ),
    ],
)
def test_lex_branches(lex: FakeLex, replies: list[str | None], heard: str) -> None:
    _, caller = run(load_flow(FLOWS / "lex_v2.json"), replies, lex=lex)
    assert caller.heard[-1] == heard


def test_lex_v1_block_and_missing_bridge_fail_loudly() -> None:
    v1 = toy(
        block(
            "bot",
            "ConnectParticipantWithLexBot",
            LexBot={"Name": "OldBot", "Region": "us-east-1", "Alias": "$LATEST"},
        )
    )
    with pytest.raises(UnsupportedBlock, match=r"'bot'.*Lex V1.*'OldBot'"):
        run(v1, lex=FakeLex())
    with pytest.raises(FlowRuntimeError, match="no LexBridge"):
        run(load_flow(FLOWS / "lex_v2.json"), ["hi"])


# -- transcript ----------------------------------------------------------------------------------
def test_render_is_readable() -> None:
    result, _ = run(load_flow(FLOWS / "main_menu.json"), [None])
    assert result.transcript.render().splitlines() == [
        "       · attribute language = 'en'",
        f"       · attribute caller = '{CALLER}'",
        "       · attribute contact = 'contact-1'",
        "SYSTEM > For billing press 1. For your account press 2.",
        "CALLER < (silence)",
        "       · block menu: error InputTimeLimitExceeded (the caller pressed nothing) -> not-heard",
        "SYSTEM > We did not hear from you.",
        "SYSTEM > Goodbye.",
        "       · disconnected",
    ]
