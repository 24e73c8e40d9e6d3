"""Blocks that configure the contact or act outside the call: recorded in the transcript and passed through.

What each does locally (docs/flow-interpreter.md lists them):

* recorded and passed through (the caller hears nothing, the flow goes on): UpdateContactEventHooks,
  UpdateContactMediaStreamingBehavior, UpdateContactRecordingAndAnalyticsBehavior, UpdateContactRoutingBehavior,
  CreateWisdomSession, TagContact, CreateTask, CreateCallbackContact;
* applied: UpdateContactData (``LanguageCode`` changes the Lex locale), UpdateContactCallbackNumber (the number
  must be E.164: ``InvalidCallbackNumber`` otherwise), MessageParticipantIteratively (the messages are played once);
* agent side: ShowView (the view is recorded; the simulated agent chooses ``Next``);
* not emulated, so they raise their not-found error: Customer Profiles, Cases and Voice ID blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lambdas.common.core.phone import E164
from sim.connect.execution import End, Execution, Next, Outcome, Result
from sim.connect.flow import Action
from sim.connect.jsonpath import as_text
from sim.connect.transcript import Note

_SUMMARY_KEYS = 4


def _summary(parameters: Mapping[str, Any]) -> str:
    """The parameter names a block was given (never their values: they may be customer data)."""
    names = sorted(parameters)
    shown = ", ".join(names[:_SUMMARY_KEYS]) + (", ..." if len(names) > _SUMMARY_KEYS else "")
    return f" ({shown})" if names else ""


def passed_through(ex: Execution, action: Action) -> Outcome:
    """Record that the block configured the contact; go on."""
    ex.resolve(action, dict(action.parameters))  # a bad reference is still an error
    ex.record(Note(action.identifier, f"{action.type}{_summary(action.parameters)}: recorded, not emulated"))
    return Next()


def update_contact_data(ex: Execution, action: Action) -> Outcome:
    """Apply ``LanguageCode`` (the Lex locale follows it); record the other contact properties."""
    language = ex.param(action, "LanguageCode")
    if language is not None:
        if not as_text(language).strip():
            return ex.fail("NoMatchingError", "LanguageCode resolved to nothing")
        ex.language_code = as_text(language).strip()
        ex.record(Note(action.identifier, f"language set to {ex.language_code}"))
    others = {k: v for k, v in action.parameters.items() if k != "LanguageCode"}
    if others:
        ex.resolve(action, others)
        ex.record(Note(action.identifier, f"contact data updated{_summary(others)}"))
    return Next()


def update_contact_callback_number(ex: Execution, action: Action) -> Outcome:
    """The callback number must be a dialable E.164 number."""
    number = as_text(ex.param(action, "CallbackNumber")).strip()
    if not E164.fullmatch(number):
        return ex.fail("InvalidCallbackNumber", "CallbackNumber is not an E.164 number")
    ex.record(Note(action.identifier, "callback number set"))
    return Next()


def message_participant_iteratively(ex: Execution, action: Action) -> Outcome:
    """Play the messages once; interrupted when the block routes on it, else they loop until an agent answers."""
    messages = action.parameters.get("Messages")
    if not isinstance(messages, list) or not messages:
        raise ex.definition_error(action, "Messages must be a non-empty list of prompts")
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise ex.definition_error(action, f"Messages[{index}] must be an object")
        prompt = Action(action.identifier, action.type, message, None, {}, ())
        ex.play_prompt(prompt)  # an empty prompt in the list is skipped, as Connect does
    key = (ex.flow.name, action.identifier)
    interrupted = ex.loop_counters.get(key, 0)
    queue = ex.queue or ex.services.centre.default
    if any("MessagesInterrupted" in c.operands for c in action.conditions) and not (
        queue.agent_answers and interrupted >= ex.services.centre.agent_answers_after
    ):
        ex.loop_counters[key] = interrupted + 1
        ex.record(Note(action.identifier, "messages interrupted"))
        return Result("MessagesInterrupted", equals_only=True)
    answered = "an agent answers" if queue.agent_answers else "the messages loop: no agent answers"
    ex.record(Note(action.identifier, answered))
    return End(disconnected=False)


def show_view(ex: Execution, action: Action) -> Outcome:
    """Agent side: record the view; the simulated agent chooses Next, once per view block of a contact.

    Shown the same view again (a flow whose views lead back to each other: "create another task?"), the agent
    does not act and the view's ``InvocationTimeLimitSeconds`` passes (``TimeLimitExceeded``), as when an agent
    walks away: a simulated agent that always pressed Next would keep such a flow going for ever.
    """
    resource = action.parameters.get("ViewResource")
    view = as_text(resource.get("Id")) if isinstance(resource, Mapping) else "?"
    ex.resolve(action, dict(action.parameters))
    key = (ex.flow.name, f"view:{action.identifier}")
    shown = ex.loop_counters.get(key, 0)
    ex.loop_counters[key] = shown + 1
    if shown:
        ex.record(Note(action.identifier, f"view {view!r} shown to the agent again; the agent does not act"))
        return ex.fail("TimeLimitExceeded", "the simulated agent acts on each view block once")
    ex.record(Note(action.identifier, f"view {view!r} shown to the agent; the agent chooses Next"))
    return Result("Next", equals_only=True) if action.conditions else Next()


def not_emulated(error_type: str) -> Callable[[Execution, Action], Outcome]:
    """A block whose service the local runtime does not have: it raises ``error_type``, saying so."""

    def handler(ex: Execution, action: Action) -> Outcome:
        return ex.fail(error_type if error_type in action.errors else "NoMatchingError",
                       f"{action.type} is not emulated locally")  # fmt: skip

    return handler


PASSED_THROUGH = (
    "UpdateContactEventHooks", "UpdateContactMediaStreamingBehavior", "UpdateContactRecordingAndAnalyticsBehavior",
    "UpdateContactRoutingBehavior", "CreateWisdomSession", "TagContact", "UnTagContact", "CreateTask",
    "CreateCallbackContact", "UpdateContactSchedule", "UpdateRoutingCriteria",
)  # fmt: skip
HANDLERS: Mapping[str, Callable[[Execution, Action], Outcome]] = {
    **dict.fromkeys(PASSED_THROUGH, passed_through),
    "UpdateContactData": update_contact_data,
    "UpdateContactCallbackNumber": update_contact_callback_number,
    "MessageParticipantIteratively": message_participant_iteratively,
    "ShowView": show_view,
    "GetCustomerProfile": not_emulated("NoneFoundError"),
    "CreateCustomerProfile": not_emulated("NoMatchingError"),
    "AssociateContactToCustomerProfile": not_emulated("NoMatchingError"),
    "GetCase": not_emulated("NoneFound"),
    "CreateCase": not_emulated("NoMatchingError"),
    "UpdateCase": not_emulated("NoMatchingError"),
    "CheckVoiceId": not_emulated("NoMatchingError"),
}
