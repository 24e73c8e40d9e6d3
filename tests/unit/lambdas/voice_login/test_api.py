"""The link's HTTP API with API Gateway v2 events, against moto: every answer the page's contract names."""

from __future__ import annotations

import base64
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from lambdas.common.core import aws
from lambdas.voice_login import api
from lambdas.voice_login.links import GrantSigner
from sim.aws.atomic import atomic_dynamodb
from sim.aws.voice_login_resources import GRANT_AUDIENCE, PAGE_ORIGIN, VoiceLoginResources
from tests.unit.lambdas.voice_login.conftest import CUSTOMER, Clock, http_event

SPOUSE = {"fullName": "Jamie O'Neil-Smith", "relationship": "spouse", "dateOfBirth": "1990-04-01"}


def mint(resources: VoiceLoginResources, customer_id: str = CUSTOMER.customer_id, ttl: int = 600) -> str:
    return GrantSigner(key_id=resources.signing_key_id, audience=GRANT_AUDIENCE, ttl_seconds=ttl).mint(customer_id)[1]


def call(event: dict[str, Any], lambda_context: Any) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
    response = api.handler(event, lambda_context)
    body = json.loads(response["body"]) if "body" in response else None
    return response["statusCode"], body, response["headers"]


def authorized_users(resources: VoiceLoginResources, customer_id: str = CUSTOMER.customer_id) -> list[Any]:
    item = aws.client("dynamodb").get_item(TableName=resources.accounts_table,
                                           Key={"customer_id": {"S": customer_id}})["Item"]
    return item.get("authorized_users", {}).get("L", [])


def test_get_then_post_then_replay(resources: VoiceLoginResources, lambda_context: Any) -> None:
    token = mint(resources)
    status, body, headers = call(http_event("GET", "/v1/link", token=token), lambda_context)
    assert (status, body) == (200, {"status": "valid", "expiresAt": 1_800_000_600, "scope": "add_authorized_user"})
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"] == "application/json"
    status, body, _ = call(http_event("POST", "/v1/authorized-users", token=token, body=SPOUSE), lambda_context)
    assert (status, body) == (201, {"status": "added", "authorizedUser": {"fullName": "Jamie O'Neil-Smith",
                                                                          "relationship": "spouse"}})
    [stored] = authorized_users(resources)
    assert stored["M"]["dateOfBirth"] == {"S": "1990-04-01"}
    assert stored["M"]["grantId"]["S"]
    assert call(http_event("POST", "/v1/authorized-users", token=token, body=SPOUSE), lambda_context)[:2] == \
        (409, {"error": "link_used"})
    assert call(http_event("GET", "/v1/link", token=token), lambda_context)[:2] == (409, {"error": "link_used"})
    assert len(authorized_users(resources)) == 1


def test_expired_link_is_410_on_both_routes(resources: VoiceLoginResources, sim_clock: Clock,
                                            lambda_context: Any) -> None:
    token = mint(resources, ttl=600)
    sim_clock.advance(600)
    assert call(http_event("GET", "/v1/link", token=token), lambda_context)[:2] == (410, {"error": "link_expired"})
    assert call(http_event("POST", "/v1/authorized-users", token=token, body=SPOUSE), lambda_context)[:2] == \
        (410, {"error": "link_expired"})
    assert authorized_users(resources) == []


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not.a.jws", "Bearer " + "A" * 5000,
])
def test_a_missing_or_bad_bearer_is_401(resources: VoiceLoginResources, lambda_context: Any,
                                        authorization: str | None) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    for method, path in (("GET", "/v1/link"), ("POST", "/v1/authorized-users")):
        event = http_event(method, path, headers=headers, body=SPOUSE)
        assert call(event, lambda_context)[:2] == (401, {"error": "invalid_link"})


def test_a_link_from_another_customer_edited_to_this_one_is_401(resources: VoiceLoginResources,
                                                                lambda_context: Any) -> None:
    header, payload, signature = mint(resources, customer_id="87654321").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = CUSTOMER.customer_id
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    event = http_event("POST", "/v1/authorized-users", token=f"{header}.{edited}.{signature}", body=SPOUSE)
    assert call(event, lambda_context)[:2] == (401, {"error": "invalid_link"})
    assert authorized_users(resources) == []


def test_a_grant_for_an_account_that_is_gone_is_401_and_not_spent(resources: VoiceLoginResources,
                                                                  lambda_context: Any) -> None:
    token = mint(resources, customer_id="99999999")
    event = http_event("POST", "/v1/authorized-users", token=token, body=SPOUSE)
    assert call(event, lambda_context)[:2] == (401, {"error": "invalid_link"})
    spent = aws.client("dynamodb").scan(TableName=resources.grants_table, FilterExpression="begins_with(pk, :s)",
                                        ExpressionAttributeValues={":s": {"S": "SPENT#"}})["Items"]
    assert spent == []


@pytest.mark.parametrize(("body", "fields"), [
    ({**SPOUSE, "fullName": ""}, {"fullName"}),
    ({**SPOUSE, "fullName": "X" * 101}, {"fullName"}),
    ({**SPOUSE, "fullName": "<script>alert(1)</script>"}, {"fullName"}),
    ({**SPOUSE, "relationship": "boss"}, {"relationship"}),
    ({**SPOUSE, "dateOfBirth": "2030-01-01"}, {"dateOfBirth"}),
    ({**SPOUSE, "dateOfBirth": "2019-01-01"}, {"dateOfBirth"}),
    ({**SPOUSE, "dateOfBirth": "1990-02-30"}, {"dateOfBirth"}),
    ({"fullName": 7, "relationship": None, "dateOfBirth": 19900401}, {"fullName", "relationship", "dateOfBirth"}),
    ({}, {"fullName", "relationship", "dateOfBirth"}),
    ({**SPOUSE, "isAdmin": True}, {"body"}),
    ([SPOUSE], {"body"}),
    ("spouse", {"body"}),
])
def test_invalid_bodies_are_400_and_do_not_spend_the_link(resources: VoiceLoginResources, lambda_context: Any,
                                                          body: Any, fields: set[str]) -> None:
    token = mint(resources)
    status, answer, _ = call(http_event("POST", "/v1/authorized-users", token=token, body=body), lambda_context)
    assert status == 400
    assert answer is not None
    assert answer["error"] == "invalid_request"
    assert set(answer["fields"]) == fields
    assert call(http_event("GET", "/v1/link", token=token), lambda_context)[0] == 200  # still usable


@pytest.mark.parametrize("raw", ["{not json", "\udcff", "null", "A" * 5000])
def test_unparseable_or_oversize_bodies_are_400(resources: VoiceLoginResources, lambda_context: Any,
                                                raw: str) -> None:
    event = http_event("POST", "/v1/authorized-users", token=mint(resources), raw_body=raw)
    status, answer, _ = call(event, lambda_context)
    assert status == 400
    assert answer is not None
    assert set(answer["fields"]) == {"body"}


def test_a_base64_body_is_decoded(resources: VoiceLoginResources, lambda_context: Any) -> None:
    raw = base64.b64encode(json.dumps(SPOUSE).encode()).decode()
    event = http_event("POST", "/v1/authorized-users", token=mint(resources), raw_body=raw, base64_body=True)
    assert call(event, lambda_context)[0] == 201
    bad = http_event("POST", "/v1/authorized-users", token=mint(resources), raw_body="%%%", base64_body=True)
    assert call(bad, lambda_context)[0] == 400


def test_cors_only_for_the_page_origin(resources: VoiceLoginResources, lambda_context: Any) -> None:
    token = mint(resources)
    _, _, headers = call(http_event("GET", "/v1/link", token=token, origin=PAGE_ORIGIN), lambda_context)
    assert headers["Access-Control-Allow-Origin"] == PAGE_ORIGIN
    _, _, headers = call(http_event("GET", "/v1/link", token=token, origin="https://evil.example"), lambda_context)
    assert "Access-Control-Allow-Origin" not in headers
    status, body, headers = call(http_event("OPTIONS", "/v1/authorized-users", origin=PAGE_ORIGIN), lambda_context)
    assert (status, body) == (204, None)
    assert headers["Access-Control-Allow-Methods"] == "POST"
    assert "authorization" in headers["Access-Control-Allow-Headers"]
    _, _, headers = call(http_event("OPTIONS", "/v1/authorized-users", origin="https://evil.example"),
                         lambda_context)
    assert "Access-Control-Allow-Methods" not in headers


def test_unknown_routes_and_methods(resources: VoiceLoginResources, lambda_context: Any) -> None:
    assert call(http_event("GET", "/v1/accounts", token=mint(resources)), lambda_context)[:2] == \
        (404, {"error": "not_found"})
    status, body, headers = call(http_event("DELETE", "/v1/link", token=mint(resources)), lambda_context)
    assert (status, body, headers["Allow"]) == (405, {"error": "method_not_allowed"}, "GET")


@pytest.mark.parametrize("event", [{}, {"version": "2.0"}, {"requestContext": "x"}, []])
def test_a_malformed_event_is_a_json_400_not_a_trace(lambda_context: Any, event: Any) -> None:
    status, body, _ = call(event, lambda_context)
    assert status == 400
    assert body is not None
    assert body["error"] == "invalid_request"


def test_a_dynamodb_failure_is_503_unavailable(resources: VoiceLoginResources, lambda_context: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    token = mint(resources)
    monkeypatch.setenv("GRANTS_TABLE_NAME", "no-such-table")
    from lambdas.common.core import caches

    caches.reset_all()
    assert call(http_event("GET", "/v1/link", token=token), lambda_context)[:2] == (503, {"error": "unavailable"})


def test_requests_per_grant_are_limited(resources: VoiceLoginResources, lambda_context: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANT_MAX_REQUESTS", "3")
    token = mint(resources)
    statuses = [call(http_event("GET", "/v1/link", token=token), lambda_context)[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert call(http_event("GET", "/v1/link", token=token), lambda_context)[1] == {"error": "rate_limited"}
    assert call(http_event("GET", "/v1/link", token=mint(resources)), lambda_context)[0] == 200  # per grant


def test_the_grant_never_reaches_the_logs(resources: VoiceLoginResources, lambda_context: Any,
                                          lambda_logs: Any) -> None:
    token = mint(resources)
    call(http_event("GET", "/v1/link", token=token), lambda_context)
    call(http_event("POST", "/v1/authorized-users", token=token, body=SPOUSE), lambda_context)
    call(http_event("POST", "/v1/authorized-users", token=token, body=SPOUSE), lambda_context)
    logs = lambda_logs.getvalue()
    assert "authorised user added" in logs
    assert token.split(".")[2] not in logs
    assert token.split(".")[1] not in logs
    assert "1990-04-01" not in logs


def test_concurrent_posts_spend_the_grant_once(resources: VoiceLoginResources, lambda_context: Any) -> None:
    token = mint(resources)
    threads = 8
    barrier = threading.Barrier(threads)
    client = aws.client("dynamodb")

    def hold(**_: Any) -> None:  # every request waits until all have verified their grant (a return value
        barrier.wait(timeout=30)  # from a before-call hook would replace the response: return None)

    client.meta.events.register("before-call.dynamodb.TransactWriteItems", hold)

    def post(_: int) -> int:
        return call(http_event("POST", "/v1/authorized-users", token=token, body=SPOUSE), lambda_context)[0]

    with atomic_dynamodb(), ThreadPoolExecutor(threads) as pool:
        statuses = sorted(pool.map(post, range(threads)))
    assert statuses == [201] + [409] * (threads - 1)
    assert len(authorized_users(resources)) == 1


@pytest.mark.parametrize("header", [True, 7, ["Bearer x"], {"Bearer": "x"}])
def test_a_non_text_authorization_header_is_401_not_503(resources: VoiceLoginResources, lambda_context: Any,
                                                         header: Any) -> None:
    event = http_event("GET", "/v1/link")
    event["headers"]["authorization"] = header
    assert call(event, lambda_context)[:2] == (401, {"error": "invalid_link"})
