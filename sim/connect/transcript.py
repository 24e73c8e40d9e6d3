"""The call transcript: typed events in order, with a readable ``render()``.

Events never carry Lambda response values, Lex slot values or clear encrypted input: only what a
contact-centre log may hold (what was said to the caller, keys, states, block identifiers).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

_SYSTEM, _CALLER, _FLOW = "SYSTEM >", "CALLER <", "       ·"


@dataclass(frozen=True)
class RecordingState:
    """Which participants are recorded, whether the IVR leg is recorded, whether analytics run."""

    recorded_participants: tuple[str, ...] = ()
    ivr_recording: bool = False
    analytics: bool = False

    @property
    def recording(self) -> bool:
        """Anything of the call is being recorded."""
        return bool(self.recorded_participants) or self.ivr_recording

    def describe(self) -> str:
        """``recording off, analytics off`` or ``recording Agent+Customer, IVR on, analytics on``."""
        who = "+".join(self.recorded_participants) or "off"
        ivr = ", IVR on" if self.ivr_recording else ""
        return f"recording {who}{ivr}, analytics {'on' if self.analytics else 'off'}"


@dataclass(frozen=True)
class Event:
    """Something that happened in a block."""

    block_id: str

    def line(self) -> str:
        """One transcript line."""
        return f"{_FLOW} {type(self).__name__}"


@dataclass(frozen=True)
class SystemSaid(Event):
    """The system spoke: ``text`` as sent (text or SSML), ``heard`` as plain words; ``source`` flow or lex."""

    text: str
    ssml: bool
    heard: str
    source: str = "flow"

    def line(self) -> str:
        """One transcript line."""
        who = "BOT    >" if self.source == "lex" else _SYSTEM
        return f"{who} {self.heard}"


@dataclass(frozen=True)
class ParticipantPressed(Event):
    """The caller pressed keys (``masked`` when the input is encrypted: the digits are not kept)."""

    digits: str
    masked: bool = False

    def line(self) -> str:
        """One transcript line."""
        return f"{_CALLER} pressed {self.digits}" + (" (encrypted input)" if self.masked else "")


@dataclass(frozen=True)
class ParticipantSaid(Event):
    """The caller spoke (to a Lex bot)."""

    text: str

    def line(self) -> str:
        """One transcript line."""
        return f"{_CALLER} said {self.text!r}"


@dataclass(frozen=True)
class ParticipantSilent(Event):
    """The caller gave no input before the time limit."""

    def line(self) -> str:
        """One transcript line."""
        return f"{_CALLER} (silence)"


@dataclass(frozen=True)
class AttributeSet(Event):
    """A contact attribute was set."""

    key: str
    value: str

    def line(self) -> str:
        """One transcript line."""
        return f"{_FLOW} attribute {self.key} = {self.value!r}"


@dataclass(frozen=True)
class InputStored(Event):
    """``$.StoredCustomerInput`` was set; ``value`` is the ciphertext when ``encrypted``."""

    value: str
    encrypted: bool

    def line(self) -> str:
        """One transcript line."""
        if self.encrypted:
            return f"{_FLOW} stored customer input (encrypted, {len(self.value)} chars)"
        return f"{_FLOW} stored customer input {self.value!r}"


@dataclass(frozen=True)
class LambdaInvoked(Event):
    """A Lambda ran: its ARN, the outcome (ok, error, timeout, invalid-response) and response KEYS only."""

    function_arn: str
    outcome: str
    response_keys: tuple[str, ...] = ()
    logging_enabled: bool = False
    error_type: str | None = None

    def line(self) -> str:
        """One transcript line."""
        name = self.function_arn.split(":function:")[-1]
        detail = f"keys [{', '.join(self.response_keys)}]" if self.outcome == "ok" else self.error_type
        logging = "on" if self.logging_enabled else "off"
        return f"{_FLOW} lambda {name}: {self.outcome}, {detail} (flow logging {logging})"


@dataclass(frozen=True)
class LexTurn(Event):
    """One Lex turn: the dialog action and intent state that came back (no slot values)."""

    bot_alias_arn: str
    input_mode: str
    dialog_action: str
    intent_name: str | None
    intent_state: str | None

    def line(self) -> str:
        """One transcript line."""
        intent = f"intent {self.intent_name} ({self.intent_state})"
        return f"{_FLOW} lex {self.input_mode}: {self.dialog_action}, {intent}"


@dataclass(frozen=True)
class FlowTransferred(Event):
    """TransferToFlow moved the contact to another flow."""

    from_flow: str
    to_flow: str

    def line(self) -> str:
        """One transcript line."""
        return f"{_FLOW} transferred from flow {self.from_flow!r} to {self.to_flow!r}"


@dataclass(frozen=True)
class LoggingChanged(Event):
    """Flow logging was switched on or off."""

    enabled: bool

    def line(self) -> str:
        """One transcript line."""
        return f"{_FLOW} flow logging {'enabled' if self.enabled else 'disabled'}"


@dataclass(frozen=True)
class RecordingChanged(Event):
    """Recording and analytics behaviour was set."""

    state: RecordingState

    def line(self) -> str:
        """One transcript line."""
        return f"{_FLOW} {self.state.describe()}"


@dataclass(frozen=True)
class VoiceSet(Event):
    """The text-to-speech voice changed."""

    voice: str
    engine: str | None

    def line(self) -> str:
        """One transcript line."""
        return f"{_FLOW} voice {self.voice}" + (f" ({self.engine})" if self.engine else "")


@dataclass(frozen=True)
class ErrorBranch(Event):
    """A block took an error branch (``reason``: why the error was raised, when the runtime knows)."""

    error_type: str
    next_action: str
    reason: str | None = None

    def line(self) -> str:
        """One transcript line."""
        why = f" ({self.reason})" if self.reason else ""
        return f"{_FLOW} block {self.block_id}: error {self.error_type}{why} -> {self.next_action}"


@dataclass(frozen=True)
class ErrorEnded(Event):
    """A block raised an error it has no Errors branch for: Connect disconnects the contact."""

    error_type: str
    block_type: str
    reason: str | None = None

    def line(self) -> str:
        """One transcript line."""
        why = f" ({self.reason})" if self.reason else ""
        return (f"{_FLOW} block {self.block_id} ({self.block_type}): error {self.error_type}{why} "
                "and no Errors branch for it: the contact is disconnected")  # fmt: skip


@dataclass(frozen=True)
class Note(Event):
    """What a block did that the caller does not hear: a configuration, an agent-side view, a transfer."""

    text: str

    def line(self) -> str:
        """One transcript line."""
        return f"{_FLOW} {self.text}"


@dataclass(frozen=True)
class Disconnected(Event):
    """The caller was disconnected."""

    def line(self) -> str:
        """One transcript line."""
        return f"{_FLOW} disconnected"


@dataclass(frozen=True)
class FlowEnded(Event):
    """The flow ended without disconnecting (EndFlowExecution)."""

    def line(self) -> str:
        """One transcript line."""
        return f"{_FLOW} flow ended"


E = TypeVar("E", bound=Event)


@dataclass
class Transcript:
    """Every event of a call, in order."""

    events: list[Event] = field(default_factory=list)

    def add(self, event: Event) -> None:
        """Append an event."""
        self.events.append(event)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def of_type(self, kind: type[E]) -> list[E]:
        """The events of one type, in order."""
        return [event for event in self.events if isinstance(event, kind)]

    def heard(self) -> list[str]:
        """Everything said to the caller, as plain words."""
        return [event.heard for event in self.of_type(SystemSaid)]

    def render(self) -> str:
        """The transcript as readable text, one line per event."""
        return "\n".join(event.line() for event in self.events)
