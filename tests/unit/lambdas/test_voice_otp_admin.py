"""The audited administrator path: clear a user's failures after the NIST ceiling, and the CLI over it."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from lambdas.common.core import aws, caches, clock
from lambdas.common.core.tables import create_table_kwargs
from lambdas.common.otp.table import OTP_TABLE
from lambdas.voice_otp import wiring

TABLE = "otp-admin-test"
T0 = 1_700_000_000.0


@pytest.fixture
def admin(moto_aws: None, monkeypatch: pytest.MonkeyPatch, lambda_context: Any) -> Iterator[Any]:
    """The admin handler over a table where alice has reached the failure ceiling (1 for the test)."""
    aws.client("dynamodb").create_table(**create_table_kwargs(OTP_TABLE, TABLE))
    monkeypatch.setenv("OTP_TABLE_NAME", TABLE)
    monkeypatch.setenv("OTP_HASH_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:never-read")
    monkeypatch.setenv("OTP_LOCKOUT_THRESHOLD", "1")
    monkeypatch.setenv("OTP_FAILURE_CEILING", "1")
    clock.set_source(lambda: T0)
    caches.reset_all()
    wiring.otp_store().verify(challenge_id="unknown-challenge-id-000", user="alice", code="1")
    from lambdas.voice_otp.admin import handler

    yield lambda event: handler(event, lambda_context)
    caches.reset_all()


def audit_records() -> list[dict[str, Any]]:
    items = aws.client("dynamodb").scan(TableName=TABLE)["Items"]
    return [json.loads(i["record"]["S"]) for i in items if i["pk"]["S"].startswith("AUDIT#")]


def test_status_shows_the_ceiling_and_is_audited(admin: Any) -> None:
    answer = admin({"action": "status", "username": "alice", "requestedBy": "arn:aws:iam::1:user/op"})
    assert answer == {"ok": True, "action": "status", "username": "alice", "changed": False, "failures": 1,
                      "lockedUntil": None, "needsAdministrator": True}
    assert [r["requestedBy"] for r in audit_records()] == ["arn:aws:iam::1:user/op"]


def test_clearing_unlocks_the_user_and_records_who_why_and_what(admin: Any) -> None:
    answer = admin({"action": "clear-failures", "username": "alice", "requestedBy": "arn:aws:iam::1:user/op",
                    "reason": "ticket 4711: caller verified in branch"})
    assert (answer["ok"], answer["changed"], answer["failures"], answer["needsAdministrator"]) == (True, True, 0, False)
    assert wiring.otp_store().is_locked("alice") is None
    [record] = audit_records()
    assert record["reason"] == "ticket 4711: caller verified in branch"
    assert record["before"]["needsAdministrator"] is True
    assert record["after"]["failures"] == 0


def test_clearing_a_user_with_nothing_to_clear_changes_and_records_nothing(admin: Any) -> None:
    answer = admin({"action": "clear-failures", "username": "bob", "requestedBy": "op", "reason": "r"})
    assert (answer["ok"], answer["changed"]) == (True, False)
    assert audit_records() == []


@pytest.mark.parametrize("event", [
    None, [], "status", {}, {"action": "delete", "username": "alice", "requestedBy": "op"},
    {"action": "status", "requestedBy": "op"}, {"action": "status", "username": "alice"},
    {"action": "status", "username": "a" * 600, "requestedBy": "op"},
    {"action": "status", "username": "alice; drop", "requestedBy": "op"},
    {"action": "clear-failures", "username": "alice", "requestedBy": "op"},
    {"action": "clear-failures", "username": "alice", "requestedBy": "op", "reason": " "},
    {"action": "status", "username": 42, "requestedBy": "op"},
])
def test_malformed_requests_are_refused_with_a_reason_and_change_nothing(admin: Any, event: Any) -> None:
    answer = admin(event)
    assert answer["ok"] is False
    assert answer["error"]
    assert wiring.otp_store().status("alice").needs_administrator
    assert audit_records() == []


# --- the CLI ---------------------------------------------------------------------------------------------


def clients(answer: dict[str, Any], expected: dict[str, Any] | None = None) -> tuple[Any, Any, Stubber, Stubber]:
    import boto3

    lam, sts = boto3.client("lambda"), boto3.client("sts")
    lam_stub, sts_stub = Stubber(lam), Stubber(sts)
    sts_stub.add_response("get_caller_identity", {"Arn": "arn:aws:iam::123456789012:user/operator",
                                                  "UserId": "u", "Account": "123456789012"})
    payload = json.dumps(answer).encode()
    params = None if expected is None else {"FunctionName": "admin-fn", "Payload": json.dumps(expected).encode()}
    lam_stub.add_response("invoke", {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(payload), len(payload))},
                          params)
    lam_stub.activate()
    sts_stub.activate()
    return lam, sts, lam_stub, sts_stub


def test_cli_sends_who_and_why_and_prints_the_answer(capsys: pytest.CaptureFixture[str]) -> None:
    from tools.voice_otp_admin import run

    expected = {"action": "clear-failures", "username": "alice",
                "requestedBy": "arn:aws:iam::123456789012:user/operator", "reason": "ticket 1"}
    lam, sts, lam_stub, _ = clients({"ok": True, "failures": 0}, expected)
    assert run(["--function", "admin-fn", "clear-failures", "alice", "--reason", "ticket 1"], clients=(lam, sts)) == 0
    lam_stub.assert_no_pending_responses()
    assert json.loads(capsys.readouterr().out) == {"ok": True, "failures": 0}


def test_cli_refuses_to_clear_without_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    from tools.voice_otp_admin import run

    assert run(["--function", "admin-fn", "clear-failures", "alice"], clients=(None, None)) == 2
    assert "--reason" in capsys.readouterr().err


def test_cli_reports_a_refusal_with_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    from tools.voice_otp_admin import run

    lam, sts, _, _ = clients({"ok": False, "error": "'username' is not a Cognito username"})
    assert run(["--function", "admin-fn", "status", "bad name"], clients=(lam, sts)) == 1
    assert "not a Cognito username" in capsys.readouterr().out
