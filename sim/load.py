"""A bounded load run on the local runtime: sign-ins arrive at a fixed rate for a span of simulated time.

What it shows is which quota binds first and how the system behaves there: Connect's API rate (2 calls/s,
burst 5) and its concurrent active calls per instance (10: each code call stays up about ``call_seconds``),
and this deployment's own send budget. The Create trigger retries Connect throttling inside its 5-second
budget; a call that still fails answers the user exactly like a placed one and is refunded.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from sim.aws.connect_api import ConnectQuotas
from sim.aws.resources import DemoUser, seed_user
from sim.clock import SimClock
from sim.cognito.driver import CognitoError
from sim.local_runtime import LocalRuntime


@dataclass
class LoadReport:
    """What a load run did, in counts."""

    rate_per_second: float
    simulated_seconds: float
    call_seconds: float
    quotas: dict[str, float]
    sign_ins_started: int = 0
    calls_placed: int = 0
    connect_requests: int = 0
    connect_requests_throttled: int = 0
    connect_requests_over_concurrency: int = 0
    calls_retried: int = 0
    sign_ins_with_no_call: int = 0
    sign_ins_completed: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
    peak_active_calls: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        data = asdict(self)
        data["refusals"] = dict(self.refusals)
        return data


def run_load(*, rate_per_second: float = 20.0, seconds: float = 30.0, call_seconds: float = 30.0,
             quotas: ConnectQuotas | None = None, otp: dict[str, int] | None = None, seed: int = 0) -> LoadReport:
    """Start ``rate_per_second`` sign-ins (one distinct user and number each) for ``seconds`` simulated seconds.

    The same arguments give the same report on any machine: only the run's steps move the simulated clock, and
    the Lambdas' jittered backoff draws from ``random`` seeded with ``seed`` (the caller's state is restored).
    """
    state = random.getstate()
    try:
        return _run_load(rate_per_second, seconds, call_seconds, quotas, otp=otp, seed=seed)
    finally:
        random.setstate(state)


def _run_load(rate_per_second: float, seconds: float, call_seconds: float, quotas: ConnectQuotas | None,
              *, otp: dict[str, int] | None, seed: int) -> LoadReport:
    quotas = quotas or ConnectQuotas()
    report = LoadReport(rate_per_second, seconds, call_seconds, asdict(quotas))
    total = int(rate_per_second * seconds)
    step = 1.0 / rate_per_second
    with LocalRuntime(connect_quotas=quotas, otp=otp, clock=SimClock(real_time=False)) as runtime:
        users = [DemoUser(username=f"load{n:05d}", phone_number=f"+1555{n:07d}") for n in range(total)]
        for user in users:
            seed_user(runtime.resources, user)
            runtime.phone(user.phone_number)
        hang_up_at: dict[str, float] = {}
        driver = runtime.cognito()
        random.seed(seed)  # after the set-up, whose draws depend on what this process loaded before
        for user in users:
            now = runtime.clock.now()
            for contact_id, end in list(hang_up_at.items()):
                if end <= now:
                    runtime.connect.end(contact_id)
                    del hang_up_at[contact_id]
            report.sign_ins_started += 1
            placed_before = len(runtime.connect.accepted)
            try:
                result = driver.initiate_auth(user.username, user.password)
            except CognitoError as exc:
                report.refusals[exc.message] += 1
                runtime.clock.advance(step)
                continue
            rung = runtime.ring_pending_calls()
            if len(runtime.connect.accepted) == placed_before:
                report.sign_ins_with_no_call += 1
            for call in rung:  # the person stays on the line while the code is read (twice) and repeated
                runtime.connect.active.add(call.request.contact_id)
                hang_up_at[call.request.contact_id] = runtime.clock.now() + call_seconds
            report.peak_active_calls = max(report.peak_active_calls, len(runtime.connect.active))
            heard = [code for call in rung if call.call for code in call.call.digits_heard()[:1]]
            session = result.session
            if heard and session is not None and driver.respond_to_auth_challenge(session, heard[0]).tokens:
                report.sign_ins_completed += 1
            runtime.clock.advance(step)
        report.calls_placed = len(runtime.connect.accepted)
        report.connect_requests_throttled = runtime.connect.refused["ThrottlingException"]
        report.connect_requests_over_concurrency = runtime.connect.refused["LimitExceededException"]
        report.connect_requests = runtime.connect.requests
        # every sign-in here is a new user (no cooldown reuse), so each one not refused asked Connect at least once
        report.calls_retried = report.connect_requests - (report.calls_placed + report.sign_ins_with_no_call)
    return report
