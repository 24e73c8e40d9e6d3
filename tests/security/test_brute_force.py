"""Brute force against every code- and PIN-checking path, one parametrised suite.

The paths: the voice-OTP code (C2, Cognito Verify trigger), the phone-banking PIN (C1, voice-login bot) and the
ordering bot's SMS code (C4). Each is attacked from the outside, as a caller would: wrong answers until the
lockout, then the right one.

Requirements: NIST SP 800-63B rev 4 §3.2.2 (rate limiting: consecutive failed attempts limited, never more than
100), OWASP ASVS 5 V6.3.1 (brute force and credential stuffing controls), V6.6.3 (out-of-band codes: attempts
limited), PCI DSS 4.0 req 8.3.4 (lock out after not more than 10 invalid attempts, for at least 30 minutes
or until an administrator unlocks).
"""

from __future__ import annotations

import pytest

from lambdas.common.otp.policy import OtpPolicy
from tests.security.targets import CodePath, World, code_paths, other_code

POLICY = OtpPolicy()  # the runtime's limits are the defaults
PATHS = code_paths()
IDS = [path.name for path in PATHS]


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_lockout_after_the_threshold_refuses_even_the_right_secret(world: World, path: CodePath) -> None:
    """NIST SP 800-63B rev 4 §3.2.2, PCI DSS 4.0 req 8.3.4: at most 10 consecutive failures, then locked."""
    who = path.enrol(world)
    assert POLICY.lockout_threshold <= 10
    for _ in range(POLICY.lockout_threshold):
        secret = path.secret(world, who)
        assert path.guess(world, who, other_code(secret)) == "refused"
    assert path.guess(world, who, path.secret(world, who)) == "refused", f"{path.name}: the lockout let it in"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_the_lockout_lasts_at_least_the_configured_time_and_then_lifts(world: World, path: CodePath) -> None:
    """PCI DSS 4.0 req 8.3.4 (locked at least 30 minutes... here ≥ 15, configurable), NIST §3.2.2: it lifts."""
    who = path.enrol(world)
    for _ in range(POLICY.lockout_threshold):
        assert path.guess(world, who, other_code(path.secret(world, who))) == "refused"
    world.rt.clock.advance(POLICY.lockout_seconds - 60)
    assert path.guess(world, who, path.secret(world, who)) == "refused", "lifted before its time"
    world.rt.clock.advance(120)
    assert path.guess(world, who, path.secret(world, who)) == "accepted", "never lifted"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_a_new_code_or_call_does_not_reset_the_failure_count(world: World, path: CodePath) -> None:
    """OWASP ASVS 5 V6.3.1 / NIST §3.2.2: failures count per user across challenges; only success resets them."""
    who = path.enrol(world)
    spacing = POLICY.send_window_seconds // POLICY.send_limit + 1  # new codes inside the send limits
    for failure in range(1, POLICY.lockout_threshold + 1):
        assert path.guess(world, who, other_code(path.secret(world, who))) == "refused"
        if failure % (POLICY.max_attempts - 1) == 0:  # a new code or call before this one is spent
            path.restart(world, who)
            world.rt.clock.advance(spacing)
    assert path.guess(world, who, path.secret(world, who)) == "refused", "fresh codes reset the failure count"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_a_success_resets_the_count_so_the_owner_is_not_locked_by_old_typos(world: World, path: CodePath) -> None:
    """NIST SP 800-63B rev 4 §3.2.2: the limit counts *consecutive* failures."""
    who = path.enrol(world)
    for _ in range(POLICY.lockout_threshold - 1):
        assert path.guess(world, who, other_code(path.secret(world, who))) == "refused"
    assert path.guess(world, who, path.secret(world, who)) == "accepted"
    path.restart(world, who)
    world.rt.clock.advance(POLICY.send_window_seconds)  # the hourly send limit is not what is tested here
    for _ in range(POLICY.lockout_threshold - 1):
        assert path.guess(world, who, other_code(path.secret(world, who))) == "refused"
    assert path.guess(world, who, path.secret(world, who)) == "accepted"


@pytest.mark.parametrize("path", [p for p in PATHS if p.name != "voice_login_pin"],
                         ids=[p.name for p in PATHS if p.name != "voice_login_pin"])
def test_one_code_takes_at_most_max_attempts_answers(world: World, path: CodePath) -> None:
    """OWASP ASVS 5 V6.6.3: an out-of-band code is checked a limited number of times, then is dead."""
    who = path.enrol(world)
    secret = path.secret(world, who)
    for _ in range(POLICY.max_attempts):
        assert path.guess(world, who, other_code(secret)) == "refused"
    # the same code, once more: the challenge is spent (a new one may start, with a new code)
    assert path.guess(world, who, secret) == "refused", f"{path.name}: a code outlived its attempt limit"
