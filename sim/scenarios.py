"""Scenarios played on the local runtime, each writing a readable transcript."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.cognito.driver import CognitoError
from sim.local_runtime import LocalRuntime

Say = Callable[[str], None]


@dataclass
class SigninOutcome:
    """How a sign-in ended."""

    tokens: dict[str, Any] | None = None
    error: CognitoError | None = None
    codes_heard: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tokens were issued."""
        return self.tokens is not None


def _report_calls(runtime: LocalRuntime, say: Say) -> list[str]:
    heard: list[str] = []
    for rung in runtime.ring_pending_calls():
        if rung.call is None:
            say(f"  [connect] outbound call to {rung.request.destination} rang out (no such phone)")
            continue
        say(f"  [phone {rung.call.caller_id} → {rung.request.destination}] rings; the caller answers")
        for kind, text in rung.call.events:
            say(f"  [phone] hears: \"{text}\"" if kind == "hears" else f"  [phone] presses {text}")
        say("  [phone] call ends")
        codes = rung.call.digits_heard()
        heard.extend(codes[:1])
    return heard


def signin(runtime: LocalRuntime, *, username: str, password: str | None, codes: Sequence[str] | None = None,
           advance: float = 0.0, say: Say = print, replay_once: bool = False) -> SigninOutcome:
    """Sign in with password then voice OTP; answer with ``codes`` in turn, or with what the phone heard."""
    outcome = SigninOutcome()
    driver = runtime.cognito()
    pending = list(codes or [])
    phone = runtime.phones.get(runtime.demo_user.phone_number)
    if replay_once and phone is not None:
        phone.will_press(["1", None])
    say(f"[app] {username} signs in " + ("with a password" if password is not None else "without a password"))
    try:
        result = driver.initiate_auth(username, password)
        while result.tokens is None:
            heard = _report_calls(runtime, say)
            outcome.codes_heard.extend(heard)
            params = result.challenge_parameters
            say(f"[app] \"Enter the code we are reading to you by phone at {params.get('destination', '?')}\"")
            if advance:
                runtime.clock.advance(advance)
                say(f"[clock] {advance:g} s pass")
            if pending:
                answer = pending.pop(0)
            elif outcome.codes_heard:
                answer = outcome.codes_heard[-1]
            else:
                say("[app] no code to enter: the phone heard none")
                return outcome
            say(f"[app] {username} types {answer}")
            assert result.session is not None
            result = driver.respond_to_auth_challenge(result.session, answer)
            if result.tokens is None:
                say("[cognito] wrong code: the same challenge is asked again")
    except CognitoError as exc:
        outcome.error = exc
        say(f"[cognito] {exc.code}: {exc.message}")
        return outcome
    outcome.tokens = result.tokens
    say(f"[cognito] signed in: tokens issued ({', '.join(sorted(result.tokens))})")
    return outcome


def lockout_demo(runtime: LocalRuntime, *, say: Say = print) -> list[SigninOutcome]:
    """Wrong codes across sign-ins until the per-user failure counter locks the account."""
    from lambdas.common.otp.settings import otp_policy

    user = runtime.demo_user
    outcomes = []
    policy = otp_policy()  # the limits the handlers in this runtime enforce
    rounds = -(-policy.lockout_threshold // policy.max_attempts) + 1
    for n in range(1, rounds + 1):
        say(f"\n--- sign-in {n}: wrong codes ---")
        wrong = ["0" * policy.length] * policy.max_attempts
        outcomes.append(signin(runtime, username=user.username, password=user.password, codes=wrong, say=say))
        runtime.clock.advance(policy.resend_cooldown_seconds + 1)
        say(f"[clock] {policy.resend_cooldown_seconds + 1} s pass (past the resend cooldown)")
    say("\n--- the right password once more, while locked: no call is placed ---")
    outcomes.append(signin(runtime, username=user.username, password=user.password, say=say))
    return outcomes
