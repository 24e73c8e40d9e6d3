"""The state of one flow run, the services it calls, and what a block's handler returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.connect.centre import ContactCentre, Queue
from sim.connect.contact import CallResult, ContactData, LambdaHandler, LexBridge, Participant
from sim.connect.errors import FlowDefinitionError, StepLimitExceeded
from sim.connect.flow import Action, Flow
from sim.connect.jsonpath import UnknownReference, as_text, resolve
from sim.connect.ssml import InvalidSsml, ssml_to_text
from sim.connect.transcript import Event, RecordingState, SystemSaid, Transcript

LambdaSource = Mapping[str, LambdaHandler] | Callable[[str], LambdaHandler]
Encryptor = Callable[[str, str], str]
_PROMPT_KEYS = ("Text", "SSML", "PromptId", "Media")


@dataclass(frozen=True)
class Next:
    """Follow the block's NextAction."""


@dataclass(frozen=True)
class Result:
    """The block produced a result: follow the first Condition that holds for it."""

    value: str | None
    equals_only: bool = False


@dataclass(frozen=True)
class Failed:
    """The block raised an error: follow the Errors branch for ``error_type`` (else NoMatchingError).

    ``reason`` says why, for the transcript (never a secret value).
    """

    error_type: str
    reason: str | None = None


@dataclass(frozen=True)
class End:
    """The flow is over (``disconnected``: the caller was hung up on)."""

    disconnected: bool


@dataclass(frozen=True)
class Transfer:
    """Continue at the start of another flow."""

    flow: Flow


@dataclass(frozen=True)
class Invoke:
    """Run a flow module with ``input`` (its ``$.Modules.Input``), then come back to this block."""

    module: Flow
    input: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Return:
    """A flow module ended with the branch ``result`` (or none) and its ``data``: back to the invoking block."""

    result: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


Outcome = Next | Result | Failed | End | Transfer | Invoke | Return


@dataclass(frozen=True)
class ModuleCall:
    """Where a module returns to, and the caller's flow attributes to restore."""

    flow: Flow
    action: Action
    flow_attributes: dict[str, str]
    module_input: dict[str, Any] = field(default_factory=dict)  # the caller's own $.Modules.Input


@dataclass(frozen=True)
class Services:
    """What the interpreter was wired with."""

    lambdas: LambdaSource
    flows: Mapping[str, Flow]
    lex: LexBridge | None
    encryptor: Encryptor | None
    max_steps: int
    centre: ContactCentre = field(default_factory=ContactCentre)


class Execution:
    """One run of a flow for one contact: the flow data (``$.…``), state histories and the transcript."""

    def __init__(
        self, *, services: Services, participant: Participant, contact: ContactData, flow: Flow
    ) -> None:
        self.services = services
        self.participant = participant
        self.contact = contact
        self.flow = flow
        self.attributes: dict[str, str] = dict(contact.attributes)
        self.external: dict[str, Any] = {}
        self.lex: dict[str, Any] = {"IntentName": None, "Slots": {}, "SessionAttributes": {}}
        self.stored_input: str | None = None
        self.logging_history = [contact.flow_logging_enabled]
        self.recording_history = [RecordingState()]
        self.voice: str = "Joanna"
        self.voice_engine: str | None = None
        self.loop_counters: dict[tuple[str, str], int] = {}
        self.flow_attributes: dict[str, str] = {}
        self.queue: Queue | None = None
        self.metrics: dict[str, Any] | None = None
        self.language_code = contact.language_code
        self.modules: list[ModuleCall] = []
        self.module_input: dict[str, Any] = {}  # $.Modules.Input: what the running module was invoked with
        self.module_result: str | None = None  # $.Modules.Result: the branch the last module returned
        self.module_result_data: dict[str, Any] | None = None  # $.Modules.ResultData: its output
        self.transferred_to: str | None = None  # the queue (or number) the contact was handed to
        self.transcript = Transcript()
        self.steps = 0
        self.block_id = flow.start_action

    # -- flow data ----------------------------------------------------------------------------
    def data(self) -> dict[str, Any]:
        """The flow data object JSONPath references read."""
        contact = self.contact
        return {
            "ContactId": contact.contact_id,
            "InitialContactId": contact.initial_contact_id or contact.contact_id,
            "PreviousContactId": contact.previous_contact_id or contact.contact_id,
            "Channel": contact.channel,
            "InitiationMethod": contact.initiation_method,
            "InstanceARN": contact.instance_arn,
            "AwsRegion": contact.region,
            "LanguageCode": self.language_code,
            "CustomerEndpoint": {"Address": contact.customer_address, "Type": contact.endpoint_type},
            "SystemEndpoint": {"Address": contact.system_address, "Type": contact.endpoint_type},
            "Queue": self.queue.flow_data() if self.queue is not None else None,
            "Metrics": self.metrics,
            "FlowAttributes": dict(self.flow_attributes),
            "Media": {"Sip": {"Headers": dict(contact.sip_headers)}},
            # Namespaces of services the runtime does not emulate: present, so their references read as empty.
            "Customer": {}, "Case": {}, "Tags": {}, "Wisdom": {}, "Views": {}, "SegmentAttributes": {},
            "References": {}, "Modules": self._modules_data(),
            "Attributes": dict(self.attributes),
            "External": self.external,
            "Lex": self.lex,
            "StoredCustomerInput": self.stored_input,
        }

    def _modules_data(self) -> dict[str, Any]:
        """What ``$.Modules`` reads: ``Input`` inside a module; ``Result``/``ResultData`` after one returned."""
        data: dict[str, Any] = {"Input": dict(self.module_input)}
        if self.module_result is not None:
            data["Result"] = self.module_result
        if self.module_result_data is not None:
            data["ResultData"] = dict(self.module_result_data)
        return data

    def resolve(self, action: Action, value: Any) -> Any:
        """``value`` with its JSONPath references resolved against the flow data."""
        try:
            return resolve(value, self.data())
        except UnknownReference as exc:
            raise self.definition_error(action, str(exc)) from None

    def param(self, action: Action, name: str, default: Any = None) -> Any:
        """A parameter of ``action``, resolved (``default`` when absent)."""
        return self.resolve(action, action.parameters[name]) if name in action.parameters else default

    def flag(self, action: Action, name: str, *, default: bool) -> bool:
        """A ``"True"``/``"False"`` parameter."""
        value = self.param(action, name)
        if value is None:
            return default
        text = as_text(value).strip().lower()
        if text not in {"true", "false"}:
            raise self.definition_error(action, f'{name} must be "True" or "False", got {value!r}')
        return text == "true"

    def integer(self, action: Action, name: str, *, default: int, low: int, high: int) -> int:
        """An integer parameter (given as a string or a number) within ``low..high``."""
        value = self.param(action, name)
        if value is None:
            return default
        try:
            number = int(as_text(value).strip())
        except ValueError:
            raise self.definition_error(action, f"{name} must be an integer, got {value!r}") from None
        if not low <= number <= high:
            raise self.definition_error(action, f"{name} must be between {low} and {high}, got {number}")
        return number

    def fail(self, error_type: str, reason: str) -> Failed:
        """The block raised ``error_type`` because of ``reason`` (shown in the transcript with the branch taken)."""
        return Failed(error_type, reason)

    def definition_error(self, action: Action, message: str) -> FlowDefinitionError:
        """A FlowDefinitionError naming the flow and block."""
        return FlowDefinitionError(
            f"flow {self.flow.name!r}, block {action.identifier!r} ({action.type}): {message}"
        )

    # -- bookkeeping --------------------------------------------------------------------------
    def tick(self, action: Action) -> None:
        """Count one step (a block, or a Lex turn) against ``max_steps``."""
        self.steps += 1
        if self.steps > self.services.max_steps:
            raise StepLimitExceeded(
                f"flow {self.flow.name!r} ran more than {self.services.max_steps} steps, the last at block "
                f"{action.identifier!r} ({action.type}): the flow probably loops forever"
            )

    def record(self, event: Event) -> None:
        """Add an event to the transcript."""
        self.transcript.add(event)

    @property
    def logging_enabled(self) -> bool:
        """Flow logging right now."""
        return self.logging_history[-1]

    # -- speaking -----------------------------------------------------------------------------
    def say(self, action: Action, text: str, *, ssml: bool, source: str = "flow") -> None:
        """Speak to the caller; invalid SSML raises ``InvalidSsml`` before anything is heard."""
        heard = ssml_to_text(text) if ssml else text
        self.participant.hear(text, ssml=ssml)
        self.record(SystemSaid(action.identifier, text=text, ssml=ssml, heard=heard, source=source))

    def play_prompt(self, action: Action) -> bool | None:
        """Play the block's Text/SSML/PromptId/Media: ``None`` if it has none, ``False`` if it cannot play.

        Why it could not is kept in ``prompt_problem`` for the error branch.
        """
        given = [key for key in _PROMPT_KEYS if key in action.parameters]
        if len(given) > 1:
            raise self.definition_error(action, f"only one of {', '.join(_PROMPT_KEYS)} may be given")
        if not given:
            return None
        key = given[0]
        value = self.param(action, key)
        if value is None or value == "":
            self.prompt_problem = f"{key} is empty" + (
                f" ({action.parameters[key]} resolved to nothing)" if isinstance(action.parameters[key], str)
                and "$." in action.parameters[key] else "")
            return False
        if key == "PromptId":
            text = f"[prompt {as_text(value)}]"
        elif key == "Media":
            text = f"[media {as_text(value.get('Uri') if isinstance(value, dict) else value)}]"
        else:
            text = as_text(value)
        try:
            self.say(action, text, ssml=key == "SSML")
        except InvalidSsml as exc:
            self.prompt_problem = f"invalid SSML: {exc}"
            return False
        return True

    prompt_problem = "the prompt cannot be played"

    def prompt_failed(self) -> Failed:
        """The NoMatchingError a prompt that cannot be played raises, with why."""
        return Failed("NoMatchingError", self.prompt_problem)

    # -- the end ------------------------------------------------------------------------------
    def result(self, *, disconnected: bool) -> CallResult:
        """What the run did so far."""
        return CallResult(
            transcript=self.transcript,
            attributes=dict(self.attributes),
            disconnected=disconnected,
            ended_by=self.block_id,
            flow_name=self.flow.name,
            logging_history=tuple(self.logging_history),
            recording_history=tuple(self.recording_history),
            stored_customer_input=self.stored_input,
            voice=self.voice,
            voice_engine=self.voice_engine,
            transferred_to=self.transferred_to,
            flow_attributes=dict(self.flow_attributes),
        )
