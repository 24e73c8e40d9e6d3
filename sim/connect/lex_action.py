"""ConnectParticipantWithLexBot (Lex V2): converse until the bot closes, then route on the intent name.

https://docs.aws.amazon.com/connect/latest/APIReference/participant-actions-connectparticipantwithlexbot.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.connect.contact import InputRequest
from sim.connect.errors import FlowError, FlowRuntimeError, UnsupportedBlock
from sim.connect.execution import Execution, Outcome, Result
from sim.connect.flow import Action
from sim.connect.jsonpath import as_text
from sim.connect.participant_actions import DTMF
from sim.connect.ssml import InvalidSsml
from sim.connect.transcript import LexTurn, ParticipantPressed, ParticipantSaid, ParticipantSilent
from sim.lex.errors import LexEmulatorError

_DEFAULT_TIMEOUT_SECONDS = 5.0
_FINAL_INTENT_STATES = {"Fulfilled", "Failed"}


class _BadLexResponse(Exception):
    """The Lex response cannot be spoken or read."""


def connect_participant_with_lex_bot(ex: Execution, action: Action) -> Outcome:  # noqa: PLR0911 - one return per error branch
    """Speak the prompt, then relay the caller's turns to Lex and Lex's messages back until Close."""
    bot_alias_arn = _alias_arn(ex, action)
    if not bot_alias_arn:
        return ex.fail("NoMatchingError", "LexV2Bot.AliasArn resolved to nothing")
    lex = ex.services.lex
    if lex is None:
        raise FlowRuntimeError(
            f"block {action.identifier!r} talks to a Lex bot but the interpreter has no LexBridge"
        )
    raw_attributes = ex.param(action, "LexSessionAttributes", {})
    if not isinstance(raw_attributes, Mapping):
        raise ex.definition_error(action, "LexSessionAttributes must be an object")
    session_attributes = {str(k): as_text(v) for k, v in raw_attributes.items()}
    if ex.play_prompt(action) is False:
        return ex.prompt_failed()
    timeout = _timeout_seconds(ex, action)
    while True:
        ex.tick(action)
        reply = (
            ex.participant.respond(
                InputRequest(kind="lex", max_digits=None, timeout_seconds=timeout, encrypted=False)
            )
            or ""
        ).strip()
        if not reply:
            ex.record(ParticipantSilent(action.identifier))
            return ex.fail("InputTimeLimitExceeded", "the caller said nothing")
        input_mode = "DTMF" if DTMF.fullmatch(reply) else "Speech"
        try:
            try:
                response = lex.recognize_text(
                    bot_alias_arn=bot_alias_arn,
                    session_id=ex.contact.contact_id,
                    text=reply,
                    input_mode=input_mode,
                    session_attributes=dict(session_attributes),
                    locale_id=ex.language_code,
                )
            finally:
                _record_caller(ex, action, lex, reply, input_mode)
            intent, dialog_action, session_attributes = _turn(ex, action, bot_alias_arn, input_mode, response)
        except FlowError:
            raise
        except LexEmulatorError as exc:  # its messages never carry slot values or session attributes
            return ex.fail("NoMatchingError", f"the bot failed: {exc}")
        except _BadLexResponse as exc:
            return ex.fail("NoMatchingError", f"the bot failed: {exc}")
        except Exception as exc:  # the bot failed: the flow's catch-all branch, never the bot's message
            return ex.fail("NoMatchingError", f"the bot failed ({type(exc).__name__})")
        if dialog_action == "Close" or intent.get("state") in _FINAL_INTENT_STATES:
            break
    intent_name = intent.get("name")
    ex.lex = {
        "IntentName": intent_name,
        "Slots": _slot_values(intent.get("slots")),
        "SessionAttributes": session_attributes,
    }
    return Result(as_text(intent_name) if intent_name else None, equals_only=True)


def _record_caller(ex: Execution, action: Action, lex: Any, reply: str, input_mode: str) -> None:
    """Record the caller's turn as the bot's own log shows it, so obfuscated slot values (a PIN) stay hidden.

    A bridge offering ``caller_view(session_id=)`` (the Lex emulator does) decides what is shown; a bridge
    without it gets the raw input recorded, and one that has no view of this turn gets a placeholder.
    """
    view = getattr(lex, "caller_view", None)
    shown = reply if not callable(view) else (view(session_id=ex.contact.contact_id) or "(input not shown)")
    ex.record(
        ParticipantPressed(action.identifier, digits=shown)
        if input_mode == "DTMF"
        else ParticipantSaid(action.identifier, text=shown)
    )


def _timeout_seconds(ex: Execution, action: Action) -> float:
    """``LexTimeoutSeconds.Text`` when given, else Connect's default wait for the caller."""
    timeouts = action.parameters.get("LexTimeoutSeconds") or {}
    try:
        return float(timeouts.get("Text", _DEFAULT_TIMEOUT_SECONDS))
    except (AttributeError, TypeError, ValueError):
        raise ex.definition_error(action, "LexTimeoutSeconds.Text must be a number of seconds") from None


def _alias_arn(ex: Execution, action: Action) -> str:
    """``LexV2Bot.AliasArn``; a Lex V1 ``LexBot`` is refused by name."""
    v2, v1 = action.parameters.get("LexV2Bot"), action.parameters.get("LexBot")
    if v2 is None and isinstance(v1, Mapping):
        raise UnsupportedBlock(
            action.identifier,
            action.type,
            f"Lex V1 (classic) bot {v1.get('Name')!r} (alias {v1.get('Alias')!r}) is not supported; "
            "migrate the block to a LexV2Bot AliasArn",
        )
    if not isinstance(v2, Mapping) or "AliasArn" not in v2:
        raise ex.definition_error(action, "needs LexV2Bot.AliasArn")
    alias_arn = ex.resolve(action, v2.get("AliasArn"))
    return as_text(alias_arn).strip()


def _turn(
    ex: Execution, action: Action, bot_alias_arn: str, input_mode: str, response: Any
) -> tuple[dict[str, Any], str, dict[str, str]]:
    """Record one Lex turn, speak its messages; return the intent, dialog action type, session attributes."""
    if not isinstance(response, Mapping):
        raise _BadLexResponse("RecognizeText response is not an object")
    state = response.get("sessionState") or {}
    intent = dict(state.get("intent") or {})
    dialog_action = str((state.get("dialogAction") or {}).get("type", ""))
    attributes = {str(k): as_text(v) for k, v in (state.get("sessionAttributes") or {}).items()}
    ex.record(
        LexTurn(
            action.identifier,
            bot_alias_arn=bot_alias_arn,
            input_mode=input_mode,
            dialog_action=dialog_action,
            intent_name=intent.get("name"),
            intent_state=intent.get("state"),
        )
    )
    for message in response.get("messages") or []:
        kind, content = message.get("contentType"), message.get("content")
        if kind in {"PlainText", "SSML"} and isinstance(content, str):
            try:
                ex.say(action, content, ssml=kind == "SSML", source="lex")
            except InvalidSsml as exc:
                raise _BadLexResponse("Lex returned invalid SSML") from exc
    return intent, dialog_action, attributes


def _slot_values(slots: Any) -> dict[str, str | None]:
    """``$.Lex.Slots``: each slot's interpreted value (list slots comma-joined), ``None`` when unfilled."""
    values: dict[str, str | None] = {}
    for name, slot in (slots or {}).items():
        values[name] = _slot_value(slot)
    return values


def _slot_value(slot: Any) -> str | None:
    """One slot's interpreted value."""
    if not isinstance(slot, Mapping):
        return None
    if isinstance(slot.get("value"), Mapping):
        value = slot["value"]
        found = value.get("interpretedValue", value.get("originalValue"))
        return None if found is None else as_text(found)
    if isinstance(slot.get("values"), list):
        parts = [_slot_value(item) for item in slot["values"]]
        return ",".join(part for part in parts if part is not None)
    return None
