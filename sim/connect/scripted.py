"""A scripted caller: plays back queued replies and keeps what it heard (for tests and scripted runs)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from sim.connect.contact import InputRequest
from sim.connect.ssml import ssml_to_text


class ScriptedParticipant:
    """Answers each input request with the next scripted reply; ``None`` (or an empty script) is silence."""

    def __init__(self, replies: Iterable[str | None] = ()) -> None:
        self._replies: deque[str | None] = deque(replies)
        self.heard: list[str] = []
        self.requests: list[InputRequest] = []

    def hear(self, text: str, *, ssml: bool) -> None:
        """Keep what was said, as plain words."""
        self.heard.append(ssml_to_text(text) if ssml else text)

    def respond(self, request: InputRequest) -> str | None:
        """The next scripted reply."""
        self.requests.append(request)
        return self._replies.popleft() if self._replies else None
