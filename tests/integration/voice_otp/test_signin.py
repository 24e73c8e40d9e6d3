"""Voice-call OTP sign-in end to end on the local runtime: moto, the Connect API stand-in, the outbound
flow in the interpreter, the phone, and the three triggers driven as Cognito drives them.

The source sample's flaws each have a test here or in tests/unit/test_otp.py:
- `optCode`/`otpCode` confusion → test_signin_with_the_code_the_phone_heard (what is issued is what is checked)
- undefined `startOutboundVoiceContact` → test_signin_with_the_code_the_phone_heard (a real API call is made)
- code in clear in `challengeMetadata` → test_the_code_never_leaves_the_call
- `randomInt(100000, 999999)` → tests/unit/test_otp.py (leading zeros and 999999 occur)
- `===` comparison → tests/unit/test_otp.py (hmac.compare_digest)
- attempts counted only per Cognito session → test_failures_accumulate_across_sign_ins_until_lockout
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from sim.cognito.driver import CognitoError
from sim.local_runtime import LocalRuntime
from tests.aws_calls import count_aws_calls


@pytest.fixture
def runtime() -> Iterator[LocalRuntime]:
    with LocalRuntime() as rt:
        yield rt


def start(rt: LocalRuntime, username: str | None = None, password: str | None = None) -> Any:
    user = rt.demo_user
    return rt.cognito(), rt.cognito().initiate_auth(username or user.username, password or user.password)


def heard_code(rt: LocalRuntime) -> str:
    rung = rt.ring_pending_calls()
    assert len(rung) == 1, f"expected one call, got {len(rung)}"
    assert rung[0].call is not None
    codes = rung[0].call.digits_heard()
    assert len(codes) >= 2, f"the code is read twice: {rung[0].call.words!r}"
    assert len(set(codes)) == 1
    return codes[0]


def test_signin_with_the_code_the_phone_heard(runtime: LocalRuntime) -> None:
    driver = runtime.cognito()
    result = driver.initiate_auth(runtime.demo_user.username, runtime.demo_user.password)
    assert result.challenge_name == "CUSTOM_CHALLENGE"
    assert result.challenge_parameters == {"channel": "VOICE", "destination": "******00"}
    [request] = runtime.connect.accepted
    assert request.destination == runtime.demo_user.phone_number
    assert request.contact_flow_id == runtime.resources.contact_flow_id
    code = heard_code(runtime)
    assert result.session is not None
    final = driver.respond_to_auth_challenge(result.session, code)
    assert final.tokens is not None
    assert {"IdToken", "AccessToken", "RefreshToken"} <= set(final.tokens)


def test_wrong_password_never_rings(runtime: LocalRuntime) -> None:
    with pytest.raises(CognitoError) as info:
        runtime.cognito().initiate_auth(runtime.demo_user.username, "Wrong-Passw0rd!")
    assert info.value.code == "NotAuthorizedException"
    assert runtime.connect.accepted == []


def test_a_retry_reuses_the_challenge_and_does_not_call_again(runtime: LocalRuntime) -> None:
    driver, first = start(runtime)
    code = heard_code(runtime)
    retry = driver.respond_to_auth_challenge(first.session, "000000" if code != "000000" else "111111")
    assert retry.challenge_name == "CUSTOM_CHALLENGE"
    assert runtime.ring_pending_calls() == []
    assert driver.respond_to_auth_challenge(retry.session, code).tokens is not None


def test_three_wrong_codes_fail_the_session(runtime: LocalRuntime) -> None:
    driver, result = start(runtime)
    code = heard_code(runtime)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        result = driver.respond_to_auth_challenge(result.session, wrong)
    with pytest.raises(CognitoError) as info:
        driver.respond_to_auth_challenge(result.session, wrong)
    assert info.value.code == "NotAuthorizedException"


def test_resend_places_a_new_call_and_retires_the_old_code(runtime: LocalRuntime) -> None:
    driver, result = start(runtime)
    old = heard_code(runtime)
    runtime.clock.advance(31)  # past the resend cooldown
    result = driver.respond_to_auth_challenge(result.session, "", client_metadata={"resend": "true"})
    new = heard_code(runtime)
    if new == old:  # one chance in a million: the check below would be meaningless
        pytest.skip("the new code equals the old one")
    retry = driver.respond_to_auth_challenge(result.session, old)
    assert retry.tokens is None
    assert driver.respond_to_auth_challenge(retry.session, new).tokens is not None


def test_resend_within_the_cooldown_reuses_the_live_code_without_a_call(runtime: LocalRuntime) -> None:
    driver, result = start(runtime)
    code = heard_code(runtime)
    result = driver.respond_to_auth_challenge(result.session, "", client_metadata={"resend": "true"})
    assert result.challenge_name == "CUSTOM_CHALLENGE"
    assert runtime.ring_pending_calls() == []
    assert driver.respond_to_auth_challenge(result.session, code).tokens is not None


def test_a_second_sign_in_inside_the_cooldown_reuses_the_live_code(runtime: LocalRuntime) -> None:
    start(runtime)
    code = heard_code(runtime)
    driver, second = start(runtime)
    assert runtime.ring_pending_calls() == [], "a double click never rings twice"
    assert driver.respond_to_auth_challenge(second.session, code).tokens is not None


def test_an_expired_code_is_refused() -> None:
    with LocalRuntime(otp={"ttl_seconds": 60}) as rt:
        driver, result = start(rt)
        code = heard_code(rt)
        rt.clock.advance(61)
        retry = driver.respond_to_auth_challenge(result.session, code)
        assert retry.tokens is None


def test_failures_accumulate_across_sign_ins_until_lockout(runtime: LocalRuntime) -> None:
    """The source counted attempts per Cognito session: a new sign-in reset them. Ours does not."""
    for _ in range(3):  # three sign-ins, three wrong codes each: 9 consecutive failures
        driver, result = start(runtime)
        heard_code(runtime)
        for _ in range(2):
            result = driver.respond_to_auth_challenge(result.session, "000000")
        with pytest.raises(CognitoError):
            driver.respond_to_auth_challenge(result.session, "000000")
        runtime.clock.advance(31)
    driver, result = start(runtime)
    code = heard_code(runtime)
    result = driver.respond_to_auth_challenge(result.session, "000000" if code != "000000" else "111111")
    assert result.tokens is None  # the 10th failure locks the user ...
    final = driver.respond_to_auth_challenge(result.session, code)
    assert final.tokens is None  # ... so even the right code is refused now
    runtime.clock.advance(31)
    with pytest.raises(CognitoError) as info:
        start(runtime)
    assert "Too many failed attempts" in info.value.message
    assert runtime.ring_pending_calls() == []


def test_the_code_never_leaves_the_call(runtime: LocalRuntime, lambda_logs: Any,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    driver, result = start(runtime)
    code = heard_code(runtime)
    items = boto3.client("dynamodb").scan(TableName=runtime.resources.table_name)["Items"]
    assert items
    assert code not in repr(items)
    assert runtime.demo_user.phone_number not in repr(items)
    assert code not in json.dumps([c.attributes for c in runtime.connect.accepted])
    assert code not in json.dumps(result.challenge_parameters)
    state = driver._sessions[result.session]  # what Cognito keeps: private parameters and metadata
    assert code not in json.dumps(state.private)
    assert code not in str(state.metadata)
    rung = runtime.rung[-1]
    assert rung.result is not None
    assert code not in json.dumps(rung.result.attributes)
    driver.respond_to_auth_challenge(result.session, code)
    logs = lambda_logs.getvalue()
    assert "otp verified" in logs  # the handlers did log, at DEBUG, into this buffer
    assert "voice call placed" in logs
    assert code not in logs
    assert runtime.demo_user.phone_number not in logs
    printed = capsys.readouterr()
    assert code not in printed.out
    assert code not in printed.err


def test_unknown_users_make_the_same_aws_calls_but_no_phone_call(monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalRuntime(passwordless=True) as rt:
        calls = count_aws_calls(monkeypatch)
        rt.cognito().initiate_auth("warm-up-ghost")  # warm the cached secret, as a live container would be
        calls.clear()
        known = rt.cognito().initiate_auth(rt.demo_user.username)
        known_calls = Counter(calls)
        calls.clear()
        unknown = rt.cognito().initiate_auth("nobody-here")
        unknown_calls = Counter(calls)
    assert known_calls.pop("connect:StartOutboundVoiceContact") == 1
    assert "connect:StartOutboundVoiceContact" not in unknown_calls
    assert known_calls == unknown_calls
    assert known_calls["dynamodb:TransactWriteItems"] == known_calls["dynamodb:PutItem"] == 1
    assert sum(v for k, v in known_calls.items() if k.startswith("kms:")) == 1
    assert known.challenge_parameters.keys() == unknown.challenge_parameters.keys()
    assert len(rt.connect.accepted) == 1


def test_unknown_user_cannot_sign_in_and_is_locked_like_a_real_one() -> None:
    with LocalRuntime(passwordless=True, otp={"lockout_threshold": 2, "max_attempts": 1}) as rt:
        for _ in range(2):
            result = rt.cognito().initiate_auth("nobody-here")
            with pytest.raises(CognitoError):
                rt.cognito().respond_to_auth_challenge(result.session, "123456")
            rt.clock.advance(31)
        with pytest.raises(CognitoError) as info:
            rt.cognito().initiate_auth("nobody-here")
        assert "Too many failed attempts" in info.value.message


def test_throttled_connect_is_retried_and_the_user_still_gets_one_call(runtime: LocalRuntime) -> None:
    runtime.connect.fail_next("ThrottlingException", times=2)
    driver, result = start(runtime)
    assert len(runtime.connect.accepted) == 1
    code = heard_code(runtime)
    assert driver.respond_to_auth_challenge(result.session, code).tokens is not None


@pytest.mark.parametrize(("fault", "attempts"), [("DestinationNotAllowedException", 1),
                                                 ("LimitExceededException", 1), ("InternalServiceException", 3)])
def test_a_failed_call_answers_like_a_placed_one_and_the_user_may_ask_again_at_once(fault: str,
                                                                                    attempts: int) -> None:
    with LocalRuntime(passwordless=True) as rt:
        rt.connect.fail_next(fault, times=attempts)
        driver = rt.cognito()
        result = driver.initiate_auth(rt.demo_user.username)
        unknown = driver.initiate_auth("nobody-here")
        assert result.challenge_name == unknown.challenge_name == "CUSTOM_CHALLENGE"
        assert result.challenge_parameters == unknown.challenge_parameters == {"channel": "VOICE",
                                                                              "destination": "******"}
        assert rt.ring_pending_calls() == []
        # no cooldown: the failed send was refunded, so asking again rings straight away
        assert result.session is not None
        result = driver.respond_to_auth_challenge(result.session, "", client_metadata={"resend": "true"})
        code = heard_code(rt)
        assert result.session is not None
        assert driver.respond_to_auth_challenge(result.session, code).tokens is not None


def test_the_session_outlives_the_default_five_minute_code(runtime: LocalRuntime) -> None:
    """Cognito's default session (3 minutes) would refuse a user answering in minute 4 of a 5-minute code."""
    driver, result = start(runtime)
    code = heard_code(runtime)
    runtime.clock.advance(240)
    assert driver.respond_to_auth_challenge(result.session, code).tokens is not None


def test_the_session_expires_after_the_app_clients_auth_session_validity(runtime: LocalRuntime) -> None:
    driver, result = start(runtime)
    code = heard_code(runtime)
    runtime.clock.advance(5 * 60 + 1)  # AuthSessionValidity for the default 300 s code: 5 minutes
    with pytest.raises(CognitoError) as info:
        driver.respond_to_auth_challenge(result.session, code)
    assert "expired" in info.value.message


def test_the_driver_takes_the_session_validity_from_the_client() -> None:
    with LocalRuntime(otp={"ttl_seconds": 600}) as rt:
        client = boto3.client("cognito-idp").describe_user_pool_client(
            UserPoolId=rt.resources.user_pool_id, ClientId=rt.resources.client_id)["UserPoolClient"]
        assert client["AuthSessionValidity"] == 10
        driver, result = start(rt)
        code = heard_code(rt)
        rt.clock.advance(9 * 60)
        assert driver.respond_to_auth_challenge(result.session, code).tokens is not None
