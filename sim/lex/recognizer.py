"""Deterministic intent recognition and slot capture from sample utterances (a test double, not an NLU)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sim.lex.builtin_slots import GREEDY_TYPES
from sim.lex.model import BotLocale, Intent, Slot
from sim.lex.normalize import Token, tokenize
from sim.lex.slot_types import SlotInput, SlotValue, resolve

_SLOT_REF = re.compile(r"\{([^{}]+)\}")
_GREEDY_TYPES = frozenset({"AMAZON.FreeFormInput", "AMAZON.AlphaNumeric", *GREEDY_TYPES})


@dataclass(frozen=True)
class Capture:
    """A slot value captured from the input, with the character span it came from."""

    value: SlotValue
    start: int
    end: int


@dataclass(frozen=True)
class IntentMatch:
    """An intent whose sample utterance matched: the score is the share of input words it explains."""

    intent: Intent
    score: float
    captures: dict[str, Capture]


@dataclass(frozen=True)
class _Part:
    """One element of a compiled utterance: a literal word or a slot reference."""

    word: str | None = None
    slot: str | None = None


@lru_cache(maxsize=1024)
def _compile(utterance: str) -> tuple[_Part, ...]:
    """An utterance as literal words and {Slot} references."""
    parts: list[_Part] = []
    pos = 0
    for ref in _SLOT_REF.finditer(utterance):
        parts += [_Part(word=t.norm) for t in tokenize(utterance[pos : ref.start()])]
        parts.append(_Part(slot=ref.group(1)))
        pos = ref.end()
    parts += [_Part(word=t.norm) for t in tokenize(utterance[pos:])]
    return tuple(parts)


SlotResolver = Callable[[str, Sequence[Token]], SlotValue | None]


def _match_exact(parts: Sequence[_Part], tokens: Sequence[Token], resolver: SlotResolver) -> dict[str, Capture] | None:
    """Captures if the parts match all the tokens; slots take the longest valid span first."""

    def go(pi: int, ti: int) -> dict[str, Capture] | None:
        if pi == len(parts):
            return {} if ti == len(tokens) else None
        part = parts[pi]
        if part.word is not None:
            return go(pi + 1, ti + 1) if ti < len(tokens) and tokens[ti].norm == part.word else None
        assert part.slot is not None
        for end in range(len(tokens) - (len(parts) - pi - 1), ti, -1):
            value = resolver(part.slot, tokens[ti:end])
            rest = go(pi + 1, end) if value is not None else None
            if value is not None and rest is not None:
                return {part.slot: Capture(value, tokens[ti].start, tokens[end - 1].end), **rest}
        return None

    return go(0, 0)


def match_utterance(
    utterance: str, tokens: Sequence[Token], resolver: SlotResolver
) -> tuple[float, dict[str, Capture]] | None:
    """(score, captures) for the largest window of the input the utterance matches, or None.

    Score 1.0 means the utterance matches the whole input; otherwise it is the fraction of input words
    covered by the matching window (case and punctuation never matter).
    """
    parts = _compile(utterance)
    if not tokens or not parts:
        return None
    total = len(tokens)
    for size in range(total, len(parts) - 1, -1):
        for start in range(total - size + 1):
            captures = _match_exact(parts, tokens[start : start + size], resolver)
            if captures is not None:
                return round(size / total, 2), captures
    return None


_UNFILLED = SlotValue("", "", ())  # a slot span whose words are no valid value: the slot stays empty


def recognize(
    locale: BotLocale, text: str, tokens: Sequence[Token], *, dtmf: bool, today: datetime.date | None = None
) -> list[IntentMatch]:
    """Every non-fallback intent with a matching utterance, best first (ties keep definition order).

    An intent none of whose utterances matches may still match by its carrier phrase: an utterance with
    literal words that matches the whole input when a slot's words are not a valid value (Lex picks the
    intent and elicits the slot). Such a match leaves those slots empty and scores below a full match.
    """
    matches: list[IntentMatch] = []
    for intent in locale.intents:
        best: tuple[float, dict[str, Capture]] | None = None
        resolver = _resolver(locale, intent, text, dtmf=dtmf, eliciting=False, today=today)
        for utterance in intent.sample_utterances:
            found = match_utterance(utterance, tokens, resolver)
            if found is not None and (best is None or (found[0], len(found[1])) > (best[0], len(best[1]))):
                best = found
        if best is None or best[0] < 1:
            carrier = _carrier_match(intent, tokens, resolver)
            if carrier is not None and (best is None or carrier[0] > best[0]):
                best = carrier
        if best is not None:
            matches.append(IntentMatch(intent, best[0], best[1]))
    return sorted(matches, key=lambda m: -m.score)


def _carrier_match(
    intent: Intent, tokens: Sequence[Token], resolver: SlotResolver
) -> tuple[float, dict[str, Capture]] | None:
    """The best whole-input match of an utterance whose slots may hold words that are not a valid value."""

    def lenient(slot_name: str, span: Sequence[Token]) -> SlotValue | None:
        return resolver(slot_name, span) or _UNFILLED

    best: tuple[float, dict[str, Capture]] | None = None
    for utterance in intent.sample_utterances:
        parts = _compile(utterance)
        literal = sum(1 for part in parts if part.word is not None)
        if not literal or not any(part.slot for part in parts) or not tokens:
            continue
        captures = _match_exact(parts, tokens, lenient)
        if captures is None:
            continue
        kept = {name: capture for name, capture in captures.items() if capture.value is not _UNFILLED}
        score = round(0.5 + literal / (2 * len(tokens)), 2)
        if best is None or (score, len(kept)) > (best[0], len(best[1])):
            best = (score, kept)
    return best


def _resolver(
    locale: BotLocale, intent: Intent, text: str, *, dtmf: bool, eliciting: bool, today: datetime.date | None
) -> SlotResolver:
    """A resolver for the intent's slots over the given input text."""

    def resolver(slot_name: str, span: Sequence[Token]) -> SlotValue | None:
        slot = intent.slot(slot_name)
        if slot is None:
            return None
        return resolve(slot.slot_type, locale, SlotInput(text, span, dtmf=dtmf, eliciting=eliciting, today=today))

    return resolver


def fill_slot(
    locale: BotLocale, intent: Intent, slot: Slot, text: str, tokens: Sequence[Token], *, dtmf: bool,
    today: datetime.date | None = None,
) -> Capture | None:
    """The value for the slot being elicited, tried in order (see docs/lex-emulator.md).

    1. the whole input; 2. the slot's own sample utterances; 3. the intent's utterances that use the
    slot; 4. the single value found inside the input (not for free-form or alphanumeric slots).
    """
    if not tokens:
        return None
    whole = resolve(slot.slot_type, locale, SlotInput(text, tokens, dtmf=dtmf, eliciting=True, today=today))
    if whole is not None:
        return Capture(whole, tokens[0].start, tokens[-1].end)
    resolver = _resolver(locale, intent, text, dtmf=dtmf, eliciting=False, today=today)
    uses_slot = tuple(u for u in intent.sample_utterances if f"{{{slot.name}}}" in u)
    candidates = slot.sample_utterances + uses_slot
    for utterance in candidates:
        found = match_utterance(utterance, tokens, resolver)
        if found is not None and slot.name in found[1]:
            return found[1][slot.name]
    if slot.slot_type in _GREEDY_TYPES or _is_pattern_type(locale, slot.slot_type):
        return None
    return _single_value_span(locale, slot, text, tokens, dtmf=dtmf, today=today)


def _is_pattern_type(locale: BotLocale, slot_type: str) -> bool:
    """True for a custom type extending AMAZON.AlphaNumeric (it accepts almost any word)."""
    custom = locale.slot_types.get(slot_type)
    return custom is not None and custom.parent is not None


def _single_value_span(
    locale: BotLocale, slot: Slot, text: str, tokens: Sequence[Token], *, dtmf: bool, today: datetime.date | None
) -> Capture | None:
    """The value of the only maximal span of the input that is a valid value, if all such spans agree."""
    found: list[tuple[int, int, SlotValue]] = []
    for start in range(len(tokens)):
        for end in range(len(tokens), start, -1):
            words = SlotInput(text, tokens[start:end], dtmf=dtmf, eliciting=False, today=today)
            value = resolve(slot.slot_type, locale, words)
            if value is not None:
                found.append((start, end, value))
                break
    maximal = [f for f in found if not any(o[0] <= f[0] and f[1] <= o[1] and o != f for o in found)]
    if len({(v.resolved or (v.interpreted,))[0] for _, _, v in maximal}) != 1:
        return None
    start, end, value = max(maximal, key=lambda f: f[1] - f[0])
    return Capture(value, tokens[start].start, tokens[end - 1].end)
