"""The local Lex V2 RecognizeText and Cognito guest-identity APIs: AWS's own SDK (boto3) talks to them unchanged."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from sim.local_runtime import LocalRuntime
from sim.ordering.chat_server import ChatServer
from sim.ordering.resources import BOT_ALIAS_ID, BOT_ID


@pytest.fixture
def served() -> Iterator[tuple[LocalRuntime, ChatServer]]:
    with LocalRuntime() as runtime, ChatServer(runtime) as server:
        yield runtime, server


def client(server: ChatServer, service: str) -> Any:
    return boto3.session.Session().client(service, endpoint_url=server.origin, region_name="us-east-1",
                                          aws_access_key_id="sim", aws_secret_access_key="sim")


def turn(lex: Any, text: str, session: str = "boto3-session-1", **attributes: str) -> dict[str, Any]:
    return lex.recognize_text(botId=BOT_ID, botAliasId=BOT_ALIAS_ID, localeId="en_US", sessionId=session, text=text,
                              sessionState={"sessionAttributes": attributes})  # type: ignore[no-any-return]


def test_boto3_lexv2_runtime_orders_through_the_local_endpoint(served: tuple[LocalRuntime, ChatServer]) -> None:
    runtime, server = served
    lex = client(server, "lexv2-runtime")
    menu = turn(lex, "what's on the menu", email="demo@example.com")
    assert menu["messages"][0]["content"] == "Today's menu: pizza, burger, salad, tacos."
    assert menu["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "Food"}
    asked = turn(lex, "pizza", **menu["sessionState"]["sessionAttributes"])
    assert "we have texted a code" in asked["messages"][0]["content"]
    runtime.deliver_sms()
    code = re.search(r"\d{6}", runtime.phone(runtime.customer.phone_number).sms[-1].body)
    assert code is not None
    done = turn(lex, code[0], **asked["sessionState"]["sessionAttributes"])
    assert done["messages"][0]["content"] == "Thank you! Your pizza is on its way."
    assert done["sessionState"]["sessionAttributes"]["currentOrder"] == "pizza"
    assert done["sessionState"]["intent"]["state"] == "Fulfilled"


@pytest.mark.parametrize(("bot", "alias", "session", "text", "error"), [
    ("NOSUCHBOT1", BOT_ALIAS_ID, "s-1", "hi", "ResourceNotFoundException"),
    ("lowercase1", BOT_ALIAS_ID, "s-1", "hi", "ValidationException"),
    (BOT_ID, BOT_ALIAS_ID, "s-1", "x" * 1025, "ValidationException"),
])
def test_lex_errors_are_lexs_errors(served: tuple[LocalRuntime, ChatServer], bot: str, alias: str, session: str,
                                    text: str, error: str) -> None:
    lex = client(served[1], "lexv2-runtime")
    with pytest.raises(ClientError) as raised:
        lex.recognize_text(botId=bot, botAliasId=alias, localeId="en_US", sessionId=session, text=text)
    assert raised.value.response["Error"]["Code"] == error


def test_boto3_cognito_identity_gets_guest_credentials_and_only_for_its_pool(
        served: tuple[LocalRuntime, ChatServer]) -> None:
    runtime, server = served
    identity = client(server, "cognito-identity")
    identity_id = identity.get_id(IdentityPoolId=runtime.ordering.identity_pool_id)["IdentityId"]
    credentials = identity.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert credentials["SessionToken"]
    for call, kwargs, error in (
        (identity.get_id, {"IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000"},
         "ResourceNotFoundException"),
        (identity.get_id, {"IdentityPoolId": runtime.ordering.identity_pool_id, "Logins": {"accounts.google.com": "t"}},
         "NotAuthorizedException"),
        (identity.get_credentials_for_identity, {"IdentityId": "us-east-1:00000000-0000-0000-0000-000000000000"},
         "ResourceNotFoundException"),
    ):
        with pytest.raises(ClientError) as raised:
            call(**kwargs)
        assert raised.value.response["Error"]["Code"] == error


def test_the_page_is_served_with_a_strict_csp_and_nothing_else_is(served: tuple[LocalRuntime, ChatServer]) -> None:
    server = served[1]
    with urllib.request.urlopen(server.origin + "/") as response:
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert b'src="dist/app.js"' in response.read()
    for path in ("/../bots/ordering_bot.json", "/src/app.js", "/package.json", "/node_modules/"):
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(server.origin + path)
        assert raised.value.code == 404
