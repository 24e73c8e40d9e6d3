"""What a flow runs against: the contact, the caller's side, Lex, Lambdas; and what a run returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sim.connect.transcript import RecordingState, Transcript

LambdaHandler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class InputRequest:
    """What the flow waits for from the caller."""

    kind: str  # "dtmf" | "speech" | "lex"
    max_digits: int | None
    timeout_seconds: float
    encrypted: bool


class Participant(Protocol):
    """The caller's side of the call (the simulated phone implements this)."""

    def hear(self, text: str, *, ssml: bool) -> None:
        """The system speaks ``text`` (raw text, or SSML when ``ssml``)."""

    def respond(self, request: InputRequest) -> str | None:
        """Digits or speech for ``request``; ``None`` is silence until the time limit."""


class LexBridge(Protocol):
    """A Lex V2 runtime: ``recognize_text`` returns exactly the RecognizeText response shape."""

    def recognize_text(
        self,
        *,
        bot_alias_arn: str,
        session_id: str,
        text: str,
        input_mode: str,
        session_attributes: dict[str, str],
        locale_id: str,
    ) -> dict[str, Any]:
        """One conversational turn."""


@dataclass(frozen=True)
class ContactData:
    """The contact a flow runs for (what ``$.ContactId``, ``$.CustomerEndpoint.Address``... read)."""

    contact_id: str
    channel: str  # "VOICE", "CHAT", ...
    initiation_method: str  # "INBOUND", "OUTBOUND", "API", "TRANSFER", ...
    customer_address: str
    system_address: str
    instance_arn: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    initial_contact_id: str | None = None
    previous_contact_id: str | None = None
    language_code: str = "en-US"
    endpoint_type: str = "TELEPHONE_NUMBER"
    flow_logging_enabled: bool = False  # inherited from an earlier segment of the contact, if any
    sip_headers: Mapping[str, str] = field(default_factory=dict)  # what $.Media.Sip.Headers reads

    @property
    def region(self) -> str:
        """The Region in the instance ARN (``arn:aws:connect:REGION:...``)."""
        parts = self.instance_arn.split(":")
        return parts[3] if len(parts) > 3 else ""


@dataclass(frozen=True)
class CallResult:
    """What a run did: the transcript, the contact's final attributes and how it ended."""

    transcript: Transcript
    attributes: Mapping[str, str]
    disconnected: bool
    ended_by: str  # Identifier of the last block run
    flow_name: str  # the flow that block belongs to (after any TransferToFlow)
    logging_history: tuple[bool, ...]  # the initial flow-logging state, then each change
    recording_history: tuple[RecordingState, ...]  # the initial recording state, then each change
    stored_customer_input: str | None = None
    voice: str = "Joanna"
    voice_engine: str | None = None
    transferred_to: str | None = None  # the queue (or phone number) the contact was handed to, if any
    flow_attributes: Mapping[str, str] = field(default_factory=dict)

    @property
    def logging_enabled(self) -> bool:
        """Flow logging at the end of the run."""
        return self.logging_history[-1]
