"""One conversation turn, managed the way Lex V2 does: elicit slots, confirm, fulfil, call code hooks."""

from __future__ import annotations

import copy
import datetime
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sim.fakes import FakeLambdaContext
from sim.lex.errors import CodeHookError, CodeHookResponseError
from sim.lex.events import BotIdentity, HookResponse, build_event, validate_response
from sim.lex.model import BotLocale, Intent, MessageGroup, Prompt
from sim.lex.normalize import confirmation_value, tokenize
from sim.lex.recognizer import Capture, IntentMatch, fill_slot, recognize

CodeHook = Callable[[dict[str, Any], Any], dict[str, Any]]
DIALOG_HOOK = "DialogCodeHook"
FULFILLMENT_HOOK = "FulfillmentCodeHook"
_ANSWERS = {"Yes": "Confirmed", "No": "Denied"}

CODE_HOOK_TIMEOUT_SECONDS = 30  # Lex waits up to 30 s for a code hook
logger = logging.getLogger("sim.lex")


@dataclass
class Session:
    """What Lex keeps between turns of one session."""

    session_id: str
    originating_request_id: str
    attributes: dict[str, str] = field(default_factory=dict)
    active_contexts: list[dict[str, Any]] = field(default_factory=list)
    intent: dict[str, Any] | None = None
    action: dict[str, Any] | None = None
    attempts: int = 0
    runtime_hints: dict[str, Any] | None = None


@dataclass(frozen=True)
class TurnInput:
    """Everything a turn needs besides the session."""

    locale: BotLocale
    identity: BotIdentity
    hook: CodeHook | None
    hook_owner: str
    text: str
    input_mode: str
    request_attributes: Mapping[str, str]
    today: datetime.date | None = None  # the simulated clock's date (relative dates resolve against it)


@dataclass(frozen=True)
class _Step:
    """The next step Lex proposes: ElicitSlot, ConfirmIntent, Declined or Fulfill, on a prompt attempt."""

    kind: str
    slot: str | None = None
    attempt: int = 0


class Turn:
    """Processes one user input against a (copied) session; the runtime commits it on success."""

    def __init__(self, inp: TurnInput, session: Session) -> None:
        self.inp = inp
        self.session = session
        self.locale = inp.locale
        self.tokens = tokenize(inp.text)
        self.dtmf = inp.input_mode == "DTMF"
        self.messages: list[dict[str, Any]] = []
        self.matches: list[IntentMatch] = []
        self.top_score: float | None = None
        self.redactions: list[tuple[int, int, str]] = []
        self.obfuscate_all: str | None = None
        self.request_attributes = dict(inp.request_attributes)
        self.previous = (copy.deepcopy(session.intent), copy.deepcopy(session.action))
        self._proposed: _Step | None = None
        self._label: str | None = None  # the InvocationLabel of the dialog step the hook runs at, if any

    # ---- entry -------------------------------------------------------------------------------------

    def run(self) -> None:
        """Interpret the input in the light of the previous dialog action, then take the next step."""
        action = self.session.action
        if self._waiting_on("ElicitSlot") and action is not None:
            self._answer_slot(str(action["slotToElicit"]))
        elif self._waiting_on("ConfirmIntent"):
            self._answer_confirmation()
        else:
            self._start(self._best_match())

    def _waiting_on(self, action_type: str) -> bool:
        """True when the previous turn asked the user for a slot value or a confirmation."""
        intent, action = self.session.intent, self.session.action
        return (
            intent is not None
            and action is not None
            and action.get("type") == action_type
            and intent.get("state") == "InProgress"
        )

    def _definition(self) -> Intent:
        """The definition of the session's current intent."""
        assert self.session.intent is not None
        definition = self.locale.intent(self.session.intent["name"])
        assert definition is not None
        return definition

    def _intent(self) -> dict[str, Any]:
        """The session's current intent (wire shape)."""
        assert self.session.intent is not None
        return self.session.intent

    # ---- interpreting the input -------------------------------------------------------------------

    def _best_match(self) -> IntentMatch | None:
        """The best intent match at or above the locale's NLU confidence threshold."""
        self.matches = recognize(self.locale, self.inp.text, self.tokens, dtmf=self.dtmf, today=self.inp.today)
        for match in self.matches:
            self._note(match.intent, match.captures)
        best = self.matches[0] if self.matches else None
        return best if best is not None and best.score >= self.locale.nlu_threshold else None

    def _start(self, match: IntentMatch | None) -> None:
        """Begin a new intent from a match, or the fallback intent when nothing matched."""
        if match is None:
            self._fallback(self.locale.no_match)
            return
        self.session.intent = _new_intent(match.intent, match.captures)
        self.top_score = match.score
        self.session.attempts = 0
        self._label = match.intent.initial_label
        self._advance(None)

    def _fallback(self, intent: Intent | None = None) -> None:
        """Switch to the locale's fallback intent (or ``intent``: the generative one when nothing matched)."""
        self.session.intent = _new_intent(intent or self.locale.fallback, {})
        self.top_score = None
        self.session.attempts = 0
        self._label = (intent or self.locale.fallback).initial_label
        self._advance(None)

    def _note(self, intent: Intent, captures: Mapping[str, Capture]) -> None:
        """Remember where obfuscated slot values sat in the input, for the transcript."""
        for name, capture in captures.items():
            slot = intent.slot(name)
            if slot is not None and slot.obfuscated:
                self.redactions.append((capture.start, capture.end, name))

    def _answer_slot(self, slot_name: str) -> None:
        """Fill the elicited slot from the input, or switch intent, or re-prompt, or fall back."""
        definition = self._definition()
        slot = definition.slot(slot_name)
        assert slot is not None
        capture = fill_slot(
            self.locale, definition, slot, self.inp.text, self.tokens, dtmf=self.dtmf, today=self.inp.today
        )
        self._label = slot.capture_label
        if capture is not None:
            self._intent()["slots"][slot.name] = capture.value.to_wire()
            self._note(definition, {slot.name: capture})
            self.session.attempts = 0
            self._advance(None)
            return
        if slot.obfuscated:
            self.obfuscate_all = slot.name
        if not self._switch_or_merge(definition, merge=True):
            self._label = slot.elicitation_label
            self._retry(_Step("ElicitSlot", slot.name), slot.prompt)

    def _answer_confirmation(self) -> None:
        """Record yes/no for ConfirmIntent, or switch intent, or re-prompt, or fall back."""
        definition = self._definition()
        answer = confirmation_value(self.tokens, dtmf=self.dtmf)
        if answer in _ANSWERS:
            self._intent()["confirmationState"] = _ANSWERS[answer]
            self.session.attempts = 0
            self._label = definition.confirmation_label
            self._advance(None)
            return
        if not self._switch_or_merge(definition, merge=False):
            self._label = definition.confirmation_retry_label
            self._retry(_Step("ConfirmIntent"), definition.confirmation_prompt)

    def _switch_or_merge(self, definition: Intent, *, merge: bool) -> bool:
        """Switch to another intent the input matches, or (merge) take slot values it gives this one."""
        best = self._best_match()
        if best is None:
            return False
        if best.intent.name != definition.name:
            self._start(best)
            return True
        if not merge or not best.captures:
            return False
        slots = self._intent()["slots"]
        slots.update({name: capture.value.to_wire() for name, capture in best.captures.items()})
        self.session.attempts = 0
        self._advance(None)
        return True

    def _retry(self, step: _Step, prompt: Prompt | None) -> None:
        """Count a failed attempt: re-prompt while MaxRetries allows, then switch to the fallback intent."""
        self.session.attempts += 1
        if self.session.attempts > (prompt.max_retries if prompt else 0):
            logger.debug("retries exhausted for %s; switching to the fallback intent", step.slot or step.kind)
            self._fallback()
            return
        self._advance(replace(step, attempt=self.session.attempts))

    # ---- deciding the next step -------------------------------------------------------------------

    def _next_step(self) -> _Step:
        """What Lex does next on its own: missing required slot, confirmation, declination, fulfilment."""
        definition, intent = self._definition(), self._intent()
        for slot in definition.slots:
            if slot.required and intent["slots"].get(slot.name) is None:
                return _Step("ElicitSlot", slot.name)
        confirmation = intent.get("confirmationState", "None")
        if definition.confirmation_prompt is not None and confirmation == "None":
            return _Step("ConfirmIntent")
        return _Step("Declined") if confirmation == "Denied" else _Step("Fulfill")

    def _advance(self, proposed: _Step | None) -> None:
        """Run the dialog code hook on the proposed step if the intent enables it, else take the step."""
        self._proposed = proposed
        step = proposed or self._next_step()
        if self._definition().dialog_hook:
            self._intent()["state"] = "InProgress"
            self._apply(self._invoke(DIALOG_HOOK, step), DIALOG_HOOK)
            return
        self._execute(step)

    def _execute(self, step: _Step) -> None:
        """Take a step without consulting the code hook."""
        if step.kind == "ElicitSlot" and step.slot is not None:
            self._elicit(step.slot, step.attempt, [])
        elif step.kind == "ConfirmIntent":
            self._confirm(step.attempt, [])
        elif step.kind == "Declined":
            self._close("Failed", self._from_definition(self._definition().declination))
        else:
            self._fulfill()

    def _elicit(self, slot_name: str, attempt: int, hook_messages: list[dict[str, Any]]) -> None:
        """Ask for a slot value (hook messages, else the slot's prompt for this attempt)."""
        previous = self.session.action or {}
        if previous.get("type") != "ElicitSlot" or previous.get("slotToElicit") != slot_name:
            self.session.attempts = 0
        slot = self._definition().slot(slot_name)
        assert slot is not None
        self._intent()["state"] = "InProgress"
        self.session.action = {"type": "ElicitSlot", "slotToElicit": slot_name}
        self._say(hook_messages, slot.prompt, attempt, f"slot {slot_name!r} has no prompt")

    def _confirm(self, attempt: int, hook_messages: list[dict[str, Any]]) -> None:
        """Ask the user to confirm the intent."""
        self._intent()["state"] = "InProgress"
        self.session.action = {"type": "ConfirmIntent"}
        prompt = self._definition().confirmation_prompt
        self._say(hook_messages, prompt, attempt, "the intent has no confirmation prompt")

    def _say(self, hook_messages: list[dict[str, Any]], prompt: Prompt | None, attempt: int, missing: str) -> None:
        """Queue the hook's messages, or else the bot's prompt; neither is a failed turn."""
        if hook_messages:
            self.messages += hook_messages
        elif prompt is not None:
            self.messages += self._from_definition(prompt.groups, attempt)
        else:
            raise CodeHookResponseError("messages", f"required because {missing}")

    def _close(self, state: str, messages: list[dict[str, Any]]) -> None:
        """End the intent with the given state."""
        self._intent()["state"] = state
        self.session.action = {"type": "Close"}
        self.messages += messages

    def _fulfill(self) -> None:
        """Fulfil: call the fulfillment code hook if enabled, else close ReadyForFulfillment."""
        definition = self._definition()
        self._intent()["state"] = "ReadyForFulfillment"
        if definition.fulfillment_hook:
            self._apply(self._invoke(FULFILLMENT_HOOK, None), FULFILLMENT_HOOK)
            return
        self._close("ReadyForFulfillment", self._from_definition(definition.closing))

    def _from_definition(self, groups: tuple[MessageGroup, ...], attempt: int = 0) -> list[dict[str, Any]]:
        """Bot-defined messages with {Slot} references filled from the current slots."""
        slots = self._intent()["slots"] if self.session.intent else {}
        values = {
            name: slot["value"]["interpretedValue"]
            for name, slot in slots.items()
            if slot is not None and "value" in slot
        }
        return [group.pick(attempt).to_wire(values) for group in groups]

    # ---- code hooks -------------------------------------------------------------------------------

    def _invoke(self, source: str, step: _Step | None) -> Any:
        """Call the code hook with the exact Lex V2 input event."""
        name = self._intent()["name"]
        if self.inp.hook is None:
            owner = self.inp.hook_owner
            raise CodeHookError(f"intent {name!r} enables {source} but {owner!r} has no code hook registered")
        event = build_event(
            source=source,
            input_mode=self.inp.input_mode,
            session_id=self.session.session_id,
            input_transcript=self.inp.text,
            bot=self.inp.identity,
            interpretations=self.interpretations(for_event=True),
            proposed_next_state=self._proposed_state(step) if step is not None else None,
            request_attributes=self.request_attributes,
            session_state=self._event_session_state(),
            invocation_label=self._label if source == DIALOG_HOOK else None,
        )
        context = FakeLambdaContext(f"{self.inp.identity.bot_name}-code-hook",
                                    timeout_seconds=CODE_HOOK_TIMEOUT_SECONDS)
        logger.debug("invoking %s for intent %s", source, name)
        try:
            return self.inp.hook(event, context)
        except Exception as exc:
            raise CodeHookError(f"{source} for intent {name!r} raised {type(exc).__name__}") from exc

    def _proposed_state(self, step: _Step) -> dict[str, Any] | None:
        """proposedNextState for a DialogCodeHook event (absent when the next step is fulfilment)."""
        if step.kind == "Fulfill":
            return None
        action: dict[str, Any] = {"type": "Close" if step.kind == "Declined" else step.kind}
        if step.slot is not None:
            action["slotToElicit"] = step.slot
        state: dict[str, Any] = {"dialogAction": action, "intent": copy.deepcopy(self._intent())}
        if step.kind != "Declined":
            state["prompt"] = {"attempt": f"Retry{step.attempt}" if step.attempt else "Initial"}
        return state

    def _event_session_state(self) -> dict[str, Any]:
        """sessionState as the code hook sees it."""
        state: dict[str, Any] = {}
        if self.session.active_contexts:
            state["activeContexts"] = copy.deepcopy(self.session.active_contexts)
        state["sessionAttributes"] = dict(self.session.attributes)
        if self.session.runtime_hints:
            state["runtimeHints"] = copy.deepcopy(self.session.runtime_hints)
        previous_intent, previous_action = self.previous
        if previous_action and previous_intent and previous_intent["name"] == self._intent()["name"]:
            state["dialogAction"] = previous_action
        state["intent"] = copy.deepcopy(self._intent())
        state["originatingRequestId"] = self.session.originating_request_id
        return state

    def _apply(self, raw: Any, source: str) -> None:
        """Honour a code hook's response."""
        response = validate_response(raw, self.locale, source=source)
        if response.session_attributes is None:
            logger.warning("%s returned no sessionState.sessionAttributes; attributes cleared", source)
        self.session.attributes = dict(response.session_attributes or {})
        if response.active_contexts is not None:
            self.session.active_contexts = response.active_contexts
        if response.request_attributes is not None:
            self.request_attributes = response.request_attributes
        if response.runtime_hints is not None:
            self.session.runtime_hints = response.runtime_hints
        if response.intent is not None:
            self._adopt(response.intent)
        handlers: dict[str, Callable[[HookResponse, str], None]] = {
            "Close": self._on_close,
            "ConfirmIntent": lambda r, _s: self._confirm(0, r.messages),
            "Delegate": self._on_delegate,
            "ElicitIntent": self._on_elicit_intent,
            "ElicitSlot": self._on_elicit_slot,
        }
        handlers[response.action_type](response, source)

    def _adopt(self, intent: dict[str, Any]) -> None:
        """Make the hook's intent the session's intent (slots it omits are null)."""
        definition = self.locale.intent(intent["name"])
        assert definition is not None
        current = self.session.intent or {}
        if current.get("name") != intent["name"]:
            self.session.attempts = 0
        self.session.intent = {
            "name": intent["name"],
            "slots": {s.name: intent["slots"].get(s.name) for s in definition.slots},
            "state": intent.get("state", "InProgress"),
            "confirmationState": intent.get("confirmationState", "None"),
        }

    def _on_close(self, response: HookResponse, source: str) -> None:
        """Close: end the intent with the hook's state; after fulfilment, default to the closing response."""
        state = self._intent()["state"]
        messages = response.messages
        if not messages and source == FULFILLMENT_HOOK and state in ("Fulfilled", "ReadyForFulfillment"):
            messages = self._from_definition(self._definition().closing)
        self._close(state, messages)

    def _on_delegate(self, response: HookResponse, source: str) -> None:
        """Delegate: Lex chooses the next step (after fulfilment, that is the closing response)."""
        self.messages += response.messages
        if source == FULFILLMENT_HOOK:
            state = response.intent.get("state", "Fulfilled") if response.intent else "Fulfilled"
            self._close(state, self._from_definition(self._definition().closing))
            return
        step = self._next_step()
        proposed = self._proposed
        if proposed is not None and (proposed.kind, proposed.slot) == (step.kind, step.slot):
            step = proposed
        self._execute(step)

    def _on_elicit_intent(self, response: HookResponse, _source: str) -> None:
        """ElicitIntent: forget the intent and ask what the user wants."""
        self.session.intent = None
        self.session.attempts = 0
        self.session.action = {"type": "ElicitIntent"}
        self.messages += response.messages

    def _on_elicit_slot(self, response: HookResponse, _source: str) -> None:
        """ElicitSlot: ask for the slot the hook names."""
        assert response.slot_to_elicit is not None
        self._elicit(response.slot_to_elicit, self.session.attempts, response.messages)
        if response.slot_elicitation_style is not None and self.session.action is not None:
            self.session.action["slotElicitationStyle"] = response.slot_elicitation_style

    # ---- results ----------------------------------------------------------------------------------

    def interpretations(self, *, for_event: bool) -> list[dict[str, Any]]:
        """Interpretations, best first: the active intent, other matches, then the fallback intent."""

        def confidence(score: float) -> Any:
            return score if for_event else {"score": score}

        fallback = self.locale.fallback.name
        intent = self.session.intent
        top = intent["name"] if intent is not None else None
        out: list[dict[str, Any]] = []
        if intent is not None:
            entry: dict[str, Any] = {"intent": copy.deepcopy(intent), "interpretationSource": "Lex"}
            if top != fallback:
                entry["nluConfidence"] = confidence(self.top_score if self.top_score is not None else 1.0)
            out.append(entry)
        for match in self.matches:
            if match.intent.name != top:
                alternative = {"intent": _new_intent(match.intent, match.captures)}
                out.append({**alternative, "nluConfidence": confidence(match.score)})
                out[-1]["interpretationSource"] = "Lex"
        if top != fallback:
            out.append({"intent": _new_intent(self.locale.fallback, {}), "interpretationSource": "Lex"})
        return out

    def response(self) -> dict[str, Any]:
        """The RecognizeText response body (boto3 shape, without ResponseMetadata)."""
        state: dict[str, Any] = {}
        if self.session.active_contexts:
            state["activeContexts"] = copy.deepcopy(self.session.active_contexts)
        state["sessionAttributes"] = dict(self.session.attributes)
        if self.session.runtime_hints:
            state["runtimeHints"] = copy.deepcopy(self.session.runtime_hints)
        state["dialogAction"] = dict(self.session.action or {"type": "ElicitIntent"})
        if self.session.intent is not None:
            state["intent"] = copy.deepcopy(self.session.intent)
        state["originatingRequestId"] = self.session.originating_request_id
        body: dict[str, Any] = {}
        if self.messages:
            body["messages"] = copy.deepcopy(self.messages)
        body["sessionState"] = state
        body["interpretations"] = self.interpretations(for_event=False)
        if self.request_attributes:
            body["requestAttributes"] = dict(self.request_attributes)
        body["sessionId"] = self.session.session_id
        return body


def _new_intent(intent: Intent, captures: Mapping[str, Capture]) -> dict[str, Any]:
    """A fresh intent in wire shape: every slot present, null unless captured."""
    return {
        "name": intent.name,
        "slots": {
            slot.name: captures[slot.name].value.to_wire() if slot.name in captures else None for slot in intent.slots
        },
        "state": "InProgress",
        "confirmationState": "None",
    }
