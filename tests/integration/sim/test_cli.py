"""The local runtime's command line: exit codes and transcripts a person reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.__main__ import main

REPO = Path(__file__).resolve().parents[3]
CONFORMANCE = REPO / "tests" / "fixtures" / "conformance" / (
    "aws-samples-amazon-connect-encryption_Secure_Lex_Input.json"
)


def test_signin_with_the_heard_code_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["signin"]) == 0
    out = capsys.readouterr().out
    assert "rings; the caller answers" in out
    assert "tokens issued" in out


def test_signin_with_wrong_codes_exits_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["signin", "--otp", "000000", "--otp", "000000", "--otp", "000000"]) == 1
    assert "NotAuthorizedException" in capsys.readouterr().out


def test_signin_after_the_code_expired_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["signin", "--advance", "601"]) == 1  # past any allowed TTL, and past Cognito's session
    assert "expired" in capsys.readouterr().out


def test_signin_for_an_unknown_user_needs_a_password(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["signin", "someone-else"]) == 2
    assert "--password is required" in capsys.readouterr().err


def test_flow_without_a_live_challenge_apologises_and_hangs_up(capsys: pytest.CaptureFixture[str]) -> None:
    flow = REPO / "contact_flows" / "outbound_voice_otp.json"
    assert main(["flow", str(flow), "--press", "1", "--initiation", "API"]) == 0
    out = capsys.readouterr().out
    assert "Sorry, we could not read your code" in out


def test_flow_rejects_a_malformed_attribute(capsys: pytest.CaptureFixture[str]) -> None:
    flow = REPO / "contact_flows" / "outbound_voice_otp.json"
    assert main(["flow", str(flow), "--attr", "no-equals-sign"]) == 2
    error = capsys.readouterr().err
    assert "--attr expects REF=VALUE" in error
    assert len(error.strip().splitlines()) == 1


def test_flow_with_a_lex_v1_block_prints_the_call_so_far_then_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flow", str(CONFORMANCE), "--press", "4111111111111111"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("flow error: block 'd32e87bb-2435-4718-bae5-d758125d5232'")
    assert "Lex V1" in out
    assert "4111111111111111" not in out


def test_demo_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "tokens issued" in out
    assert "Too many failed attempts" in out
    assert "=== demo passed ===" in out
