"""Authenticate: the customer id and PIN (both obfuscated slots) checked against the phone-banking pool."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambdas.lexv2 import LexEvent, close
from lambdas.voice_login.intents.attributes import AUTH_OUTCOME, FALLBACKS, LINK_OUTCOME, MARKER
from lambdas.voice_login.login import SignIn, VoiceLogin

SLOTS = ("CustomerId", "Pin")
SPOKEN: Mapping[SignIn, str] = {
    SignIn.AUTHENTICATED: "Thank you. You're signed in.",
    SignIn.FAILED: "Sorry, that customer ID and PIN don't match our records.",
    SignIn.LOCKED: "For your security, phone sign-in is locked for this customer ID for now.",
    SignIn.UNAVAILABLE: "Sorry, we can't check your details right now.",
}


def handle(event: LexEvent, login: VoiceLogin) -> dict[str, Any]:
    """Fulfil Authenticate; the slots are cleared so neither value stays in the Lex session or reaches Connect."""
    intent = event.intent
    attributes = {k: v for k, v in event.session_attributes.items() if k not in (MARKER, LINK_OUTCOME, FALLBACKS)}
    result = login.authenticate(intent.slot_value("CustomerId"), intent.slot_value("Pin"),
                                lex_session_id=event.session_id)
    attributes[AUTH_OUTCOME] = result.outcome.value
    if result.marker is not None:
        attributes[MARKER] = result.marker
    state = "Fulfilled" if result.outcome is SignIn.AUTHENTICATED else "Failed"
    return close(intent, state, SPOKEN[result.outcome], session_attributes=attributes, clear=SLOTS)


def unavailable(event: LexEvent) -> dict[str, Any]:
    """The answer when sign-in itself failed with an error (the caller hears a safe sentence)."""
    attributes = {k: v for k, v in event.session_attributes.items() if k != MARKER}
    attributes[AUTH_OUTCOME] = SignIn.UNAVAILABLE.value
    return close(event.intent, "Failed", SPOKEN[SignIn.UNAVAILABLE], session_attributes=attributes, clear=SLOTS)
