"""Transcript events a conversation adds to the flow's own: the phone's SMS and calls, the clock, errors."""

from __future__ import annotations

from dataclasses import dataclass

from sim.connect import Event

_PHONE, _NOTE = "PHONE  <", "       ·"


@dataclass(frozen=True)
class SmsReceived(Event):
    """An SMS arrived on the caller's phone."""

    sender: str
    body: str

    def line(self) -> str:
        """One transcript line."""
        return f"{_PHONE} SMS from {self.sender}: {self.body}"


@dataclass(frozen=True)
class CallReceived(Event):
    """The caller's phone answered a call (the runtime's outbound flow): what it heard and pressed."""

    caller_id: str
    heard: str
    pressed: tuple[str, ...] = ()

    def line(self) -> str:
        """One transcript line."""
        keys = f" (pressed {', '.join(self.pressed)})" if self.pressed else ""
        return f"{_PHONE} call from {self.caller_id}: {self.heard!r}{keys}"


@dataclass(frozen=True)
class ClockAdvanced(Event):
    """Simulated time passed."""

    seconds: float

    def line(self) -> str:
        """One transcript line."""
        return f"{_NOTE} {self.seconds:g} s pass"


@dataclass(frozen=True)
class ErrorRaised(Event):
    """The flow stopped with an error, or a chat turn failed (errors name blocks and fields, not values)."""

    error: str

    def line(self) -> str:
        """One transcript line."""
        return f"{_NOTE} error: {self.error}"


@dataclass(frozen=True)
class CallerHungUp(Event):
    """The caller hung up (interactive calls)."""

    def line(self) -> str:
        """One transcript line."""
        return f"{_NOTE} the caller hung up"


@dataclass(frozen=True)
class LinkOpened(Event):
    """The caller opened the link in an SMS: what the page showed, and after submitting the form."""

    shown: str
    submitted: str | None = None

    def line(self) -> str:
        """One transcript line."""
        after = f"; submitted: {self.submitted}" if self.submitted is not None else ""
        return f"{_PHONE} opens the link: {self.shown}{after}"
