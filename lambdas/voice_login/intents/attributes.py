"""The session attributes the voice-login bot owns (a client can send any of them: none is trusted)."""

from __future__ import annotations

MARKER = "authSession"      # opaque marker of a signed-in session (resolved server-side every turn)
AUTH_OUTCOME = "authOutcome"  # what the last sign-in attempt said (the flow branches on it)
LINK_OUTCOME = "linkOutcome"  # what the last link request said (the flow branches on it)
FALLBACKS = "fallbacks"       # consecutive turns the bot did not understand

OWNED = (MARKER, AUTH_OUTCOME, LINK_OUTCOME, FALLBACKS)
