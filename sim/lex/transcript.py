"""A readable record of Lex turns, with obfuscated slot values shown as {SlotName} the way Lex logs them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TranscriptTurn:
    """One turn: what the caller said and what the bot answered (already obfuscated as configured)."""

    session_id: str
    bot: str
    input_mode: str
    caller: str
    bot_messages: tuple[str, ...]
    intent: str | None
    intent_state: str | None
    dialog_action: str
    slot_to_elicit: str | None = None

    def render(self) -> str:
        """Two or more lines: the caller's input, then each bot message tagged with the dialog state."""
        state = self.dialog_action + (f" {self.slot_to_elicit}" if self.slot_to_elicit else "")
        tag = f"{self.intent} {self.intent_state}, {state}" if self.intent else state
        lines = [f"caller ({self.input_mode}): {self.caller}"]
        said = self.bot_messages or ("(no message)",)
        lines += [f"bot [{tag}]: {message}" for message in said]
        return "\n".join(lines)


class Transcript:
    """Every turn the runtime processed, in order."""

    def __init__(self) -> None:
        self.turns: list[TranscriptTurn] = []

    def add(self, turn: TranscriptTurn) -> None:
        """Append a turn."""
        self.turns.append(turn)

    def render(self) -> str:
        """The whole conversation as text."""
        return "\n".join(turn.render() for turn in self.turns)

    def __str__(self) -> str:
        return self.render()


def render_message(message: Mapping[str, Any]) -> str:
    """One runtime message as a line of text."""
    content_type = message.get("contentType", "PlainText")
    if content_type == "ImageResponseCard":
        card = message.get("imageResponseCard") or {}
        text = f"[ImageResponseCard] {card.get('title', '')}"
        if card.get("subtitle"):
            text += f" - {card['subtitle']}"
        buttons = [b.get("text", "") for b in card.get("buttons", [])]
        return text + (f" [{' | '.join(buttons)}]" if buttons else "")
    content = str(message.get("content", ""))
    return content if content_type == "PlainText" else f"[{content_type}] {content}"


def redact_spans(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """Replace each (start, end, slot) span of text with {slot}; overlapping spans keep the first."""
    out, pos = [], 0
    for start, end, name in sorted(spans):
        if start < pos:
            continue
        out += [text[pos:start], f"{{{name}}}"]
        pos = end
    return "".join([*out, text[pos:]])


def scrub(text: str, secrets: Mapping[str, Sequence[str]]) -> str:
    """Replace every whole-word occurrence of a secret value with {SlotName}."""
    for name, values in secrets.items():
        for value in sorted({v for v in values if v.strip()}, key=len, reverse=True):
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", f"{{{name}}}", text)
    return text
