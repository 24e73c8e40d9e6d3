"""Every AWS dependency of a voice-OTP sign-in, failing: the sign-in fails closed with the safe message, leaves
nothing that blocks the next try once the fault clears, logs a line an operator can act on, and no secret.

Runs on the local runtime (moto + the local Connect stand-in); faults are injected before the SDK sends the
request, exactly where a throttle or an outage surfaces in botocore.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sim.local_runtime import LocalRuntime
from sim.scenarios import signin
from tests.faults import Faults, injected_faults

# (operation, error): every AWS call on the sign-in path, with the errors AWS documents for it.
FAULTS = [
    ("dynamodb:TransactGetItems", "ProvisionedThroughputExceededException"),
    ("dynamodb:TransactWriteItems", "ThrottlingException"),
    ("dynamodb:TransactWriteItems", "TransactionCanceledException"),
    ("dynamodb:PutItem", "InternalServerError"),
    ("dynamodb:UpdateItem", "ThrottlingException"),
    ("kms:Encrypt", "KMSInternalException"),
    ("kms:Decrypt", "ThrottlingException"),
    ("secretsmanager:GetSecretValue", "InternalServiceError"),
    ("secretsmanager:GetSecretValue", "timeout"),
    ("connect:StartOutboundVoiceContact", "LimitExceededException"),
    ("connect:StartOutboundVoiceContact", "DestinationNotAllowedException"),
    ("connect:StartOutboundVoiceContact", "ThrottlingException"),
]
SAFE_MESSAGES = ("temporarily unavailable", "Incorrect", "try again", "not authorized", "NotAuthorized")


@pytest.fixture
def runtime() -> Iterator[LocalRuntime]:
    with LocalRuntime() as rt:
        yield rt


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Iterator[Faults]:
    with injected_faults(monkeypatch) as injected:
        yield injected


def _quiet(_: str) -> None:
    """Scenario narration is not under test here."""


@pytest.mark.parametrize(("operation", "error"), FAULTS, ids=[f"{o}-{e}" for o, e in FAULTS])
def test_a_failing_dependency_fails_closed_and_the_next_try_succeeds(
    runtime: LocalRuntime, faults: Faults, lambda_logs: Any, operation: str, error: str,
) -> None:
    user = runtime.demo_user
    faults.fail(operation, error)
    failed = signin(runtime, username=user.username, password=user.password, say=_quiet)
    assert faults.injected[operation] >= 1, f"{operation} is not on the sign-in path"
    assert not failed.ok, "a sign-in succeeded while a dependency failed"
    if failed.error is not None:
        assert any(m.lower() in failed.error.message.lower() for m in SAFE_MESSAGES), failed.error.message
        assert "Traceback" not in failed.error.message
        assert error not in failed.error.message  # the AWS error stays in the log, not in the user's message

    logs = lambda_logs.getvalue()
    assert error in logs or operation.split(":")[1] in logs or "unavailable" in logs.lower(), \
        "no log line names what failed"
    for code in failed.codes_heard:
        assert code not in logs

    faults.clear()
    runtime.clock.advance(3_600)  # past cooldowns and the hourly send window; well inside the daily cap
    retried = signin(runtime, username=user.username, password=user.password, say=_quiet)
    assert retried.ok, f"after {operation} {error} cleared, the next sign-in still fails: {retried.error}"
