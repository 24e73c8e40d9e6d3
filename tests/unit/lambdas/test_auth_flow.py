"""Define-trigger sequencing: password first, then voice OTP, then tokens; failures and resends."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import ChallengeResult

from lambdas.voice_otp.auth_flow import ChallengeRef, Decision, decide, latest_challenge, wants_resend


def entry(name: str, result: bool, metadata: str | None = None) -> ChallengeResult:
    data: dict[str, Any] = {"challengeName": name, "challengeResult": result}
    if metadata is not None:
        data["challengeMetadata"] = metadata
    return ChallengeResult(data)


PASSWORD_OK = [entry("SRP_A", True), entry("PASSWORD_VERIFIER", True)]
C1 = ChallengeRef("c1", 2_000_000_000).to_metadata()
C2 = ChallengeRef("c2", 2_000_000_000).to_metadata()


def run(session: list[ChallengeResult], *, passwordless: bool = False, max_attempts: int = 3,
        client_metadata: dict[str, str] | None = None) -> Decision:
    return decide(session, passwordless=passwordless, max_attempts=max_attempts, client_metadata=client_metadata)


def test_srp_a_leads_to_password_verifier() -> None:
    assert run([entry("SRP_A", True)]) == Decision(challenge_name="PASSWORD_VERIFIER")


def test_correct_password_leads_to_custom_challenge() -> None:
    assert run(PASSWORD_OK) == Decision(challenge_name="CUSTOM_CHALLENGE")


def test_wrong_password_fails() -> None:
    assert run([entry("SRP_A", True), entry("PASSWORD_VERIFIER", False)]).fail_authentication


def test_empty_session_fails_unless_passwordless() -> None:
    assert run([]).fail_authentication
    assert run([], passwordless=True) == Decision(challenge_name="CUSTOM_CHALLENGE")


@pytest.mark.parametrize("session", [
    [entry("CUSTOM_CHALLENGE", True, C1)],                                   # skipped the password
    [entry("PASSWORD_VERIFIER", True), entry("CUSTOM_CHALLENGE", True, C1)],  # no SRP_A first
    [entry("SRP_A", True), entry("CUSTOM_CHALLENGE", True, C1)],              # password step skipped
    [*PASSWORD_OK, entry("SMS_MFA", True)],                                   # not our challenge type
    [entry("SRP_A", False)],
])
def test_out_of_order_or_foreign_sessions_never_issue_tokens(session: list[ChallengeResult]) -> None:
    decision = run(session)
    assert not decision.issue_tokens
    assert decision.fail_authentication


def test_correct_code_issues_tokens() -> None:
    assert run([*PASSWORD_OK, entry("CUSTOM_CHALLENGE", True, C1)]).issue_tokens


def test_passwordless_correct_code_issues_tokens() -> None:
    assert run([entry("CUSTOM_CHALLENGE", True, C1)], passwordless=True).issue_tokens


def test_wrong_codes_retry_until_the_attempt_limit() -> None:
    two = [*PASSWORD_OK, entry("CUSTOM_CHALLENGE", False, C1), entry("CUSTOM_CHALLENGE", False, C1)]
    assert run(two) == Decision(challenge_name="CUSTOM_CHALLENGE")
    assert run([*two, entry("CUSTOM_CHALLENGE", False, C1)]).fail_authentication


def test_attempt_limit_is_configurable() -> None:
    one = [*PASSWORD_OK, entry("CUSTOM_CHALLENGE", False, C1)]
    assert run(one, max_attempts=1).fail_authentication
    assert not run(one, max_attempts=2).fail_authentication


def test_a_resend_round_is_not_a_failed_attempt() -> None:
    session = [*PASSWORD_OK, *[entry("CUSTOM_CHALLENGE", False, C1)] * 3]
    assert run(session, client_metadata={"resend": "true"}) == Decision(challenge_name="CUSTOM_CHALLENGE")


def test_failures_count_per_challenge_after_a_resend() -> None:
    session = [*PASSWORD_OK, entry("CUSTOM_CHALLENGE", False, C1), entry("CUSTOM_CHALLENGE", False, C1),
               entry("CUSTOM_CHALLENGE", False, C2)]
    assert run(session) == Decision(challenge_name="CUSTOM_CHALLENGE")


def test_challenge_ref_round_trip_and_rejects_foreign_metadata() -> None:
    ref = ChallengeRef("abc-_1", 1_900_000_000)
    assert ChallengeRef.parse(ref.to_metadata()) == ref
    for bad in (None, "", "CODE-123456", "VOICE_OTP:abc", "VOICE_OTP::1", "VOICE_OTP:a:soon", "OTHER:a:1"):
        assert ChallengeRef.parse(bad) is None


def test_latest_challenge_reads_the_last_custom_round() -> None:
    assert latest_challenge(PASSWORD_OK) is None
    session = [*PASSWORD_OK, entry("CUSTOM_CHALLENGE", False, C1), entry("CUSTOM_CHALLENGE", False, C2)]
    assert latest_challenge(session) == ChallengeRef.parse(C2)


@pytest.mark.parametrize(("metadata", "expected"), [
    ({"resend": "true"}, True), ({"resend": "TRUE"}, True), ({"resend": "1"}, False), ({}, False), (None, False),
])
def test_wants_resend(metadata: dict[str, str] | None, expected: bool) -> None:
    assert wants_resend(metadata) is expected
