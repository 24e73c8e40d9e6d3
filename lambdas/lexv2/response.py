"""Builders for the Lex V2 code-hook response.

Format: https://docs.aws.amazon.com/lexv2/latest/dg/lambda-response-format.html

Each builder returns the whole response (``sessionState`` with its ``dialogAction`` and ``intent``, plus
``messages``) so a handler never assembles one by hand and never forgets a field Lex requires (an
``ElicitSlot`` needs the intent; a ``ConfirmIntent`` and an ``ElicitIntent`` need messages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lambdas.lexv2.event import Intent

Message = dict[str, str]


def plain_text(content: str) -> Message:
    """A PlainText message."""
    return {"contentType": "PlainText", "content": content}


def ssml(content: str) -> Message:
    """An SSML message (wrapped in ``<speak>`` when it is not already)."""
    body = content if content.lstrip().startswith("<speak>") else f"<speak>{content}</speak>"
    return {"contentType": "SSML", "content": body}


def _messages(messages: Sequence[Message | str]) -> list[Message]:
    return [plain_text(m) if isinstance(m, str) else dict(m) for m in messages]


def _response(action: dict[str, Any], session_attributes: Mapping[str, str], intent: dict[str, Any] | None,
              messages: Sequence[Message | str]) -> dict[str, Any]:
    state: dict[str, Any] = {"dialogAction": action, "sessionAttributes": dict(session_attributes)}
    if intent is not None:
        state["intent"] = intent
    response: dict[str, Any] = {"sessionState": state}
    if messages:
        response["messages"] = _messages(messages)
    return response


def elicit_slot(intent: Intent, slot: str, *messages: Message | str, session_attributes: Mapping[str, str],
                clear: tuple[str, ...] = (), style: str | None = None) -> dict[str, Any]:
    """Ask for ``slot`` (clearing ``clear`` and ``slot`` itself so a rejected value is not kept)."""
    action: dict[str, Any] = {"type": "ElicitSlot", "slotToElicit": slot}
    if style:
        action["slotElicitationStyle"] = style
    wire = intent.to_wire(state="InProgress", clear=(*clear, slot))
    return _response(action, session_attributes, wire, messages)


def close(intent: Intent, state: str, *messages: Message | str, session_attributes: Mapping[str, str],
          clear: tuple[str, ...] = ()) -> dict[str, Any]:
    """End the intent as ``Fulfilled`` or ``Failed``."""
    return _response({"type": "Close"}, session_attributes, intent.to_wire(state=state, clear=clear), messages)


def delegate(intent: Intent, *, session_attributes: Mapping[str, str], clear: tuple[str, ...] = ()) -> dict[str, Any]:
    """Let Lex choose the next step."""
    return _response({"type": "Delegate"}, session_attributes, intent.to_wire(clear=clear), ())


def confirm_intent(intent: Intent, *messages: Message | str, session_attributes: Mapping[str, str]) -> dict[str, Any]:
    """Ask the user to confirm the intent (Lex requires a message)."""
    if not messages:
        raise ValueError("ConfirmIntent needs a message")
    return _response({"type": "ConfirmIntent"}, session_attributes, intent.to_wire(state="InProgress"), messages)


def elicit_intent(*messages: Message | str, session_attributes: Mapping[str, str]) -> dict[str, Any]:
    """Ask what the user wants next (Lex requires a message)."""
    if not messages:
        raise ValueError("ElicitIntent needs a message")
    return _response({"type": "ElicitIntent"}, session_attributes, None, messages)
