"""Keeps obfuscated Lex slot values out of printed transcripts, learning them from the Lex emulator."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sim.lex import BotDefinition, LexEmulatorError
from sim.lex.transcript import scrub

_TOKEN = re.compile(r"\{(\w+)\}")
HIDDEN = "hidden"


def hidden_spans(raw: str, shown: str) -> list[tuple[str, str]] | None:
    """The (slot, value) pairs that make ``shown`` from ``raw`` (spans replaced by ``{Slot}``); None if it cannot."""
    parts = _TOKEN.split(shown)  # literal, slot, literal, slot, ..., literal
    names = parts[1::2]
    if not names:
        return []
    pattern = "(.+?)".join(re.escape(literal) for literal in parts[0::2])
    match = re.fullmatch(pattern, raw, re.DOTALL)
    if match is None:
        return None
    return list(zip(names, match.groups(), strict=True))


class Redactor:
    """Replaces every value learnt to be secret with ``{SlotName}``, as Lex's conversation logs do."""

    def __init__(self) -> None:
        self._secrets: dict[str, set[str]] = {}

    def add(self, slot: str, value: str) -> None:
        """Treat ``value`` as the secret value of ``slot`` from now on."""
        if value.strip():
            self._secrets.setdefault(slot, set()).add(value)

    def learn_caller(self, raw: str, shown: str) -> None:
        """What the caller said (``raw``) against how the Lex emulator's own transcript shows it."""
        if raw == shown:
            return
        spans = hidden_spans(raw, shown)
        for slot, value in spans if spans is not None else [(HIDDEN, raw)]:
            self.add(slot, value)

    def learn_slots(self, bots: Mapping[str, BotDefinition], bot_name: str, locale: str, response: Any) -> None:
        """The values of obfuscated slots in a RecognizeText response."""
        bot = bots.get(bot_name)
        intent = ((response or {}).get("sessionState") or {}).get("intent") or {}
        try:
            definition = bot.locale(locale).intent(str(intent.get("name"))) if bot else None
        except LexEmulatorError:
            definition = None
        for slot in definition.slots if definition else ():
            value = ((intent.get("slots") or {}).get(slot.name) or {}).get("value") or {}
            if slot.obfuscated:
                found = [value.get("originalValue"), value.get("interpretedValue"), *value.get("resolvedValues", [])]
                for text in found:
                    self.add(slot.name, str(text or ""))

    def __call__(self, text: str) -> str:
        """``text`` with every known secret replaced by ``{SlotName}``."""
        return scrub(text, {slot: sorted(values) for slot, values in self._secrets.items()})
