"""The simulated clock: starts at wall-clock time and moves forward only when the runtime advances it."""

from __future__ import annotations

import time

from lambdas.common.core import clock as lambda_clock


class SimClock:
    """A clock the local runtime advances (``advance``) and installs as the Lambdas' time source."""

    def __init__(self, start: float | None = None, *, real_time: bool = True) -> None:
        self._offset = 0.0
        self._start = time.time() if start is None else start
        self._real_start = time.time()
        self._real_time = real_time  # False: only advances move it (a run that must not depend on the machine)

    def now(self) -> float:
        """Simulated seconds since the epoch: every advance, plus the real time passed unless ``real_time=False``."""
        passed = time.time() - self._real_start if self._real_time else 0.0
        return self._start + passed + self._offset

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass at once."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds

    def install(self) -> None:
        """Make every Lambda in this process read this clock, and sleep on it (a backoff advances it)."""
        lambda_clock.set_source(self.now, sleep=self.advance)

    @staticmethod
    def uninstall() -> None:
        """Give the Lambdas back the wall clock."""
        lambda_clock.set_source(None)
