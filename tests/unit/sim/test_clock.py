"""The simulated clock: the Lambdas read it and sleep on it, and a Lambda context's budget runs on it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from lambdas.common.core import clock
from sim.clock import SimClock
from sim.fakes import FakeLambdaContext


@pytest.fixture
def installed() -> Iterator[SimClock]:
    simulated = SimClock(start=1_000_000.0)
    simulated.install()
    yield simulated
    SimClock.uninstall()


def test_a_lambda_backoff_advances_the_simulated_clock_instead_of_waiting(installed: SimClock) -> None:
    before_sim, before_real = clock.now(), time.monotonic()
    clock.sleep(30)
    assert clock.now() - before_sim >= 30
    assert time.monotonic() - before_real < 5  # no real wait


def test_the_context_budget_is_spent_by_a_simulated_wait(installed: SimClock) -> None:
    context = FakeLambdaContext("fn", timeout_seconds=5)
    assert 4_000 < context.get_remaining_time_in_millis() <= 5_000
    clock.sleep(3)
    assert 1_000 < context.get_remaining_time_in_millis() <= 2_000
    clock.sleep(3)
    assert context.get_remaining_time_in_millis() == 0


def test_uninstalling_gives_back_real_time_and_real_sleep(installed: SimClock) -> None:
    installed.advance(3_600)
    SimClock.uninstall()
    assert abs(clock.now() - time.time()) < 5
    started = time.monotonic()
    clock.sleep(0.05)
    assert time.monotonic() - started >= 0.05


def test_the_simulated_clock_never_runs_backwards(installed: SimClock) -> None:
    with pytest.raises(ValueError, match="only moves forward"):
        clock.sleep(-1)


def test_a_clock_off_real_time_moves_only_when_advanced(monkeypatch: pytest.MonkeyPatch) -> None:
    real = [1_700_000_000.0]
    monkeypatch.setattr(time, "time", lambda: real[0])
    following, frozen = SimClock(start=1_000.0), SimClock(start=1_000.0, real_time=False)
    real[0] += 42  # the machine took 42 s
    assert following.now() == 1_042.0
    assert frozen.now() == 1_000.0
    frozen.advance(5)
    assert frozen.now() == 1_005.0
