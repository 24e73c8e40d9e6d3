"""The voice-login bot's code hook against moto: sign-in, lockout, the session marker, texting the link."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses
from moto.cognitoidp.utils import check_secret_hash

from lambdas.common.core import aws, caches
from lambdas.common.core.errors import InternalError
from lambdas.voice_login import api, fulfillment
from lambdas.voice_login.identity import secret_hash
from sim.aws.sms_outbox import SmsOutbox
from sim.aws.voice_login_resources import OTHER_CUSTOMER, PAGE_URL, VoiceLoginResources
from tests.aws_calls import count_aws_calls
from tests.unit.lambdas.voice_login.conftest import CUSTOMER, Clock, http_event, lex_event

SESSION = "contact-1111"
LOCKOUT = 5  # the fixture's OTP_LOCKOUT_THRESHOLD


def sign_in(lambda_context: Any, customer_id: str = CUSTOMER.customer_id, pin: str = CUSTOMER.pin,
            session_id: str = SESSION, attributes: dict[str, str] | None = None) -> dict[str, Any]:
    event = lex_event("Authenticate", slots={"CustomerId": customer_id, "Pin": pin}, session_id=session_id,
                      attributes=attributes)
    return fulfillment.handler(event, lambda_context)


def spoken(response: dict[str, Any]) -> str:
    return " ".join(m["content"] for m in response.get("messages", []))


def attributes(response: dict[str, Any]) -> dict[str, str]:
    return dict(response["sessionState"]["sessionAttributes"])


def ask_for_link(lambda_context: Any, attrs: dict[str, str], session_id: str = SESSION) -> dict[str, Any]:
    dialog = fulfillment.handler(lex_event("AddAuthorizedUser", attributes=attrs, source="DialogCodeHook",
                                           session_id=session_id), lambda_context)
    if dialog["sessionState"]["dialogAction"]["type"] != "Delegate":
        return dialog
    return fulfillment.handler(lex_event("AddAuthorizedUser", attributes=attributes(dialog), session_id=session_id),
                               lambda_context)


def texts() -> list[tuple[str, str]]:
    return [(m.destination, m.body) for m in SmsOutbox().take_new()]


def test_the_right_pin_signs_in_with_an_opaque_marker(resources: VoiceLoginResources, lambda_context: Any) -> None:
    response = sign_in(lambda_context)
    state = response["sessionState"]
    assert state["intent"]["state"] == "Fulfilled"
    assert state["intent"]["slots"] == {"CustomerId": None, "Pin": None}  # neither value lingers in the session
    assert spoken(response) == "Thank you. You're signed in."
    attrs = attributes(response)
    assert attrs["authOutcome"] == "authenticated"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", attrs["authSession"])
    assert set(attrs) == {"authOutcome", "authSession"}  # no customer id, no token
    items = aws.client("dynamodb").scan(TableName=resources.sessions_table)["Items"]
    assert len(items) == 1
    assert attrs["authSession"] not in json.dumps(items)  # the table keeps only a hash of the marker
    assert items[0]["customer_id"] == {"S": CUSTOMER.customer_id}


def test_unknown_customer_and_wrong_pin_sound_the_same_and_make_the_same_calls(
        resources: VoiceLoginResources, lambda_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(lambda_context, customer_id=OTHER_CUSTOMER.customer_id)  # warm: secret fetched, clients created
    calls = count_aws_calls(monkeypatch)
    wrong = sign_in(lambda_context, pin="999999")
    wrong_calls = Counter(calls)
    calls.clear()
    unknown = sign_in(lambda_context, customer_id="55555555", pin="999999")
    assert spoken(wrong) == spoken(unknown) == "Sorry, that customer ID and PIN don't match our records."
    assert wrong["sessionState"] == unknown["sessionState"]
    assert wrong_calls == calls == {"dynamodb:TransactGetItems": 1, "dynamodb:UpdateItem": 1,
                                    "cognito-idp:InitiateAuth": 1}


@pytest.mark.parametrize("customer_id", [CUSTOMER.customer_id, "55555555"])
def test_failures_lock_known_and_unknown_customers_alike(resources: VoiceLoginResources, lambda_context: Any,
                                                         monkeypatch: pytest.MonkeyPatch, customer_id: str) -> None:
    for _ in range(LOCKOUT):
        assert attributes(sign_in(lambda_context, customer_id=customer_id, pin="999999"))["authOutcome"] == "failed"
    calls = count_aws_calls(monkeypatch)
    locked = sign_in(lambda_context, customer_id=customer_id, pin=CUSTOMER.pin)  # even the right PIN
    assert attributes(locked)["authOutcome"] == "locked"
    assert "locked" in spoken(locked)
    assert "cognito-idp:InitiateAuth" not in calls  # no PIN is checked while locked
    assert "authSession" not in attributes(locked)


def test_a_success_resets_the_failure_count(resources: VoiceLoginResources, lambda_context: Any) -> None:
    for _ in range(LOCKOUT - 1):
        sign_in(lambda_context, pin="999999")
    assert attributes(sign_in(lambda_context))["authOutcome"] == "authenticated"
    for _ in range(LOCKOUT - 1):
        assert attributes(sign_in(lambda_context, pin="999999"))["authOutcome"] == "failed"


@pytest.mark.parametrize(("customer_id", "pin"), [("", ""), ("12345678", "12345"), ("12345678", "12ab56"),
                                                  ("abc", "246810"), ("1" * 40, "246810"), ("12345678", "1" * 13)])
def test_malformed_ids_and_pins_fail_without_asking_cognito(resources: VoiceLoginResources, lambda_context: Any,
                                                            monkeypatch: pytest.MonkeyPatch, customer_id: str,
                                                            pin: str) -> None:
    calls = count_aws_calls(monkeypatch)
    response = sign_in(lambda_context, customer_id=customer_id, pin=pin)
    assert attributes(response)["authOutcome"] == "failed"
    assert "cognito-idp:InitiateAuth" not in calls


def test_cognito_unavailable_is_a_safe_spoken_answer(resources: VoiceLoginResources, lambda_context: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHONE_BANKING_CLIENT_ID", "no-such-client")
    caches.reset_all()
    response = sign_in(lambda_context)
    assert attributes(response)["authOutcome"] == "unavailable"
    assert spoken(response) == "Sorry, we can't check your details right now."


def test_an_internal_error_is_a_safe_spoken_answer(resources: VoiceLoginResources, lambda_context: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTP_TABLE_NAME", "no-such-table")
    caches.reset_all()
    response = sign_in(lambda_context, attributes={"authSession": "x" * 43})
    assert response["sessionState"]["intent"]["state"] == "Failed"
    assert attributes(response) == {"authOutcome": "unavailable"}
    assert response["sessionState"]["intent"]["slots"] == {"CustomerId": None, "Pin": None}


def test_the_secret_hash_is_the_one_cognito_checks(resources: VoiceLoginResources) -> None:
    computed = secret_hash("12345678", resources.client_id, resources.client_secret)
    assert check_secret_hash(resources.client_secret, resources.client_id, "12345678", computed)
    assert not check_secret_hash(resources.client_secret, resources.client_id, "87654321", computed)


def test_the_pin_never_reaches_the_logs(resources: VoiceLoginResources, lambda_context: Any,
                                        lambda_logs: Any) -> None:
    sign_in(lambda_context, pin="999999")
    response = sign_in(lambda_context)
    logs = lambda_logs.getvalue()
    assert "signed in" in logs
    assert CUSTOMER.pin not in logs
    assert "999999" not in logs
    assert attributes(response)["authSession"] not in logs


def test_a_signed_in_caller_gets_the_link_at_the_number_on_record(resources: VoiceLoginResources,
                                                                  lambda_context: Any) -> None:
    signed_in = attributes(sign_in(lambda_context))
    response = ask_for_link(lambda_context, signed_in)
    assert response["sessionState"]["intent"]["state"] == "Fulfilled"
    assert attributes(response)["linkOutcome"] == "sent"
    assert "ending in" in spoken(response)
    assert CUSTOMER.phone_number[-2:] in spoken(response)
    [(destination, body)] = texts()
    assert destination == CUSTOMER.phone_number
    link = re.search(r"(\S+)#grant=(\S+)$", body)
    assert link is not None
    assert link[1] == PAGE_URL
    assert "?" not in link[0]
    status = api.handler(http_event("GET", "/v1/link", token=link[2]), lambda_context)
    assert status["statusCode"] == 200
    assert json.loads(status["body"])["expiresAt"] == 1_800_000_600


def test_a_second_link_inside_the_cooldown_is_not_sent(resources: VoiceLoginResources, lambda_context: Any,
                                                       sim_clock: Clock) -> None:
    signed_in = attributes(sign_in(lambda_context))
    assert attributes(ask_for_link(lambda_context, signed_in))["linkOutcome"] == "sent"
    again = ask_for_link(lambda_context, signed_in)
    assert attributes(again)["linkOutcome"] == "too_soon"
    assert len(texts()) == 1
    sim_clock.advance(31)
    assert attributes(ask_for_link(lambda_context, signed_in))["linkOutcome"] == "sent"


def test_the_send_limit_per_customer_holds(resources: VoiceLoginResources, lambda_context: Any,
                                           sim_clock: Clock) -> None:
    signed_in = attributes(sign_in(lambda_context))
    outcomes = []
    for _ in range(6):
        outcomes.append(attributes(ask_for_link(lambda_context, signed_in))["linkOutcome"])
        sim_clock.advance(31)
    assert outcomes == ["sent"] * 5 + ["limited"]
    assert len(texts()) == 5


@pytest.mark.parametrize("forged", [
    {},
    {"authOutcome": "authenticated"},
    {"authSession": "A" * 43, "authOutcome": "authenticated"},
    {"authSession": "12345678"},
    {"authSession": "x" * 5000},
])
def test_forged_session_attributes_gain_nothing(resources: VoiceLoginResources, lambda_context: Any,
                                                forged: dict[str, str]) -> None:
    response = ask_for_link(lambda_context, forged)
    assert response["sessionState"]["intent"]["state"] == "Failed"
    assert attributes(response)["linkOutcome"] == "not_signed_in"
    assert spoken(response) == "You'll need to sign in before I can do that."
    fulfilled = fulfillment.handler(lex_event("AddAuthorizedUser", attributes=forged), lambda_context)
    assert attributes(fulfilled)["linkOutcome"] == "not_signed_in"
    assert texts() == []


def test_a_marker_from_another_session_gains_nothing(resources: VoiceLoginResources, lambda_context: Any) -> None:
    signed_in = attributes(sign_in(lambda_context, session_id="contact-A"))
    response = ask_for_link(lambda_context, signed_in, session_id="contact-B")
    assert attributes(response)["linkOutcome"] == "not_signed_in"
    assert texts() == []


def test_a_session_expires(resources: VoiceLoginResources, lambda_context: Any, sim_clock: Clock) -> None:
    signed_in = attributes(sign_in(lambda_context))
    sim_clock.advance(901)
    assert attributes(ask_for_link(lambda_context, signed_in))["linkOutcome"] == "not_signed_in"


def test_a_failed_text_is_refunded_so_the_caller_can_ask_again(resources: VoiceLoginResources, lambda_context: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    signed_in = attributes(sign_in(lambda_context))
    from lambdas.common.delivery import sms

    real_send = sms.SnsSmsSender.send_sms
    failing = [True]

    def flaky(self: Any, destination: str, body: str) -> Any:
        if failing[0]:
            raise sms.DeliveryError("SMS via SNS failed: Throttling", reason="Throttling", retryable=True)
        return real_send(self, destination, body)

    monkeypatch.setattr(sms.SnsSmsSender, "send_sms", flaky)
    response = ask_for_link(lambda_context, signed_in)
    assert attributes(response)["linkOutcome"] == "unavailable"
    assert spoken(response) == "Sorry, I couldn't send the text right now."
    failing[0] = False
    assert attributes(ask_for_link(lambda_context, signed_in))["linkOutcome"] == "sent"  # no cooldown left behind


@responses.activate
def test_the_link_can_go_through_twilio(resources: VoiceLoginResources, lambda_context: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    responses.add_passthru("http")  # nothing real is reached: moto intercepts AWS inside botocore
    creds = {"accountSid": "AC" + "1" * 32, "authToken": "tok-" + "9" * 28, "messagingServiceSid": "MG" + "2" * 32}
    arn = aws.client("secretsmanager").create_secret(Name="twilio", SecretString=json.dumps(creds))["ARN"]
    monkeypatch.setenv("SMS_PROVIDER", "twilio")
    monkeypatch.setenv("TWILIO_SECRET_ARN", arn)
    caches.reset_all()
    url = f"https://api.twilio.com/2010-04-01/Accounts/{creds['accountSid']}/Messages.json"
    responses.post(url, json={"sid": "SM" + "3" * 32, "status": "accepted"}, status=201)
    signed_in = attributes(sign_in(lambda_context))
    assert attributes(ask_for_link(lambda_context, signed_in))["linkOutcome"] == "sent"
    [call] = [c for c in responses.calls if "twilio" in c.request.url]
    form = parse_qs(call.request.body if isinstance(call.request.body, str) else call.request.body.decode())
    assert form["To"] == [CUSTOMER.phone_number]
    assert form["Body"][0].startswith("Your secure link")
    assert "#grant=" in form["Body"][0]
    assert texts() == []  # nothing through SNS


def test_help_and_fallback_keep_listening_then_give_up(resources: VoiceLoginResources, lambda_context: Any) -> None:
    help_response = fulfillment.handler(lex_event("Help"), lambda_context)
    assert help_response["sessionState"]["dialogAction"]["type"] == "ElicitIntent"
    assert "customer ID" in spoken(help_response)
    attrs: dict[str, str] = {}
    actions = []
    for _ in range(3):
        response = fulfillment.handler(lex_event("FallbackIntent", attributes=attrs), lambda_context)
        attrs = attributes(response)
        actions.append(response["sessionState"]["dialogAction"]["type"])
    assert actions == ["ElicitIntent", "ElicitIntent", "Close"]


def test_an_unknown_intent_is_closed_politely(resources: VoiceLoginResources, lambda_context: Any) -> None:
    response = fulfillment.handler(lex_event("TransferMoney"), lambda_context)
    assert response["sessionState"]["intent"]["state"] == "Failed"


@pytest.mark.parametrize("event", [
    {}, [], {"sessionState": {}}, {"sessionState": {"intent": {"name": 5}}},
    {**lex_event("Authenticate"), "sessionState": {"intent": {"name": "Authenticate", "slots": []}}},
    {**lex_event("Authenticate"), "sessionState": {"intent": {"name": "Authenticate"}, "sessionAttributes": {"a": 1}}},
    lex_event("Authenticate", slots={"CustomerId": "1" * 9000, "Pin": "246810"}),
])
def test_malformed_events_are_refused_without_echoing_them(resources: VoiceLoginResources, lambda_context: Any,
                                                           event: Any) -> None:
    with pytest.raises(InternalError) as raised:
        fulfillment.handler(event, lambda_context)
    assert "246810" not in str(raised.value)
    assert raised.value.__cause__ is None
