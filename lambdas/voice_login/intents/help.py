"""Help and FallbackIntent: say what the bot can do and keep listening; give up after a few misunderstandings."""

from __future__ import annotations

from typing import Any

from lambdas.lexv2 import LexEvent, close, elicit_intent
from lambdas.voice_login.intents.attributes import AUTH_OUTCOME, FALLBACKS

MAX_FALLBACKS = 3
SIGNED_OUT_HELP = "You can sign in with your customer ID and PIN. Say sign in, or key in your customer ID."
SIGNED_IN_HELP = "You can add an authorised user to your account. Say add an authorised user."


def _help_text(attributes: dict[str, str]) -> str:
    # Only the wording depends on this client-visible attribute; what a caller may do is checked server-side.
    return SIGNED_IN_HELP if attributes.get(AUTH_OUTCOME) == "authenticated" else SIGNED_OUT_HELP


def handle(event: LexEvent) -> dict[str, Any]:
    """Help: what the caller can say now."""
    attributes = {**event.session_attributes, FALLBACKS: "0"}
    return elicit_intent(_help_text(attributes), session_attributes=attributes)


def fallback(event: LexEvent) -> dict[str, Any]:
    """Not understood: re-prompt, or close as Failed after ``MAX_FALLBACKS`` in a row."""
    attributes = event.session_attributes
    raw = attributes.get(FALLBACKS, "0")
    count = (int(raw) if raw.isdigit() and len(raw) < 4 else MAX_FALLBACKS) + 1
    attributes[FALLBACKS] = str(count)
    if count >= MAX_FALLBACKS:
        return close(event.intent, "Failed", "Sorry, I'm having trouble understanding.",
                     session_attributes=attributes)
    return elicit_intent(f"Sorry, I didn't catch that. {_help_text(attributes)}", session_attributes=attributes)
