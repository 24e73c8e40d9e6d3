"""A bounded load run on the local runtime: Connect's quotas hold, and every user is answered the same way."""

from __future__ import annotations

import pytest

from sim.aws.connect_api import ConnectQuotas
from sim.load import LoadReport, run_load


@pytest.fixture(scope="module")
def report() -> LoadReport:
    return run_load(rate_per_second=5, seconds=3, call_seconds=30)


def test_connect_quotas_bind_and_are_never_exceeded(report: LoadReport) -> None:
    quotas = ConnectQuotas()
    assert report.sign_ins_started == 15
    assert report.peak_active_calls <= quotas.concurrent_calls
    assert report.calls_placed <= quotas.concurrent_calls  # every call lasts 30 s: the run is shorter
    # 15 sign-ins in 3 s against 2 calls/s and 10 concurrent calls: one quota or the other refuses some
    assert report.connect_requests_throttled + report.connect_requests_over_concurrency > 0
    assert report.sign_ins_with_no_call >= report.sign_ins_started - quotas.concurrent_calls


def test_every_sign_in_is_accounted_for_and_placed_calls_complete(report: LoadReport) -> None:
    assert report.sign_ins_started == (report.calls_placed + report.sign_ins_with_no_call
                                       + sum(report.refusals.values()))
    assert report.sign_ins_completed == report.calls_placed
    assert report.refusals == {}  # a refused call answers like a placed one: users see no difference


def test_a_raised_quota_places_more_calls() -> None:
    raised = run_load(rate_per_second=4, seconds=1.5, call_seconds=30,
                      quotas=ConnectQuotas(calls_per_second=10, call_burst=10, concurrent_calls=100))
    assert raised.calls_placed == raised.sign_ins_started == 6
    assert raised.connect_requests_throttled == 0


def test_the_same_run_gives_the_same_report_whatever_the_machine_and_leaves_random_alone(
        report: LoadReport, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the run's steps move its clock (not how long this machine takes), and its jitter is seeded."""
    import itertools
    import random
    import time

    real_time, slowness = time.time, itertools.count(step=0.25)
    monkeypatch.setattr(time, "time", lambda: real_time() + next(slowness))  # a far slower machine
    random.seed(1234)
    expected_next = random.Random(1234).random()
    again = run_load(rate_per_second=5, seconds=3, call_seconds=30)
    assert again.as_dict() == report.as_dict()
    assert random.random() == expected_next  # the caller's random state is given back
