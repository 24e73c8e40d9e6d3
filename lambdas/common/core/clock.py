"""The one clock every OTP and link rule reads, and the one sleep every backoff takes, so the local runtime can
advance time (a throttled retry waits in simulated time there, as the throttle's own clock does)."""

from __future__ import annotations

import time
from collections.abc import Callable

_source: Callable[[], float] = time.time
_sleep: Callable[[float], None] = time.sleep


def now() -> float:
    """Seconds since the epoch, from the installed source (wall clock unless the simulator set one)."""
    return _source()


def sleep(seconds: float) -> None:
    """Wait ``seconds`` on the installed clock (``time.sleep`` unless the simulator set one)."""
    _sleep(seconds)


def set_source(source: Callable[[], float] | None, *, sleep: Callable[[float], None] | None = None) -> None:
    """Install a time source and its sleep (the local runtime's simulated clock); ``None`` restores the wall clock."""
    global _source, _sleep  # noqa: PLW0603 - a process-wide clock is the point of this module
    _source = source or time.time
    _sleep = sleep or time.sleep
