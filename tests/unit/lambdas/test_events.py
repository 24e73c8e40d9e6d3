"""Our typed views over Cognito trigger and Connect flow events: recorded shapes, and every malformed field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lambdas.events.base import MalformedEventError
from lambdas.events.cognito import (
    ChallengeResult,
    CreateAuthChallengeEvent,
    DefineAuthChallengeEvent,
    VerifyAuthChallengeEvent,
)
from lambdas.events.connect import ContactFlowEvent
from tests.conftest import load_event


def test_define_reads_the_recorded_session_and_writes_its_answer_into_the_event() -> None:
    event = load_event("cognito_define_auth_challenge")
    trigger = DefineAuthChallengeEvent(event)
    assert trigger.user_name == "demo"
    assert trigger.session == [ChallengeResult("SRP_A", True), ChallengeResult("PASSWORD_VERIFIER", True)]
    assert trigger.client_metadata == {}
    assert trigger.user_not_found is False
    trigger.answer(issue_tokens=False, fail_authentication=False, challenge_name="CUSTOM_CHALLENGE")
    assert trigger.raw_event is event
    assert event["response"] == {"challengeName": "CUSTOM_CHALLENGE", "issueTokens": False,
                                 "failAuthentication": False}


def test_create_and_verify_read_the_recorded_events() -> None:
    create = CreateAuthChallengeEvent(load_event("cognito_create_auth_challenge"))
    assert create.challenge_name == "CUSTOM_CHALLENGE"
    assert create.user_attributes["phone_number_verified"] == "true"
    create.answer(public={"channel": "voice"}, private={"challengeId": "x"}, metadata="VOICE_OTP:x:1")
    assert create.raw_event["response"]["privateChallengeParameters"] == {"challengeId": "x"}
    verify = VerifyAuthChallengeEvent(load_event("cognito_verify_auth_challenge"))
    assert isinstance(verify.challenge_answer, str)
    assert isinstance(verify.private_challenge_parameters, dict)
    verify.answer(correct=True)
    assert verify.raw_event["response"]["answerCorrect"] is True


def test_absent_optional_fields_read_as_empty_and_a_missing_response_is_created() -> None:
    event: dict[str, Any] = {"userName": "u", "request": {"session": None, "clientMetadata": None}}
    trigger = DefineAuthChallengeEvent(event)
    assert (trigger.session, trigger.client_metadata, trigger.user_not_found) == ([], {}, False)
    assert VerifyAuthChallengeEvent({"request": {}}).challenge_answer is None
    assert event["response"] == {}


def _read_everything(event: dict[str, Any]) -> tuple[object, ...]:
    trigger = DefineAuthChallengeEvent(event)
    return trigger.user_name, trigger.session, trigger.client_metadata, trigger.user_not_found


@pytest.mark.parametrize(("mutate", "named"), [
    (lambda e: e.pop("request"), r"event\.request must be an object"),
    (lambda e: e.update(request=[]), r"event\.request must be an object"),
    (lambda e: e.update(response="x"), r"event\.response must be an object"),
    (lambda e: e.update(userName=7), r"event\.userName must be a string"),
    (lambda e: e["request"].update(session={}), r"request\.session must be a list"),
    (lambda e: e["request"]["session"].append("SRP_A"), r"request\.session\[2\] must be an object"),
    (lambda e: e["request"]["session"][0].update(challengeResult="true"),
     r"request\.session\[0\]\.challengeResult must be a boolean"),
    (lambda e: e["request"]["session"][1].pop("challengeName"), r"request\.session\[1\]\.challengeName must be a str"),
    (lambda e: e["request"]["session"][1].update(challengeMetadata=["x"]), r"challengeMetadata must be a string"),
    (lambda e: e["request"].update(clientMetadata={"resend": True}), r"clientMetadata must map strings to strings"),
    (lambda e: e["request"].update(userNotFound="false"), r"request\.userNotFound must be a boolean"),
])
def test_a_malformed_define_event_names_the_field_never_its_value(mutate: Any, named: str) -> None:
    event = copy.deepcopy(load_event("cognito_define_auth_challenge"))
    mutate(event)
    with pytest.raises(MalformedEventError, match=named) as error:
        _read_everything(event)
    assert "+1555" not in str(error.value)


@pytest.mark.parametrize("event", [None, [], "x", 3])
def test_a_non_object_event_is_malformed(event: object) -> None:
    for view in (DefineAuthChallengeEvent, CreateAuthChallengeEvent, VerifyAuthChallengeEvent, ContactFlowEvent):
        with pytest.raises(MalformedEventError, match="must be an object"):
            view(event)


def test_create_rejects_wrongly_typed_attributes_and_challenge_name() -> None:
    event = load_event("cognito_create_auth_challenge")
    event["request"]["userAttributes"] = {"phone_number": 15550100100}
    with pytest.raises(MalformedEventError, match=r"request\.userAttributes must map strings to strings"):
        _ = CreateAuthChallengeEvent(event).user_attributes
    event["request"]["challengeName"] = None
    with pytest.raises(MalformedEventError, match=r"request\.challengeName must be a string"):
        _ = CreateAuthChallengeEvent(event).challenge_name


def test_connect_event_reads_the_contact_and_rejects_bad_shapes() -> None:
    event = load_event("connect_outbound_prompt")
    flow = ContactFlowEvent(event)
    assert flow.contact_id == "4a573372-1f28-4e26-b97b-XXXXXXXXXXX"
    assert (flow.initiation_method, flow.attributes, flow.parameters) == ("API", {}, {})
    assert flow.contact_data["Channel"] == "VOICE"
    event["Details"]["ContactData"]["ContactId"] = 12
    with pytest.raises(MalformedEventError, match=r"ContactData\.ContactId must be a string"):
        _ = ContactFlowEvent(event).contact_id
    with pytest.raises(MalformedEventError, match=r"Details\.ContactData must be an object"):
        ContactFlowEvent({"Details": {"ContactData": "x"}})
    with pytest.raises(MalformedEventError, match=r"event\.Details must be an object"):
        ContactFlowEvent({})
