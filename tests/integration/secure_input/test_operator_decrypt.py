"""The operator path end to end on the local runtime: the CLI signs a real STS proof, the embedded AWS (moto
server) answers it over HTTP, the decrypt function checks it, audits and decrypts."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from lambdas.secure_input import audit
from lambdas.secure_input.decrypt import handler as decrypt
from lambdas.secure_input.sealing import seal
from sim.aws.secure_input import DECRYPT_FUNCTION_ARN
from sim.fakes import FakeLambdaContext
from sim.local_runtime import LocalRuntime
from tools.decrypt import run

CONTACT, CARD, ZIP = "7d1f2e3c-4b5a-4968-8776-a5b4c3d2e1f0", "4111111111111111", "98101"


@pytest.fixture
def runtime() -> Iterator[LocalRuntime]:
    with LocalRuntime() as rt:
        yield rt


@pytest.fixture
def sealed(runtime: LocalRuntime) -> dict[str, str]:
    resources = runtime.secure_input
    return seal(key_id=resources.key_id, deployment=resources.deployment, contact_id=CONTACT,
                values={"card": CARD, "zip": ZIP})


def invoke(function: str, payload: dict[str, Any]) -> dict[str, Any]:
    context: Any = FakeLambdaContext(function, timeout_seconds=10)
    answer: dict[str, Any] = decrypt(payload, context)
    return answer


def cli(*args: str, session: Any = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = run(["--function", DECRYPT_FUNCTION_ARN, "--contact-id", CONTACT, "--reason", "ticket 9", *args],
                     invoke=invoke, session=session)
    return status, out.getvalue(), err.getvalue()


def test_the_operator_role_decrypts_once_and_is_named_in_the_audit(runtime: LocalRuntime,
                                                                   sealed: dict[str, str]) -> None:
    role = runtime.secure_input.operator_role_arn
    status, out, _ = cli("--field", "zip", "--ciphertext", sealed["zip"], "--role-arn", role, "--session-name", "bob")
    assert (status, out) == (0, f"{ZIP}\n")
    records = [r for r in audit.records(runtime.secure_input.audit_table, CONTACT) if r["field"] == "zip"]
    assert [r["outcome"] for r in records][-2:] == ["requested", "decrypted"]
    assert records[-1]["principal"].endswith(f":assumed-role/{role.rsplit('/', 1)[-1]}/bob")


def test_credentials_that_are_not_the_operator_role_are_refused(runtime: LocalRuntime,
                                                                sealed: dict[str, str]) -> None:
    status, out, err = cli("--field", "card", "--ciphertext", sealed["card"])  # the runtime's own (user) creds
    assert (status, out) == (1, "")
    assert "could not be verified" in err
    assert audit.records(runtime.secure_input.audit_table, CONTACT)[-1]["principal"] == "unverified"


def test_the_ciphertext_can_be_read_from_the_contact_attributes(runtime: LocalRuntime,
                                                                sealed: dict[str, str]) -> None:
    """moto has no GetContactAttributes: the Connect client is stubbed, the rest is the local runtime."""
    base = boto3.session.Session()
    connect = base.client("connect")
    stub = Stubber(connect)
    stub.add_response("get_contact_attributes", {"Attributes": {"cardCiphertext": sealed["card"]}},
                      {"InstanceId": "instance-1", "InitialContactId": CONTACT})

    class Session:
        region_name = base.region_name

        def client(self, service: str) -> Any:
            return connect if service == "connect" else base.client(service)

        def get_credentials(self) -> Any:
            return base.get_credentials()

    with stub:
        status, _out, err = cli("--field", "card", "--instance-id", "instance-1", session=Session())
    stub.assert_no_pending_responses()
    assert status == 1  # the runtime's own credentials are not the operator role: refused after reading it
    assert "could not be verified" in err
