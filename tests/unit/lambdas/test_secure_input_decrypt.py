"""The operator decrypt function: request checks, the STS identity proof, the audit trail (KMS, DynamoDB in moto).

The proof's HTTP exchange with STS is replaced here (``identity._send``); tests/integration/secure_input sends
it for real to the embedded AWS.
"""

from __future__ import annotations

from typing import Any

import pytest

from lambdas.common.core import aws
from lambdas.secure_input import audit, decrypt, identity
from lambdas.secure_input.sealing import seal

CONTACT, CARD = "4e9b3c2a-1f0d-4c7e-9a8b-6d5e4f3a2b1c", "4111111111111111"
ROLE = "arn:aws:iam::123456789012:role/SecureInputOperator"
SESSION = "arn:aws:sts::123456789012:assumed-role/SecureInputOperator/alice"
TABLE = "secure-input-audit"


def sts_answer(arn: str) -> bytes:
    return (f'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            f"<Arn>{arn}</Arn><UserId>AROA:alice</UserId><Account>123456789012</Account>"
            "</GetCallerIdentityResult></GetCallerIdentityResponse>").encode()


def proof(contact: str = CONTACT, field: str = "card", **headers: str) -> dict[str, Any]:
    signed = "content-type;host;x-amz-date;x-secure-input-request"
    return {"body": identity.BODY, "headers": {
        "Content-Type": identity.CONTENT_TYPE, "X-Amz-Date": "20260101T000000Z",
        identity.BINDING_HEADER: identity.binding(contact, field),
        "Authorization": f"AWS4-HMAC-SHA256 Credential=ASIA/20260101/us-east-1/sts/aws4_request, "
                         f"SignedHeaders={signed}, Signature=00", **headers}}


class FakeSts(list[tuple[str, dict[str, str]]]):
    """STS answering ``status``/``body``; every request it gets is recorded (the list)."""

    def __init__(self) -> None:
        super().__init__()
        self.answer: dict[str, Any] = {"status": 200, "body": sts_answer(SESSION)}

    def send(self, endpoint: str, headers: dict[str, str]) -> tuple[int, bytes]:
        self.append((endpoint, dict(headers)))
        return self.answer["status"], self.answer["body"]


@pytest.fixture
def sts(monkeypatch: pytest.MonkeyPatch) -> FakeSts:
    """STS answers with the operator's session."""
    fake = FakeSts()
    monkeypatch.setattr(identity, "_send", fake.send)
    return fake


@pytest.fixture
def sealed(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    key = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    aws.client("dynamodb").create_table(**audit.create_table_kwargs(TABLE))
    for name, value in {"SECURE_INPUT_KEY_ID": key, "SECURE_INPUT_DEPLOYMENT": "SecureInput",
                        "SECURE_INPUT_AUDIT_TABLE": TABLE, "SECURE_INPUT_OPERATOR_ROLE_ARN": ROLE}.items():
        monkeypatch.setenv(name, value)
    return seal(key_id=key, deployment="SecureInput", contact_id=CONTACT, values={"card": CARD, "zip": "98101"})


def request(sealed: dict[str, str], **changes: Any) -> dict[str, Any]:
    return {"contactId": CONTACT, "field": "card", "ciphertext": sealed["card"], "reason": "chargeback 4711",
            "identityProof": proof(), **changes}


def test_the_operator_gets_the_value_and_the_audit_names_them(sealed: dict[str, str], sts: Any,
                                                               lambda_context: Any, lambda_logs: Any) -> None:
    answer = decrypt.handler(request(sealed), lambda_context)
    assert answer == {"ok": True, "contactId": CONTACT, "field": "card", "value": CARD}
    records = audit.records(TABLE, CONTACT)
    assert [r["outcome"] for r in records] == ["requested", "decrypted"]
    assert {r["principal"] for r in records} == {SESSION}
    assert all(r["field"] == "card" and r["reason"] == "chargeback 4711" for r in records)
    assert all(CARD not in str(r) for r in records)
    assert CARD not in lambda_logs.getvalue()
    assert sts[0][0] == "https://sts.us-east-1.amazonaws.com"  # the function's own endpoint, never the caller's


def test_another_fields_ciphertext_is_refused_and_audited(sealed: dict[str, str], sts: Any,
                                                         lambda_context: Any) -> None:
    answer = decrypt.handler(request(sealed, ciphertext=sealed["zip"]), lambda_context)
    assert answer == {"ok": False, "error": decrypt.REFUSED_OPEN}
    assert [r["outcome"] for r in audit.records(TABLE, CONTACT)] == ["requested", "refused"]


def test_another_contacts_ciphertext_is_refused(sealed: dict[str, str], sts: Any, lambda_context: Any) -> None:
    other = "0f0e0d0c-0b0a-4908-8706-050403020100"
    answer = decrypt.handler(request(sealed, contactId=other, identityProof=proof(other)), lambda_context)
    assert answer == {"ok": False, "error": decrypt.REFUSED_OPEN}
    assert [r["outcome"] for r in audit.records(TABLE, other)] == ["requested", "refused"]


@pytest.mark.parametrize(("arn", "status"), [
    ("arn:aws:sts::123456789012:assumed-role/SomeoneElse/alice", 200),
    ("arn:aws:sts::999999999999:assumed-role/SecureInputOperator/alice", 200),
    ("arn:aws:iam::123456789012:user/alice", 200),
    (SESSION, 403),
])
def test_a_caller_sts_does_not_vouch_for_as_the_operator_is_refused(sealed: dict[str, str], sts: Any,
                                                                     lambda_context: Any, arn: str,
                                                                     status: int) -> None:
    sts.answer.update(status=status, body=sts_answer(arn))
    answer = decrypt.handler(request(sealed), lambda_context)
    assert answer == {"ok": False, "error": decrypt.REFUSED_IDENTITY}
    [record] = audit.records(TABLE, CONTACT)
    assert (record["outcome"], record["principal"]) == ("refused", "unverified")


@pytest.mark.parametrize("bad_proof", [
    None, "proof", {"headers": {}, "body": identity.BODY},
    proof(field="zip"),  # made for another field
    proof(contact="other-contact"),
    {**proof(), "body": "Action=AssumeRole&Version=2011-06-15"},
    proof(Host="evil.example.com"),  # a header the function must not forward
    proof(Authorization="AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host;x-amz-date, Signature=0"),
    proof(Authorization="Basic YWxpY2U6cGFzcw=="),
])
def test_malformed_or_unbound_proofs_never_reach_sts(sealed: dict[str, str], sts: Any, lambda_context: Any,
                                                     bad_proof: Any) -> None:
    answer = decrypt.handler(request(sealed, identityProof=bad_proof), lambda_context)
    assert answer == {"ok": False, "error": decrypt.REFUSED_IDENTITY}
    assert sts == []


@pytest.mark.parametrize("event", [
    None, [], {}, {"contactId": CONTACT},
    {"contactId": "../x", "field": "card", "ciphertext": "SI1.a.b", "reason": "r"},
    {"contactId": CONTACT, "field": "pin", "ciphertext": "SI1.a.b", "reason": "r"},
    {"contactId": CONTACT, "field": "card", "ciphertext": "x" * 5000, "reason": "r"},
    {"contactId": CONTACT, "field": "card", "ciphertext": "SI1.a.b", "reason": " "},
    {"contactId": CONTACT, "field": "card", "ciphertext": 42, "reason": "r"},
])
def test_malformed_requests_are_refused_before_anything_else(sealed: dict[str, str], sts: Any, lambda_context: Any,
                                                             event: Any) -> None:
    answer = decrypt.handler(event, lambda_context)
    assert answer["ok"] is False
    assert sts == []
    assert aws.client("dynamodb").scan(TableName=TABLE)["Items"] == []


def test_audit_items_are_never_overwritten(sealed: dict[str, str]) -> None:
    from botocore.exceptions import ClientError

    from lambdas.common.core import clock

    clock.set_source(lambda: 1_700_000_000.0)
    audit.append(TABLE, contact_id=CONTACT, request_id="r1", outcome="requested", record={"principal": "a"})
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        audit.append(TABLE, contact_id=CONTACT, request_id="r1", outcome="requested", record={"principal": "b"})
    assert [r["principal"] for r in audit.records(TABLE, CONTACT)] == ["a"]


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]><r><Arn>&a;</Arn></r>',
    b"<r><Arn>" + b"x" * 20_000 + b"</Arn></r>",
    b"not xml",
    b"<r><Other>1</Other></r>",
])
def test_an_sts_answer_with_a_dtd_oversize_or_without_an_arn_is_refused(body: bytes) -> None:
    with pytest.raises(identity.IdentityError):
        identity._arn(body)


def test_an_sts_answer_yields_its_arn() -> None:
    body = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            b"<Arn>arn:aws:sts::123456789012:assumed-role/op/me</Arn></GetCallerIdentityResult>"
            b"</GetCallerIdentityResponse>")
    assert identity._arn(body) == "arn:aws:sts::123456789012:assumed-role/op/me"


@pytest.mark.parametrize("code", ["ThrottlingException", "KMSInternalException", "timeout"])
def test_a_kms_outage_after_the_request_is_audited_closes_the_trail(sealed: dict[str, str], sts: Any,
                                                                   lambda_context: Any, lambda_logs: Any,
                                                                   monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    from tests.faults import injected_faults

    with injected_faults(monkeypatch) as faults:
        faults.fail("kms:Decrypt", code)
        answer = decrypt.handler(request(sealed), lambda_context)
    assert answer == {"ok": False, "error": decrypt.UNAVAILABLE_RETRY}
    records = audit.records(TABLE, CONTACT)
    assert [r["outcome"] for r in records] == ["requested", "failed"]
    assert all(CARD not in str(r) for r in records)
    assert "decrypt failed: KMS unavailable" in lambda_logs.getvalue()
