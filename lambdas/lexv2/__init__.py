"""A typed view over the Lex V2 code-hook event and builders for its response (Powertools has neither).

Shared by every capability whose Lambda answers a Lex V2 bot (voice login, secure input, the ordering bot).
It imports nothing from AWS: a code hook that needs no AWS call loads in a few milliseconds.
"""

from __future__ import annotations

from lambdas.lexv2.event import Intent, LexEvent, MalformedLexEventError, Slot
from lambdas.lexv2.response import (
    Message,
    close,
    confirm_intent,
    delegate,
    elicit_intent,
    elicit_slot,
    plain_text,
    ssml,
)

__all__ = [
    "Intent",
    "LexEvent",
    "MalformedLexEventError",
    "Message",
    "Slot",
    "close",
    "confirm_intent",
    "delegate",
    "elicit_intent",
    "elicit_slot",
    "plain_text",
    "ssml",
]
