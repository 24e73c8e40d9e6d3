"""Malformed events for every handler (OWASP ASVS 5 V1/V2 input validation; NIST SP 800-63B rev 4 §3.2.2:
verifiers fail closed). Each handler gets hypothesis-generated variations of its recorded event:

- a Cognito trigger either answers without granting anything or raises the one safe, fixed message;
- the Connect prompt Lambda either refuses (its flow takes the error branch) or never reveals a code;
- nothing raised carries a stack trace, an AWS error or the event's own values.

The handlers run against the local runtime's AWS (moto), so a malformed event that got past parsing would
really reach DynamoDB, KMS and Connect.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from lambdas.common.core.errors import UNAVAILABLE, UserFacingError
from sim.fakes import FakeLambdaContext
from sim.local_runtime import LocalRuntime
from tests.conftest import load_event
from tests.security.malformed import GENERATED, malformed

EXAMPLES = 100
REPORT = Path(__file__).resolve().parents[2] / "test-output" / "malformed-events.json"
HYPOTHESIS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def _report_generated_cases() -> Iterator[None]:
    yield
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(dict(GENERATED), indent=2, sort_keys=True))


def _context() -> Any:
    return FakeLambdaContext("malformed", timeout_seconds=5)


def _safe_refusal(error: BaseException) -> None:
    """Cognito shows a trigger's exception message to the caller: only our fixed, safe message may reach it."""
    assert isinstance(error, UserFacingError), f"{type(error).__name__} escaped: {error!s:.200}"
    assert error.message == UNAVAILABLE or len(error.message) < 120
    assert "Traceback" not in error.message


def _run(name: str, handler: Callable[[Any, Any], Any], event: Any) -> tuple[Any, BaseException | None]:
    GENERATED[name] += 1
    try:
        return handler(event, _context()), None
    except Exception as error:
        return None, error


@given(data=malformed(load_event("cognito_define_auth_challenge")))
@HYPOTHESIS
def test_define_never_issues_tokens_for_a_malformed_session(runtime: LocalRuntime, data: Any) -> None:
    from lambdas.voice_otp.define import handler

    answer, error = _run("define", handler, data)
    if error is not None:
        _safe_refusal(error)
        return
    # the recorded session holds the password steps only: no mutation of it may earn tokens
    assert answer["response"].get("issueTokens") is not True


@given(data=malformed(load_event("cognito_create_auth_challenge")))
@HYPOTHESIS
def test_create_fails_closed_on_a_malformed_event(runtime: LocalRuntime, data: Any) -> None:
    from lambdas.voice_otp.create import handler

    answer, error = _run("create", handler, data)
    if error is not None:
        _safe_refusal(error)
        return
    public = answer["response"]["publicChallengeParameters"]
    assert set(public) <= {"channel", "destination", "resendAfter"}, public
    runtime.ring_pending_calls()


@given(data=malformed(load_event("cognito_verify_auth_challenge")))
@HYPOTHESIS
def test_verify_never_accepts_a_malformed_answer(runtime: LocalRuntime, data: Any) -> None:
    from lambdas.voice_otp.verify import handler

    answer, error = _run("verify", handler, data)
    if error is not None:
        _safe_refusal(error)
        return
    assert answer["response"]["answerCorrect"] is False  # the recorded challenge id exists nowhere


@given(data=malformed(load_event("connect_outbound_prompt")))
@HYPOTHESIS
def test_prompt_never_reveals_a_code_for_a_malformed_contact(runtime: LocalRuntime, data: Any) -> None:
    from lambdas.voice_otp.prompt import PromptUnavailable, handler

    answer, error = _run("prompt", handler, data)
    if error is not None:
        assert isinstance(error, PromptUnavailable), f"{type(error).__name__} escaped: {error!s:.200}"
        return
    pytest.fail(f"a malformed contact got a prompt: {answer!r:.100}")
