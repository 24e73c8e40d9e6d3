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


# -- C1, C3, C4: Lex hooks answer with a valid Lex response or the capability's one named refusal ------------
REPO = Path(__file__).resolve().parents[2]
BOTS = {"voice_login": REPO / "bots" / "voice_login.json", "secure_input": REPO / "bots" / "secure_input.json",
        "ordering": REPO / "bots" / "ordering_bot.json"}
CONTACT = "4e9b3c2a-1f0d-4c7e-9a8b-6d5e4f3a2b1c"


def _lex(intent: str, slots: dict[str, str], bot: str, session_id: str = CONTACT,
         attributes: dict[str, str] | None = None, source: str = "FulfillmentCodeHook") -> dict[str, Any]:
    from tests.unit.lambdas.voice_login.conftest import lex_event

    event = lex_event(intent, slots=slots, attributes=attributes, source=source, session_id=session_id)
    event["bot"]["name"] = bot
    return event


def _valid_lex_answer(name: str, answer: Any, event: Any) -> None:
    """Lex accepts the answer (the emulator checks it as Lex does); nothing in it echoes a secret of the event."""
    from sim.lex import load_bot
    from sim.lex.events import validate_response

    locale = load_bot(BOTS[name]).locale("en_US")
    source = event.get("invocationSource") if isinstance(event, dict) else None
    validate_response(answer, locale, source=source if isinstance(source, str) else "DialogCodeHook")
    state = answer.get("sessionState", {})
    text = json.dumps([answer.get("messages"), state.get("sessionAttributes")])  # what Connect and the caller get
    for secret in ("246810", "4111111111111111", "98101", "Traceback"):
        assert secret not in text, f"{name} echoed {secret!r}"


def _named_refusal(name: str, error: BaseException, allowed: tuple[type[BaseException], ...]) -> None:
    assert isinstance(error, allowed), f"{name}: {type(error).__name__} escaped: {error!s:.200}"
    message = str(error)
    assert "Traceback" not in message
    assert len(message) < 200
    for secret in ("246810", "4111111111111111", "98101"):
        assert secret not in message


@given(data=malformed(_lex("Authenticate", {"CustomerId": "12345678", "Pin": "246810"}, "VoiceLoginBot")))
@HYPOTHESIS
def test_voice_login_fulfillment_answers_lex_or_refuses_by_name(runtime: LocalRuntime, data: Any) -> None:
    """OWASP ASVS 5 V1.2/V16.5 (errors fail safe): a Lex answer Lex accepts, or InternalError (flow error branch)."""
    from lambdas.common.core.errors import InternalError
    from lambdas.voice_login.fulfillment import handler

    answer, error = _run("voice_login_fulfillment", handler, data)
    if error is not None:
        _named_refusal("voice_login_fulfillment", error, (InternalError,))
        return
    _valid_lex_answer("voice_login", answer, data)
    if answer["sessionState"].get("sessionAttributes", {}).get("authOutcome") == "authenticated":
        assert "246810" in json.dumps(data["sessionState"]["intent"]["slots"]["Pin"]), "signed in without the PIN"


@given(data=malformed(_lex("CapturePayment", {"CardNumber": "4111111111111111", "ZipCode": "98101"},
                           "SecureInputBot")))
@HYPOTHESIS
def test_secure_input_capture_answers_lex_or_refuses_by_name(runtime: LocalRuntime, data: Any) -> None:
    """PCI DSS 4.0 req 3.3/6.2.4, ASVS V16.5: never a clear value in the answer; a Lex answer or a named refusal."""
    from lambdas.secure_input.capture import CaptureEventError, handler

    answer, error = _run("secure_input_capture", handler, data)
    if error is not None:
        _named_refusal("secure_input_capture", error, (CaptureEventError,))
        return
    _valid_lex_answer("secure_input", answer, data)


@given(data=malformed(_lex("OrderFood", {"Food": "pizza", "Pin": "123456"}, "OrderingBot", session_id="chat-1",
                           attributes={"email": "demo@example.com", "auth": "false"})))
@HYPOTHESIS
def test_ordering_hook_always_answers_lex(runtime: LocalRuntime, data: Any) -> None:
    """ASVS 5 V16.5: the ordering hook answers every event with a response Lex accepts, never a trace."""
    from lambdas.ordering_bot.hook import handler

    answer, error = _run("ordering_hook", handler, data)
    assert error is None, f"{type(error).__name__} escaped the ordering hook: {error!s:.200}"
    _valid_lex_answer("ordering", answer, data)
    assert answer["sessionState"].get("sessionAttributes", {}).get("auth") != "true"


@given(data=malformed({**load_event("apigw_http_v2_request"), "rawQueryString": ""}))
@HYPOTHESIS
def test_voice_login_api_answers_json_4xx_and_writes_nothing(runtime: LocalRuntime, data: Any) -> None:
    """ASVS 5 V4.1/V16.5: the link API answers a JSON error (4xx; 503 only for an outage), never a trace, and a
    malformed request never adds an authorised user (the recorded grant is not genuine)."""
    from lambdas.voice_login.api import handler

    answer, error = _run("voice_login_api", handler, data)
    assert error is None, f"{type(error).__name__} escaped the API: {error!s:.200}"
    assert 400 <= answer["statusCode"] < 500, answer
    assert answer["headers"]["Content-Type"] == "application/json"
    body = json.loads(answer["body"])
    assert set(body) <= {"error", "fields"}, body
    assert "Traceback" not in answer["body"]


@given(data=malformed({"contactId": CONTACT, "field": "card", "ciphertext": "SI1.AAAA.BBBB", "reason": "dispute",
                       "identityProof": {"headers": {"Authorization": "AWS4-HMAC-SHA256 forged"}, "body": "x"}}))
@HYPOTHESIS
def test_secure_input_decrypt_refuses_in_json_and_never_opens(runtime: LocalRuntime, data: Any) -> None:
    """PCI DSS 4.0 req 3.5/10.2: a malformed or unproven request gets {"ok": false, "error"} and no value."""
    from lambdas.secure_input.decrypt import handler

    answer, error = _run("secure_input_decrypt", handler, data)
    assert error is None, f"{type(error).__name__} escaped decrypt: {error!s:.200}"
    assert answer["ok"] is False
    assert set(answer) == {"ok", "error"}
    assert "Traceback" not in answer["error"]
