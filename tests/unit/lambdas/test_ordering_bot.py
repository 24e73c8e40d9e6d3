"""The ordering bot's code hook, driven through the Lex emulator with the deployed bot file, against moto."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from lambdas.common.core import clock
from lambdas.common.core.config import ConfigError
from lambdas.ordering_bot.hook import handler
from lambdas.ordering_bot.ordering import PROOF
from lambdas.ordering_bot.settings import DEFAULT_CODE_TTL_SECONDS, ordering_otp_policy
from tests.unit.lambdas.ordering_chat import CUSTOMER, Chat, start_chat

ASKS_FOR_CODE = re.compile(r"we have texted a code to the phone on file")


class FakeTime:
    """A settable clock for the Lambda code (expiry, session proofs)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def now() -> Iterator[FakeTime]:
    fake = FakeTime()
    clock.set_source(lambda: fake.now)
    yield fake
    clock.set_source(None)


@pytest.fixture
def chat(moto_aws: None, monkeypatch: pytest.MonkeyPatch, now: FakeTime) -> Chat:
    return start_chat(monkeypatch)


def ordered_with_code(chat: Chat, food: str = "pizza") -> None:
    assert ASKS_FOR_CODE.search(chat.say(f"I want {food}", email=CUSTOMER.email))
    assert re.search(rf"your {food} is on its way", chat.say(chat.code()), re.I)


def test_menu_then_order_with_the_texted_code(chat: Chat) -> None:
    said = chat.say("what's on the menu?", email=CUSTOMER.email)
    assert "Today's menu: pizza, burger, salad, tacos." in said
    assert "What would you like to order?" in said
    assert chat.last["sessionState"]["intent"]["name"] == "OrderFood"
    assert ASKS_FOR_CODE.search(chat.say("a hamburger"))
    assert chat.attributes["auth"] == "false"
    assert set(chat.attributes) == {"email", "auth", "uuid"}
    assert len(chat.phone.sms) == 1
    assert re.fullmatch(r"Your order code is \d{6}\. It expires in 1 minute\(s\)\. Never share it with anyone\.",
                        chat.phone.sms[0].body)
    code = chat.code()
    assert "Your burger is on its way" in chat.say(code)
    attributes = chat.attributes
    assert attributes["currentOrder"] == "burger"
    assert attributes["auth"] == "true"
    assert "uuid" not in attributes
    assert code not in str(chat.last), "the code is cleared from the slots and never in the attributes"


def test_later_orders_in_the_session_need_no_code(chat: Chat) -> None:
    ordered_with_code(chat)
    assert "Your salad is on its way" in chat.say("can I get a salad")
    assert chat.attributes["currentOrder"] == "salad"
    assert len(chat.phone.sms) == 1, "no second code"


def test_a_wrong_code_re_asks_and_inside_the_cooldown_keeps_the_same_code(chat: Chat, now: FakeTime) -> None:
    chat.say("I want tacos", email=CUSTOMER.email)
    code = chat.code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert "That code is not right. Please type the code we texted you." in chat.say(wrong)
    assert chat.action == "ElicitSlot"
    assert len(chat.phone.sms) == 1
    assert "Your tacos is on its way" in chat.say(code)


def test_a_wrong_code_after_the_cooldown_texts_a_fresh_one_and_retires_the_old(chat: Chat, now: FakeTime) -> None:
    chat.say("I want tacos", email=CUSTOMER.email)
    old = chat.code()
    now.advance(31)
    assert "We have texted you a new code" in chat.say("000000" if old != "000000" else "111111")
    assert len(chat.phone.sms) == 2
    new = chat.code()
    if new != old:
        assert "not right" in chat.say(old), "the session waits on the new challenge only"
    assert "on its way" in chat.say(new)


def test_a_code_expires_after_a_minute_and_a_new_one_is_texted(chat: Chat, now: FakeTime) -> None:
    assert ordering_otp_policy().ttl_seconds == DEFAULT_CODE_TTL_SECONDS == 60
    chat.say("I want pizza", email=CUSTOMER.email)
    old = chat.code()
    now.advance(61)
    assert "That code is no longer valid. We have texted you a new code" in chat.say(old)
    assert len(chat.phone.sms) == 2
    assert "on its way" in chat.say(chat.code())


def test_forged_auth_true_gains_nothing(chat: Chat) -> None:
    said = chat.say("I want pizza", email=CUSTOMER.email, auth="true", currentOrder="pizza",
                    authProof="9999999999." + "0" * 64)
    assert ASKS_FOR_CODE.search(said)
    assert chat.action == "ElicitSlot"
    assert chat.attributes["auth"] == "false"
    assert PROOF not in chat.attributes
    assert len(chat.phone.sms) == 1


def test_a_proof_is_bound_to_its_session_its_address_and_its_idle_period(chat: Chat, now: FakeTime) -> None:
    ordered_with_code(chat)
    proof = chat.attributes[PROOF]
    assert "Please wait a few seconds" in chat.say("I want pizza", email="Demo@Example.com", authProof="x"), \
        "inside the resend cooldown no new code is sent, and the answer says so"
    now.advance(31)
    chat.session_id = "session-0002"  # the proof replayed in another session
    assert ASKS_FOR_CODE.search(chat.say("I want pizza", email=CUSTOMER.email, auth="true", authProof=proof))
    chat.session_id = "session-0001"
    assert ASKS_FOR_CODE.search(chat.say("I want salad", email="other@example.com")), "another address"
    now.advance(301)  # past the session's idle time: the proof has expired with it
    chat.session_id = "session-0003"
    chat.say("I want pizza", email=CUSTOMER.email)
    ordered = chat.say(chat.code())
    proof = chat.attributes[PROOF]
    assert "on its way" in ordered
    now.advance(301)
    assert ASKS_FOR_CODE.search(chat.say("I want pizza", email=CUSTOMER.email, authProof=proof))


def test_an_unknown_address_gets_the_same_answers_and_no_sms(chat: Chat) -> None:
    known = chat.say("I want pizza", email=CUSTOMER.email)
    known_shape = (chat.action, sorted(chat.attributes))
    chat.session_id = "session-unknown"
    unknown = chat.say("I want pizza", email="nobody@example.com")
    assert unknown == known
    assert (chat.action, sorted(chat.attributes)) == known_shape
    assert len(chat.phone.sms) == 1, "only the known customer's phone got a code"
    assert not chat.outbox.undelivered, "the decoy texts nobody"
    assert "That code is not right" in chat.say("123456")


def test_encrypted_pin_attribute_authenticates_and_is_never_echoed(chat: Chat) -> None:
    chat.say("I want pizza", email=CUSTOMER.email)
    encrypted = chat.encrypt(chat.code())
    assert "Your pizza is on its way" in chat.say("******", encryptedPin=encrypted)
    assert "encryptedPin" not in chat.attributes
    assert chat.attributes["auth"] == "true"


@pytest.mark.parametrize("forge", ["other_session", "garbage", "not_base64", "oversize", "empty"])
def test_an_encrypted_pin_that_does_not_decrypt_counts_as_a_wrong_code(chat: Chat, forge: str) -> None:
    chat.say("I want pizza", email=CUSTOMER.email)
    code = chat.code()
    value = {
        "other_session": chat.encrypt(code, session_id="someone-else"),
        "garbage": "QUJD" * 20,
        "not_base64": "%%%not base64%%%",
        "oversize": "A" * 5000,
        "empty": "",
    }[forge]
    assert "That code is not right" in chat.say("******", encryptedPin=value)
    assert "encryptedPin" not in chat.attributes
    assert "on its way" in chat.say(code), "one wrong attempt of three: the real code still works"


def test_a_kms_outage_is_not_counted_against_the_customer(chat: Chat, monkeypatch: pytest.MonkeyPatch) -> None:
    from lambdas.ordering_bot.pin import DecryptedPin, PinDecryptor

    monkeypatch.setattr(PinDecryptor, "decrypt",
                        lambda self, attribute, *, session_id: DecryptedPin(None, "KMSInternalException", True))
    chat.say("I want pizza", email=CUSTOMER.email)
    assert "could not check that code" in chat.say("******", encryptedPin=chat.encrypt(chat.code()))
    user = boto3.client("dynamodb").get_item(TableName=os.environ["OTP_TABLE_NAME"],
                                             Key={"pk": {"S": f"USER#email:{CUSTOMER.email}"}})["Item"]
    assert int(user.get("failures", {"N": "0"})["N"]) == 0, "the outage is not a failed attempt"


def test_wrong_codes_lock_the_address_by_the_cores_rules(moto_aws: None, monkeypatch: pytest.MonkeyPatch,
                                                           now: FakeTime) -> None:
    chat = start_chat(monkeypatch, OTP_LOCKOUT_THRESHOLD="2", OTP_MAX_ATTEMPTS="3")
    chat.say("I want pizza", email=CUSTOMER.email)
    code = chat.code()
    wrong = "000000" if code != "000000" else "111111"
    assert "not right" in chat.say(wrong)
    said = chat.say(wrong)
    assert "Too many failed attempts" in said
    assert chat.last["sessionState"]["intent"]["state"] == "Failed"
    assert ASKS_FOR_CODE.search(chat.say("I want pizza")) is None
    assert "Too many failed attempts" in chat.say("I want pizza")


def test_no_email_attribute_means_no_code_and_a_clear_answer(chat: Chat) -> None:
    assert "please sign in with the e-mail address" in chat.say("I want pizza", email="not-an-address")
    assert chat.phone.sms == []


def test_an_undelivered_sms_is_answered_the_same_and_refunded(chat: Chat, monkeypatch: pytest.MonkeyPatch,
                                                                now: FakeTime) -> None:
    from lambdas.common.delivery.errors import DeliveryError
    from lambdas.common.delivery.sms import SnsSmsSender

    def fail(self: Any, destination: str, body: str) -> Any:
        raise DeliveryError("SMS via SNS failed: OptedOut", reason="OptedOut")

    with monkeypatch.context() as patch:
        patch.setattr(SnsSmsSender, "send_sms", fail)
        assert ASKS_FOR_CODE.search(chat.say("I want pizza", email=CUSTOMER.email))
    chat.session_id = "session-retry"
    assert ASKS_FOR_CODE.search(chat.say("I want pizza", email=CUSTOMER.email))
    assert len(chat.phone.sms) == 1, "refunded: a new code went out at once, inside the cooldown"


def test_spanish_menu_order_and_code(moto_aws: None, monkeypatch: pytest.MonkeyPatch, now: FakeTime) -> None:
    chat = start_chat(monkeypatch)
    chat.locale = "es_US"
    said = chat.say("¿qué hay en el menú?", email=CUSTOMER.email)
    assert "El menú de hoy: pizza, hamburguesa, ensalada, tacos." in said
    assert "le hemos enviado un código por SMS" in chat.say("una hamburguesa")
    assert chat.phone.sms[-1].body.startswith("Su código de pedido es ")
    assert "Su pedido (hamburguesa) está en camino" in chat.say(f"mi código es {chat.code()}")


def test_nothing_secret_is_logged(chat: Chat, lambda_logs: Any) -> None:
    chat.say("I want pizza", email=CUSTOMER.email)
    code = chat.code()
    encrypted = chat.encrypt(code)
    chat.say("******", encryptedPin=encrypted)
    logs = lambda_logs.getvalue()
    assert "code checked" in logs
    assert code not in logs
    assert encrypted[:40] not in logs
    assert CUSTOMER.phone_number not in logs
    assert chat.attributes[PROOF] not in logs


@pytest.mark.parametrize("event", [
    None, [], {}, {"sessionState": {"intent": "OrderFood"}},
    {"sessionState": {"intent": {"name": "OrderFood"}, "sessionAttributes": {"email": 3}}, "bot": {}},
    {"sessionState": {"intent": {"name": "OrderFood"}, "sessionAttributes": {"encryptedPin": "x" * 9000}},
     "sessionId": "s", "bot": {"localeId": "es_US"}, "invocationSource": "DialogCodeHook"},
])
def test_malformed_events_get_a_safe_answer(moto_aws: None, monkeypatch: pytest.MonkeyPatch, event: Any,
                                            lambda_context: Any) -> None:
    start_chat(monkeypatch)
    response = handler(event, lambda_context)
    assert response["sessionState"]["dialogAction"]["type"] == "ElicitIntent"
    assert "encryptedPin" not in response["sessionState"]["sessionAttributes"]
    assert "temporarily unavailable" in response["messages"][0]["content"] or "no están disponibles" in \
        response["messages"][0]["content"]


def test_the_code_validity_is_configurable_within_the_cores_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTP_TTL_SECONDS", "120")
    assert ordering_otp_policy().ttl_seconds == 120
    from lambdas.common.core import caches

    caches.reset_all()
    monkeypatch.setenv("OTP_TTL_SECONDS", "5")
    with pytest.raises(ConfigError, match="OTP_TTL_SECONDS"):
        ordering_otp_policy()
