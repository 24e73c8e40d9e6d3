"""Toll fraud, SMS pumping and harassment: every path that calls or texts is limited per user, per destination
number and deployment-wide, and the limits hold however the requests are spread.

Requirements: OWASP ASVS 5 V2.4.1 (anti-automation: business-logic rate limits), V6.6.x (out-of-band resends
limited); NIST SP 800-63B rev 4 §3.1.3.3 (out-of-band: rate limiting); the OWASP SMS-pumping guidance (per-number
and global caps). Limits: the shared OTP policy (5 per hour, 10 per day per user and per number, 30-a-minute
bucket for the deployment; lambdas/common/otp/policy.py).
"""

from __future__ import annotations

import time

import pytest

from lambdas.common.otp.policy import OtpPolicy
from tests.security.targets import SendPath, World, send_paths

POLICY = OtpPolicy()
PATHS = send_paths()
IDS = [p.name for p in PATHS]


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_one_user_is_limited_per_hour(world: World, path: SendPath) -> None:
    """ASVS 5 V2.4.1 / NIST §3.1.3.3: however patiently one user asks, at most ``send_limit`` sends an hour."""
    who = path.enrol(world)
    for _ in range(POLICY.send_limit + 3):
        path.request(world, who)
        world.past_cooldown()
    assert path.delivered(world, who.phone_number) == POLICY.send_limit


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_the_cooldown_sends_nothing_new_however_often_asked(world: World, path: SendPath) -> None:
    """OWASP SMS pumping: repeated asks inside the resend cooldown send once."""
    who = path.enrol(world)
    for _ in range(5):
        path.request(world, who)
    assert path.delivered(world, who.phone_number) == 1


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_one_destination_number_is_limited_across_many_users(world: World, path: SendPath) -> None:
    """OWASP SMS pumping (per-destination cap): many accounts sharing one number cannot pump it."""
    number = world.number()
    for _ in range(POLICY.send_limit + 3):
        path.request(world, path.enrol(world, number=number))
        world.past_cooldown()
    assert path.delivered(world, number) == POLICY.send_limit


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_the_deployment_wide_budget_holds_across_distinct_users_and_numbers(world: World, path: SendPath) -> None:
    """OWASP SMS pumping (global cap): distinct users and numbers, all in one minute, cannot pass the bucket."""
    world.rt.clock.advance(3_600)  # a full bucket
    people = [path.enrol(world) for _ in range(POLICY.global_send_burst + 8)]
    started = time.monotonic()
    for who in people:
        path.request(world, who)
    elapsed = time.monotonic() - started  # the simulated clock moves with real time too: the bucket refills
    sent = sum(path.delivered(world, who.phone_number) for who in people)
    allowed = POLICY.global_send_burst + int(elapsed * POLICY.global_sends_per_minute / 60) + 1
    assert sent <= allowed, f"{sent} sends in {elapsed:.1f} s; the budget allows {allowed}"
    assert sent < len(people)
