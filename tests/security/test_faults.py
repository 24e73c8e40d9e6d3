"""Every AWS dependency of C1, C3 and C4 failing (PCI DSS 4.0 req. 6.2.4: fail securely; OWASP ASVS 5 V16
error handling): the caller gets the safe answer (a valid Lex response, never an exception), nothing secret is
logged, no half-written state blocks the next try, and once the fault clears the same person succeeds.

Faults are injected before botocore sends the request (``tests/faults.py``), exactly where a throttle or an
outage surfaces. The voice OTP's own dependencies are in ``tests/reliability/test_voice_otp_faults.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.faults import injected_faults
from tests.security.targets import TEST_CARD, TEST_ZIP, World, attributes

REPORT = Path(__file__).resolve().parents[2] / "test-output" / "faults-survived.json"
SURVIVED: dict[str, bool] = {}

SIGN_IN_FAULTS = [
    ("cognito-idp:InitiateAuth", "TooManyRequestsException"),
    ("cognito-idp:InitiateAuth", "InternalErrorException"),
    ("secretsmanager:GetSecretValue", "InternalServiceError"),
    ("dynamodb:UpdateItem", "ThrottlingException"),
    ("dynamodb:TransactGetItems", "ProvisionedThroughputExceededException"),
]
LINK_FAULTS = [
    ("kms:Sign", "ThrottlingException"),
    ("kms:Sign", "KMSInternalException"),
    ("sns:Publish", "Throttling"),
    ("sns:Publish", "OptedOut"),
    ("dynamodb:TransactWriteItems", "ThrottlingException"),
]
CAPTURE_FAULTS = [("kms:GenerateDataKey", "ThrottlingException"), ("kms:GenerateDataKey", "timeout")]
ORDER_FAULTS = [
    ("dynamodb:GetItem", "ProvisionedThroughputExceededException"),
    ("dynamodb:TransactWriteItems", "ThrottlingException"),
    ("secretsmanager:GetSecretValue", "InternalServiceError"),
    ("sns:Publish", "Throttling"),
]


@pytest.fixture(scope="module", autouse=True)
def _report() -> Any:
    yield
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps({"tried": len(SURVIVED), "survived": sum(SURVIVED.values()),
                                  "faults": SURVIVED}, indent=2, sort_keys=True))


def _ids(faults: list[tuple[str, str]]) -> list[str]:
    return [f"{operation}-{code}" for operation, code in faults]


@pytest.mark.parametrize(("operation", "code"), SIGN_IN_FAULTS, ids=_ids(SIGN_IN_FAULTS))
def test_voice_login_sign_in_fails_closed_then_recovers(world: World, monkeypatch: pytest.MonkeyPatch,
                                                       lambda_logs: Any, operation: str, code: str) -> None:
    customer = world.banking_customer()
    with injected_faults(monkeypatch) as faults:
        faults.fail(operation, code)
        refused = attributes(world.banking_sign_in(customer.customer_id, customer.pin, session_id="c-fault"))
        assert faults.injected[operation] >= 1, f"{operation} is not on the sign-in path"
        faults.clear()
        world.past_cooldown()
        recovered = attributes(world.banking_sign_in(customer.customer_id, customer.pin, session_id="c-fault-2"))
    assert refused.get("authOutcome") != "authenticated"
    assert recovered["authOutcome"] == "authenticated", recovered
    assert customer.pin not in lambda_logs.getvalue()
    SURVIVED[f"C1 sign-in {operation} {code}"] = True


@pytest.mark.parametrize(("operation", "code"), LINK_FAULTS, ids=_ids(LINK_FAULTS))
def test_the_link_text_fails_closed_and_the_caller_may_ask_again(world: World, monkeypatch: pytest.MonkeyPatch,
                                                                 lambda_logs: Any, operation: str,
                                                                 code: str) -> None:
    customer = world.banking_customer()
    signed = world.signed_in_banking(customer, session_id="c-link")
    with injected_faults(monkeypatch) as faults:
        faults.fail(operation, code)
        failed = attributes(world.ask_for_link(signed, session_id="c-link"))
        assert faults.injected[operation] >= 1, f"{operation} is not on the link path"
        faults.clear()
    assert failed.get("linkOutcome") != "sent"
    world.past_cooldown()
    again = attributes(world.ask_for_link(failed, session_id="c-link"))
    assert again["linkOutcome"] == "sent", again
    grant = world.latest_grant(customer.phone_number)
    assert grant not in lambda_logs.getvalue()
    SURVIVED[f"C1 link {operation} {code}"] = True


@pytest.mark.parametrize(("operation", "code"), CAPTURE_FAULTS, ids=_ids(CAPTURE_FAULTS))
def test_card_capture_fails_closed_and_stores_nothing(world: World, monkeypatch: pytest.MonkeyPatch,
                                                      lambda_logs: Any, operation: str, code: str) -> None:
    with injected_faults(monkeypatch) as faults:
        faults.fail(operation, code)
        failed = world.capture_card("contact-fault-1")
        assert faults.injected[operation] >= 1
        faults.clear()
    assert failed.get("captureStatus") == "error", failed  # the flow's error branch: a safe goodbye
    assert not any(TEST_CARD in value or TEST_ZIP in value for value in failed.values())
    captured = world.capture_card("contact-fault-2")
    assert captured.get("captureStatus") == "captured", captured
    assert "cardCiphertext" in captured
    assert TEST_CARD not in lambda_logs.getvalue()
    SURVIVED[f"C3 capture {operation} {code}"] = True


@pytest.mark.parametrize(("operation", "code"), ORDER_FAULTS, ids=_ids(ORDER_FAULTS))
def test_an_order_fails_closed_then_the_code_works(world: World, monkeypatch: pytest.MonkeyPatch,
                                                   lambda_logs: Any, operation: str, code: str) -> None:
    customer = world.ordering_customer()
    chat = world.ordering_chat(customer)
    with injected_faults(monkeypatch) as faults:
        faults.fail(operation, code)
        answer = chat.say("I want a pizza", email=customer.email)
        assert faults.injected[operation] >= 1, f"{operation} is not on the order path"
        faults.clear()
    assert answer, "the bot said nothing"
    assert not chat.attributes.get("currentOrder"), "an order went through while a dependency failed"
    world.past_cooldown()
    fresh = world.ordering_chat(customer)
    fresh.say("I want a pizza", email=customer.email)
    confirmed = fresh.say(fresh.code())
    assert fresh.attributes.get("currentOrder"), confirmed
    assert fresh.code() not in lambda_logs.getvalue()
    SURVIVED[f"C4 order {operation} {code}"] = True
