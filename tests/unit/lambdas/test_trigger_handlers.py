"""The thin handlers over recorded events: wiring, config errors, and what reaches Cognito or Connect."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from lambdas.common.core import caches
from lambdas.common.core.errors import UserFacingError
from lambdas.common.otp import settings as otp_settings
from tests.conftest import load_event


def test_define_handler_answers_custom_challenge_after_password(monkeypatch: pytest.MonkeyPatch,
                                                                lambda_context: Any) -> None:
    from lambdas.voice_otp.define import handler

    monkeypatch.setenv("AUTH_PASSWORDLESS", "false")
    response = handler(load_event("cognito_define_auth_challenge"), lambda_context)["response"]
    assert response == {"challengeName": "CUSTOM_CHALLENGE", "issueTokens": False, "failAuthentication": False}


def test_define_handler_rejects_an_invalid_setting_by_name_in_the_log_only(monkeypatch: pytest.MonkeyPatch,
                                                                           lambda_context: Any) -> None:
    from lambdas.voice_otp.define import handler, logger

    log = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", log)
    monkeypatch.setenv("OTP_MAX_ATTEMPTS", "50")
    with pytest.raises(UserFacingError) as info:
        handler(load_event("cognito_define_auth_challenge"), lambda_context)
    assert "OTP_MAX_ATTEMPTS" not in info.value.message
    assert re.search(r"environment variable OTP_MAX_ATTEMPTS: .* must be an integer 1\.\.10", log.getvalue())


def test_create_handler_hides_a_missing_setting_from_the_user_but_logs_its_name(
        monkeypatch: pytest.MonkeyPatch, lambda_context: Any) -> None:
    from lambdas.voice_otp.create import handler, logger

    log = io.StringIO()  # the Powertools handler keeps the stdout it was created with: give it ours
    monkeypatch.setattr(logger.registered_handler, "stream", log)
    monkeypatch.delenv("OTP_TABLE_NAME", raising=False)
    monkeypatch.delenv("OTP_HASH_SECRET_ARN", raising=False)
    with pytest.raises(UserFacingError) as info:
        handler(load_event("cognito_create_auth_challenge"), lambda_context)
    assert "OTP_TABLE_NAME" not in info.value.message
    assert "temporarily unavailable" in info.value.message
    logged = log.getvalue()
    assert "missing environment variable(s): OTP_TABLE_NAME, OTP_HASH_SECRET_ARN" in logged


def test_create_handler_refuses_a_non_custom_challenge(lambda_context: Any) -> None:
    from lambdas.voice_otp.create import handler

    event = load_event("cognito_create_auth_challenge")
    event["request"]["challengeName"] = "PASSWORD_VERIFIER"
    with pytest.raises(UserFacingError):
        handler(event, lambda_context)


def test_verify_handler_with_resend_answers_false_without_aws(monkeypatch: pytest.MonkeyPatch,
                                                             lambda_context: Any) -> None:
    from lambdas.voice_otp.verify import handler

    monkeypatch.setenv("OTP_TABLE_NAME", "t")
    monkeypatch.setenv("OTP_HASH_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x")
    event = load_event("cognito_verify_auth_challenge")
    event["request"]["clientMetadata"] = {"resend": "true"}
    assert handler(event, lambda_context)["response"]["answerCorrect"] is False


@pytest.mark.parametrize("mutate", [
    lambda e: e["Details"]["ContactData"].update(InitiationMethod="INBOUND"),   # a spoofed caller ID rings in
    lambda e: e["Details"]["ContactData"].update(InitiationMethod="OUTBOUND"),  # an agent's outbound call
    lambda e: e["Details"]["ContactData"].update(InitiationMethod="TRANSFER"),
    lambda e: e["Details"]["ContactData"].update(InitiationMethod=None),
    lambda e: e["Details"]["ContactData"].pop("InitiationMethod"),
    lambda e: e["Details"]["ContactData"].update(ContactId=""),
    lambda e: e["Details"]["ContactData"].update(ContactId=["x"]),
    lambda e: e["Details"]["ContactData"].pop("ContactId"),
])
def test_prompt_handler_refuses_any_contact_but_an_api_outbound_call_without_aws(
    lambda_context: Any, mutate: Any
) -> None:
    from lambdas.voice_otp.prompt import PromptUnavailable, handler

    event = load_event("connect_outbound_prompt")
    mutate(event)
    with pytest.raises(PromptUnavailable):  # no env, no AWS client: refused before either is needed
        handler(event, lambda_context)


def test_prompt_reads_each_digit_twice() -> None:
    from lambdas.voice_otp.prompt import render_prompt

    ssml = render_prompt("012349")
    assert ssml.startswith("<speak>")
    assert ssml.endswith("</speak>")
    for digit in "012349":
        assert ssml.count(f'<say-as interpret-as="digits">{digit}</say-as>') == 2



@pytest.mark.parametrize(("env", "named"), [
    ({"OTP_LENGTH": "5"}, "OTP_LENGTH"),
    ({"OTP_SEND_LIMIT": "500"}, "OTP_SEND_LIMIT"),
    ({"OTP_LOCKOUT_SECONDS": "99999999"}, "OTP_LOCKOUT_SECONDS"),
    ({"OTP_FAILURE_CEILING": "101"}, "OTP_FAILURE_CEILING"),
    ({"OTP_FAILURE_CEILING": "5", "OTP_LOCKOUT_THRESHOLD": "10"}, "OTP_FAILURE_CEILING"),
    ({"OTP_DAILY_SEND_LIMIT": "many"}, "OTP_DAILY_SEND_LIMIT"),
])
def test_every_otp_limit_is_bounded_when_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    from lambdas.common.core.config import ConfigError

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    caches.reset_all()
    try:
        with pytest.raises(ConfigError, match=named):
            otp_settings.otp_policy()
    finally:
        caches.reset_all()


def test_the_otp_policy_reads_every_field_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from lambdas.common.otp.policy import POLICY_BOUNDS, OtpPolicy

    highest = {name: high for name, (_low, high) in POLICY_BOUNDS.items()}
    for name, value in highest.items():
        monkeypatch.setenv(f"OTP_{name.upper()}", str(value))
    caches.reset_all()
    try:
        assert dataclasses.asdict(otp_settings.otp_policy()) == highest
        assert {field.name for field in dataclasses.fields(OtpPolicy)} == set(POLICY_BOUNDS)
    finally:
        caches.reset_all()


@pytest.mark.parametrize(("module", "event_name", "field", "value", "named"), [
    ("define", "cognito_define_auth_challenge", "session", [{"challengeName": "SRP_A", "challengeResult": "yes"}],
     "request.session[0].challengeResult must be a boolean"),
    ("create", "cognito_create_auth_challenge", "challengeName", 5, "request.challengeName must be a string"),
])
def test_a_malformed_trigger_event_gets_the_generic_message_and_the_log_names_the_field(
        module: str, event_name: str, field: str, value: object, named: str, monkeypatch: pytest.MonkeyPatch,
        lambda_context: Any) -> None:
    import importlib

    handler_module = importlib.import_module(f"lambdas.voice_otp.{module}")
    log = io.StringIO()
    monkeypatch.setattr(handler_module.logger.registered_handler, "stream", log)
    event = load_event(event_name)
    event["request"][field] = value
    with pytest.raises(UserFacingError) as info:
        handler_module.handler(event, lambda_context)
    assert info.value.code == "MalformedEvent"
    assert "temporarily unavailable" in info.value.message
    assert named in log.getvalue()


def test_prompt_takes_the_error_branch_on_a_malformed_connect_event(lambda_context: Any) -> None:
    from lambdas.voice_otp.prompt import PromptUnavailable, handler

    event = load_event("connect_outbound_prompt")
    event["Details"]["ContactData"]["ContactId"] = {"not": "a string"}
    with pytest.raises(PromptUnavailable, match="malformed"):
        handler(event, lambda_context)
