"""SMS delivery: SNS against moto, Twilio against its HTTP API (``responses``), one error type for both."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest
import requests
import responses
from botocore.stub import Stubber

from lambdas.common.core import aws
from lambdas.common.core.config import ConfigError, load
from lambdas.common.delivery.errors import DeliveryError
from lambdas.common.delivery.sms import (
    SmsSettings,
    SnsSmsSender,
    TwilioCredentials,
    TwilioSmsSender,
    sms_sender,
)
from sim.aws.sms_outbox import SmsOutbox
from sim.phone import Phone

TO = "+15555550123"
BODY = "Your link: https://example.test/#grant=secret-grant"
CREDS = {"accountSid": "AC" + "1" * 32, "authToken": "tok-" + "9" * 28, "messagingServiceSid": "MG" + "2" * 32}
TWILIO_URL = f"https://api.twilio.com/2010-04-01/Accounts/{CREDS['accountSid']}/Messages.json"


def test_sns_sends_a_transactional_sms_and_the_outbox_delivers_it(moto_aws: None) -> None:
    sent = SnsSmsSender(sender_id="BANK").send_sms(TO, BODY)
    assert sent.provider == "sns"
    assert sent.message_id
    phone, other = Phone(TO), Phone("+15555550999")
    delivered = SmsOutbox().deliver({TO: phone, other.number: other}, at=1.0)
    assert [m.message_id for m in delivered] == [sent.message_id]
    assert phone.sms[0].body == BODY
    assert phone.sms[0].links == ["https://example.test/#grant=secret-grant"]
    assert other.sms == []


def test_the_outbox_delivers_each_message_once_and_keeps_the_undeliverable(moto_aws: None) -> None:
    outbox = SmsOutbox()
    SnsSmsSender().send_sms("+15555550777", "to nobody here")
    phone = Phone(TO)
    assert outbox.deliver({TO: phone}, at=0.0) == []
    assert [m.destination for m in outbox.undelivered] == ["+15555550777"]
    SnsSmsSender().send_sms(TO, "hello")
    assert len(outbox.deliver({TO: phone}, at=0.0)) == 1
    assert outbox.deliver({TO: phone}, at=0.0) == []
    assert [s.body for s in phone.sms] == ["hello"]


@pytest.mark.parametrize(
    ("code", "retryable"), [("Throttling", True), ("InvalidParameter", False), ("AuthorizationError", False)]
)
def test_sns_errors_become_delivery_errors_without_the_body(code: str, retryable: bool,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    sns = boto3.client("sns", region_name="us-east-1")
    monkeypatch.setattr(aws, "client", lambda service: sns)
    with Stubber(sns) as stub:
        stub.add_client_error("publish", service_error_code=code, service_message=f"echo {BODY}")
        with pytest.raises(DeliveryError) as caught:
            SnsSmsSender().send_sms(TO, BODY)
    assert caught.value.reason == code
    assert caught.value.retryable is retryable
    assert "secret-grant" not in str(caught.value)


@pytest.mark.parametrize(("destination", "body"), [("5555550123", "x"), (TO, ""), (TO, "x" * 1601)])
def test_bad_destination_or_body_is_refused_before_any_call(destination: str, body: str) -> None:
    with pytest.raises((DeliveryError, ValueError)):
        SnsSmsSender().send_sms(destination, body)


def _twilio(creds: dict[str, Any] | None = None) -> TwilioSmsSender:
    return TwilioSmsSender(lambda: creds or CREDS)


@responses.activate
def test_twilio_posts_to_the_messaging_service_with_basic_auth() -> None:
    responses.post(TWILIO_URL, json={"sid": "SM" + "3" * 32, "status": "accepted"}, status=201)
    sent = _twilio().send_sms(TO, BODY)
    assert sent.provider == "twilio"
    assert sent.message_id == "SM" + "3" * 32
    request = responses.calls[0].request
    form = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
    assert form == {"To": [TO], "MessagingServiceSid": [CREDS["messagingServiceSid"]], "Body": [BODY]}
    assert request.headers["Authorization"].startswith("Basic ")


@responses.activate
@pytest.mark.parametrize(
    ("status", "code", "retryable"), [(429, 20429, True), (503, None, True), (400, 21211, False), (400, 21610, False)]
)
def test_twilio_errors_become_delivery_errors(status: int, code: int | None, retryable: bool) -> None:
    body: dict[str, Any] = {"status": status, "message": f"echo {BODY}"}
    if code:
        body["code"] = code
    responses.post(TWILIO_URL, json=body, status=status)
    with pytest.raises(DeliveryError) as caught:
        _twilio().send_sms(TO, BODY)
    assert caught.value.retryable is retryable
    assert "secret-grant" not in str(caught.value)
    assert CREDS["authToken"] not in str(caught.value)


@responses.activate
def test_a_twilio_timeout_is_a_retryable_delivery_error() -> None:
    responses.post(TWILIO_URL, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(DeliveryError) as caught:
        _twilio().send_sms(TO, BODY)
    assert caught.value.retryable
    assert caught.value.reason == "ReadTimeout"


@pytest.mark.parametrize(
    ("secret", "key"),
    [("not json", None), ({**CREDS, "accountSid": "XX1"}, "accountSid"), ({**CREDS, "authToken": ""}, "authToken"),
     ({k: v for k, v in CREDS.items() if k != "messagingServiceSid"}, "messagingServiceSid")],
)
def test_a_malformed_twilio_secret_names_the_key_never_the_value(secret: Any, key: str | None) -> None:
    with pytest.raises(DeliveryError) as caught:
        TwilioCredentials.from_secret(secret)
    assert caught.value.reason == "TwilioSecretInvalid"
    if key:
        assert key in str(caught.value)
    assert CREDS["authToken"] not in str(caught.value)


def test_credentials_never_show_the_token() -> None:
    assert CREDS["authToken"] not in repr(TwilioCredentials.from_secret(CREDS))


@responses.activate
def test_twilio_logs_neither_body_nor_token(caplog: pytest.LogCaptureFixture) -> None:
    responses.post(TWILIO_URL, json={"sid": "SM1"}, status=201)
    with caplog.at_level(logging.DEBUG):
        _twilio().send_sms(TO, BODY)
    assert "secret-grant" not in caplog.text
    assert CREDS["authToken"] not in caplog.text


def test_the_sender_follows_the_settings(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMS_PROVIDER", "sns")
    assert isinstance(sms_sender(), SnsSmsSender)
    from lambdas.common.core import caches

    secret = boto3.client("secretsmanager").create_secret(Name="twilio", SecretString=json.dumps(CREDS))
    caches.reset_all()
    monkeypatch.setenv("SMS_PROVIDER", "twilio")
    monkeypatch.setenv("TWILIO_SECRET_ARN", secret["ARN"])
    sender = sms_sender()
    assert isinstance(sender, TwilioSmsSender)
    with responses.RequestsMock() as mock:
        mock.post(TWILIO_URL, json={"sid": "SM9"}, status=201)
        assert sender.send_sms(TO, "hi").message_id == "SM9"


@pytest.mark.parametrize(
    ("env", "variable"),
    [({"SMS_PROVIDER": "carrier-pigeon"}, "SMS_PROVIDER"), ({"SMS_PROVIDER": "twilio"}, "SmsSettings")],
)
def test_bad_sms_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load(SmsSettings, env)
