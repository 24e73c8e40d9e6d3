"""The simulated contact centre behind the flows: queues, their hours of operation, agents and metrics.

Flows name queues by ARN, id or name. The centre answers for any queue a flow names (one it was configured
with, else a default-shaped queue under that reference), so a flow exported from another instance runs as
written; ``strict=True`` makes an unknown queue an error, as a wrong ARN is in Connect.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_INSTANCE = "arn:aws:connect:us-east-1:123456789012:instance/00000000-0000-4000-8000-000000000000"


class CentreConfigError(ValueError):
    """A queue or hours-of-operation setting that cannot be used (names the setting)."""


@dataclass(frozen=True)
class HoursOfOperation:
    """Opening windows per weekday (``{"MONDAY": (("09:00", "17:00"),)}``) in a time zone; none given is 24/7."""

    name: str = "Basic Hours"
    time_zone: str = "UTC"
    windows: Mapping[str, tuple[tuple[str, str], ...]] | None = None

    @classmethod
    def parse(cls, spec: str, *, name: str = "Hours", time_zone: str = "UTC") -> HoursOfOperation:
        """``"24/7"``, ``"closed"``, or ``"MON-FRI 09:00-17:00, SAT 10:00-14:00"``."""
        text = spec.strip()
        _zone(time_zone)
        if text.lower() in {"24/7", "always", "open"}:
            return cls(name, time_zone, None)
        if text.lower() == "closed":
            return cls(name, time_zone, {})
        windows: dict[str, list[tuple[str, str]]] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            days, _, span = part.partition(" ")
            start, _, end = span.strip().partition("-")
            for day in _days(days):
                windows.setdefault(day, []).append((_hhmm(start, spec), _hhmm(end, spec)))
        return cls(name, time_zone, {day: tuple(spans) for day, spans in windows.items()})

    def is_open(self, at: float) -> bool:
        """Whether the hours are open at ``at`` (seconds since the epoch)."""
        if self.windows is None:
            return True
        local = datetime.datetime.fromtimestamp(at, _zone(self.time_zone))
        now = local.strftime("%H:%M")
        return any(start <= now < end for start, end in self.windows.get(WEEKDAYS[local.weekday()], ()))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CentreConfigError(f"unknown time zone {name!r}") from None


def _days(text: str) -> list[str]:
    """``MON-FRI`` or ``SAT`` as weekday names."""
    short = [d[:3] for d in WEEKDAYS]
    first, _, last = text.upper().partition("-")
    if first[:3] not in short or (last and last[:3] not in short):
        raise CentreConfigError(f"hours: {text!r} is not a weekday or a MON-FRI range")
    i, j = short.index(first[:3]), short.index((last or first)[:3])
    return [WEEKDAYS[k % 7] for k in range(i, j + 1 if j >= i else j + 8)]


def _hhmm(text: str, spec: str) -> str:
    try:
        return datetime.datetime.strptime(text.strip(), "%H:%M").strftime("%H:%M")
    except ValueError:
        if text.strip() == "24:00":
            return "24:00"
        raise CentreConfigError(f"hours {spec!r}: {text.strip()!r} is not HH:MM") from None


@dataclass(frozen=True)
class Queue:
    """One queue: its hours, its agents, how many contacts wait in it, and whether an agent answers."""

    name: str
    arn: str
    hours: HoursOfOperation = field(default_factory=HoursOfOperation)
    agents_staffed: int = 1
    agents_available: int = 1
    agents_online: int = 1
    contacts_in_queue: int = 0
    capacity: int | None = None
    agent_answers: bool = True
    outbound_caller_id: str = "+15550100199"

    @property
    def at_capacity(self) -> bool:
        """True when the queue cannot take another contact."""
        return self.capacity is not None and self.contacts_in_queue >= self.capacity

    def flow_data(self) -> dict[str, Any]:
        """What ``$.Queue`` reads."""
        return {"ARN": self.arn, "Name": self.name, "OutboundCallerId": {"Address": self.outbound_caller_id}}

    def metrics(self) -> dict[str, Any]:
        """What ``$.Metrics`` reads after GetMetricData for this queue."""
        return {
            "Agents": {
                "Online": {"Count": self.agents_online},
                "Available": {"Count": self.agents_available},
                "Staffed": {"Count": self.agents_staffed},
                "AfterContactWork": {"Count": 0},
                "Busy": {"Count": max(self.agents_staffed - self.agents_available, 0)},
                "Missed": {"Count": 0},
                "NonProductive": {"Count": 0},
            },
            "Queue": {"Name": self.name, "ARN": self.arn, "Size": self.contacts_in_queue, "OldestContactAge": 0},
        }


@dataclass(frozen=True)
class ContactCentre:
    """The queues flows can use; ``clock`` (seconds since the epoch) decides whether hours are open."""

    queues: Mapping[str, Queue] = field(default_factory=dict)
    default: Queue = field(default_factory=lambda: Queue("BasicQueue", f"{_INSTANCE}/queue/basic-queue"))
    hours_of_operation: Mapping[str, HoursOfOperation] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    strict: bool = False
    agent_answers_after: int = 2  # queue-flow interruptions (MessageParticipantIteratively) before an agent answers

    def queue(self, reference: str) -> Queue | None:
        """The queue a flow names (ARN, id at the end of an ARN, or name); ``None`` when empty (or unknown, strict)."""
        reference = reference.strip()
        if not reference:
            return None
        tail = reference.rsplit("/", 1)[-1]
        for key in (reference, tail):
            if key in self.queues:
                return self.queues[key]
        found = next((q for q in self.queues.values() if reference in {q.name, q.arn}), None)
        if found is not None or self.strict:
            return found
        arn = reference if reference.startswith("arn:") else f"{_INSTANCE}/queue/{tail}"
        return replace(self.default, name=tail, arn=arn)

    def hours(self, reference: str) -> HoursOfOperation:
        """The hours a flow names by ARN, id or name; the default queue's hours for any other."""
        tail = reference.rsplit("/", 1)[-1]
        for key in (reference, tail):
            if key in self.hours_of_operation:
                return self.hours_of_operation[key]
        return self.default.hours

    def open(self, hours: HoursOfOperation) -> bool:
        """Whether ``hours`` are open now."""
        return hours.is_open(self.clock())
