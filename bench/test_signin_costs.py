"""What one voice-OTP sign-in costs: AWS calls per flow, KMS calls per contact, time per sign-in.

Figures are counts (deterministic) or ratios measured in one run; absolute times on a shared machine
are noise. Run with ``make bench``; the counts are also written to the benchmark's ``extra_info``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sim.local_runtime import LocalRuntime
from tests.aws_calls import count_aws_calls


@pytest.fixture
def runtime() -> Iterator[LocalRuntime]:
    with LocalRuntime() as rt:
        yield rt


def _sign_in(rt: LocalRuntime) -> dict[str, Any]:
    driver = rt.cognito()
    result = driver.initiate_auth(rt.demo_user.username, rt.demo_user.password)
    phone = rt.phone(rt.demo_user.phone_number)
    phone.will_press(["1", None])  # the caller asks to hear the code again once
    [rung] = rt.ring_pending_calls()
    assert rung.call is not None
    code = rung.call.digits_heard()[0]
    assert result.session is not None
    final = driver.respond_to_auth_challenge(result.session, code)
    assert final.tokens is not None
    return final.tokens


def test_aws_calls_per_signin(benchmark: Any, runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lambda-side AWS calls for one warm sign-in (password + voice OTP + one replay of the code)."""
    calls = count_aws_calls(monkeypatch)
    _sign_in(runtime)  # warm: cached secret, clients
    runtime.clock.advance(31)
    calls.clear()

    def one() -> None:
        runtime.clock.advance(31)  # past the resend cooldown each round
        _sign_in(runtime)

    benchmark.pedantic(one, rounds=1, iterations=1)
    kms = sum(v for k, v in calls.items() if k.startswith("kms:"))
    benchmark.extra_info.update({"calls": dict(calls), "kms_calls_per_contact": kms,
                                 "total_aws_calls": sum(calls.values())})
    print("\nAWS calls per warm sign-in:", dict(sorted(calls.items())), "| KMS per contact:", kms)
    assert calls["kms:Encrypt"] == 1   # create: the encrypted copy for the prompt
    assert calls["kms:Decrypt"] == 1   # prompt: once per contact, even when the caller replays the code
    assert calls["connect:StartOutboundVoiceContact"] == 1
    assert calls["dynamodb:TransactWriteItems"] == 2  # one to issue, one to verify (1 read + 1 write each)
    assert calls["dynamodb:PutItem"] == 1             # the code copy sealed for the one outbound contact
    assert calls["dynamodb:UpdateItem"] == 1          # the prompt's one conditional read-and-count
    assert sum(calls.values()) == 9


def test_signin_wall_time(benchmark: Any, runtime: LocalRuntime) -> None:
    """Time for a whole sign-in on the local runtime (moto over loopback): a regression signal only."""
    def one() -> None:
        runtime.clock.advance(3600)  # a fresh send window each round: the send limits are not what is timed
        _sign_in(runtime)

    benchmark.pedantic(one, rounds=3, iterations=1, warmup_rounds=1)
