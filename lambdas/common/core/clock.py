"""The one clock every OTP and link rule reads, so the local runtime can advance time."""

from __future__ import annotations

import time
from collections.abc import Callable

_source: Callable[[], float] = time.time


def now() -> float:
    """Seconds since the epoch, from the installed source (wall clock unless the simulator set one)."""
    return _source()


def set_source(source: Callable[[], float] | None) -> None:
    """Install a time source (the local runtime's simulated clock); ``None`` restores the wall clock."""
    global _source  # noqa: PLW0603 - a process-wide clock is the point of this module
    _source = source or time.time
