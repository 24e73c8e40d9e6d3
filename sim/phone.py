"""The caller's phone: rings for outbound calls (the flow runs in the interpreter), receives SMS."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from sim.connect import InputRequest, ssml_to_text


@dataclass
class Sms:
    """A text message that arrived."""

    sender: str
    body: str
    at: float

    @property
    def links(self) -> list[str]:
        """URLs in the body, in order."""
        return re.findall(r"https?://\S+", self.body)


@dataclass
class Call:
    """An outbound call the phone answered: what it heard, as plain words, and what it pressed."""

    caller_id: str
    contact_id: str
    at: float
    events: list[tuple[str, str]] = field(default_factory=list)  # ("hears" | "presses", text), in order

    @property
    def heard(self) -> list[str]:
        """What the system said, in order."""
        return [text for kind, text in self.events if kind == "hears"]

    @property
    def pressed(self) -> list[str]:
        """The keys pressed, in order."""
        return [text for kind, text in self.events if kind == "presses"]

    @property
    def words(self) -> str:
        """Everything heard on the call, joined."""
        return " ".join(self.heard)

    def digits_heard(self, length: int = 6) -> list[str]:
        """Runs of ``length`` spoken single digits (how a person hears a code read digit by digit)."""
        found = re.findall(rf"(?<!\d)(?:\d[\s,.]*){{{length}}}(?!\d)", self.words)
        return [re.sub(r"\D", "", run) for run in found]


class Phone:
    """A phone with a number; implements ``sim.connect.Participant`` for calls it answers."""

    def __init__(self, number: str, *, voicemail: bool = False) -> None:
        self.number = number
        self.voicemail = voicemail  # calls are answered by a voicemail box: it hears, and never presses a key
        self.sms: list[Sms] = []
        self.calls: list[Call] = []
        self._keys: deque[str | None] = deque()
        self._current: Call | None = None

    # -- what the runtime does to the phone ------------------------------------------------
    def receive_sms(self, sender: str, body: str, at: float) -> None:
        """An SMS arrives."""
        self.sms.append(Sms(sender=sender, body=body, at=at))

    def will_press(self, keys: Iterable[str | None]) -> None:
        """Queue the answers for the next prompts (digits, or None to stay silent)."""
        self._keys.extend(keys)

    def will_press_first(self, keys: str) -> None:
        """Answer the very next prompt with ``keys``, before anything already queued."""
        self._keys.appendleft(keys)

    def answer(self, caller_id: str, contact_id: str, at: float) -> Call:
        """Pick up an outbound call; later ``hear``/``respond`` calls belong to it."""
        self._current = Call(caller_id=caller_id, contact_id=contact_id, at=at)
        self.calls.append(self._current)
        return self._current

    def hang_up(self) -> None:
        """The call ended; unused queued key presses are dropped."""
        self._current = None
        self._keys.clear()

    # -- sim.connect.Participant ---------------------------------------------------------------
    def hear(self, text: str, *, ssml: bool) -> None:
        """Record what the system said, as the words a person hears."""
        if self._current is not None:
            self._current.events.append(("hears", ssml_to_text(text) if ssml else text))

    def respond(self, request: InputRequest) -> str | None:
        """Press the next queued keys, or stay silent (a voicemail box always does)."""
        keys = self._keys.popleft() if self._keys and not self.voicemail else None
        if keys is not None and self._current is not None:
            self._current.events.append(("presses", keys))
        return keys

    @property
    def last_call(self) -> Call | None:
        """The most recent call answered."""
        return self.calls[-1] if self.calls else None
