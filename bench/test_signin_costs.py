"""What one voice-OTP sign-in costs: AWS calls per flow, KMS calls per contact, time per sign-in.

Figures are counts (deterministic) or ratios measured in one run; absolute times on a shared machine
are noise. Run with ``make bench``; the counts are also written to the benchmark's ``extra_info``.
"""

from __future__ import annotations

import importlib
from collections import Counter, defaultdict
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


TRIGGERS = ("define", "create", "prompt", "verify")


def _calls_per_function(monkeypatch: pytest.MonkeyPatch, *, cold: bool) -> dict[str, Counter[str]]:
    """AWS calls made by each function; ``cold``: every invocation lands on a fresh container (no caches)."""
    from lambdas.common.core import aws, caches

    running = ["(none)"]
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    original = aws.client

    def counting(service: str) -> Any:
        client = original(service)
        if not getattr(client, "_per_function_counted", False):
            client.meta.events.register(
                "before-call.*.*", lambda model, **_: counts[running[0]].update([f"{service}:{model.name}"]))
            client._per_function_counted = True
        return client

    monkeypatch.setattr(aws, "client", counting)
    for name in TRIGGERS:
        module = importlib.import_module(f"lambdas.voice_otp.{name}")

        def invoke(event: Any, context: Any, _handler: Any = module.handler, _name: str = name) -> Any:
            running[0] = _name
            if cold:
                caches.reset_all()  # a new container: no clients, settings or secrets cached
            try:
                return _handler(event, context)
            finally:
                running[0] = "(none)"

        monkeypatch.setattr(module, "handler", invoke)
    return counts


# Per function, per sign-in: define makes none; create reads and writes the OTP table once each, places the
# call, encrypts and stores the contact's copy; the prompt counts the reveal and decrypts; verify reads once
# and writes once. A cold container of a function that hashes (create, verify) also fetches the HMAC secret.
WARM = {"create": {"dynamodb:TransactGetItems": 1, "dynamodb:TransactWriteItems": 1,
                   "connect:StartOutboundVoiceContact": 1, "kms:Encrypt": 1, "dynamodb:PutItem": 1},
        "prompt": {"dynamodb:UpdateItem": 1, "kms:Decrypt": 1},
        "verify": {"dynamodb:TransactGetItems": 1, "dynamodb:TransactWriteItems": 1}}
COLD_EXTRA = {"create": {"secretsmanager:GetSecretValue": 1}, "verify": {"secretsmanager:GetSecretValue": 1}}


@pytest.mark.parametrize("cold", [False, True], ids=["warm", "cold"])
def test_aws_calls_per_signin_per_function(runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch,
                                           cold: bool) -> None:
    """Calls per function for one sign-in with warm containers, and with every container cold."""
    counts = _calls_per_function(monkeypatch, cold=cold)
    _sign_in(runtime)  # warms the clients and the cached secret (in warm mode)
    runtime.clock.advance(31)
    counts.clear()
    _sign_in(runtime)
    expected = {fn: Counter(calls) + Counter(COLD_EXTRA.get(fn, {}) if cold else {}) for fn, calls in WARM.items()}
    assert dict(counts) == expected
    total = sum(sum(c.values()) for c in counts.values())
    print(f"\nAWS calls per {'cold' if cold else 'warm'} sign-in: {total}",
          {fn: dict(c) for fn, c in sorted(counts.items())})
    assert total == (11 if cold else 9)


def test_signin_wall_time(benchmark: Any, runtime: LocalRuntime) -> None:
    """Time for a whole sign-in on the local runtime (moto over loopback): a regression signal only."""
    def one() -> None:
        runtime.clock.advance(3600)  # a fresh send window each round: the send limits are not what is timed
        _sign_in(runtime)

    benchmark.pedantic(one, rounds=3, iterations=1, warmup_rounds=1)
