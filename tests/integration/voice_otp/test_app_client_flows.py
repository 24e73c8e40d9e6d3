"""Only flows that pass the voice OTP reach tokens: the local Cognito enforces the app client's ExplicitAuthFlows.

The runtime's app client is created from the same list the stack deploys (``lambdas.voice_otp.app_client``), and
the driver reads each client's flows from moto, so these tests prove both the setting and its enforcement.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from lambdas.voice_otp.app_client import ALLOWED_AUTH_FLOWS
from sim.cognito.driver import CognitoError, MotoUserPool, secret_hash
from sim.local_runtime import LocalRuntime


@pytest.fixture
def runtime() -> Iterator[LocalRuntime]:
    with LocalRuntime() as rt:
        yield rt


def _issued_tokens(rt: LocalRuntime) -> int:
    """Access tokens moto's user pool has issued so far (every flow mints through it)."""
    return len(MotoUserPool(rt.resources.user_pool_id)._pool().access_tokens)


def _password_parameters(rt: LocalRuntime, client_id: str, client_secret: str | None) -> dict[str, str]:
    user = rt.demo_user
    parameters = {"USERNAME": user.username, "PASSWORD": user.password}
    if client_secret is not None:
        parameters["SECRET_HASH"] = secret_hash(client_secret, client_id, user.username)
    return parameters


def _another_client(rt: LocalRuntime, **settings: Any) -> tuple[str, str]:
    created = boto3.client("cognito-idp").create_user_pool_client(
        UserPoolId=rt.resources.user_pool_id, ClientName="other", GenerateSecret=True, **settings,
    )["UserPoolClient"]
    return created["ClientId"], created["ClientSecret"]


def test_the_runtime_app_client_allows_the_stack_flows(runtime: LocalRuntime) -> None:
    client = boto3.client("cognito-idp").describe_user_pool_client(
        UserPoolId=runtime.resources.user_pool_id, ClientId=runtime.resources.client_id)["UserPoolClient"]
    assert sorted(client["ExplicitAuthFlows"]) == sorted(ALLOWED_AUTH_FLOWS)


@pytest.mark.parametrize("flow", ["USER_PASSWORD_AUTH", "USER_SRP_AUTH"])
def test_the_right_password_alone_is_refused_and_issues_no_tokens(runtime: LocalRuntime, flow: str) -> None:
    before = _issued_tokens(runtime)
    parameters = _password_parameters(runtime, runtime.resources.client_id, runtime.resources.client_secret)
    with pytest.raises(CognitoError) as info:
        runtime.cognito().initiate(flow, parameters)
    assert (info.value.code, info.value.message) == ("InvalidParameterException",
                                                     f"{flow} flow not enabled for this client")
    assert _issued_tokens(runtime) == before
    assert runtime.ring_pending_calls() == []


def test_custom_auth_signs_in_with_password_and_voice_otp_then_refreshes(runtime: LocalRuntime) -> None:
    driver = runtime.cognito()
    parameters = _password_parameters(runtime, runtime.resources.client_id, runtime.resources.client_secret)
    challenge = driver.initiate("CUSTOM_AUTH", parameters)
    assert challenge.tokens is None
    assert challenge.challenge_name == "CUSTOM_CHALLENGE"
    [rung] = runtime.ring_pending_calls()
    assert rung.call is not None
    assert challenge.session is not None
    signed_in = driver.respond_to_auth_challenge(challenge.session, rung.call.digits_heard()[0])
    assert signed_in.tokens is not None
    refreshed = driver.initiate("REFRESH_TOKEN_AUTH", {
        "REFRESH_TOKEN": signed_in.tokens["RefreshToken"],
        "SECRET_HASH": parameters["SECRET_HASH"],
    })
    assert refreshed.tokens is not None
    assert refreshed.tokens["AccessToken"] != signed_in.tokens["AccessToken"]


def test_a_client_that_allows_user_password_auth_lets_the_password_alone_through(runtime: LocalRuntime) -> None:
    """The enforcement reads the client's settings: the bypass the stack's client closes is real elsewhere."""
    client_id, client_secret = _another_client(
        runtime, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    before = _issued_tokens(runtime)
    result = runtime.cognito().initiate("USER_PASSWORD_AUTH", _password_parameters(runtime, client_id, client_secret),
                                        client_id=client_id)
    assert result.tokens is not None
    assert _issued_tokens(runtime) == before + 1
    assert runtime.ring_pending_calls() == [], "no voice OTP was asked for"
    with pytest.raises(CognitoError, match="CUSTOM_AUTH flow not enabled for this client"):
        runtime.cognito().initiate("CUSTOM_AUTH", _password_parameters(runtime, client_id, client_secret),
                                   client_id=client_id)


def test_a_client_with_unset_flows_gets_cognitos_default_which_includes_srp(runtime: LocalRuntime) -> None:
    client_id, client_secret = _another_client(runtime)
    parameters = _password_parameters(runtime, client_id, client_secret)
    assert runtime.cognito().initiate("USER_SRP_AUTH", parameters, client_id=client_id).tokens is not None
    with pytest.raises(CognitoError, match="USER_PASSWORD_AUTH flow not enabled for this client"):
        runtime.cognito().initiate("USER_PASSWORD_AUTH", parameters, client_id=client_id)


def test_a_wrong_secret_hash_is_refused_before_any_trigger_runs(runtime: LocalRuntime) -> None:
    parameters = _password_parameters(runtime, runtime.resources.client_id, "not-the-secret")
    with pytest.raises(CognitoError) as info:
        runtime.cognito().initiate("CUSTOM_AUTH", parameters)
    assert info.value.code == "NotAuthorizedException"
    assert "secret hash" in info.value.message
    assert runtime.ring_pending_calls() == []
