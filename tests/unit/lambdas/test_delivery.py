"""Voice delivery over Connect StartOutboundVoiceContact, against botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from lambdas.common.core import aws
from lambdas.common.core.phone import InvalidPhoneNumber
from lambdas.common.delivery.errors import DeliveryError
from lambdas.common.delivery.voice import (
    CONNECT_ERROR_MEANINGS,
    RESERVE_AFTER_CALL_SECONDS,
    VoiceCallSender,
    VoiceSettings,
)

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
            "SourcePhoneNumber": "+15550100999", "Attributes": {}, "ClientToken": token}


def sender(sleeps: list[float]) -> VoiceCallSender:
    return VoiceCallSender(SETTINGS, max_attempts=3, base_delay=0.1, max_delay=0.8, sleep=sleeps.append)


def test_places_the_call_with_no_attributes_and_the_challenge_id_as_token(stub: Stubber) -> None:
    stub.add_response("start_outbound_voice_contact", {"ContactId": "contact-1"}, expected())
    placed = sender([]).place_call(DEST, client_token="chal-1")
    assert (placed.contact_id, placed.attempts) == ("contact-1", 1)


def test_throttling_is_retried_with_bounded_jitter_and_the_same_token(stub: Stubber) -> None:
    for _ in range(2):
        stub.add_client_error("start_outbound_voice_contact", "ThrottlingException", http_status_code=429,
                              expected_params=expected())
    stub.add_response("start_outbound_voice_contact", {"ContactId": "contact-2"}, expected())
    sleeps: list[float] = []
    placed = sender(sleeps).place_call(DEST, client_token="chal-1")
    assert placed.attempts == 3
    assert len(sleeps) == 2
    assert all(0 <= s <= 0.8 for s in sleeps)


def test_throttling_gives_up_after_max_attempts(stub: Stubber) -> None:
    for _ in range(3):
        stub.add_client_error("start_outbound_voice_contact", "ThrottlingException", http_status_code=429)
    with pytest.raises(DeliveryError) as info:
        sender([]).place_call(DEST, client_token="chal-1")
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
        sender(sleeps).place_call(DEST, client_token="chal-1")
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


class TriggerBudget:
    """A Lambda's remaining time, driven by the time the sender spends (a fake clock, no real sleeping).

    Every Connect attempt is charged its worst case: the client's connect + read timeouts, as configured.
    """

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def time_left(self) -> float:
        return self.left

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.left -= seconds

    def charge_attempt(self, **_: Any) -> None:
        self.left -= aws.CONNECT_ATTEMPT_WORST_CASE_SECONDS


def test_the_connect_client_has_one_sdk_attempt_and_timeouts_that_fit_twice_in_the_trigger_budget() -> None:
    config = aws.client("connect").meta.config
    assert config.retries["total_max_attempts"] == 1, "our loop retries: the SDK must not retry as well"
    assert config.connect_timeout + config.read_timeout == aws.CONNECT_ATTEMPT_WORST_CASE_SECONDS
    assert 2 * aws.CONNECT_ATTEMPT_WORST_CASE_SECONDS + RESERVE_AFTER_CALL_SECONDS < 5


@pytest.mark.parametrize("budget", [5.0, 4.2, 3.1, 2.9])
def test_retries_never_outlast_the_trigger_budget_even_when_every_attempt_times_out(budget: float) -> None:
    """Worst case: every attempt takes its full timeouts and is throttled. The sender stops starting
    attempts while one more could not finish with the reserve left, so Cognito's 5 s always hold."""
    clock = TriggerBudget(budget)
    aws.client("connect").meta.events.register("before-call.connect.StartOutboundVoiceContact", clock.charge_attempt)
    slow = VoiceCallSender(SETTINGS, max_attempts=3, base_delay=0.1, max_delay=0.8, sleep=clock.sleep)
    with Stubber(aws.client("connect")) as stub:
        for _ in range(3):  # more than the budget allows: the ones not attempted stay queued
            stub.add_client_error("start_outbound_voice_contact", "ThrottlingException", http_status_code=429)
        with pytest.raises(DeliveryError):
            slow.place_call(DEST, client_token="chal-1", time_left=clock.time_left)
    assert clock.left >= RESERVE_AFTER_CALL_SECONDS, "the work after the call still has its reserve"


def test_no_attempt_is_started_without_time_for_it(stub: Stubber) -> None:
    with pytest.raises(DeliveryError) as info:
        sender([]).place_call(DEST, client_token="chal-1", time_left=lambda: 2.6)
    assert info.value.reason == "DeadlineReached"
    assert info.value.retryable
