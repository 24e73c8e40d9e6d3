"""Voice delivery over Connect StartOutboundVoiceContact, against botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from lambdas.common import aws
from lambdas.common.delivery import CONNECT_ERROR_MEANINGS, DeliveryError, VoiceCallSender
from lambdas.common.phone import InvalidPhoneNumber
from lambdas.common.settings import VoiceSettings

SETTINGS = VoiceSettings(instance_id="inst-1", contact_flow_id="flow-1", source_phone_number="+15550100999")
DEST = "+15550100100"


@pytest.fixture
def stub() -> Iterator[Stubber]:
    client = aws.client("connect")
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def expected(token: str = "chal-1") -> dict[str, Any]:
    return {"DestinationPhoneNumber": DEST, "ContactFlowId": "flow-1", "InstanceId": "inst-1",
            "SourcePhoneNumber": "+15550100999", "Attributes": {"challengeId": "chal-1"}, "ClientToken": token}


def sender(sleeps: list[float]) -> VoiceCallSender:
    return VoiceCallSender(SETTINGS, max_attempts=3, base_delay=0.1, max_delay=0.8, sleep=sleeps.append)


def test_places_the_call_with_only_the_challenge_id(stub: Stubber) -> None:
    stub.add_response("start_outbound_voice_contact", {"ContactId": "contact-1"}, expected())
    placed = sender([]).place_call(DEST, attributes={"challengeId": "chal-1"}, client_token="chal-1")
    assert (placed.contact_id, placed.attempts) == ("contact-1", 1)


def test_throttling_is_retried_with_bounded_jitter_and_the_same_token(stub: Stubber) -> None:
    for _ in range(2):
        stub.add_client_error("start_outbound_voice_contact", "ThrottlingException", http_status_code=429,
                              expected_params=expected())
    stub.add_response("start_outbound_voice_contact", {"ContactId": "contact-2"}, expected())
    sleeps: list[float] = []
    placed = sender(sleeps).place_call(DEST, attributes={"challengeId": "chal-1"}, client_token="chal-1")
    assert placed.attempts == 3
    assert len(sleeps) == 2
    assert all(0 <= s <= 0.8 for s in sleeps)


def test_throttling_gives_up_after_max_attempts(stub: Stubber) -> None:
    for _ in range(3):
        stub.add_client_error("start_outbound_voice_contact", "ThrottlingException", http_status_code=429)
    with pytest.raises(DeliveryError) as info:
        sender([]).place_call(DEST, attributes={"challengeId": "chal-1"}, client_token="chal-1")
    assert info.value.reason == "ThrottlingException"
    assert info.value.retryable
    assert "after 3 attempt(s)" in str(info.value)


@pytest.mark.parametrize("code", sorted(set(CONNECT_ERROR_MEANINGS) - {"ThrottlingException",
                                                                      "TooManyRequestsException",
                                                                      "InternalServiceException"}))
def test_configuration_errors_are_not_retried_and_explained(stub: Stubber, code: str) -> None:
    stub.add_client_error("start_outbound_voice_contact", code)
    sleeps: list[float] = []
    with pytest.raises(DeliveryError) as info:
        sender(sleeps).place_call(DEST, attributes={"challengeId": "chal-1"}, client_token="chal-1")
    assert info.value.reason == code
    assert not info.value.retryable
    assert CONNECT_ERROR_MEANINGS[code] in str(info.value)
    assert sleeps == []


@pytest.mark.parametrize("bad", ["5550100100", "+0123456789", "+1 555 010 0100", "", None, 15550100100,
                                 "+1555010010012345678"])
def test_destination_must_be_e164_and_no_call_is_made(stub: Stubber, bad: Any) -> None:
    with pytest.raises(InvalidPhoneNumber) as info:
        sender([]).place_call(bad, attributes={}, client_token="t")
    if isinstance(bad, str) and bad:
        assert bad not in str(info.value)  # the message never echoes the number


def test_source_number_is_validated_at_construction() -> None:
    with pytest.raises(InvalidPhoneNumber):
        VoiceCallSender(VoiceSettings(instance_id="i", contact_flow_id="f", source_phone_number="0800 123"))
