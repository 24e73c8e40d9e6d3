"""Slot value resolution: built-in AMAZON.* types and the bot's custom slot types."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

from sim.lex.builtin_slots import RESOLVERS as _MORE_RESOLVERS
from sim.lex.model import ORIGINAL_VALUE, TOP_RESOLUTION, BotLocale, CustomSlotType
from sim.lex.normalize import (
    DIGIT_WORDS,
    Token,
    confirmation_value,
    normalise_phrase,
    phrase,
    spoken_number,
)
from sim.lex.slot_values import SlotInput, SlotValue

__all__ = ["BUILTIN_SLOT_TYPES", "SlotInput", "SlotValue", "resolve"]

_ALNUM_WORD = re.compile(r"[^\W_]+")
_PHONE_DIGITS = (7, 15)


def _number(words: SlotInput) -> SlotValue | None:
    """AMAZON.Number: typed or spoken digits ("four one one one" -> 4111)."""
    digits = spoken_number(words.tokens)
    return SlotValue(words.original, digits, (digits,)) if digits else None


def _alphanumeric_text(words: SlotInput) -> str | None:
    """The alphanumeric string: one typed word, or a spelled run of letters, digits and digit words."""
    raw = words.original
    if _ALNUM_WORD.fullmatch(raw):
        return raw
    parts = []
    for token in words.tokens:
        said = words.text[token.start : token.end]
        if token.norm in DIGIT_WORDS:
            parts.append(DIGIT_WORDS[token.norm])
        elif said.isdigit() or (len(said) == 1 and said.isalpha()):
            parts.append(said)
        else:
            return None
    return "".join(parts)


def _alphanumeric(words: SlotInput) -> SlotValue | None:
    """AMAZON.AlphaNumeric."""
    value = _alphanumeric_text(words)
    return SlotValue(words.original, value, ()) if value else None


def _confirmation(words: SlotInput) -> SlotValue | None:
    """AMAZON.Confirmation: Yes / No / Maybe / Don't know."""
    value = confirmation_value(words.tokens, dtmf=words.dtmf)
    return SlotValue(words.original, value, (value,)) if value else None


def _free_form(words: SlotInput) -> SlotValue | None:
    """AMAZON.FreeFormInput: the words as said."""
    return SlotValue(words.original, words.original, ())


def _phone(words: SlotInput) -> SlotValue | None:
    """AMAZON.PhoneNumber: 7 to 15 digits, spoken or typed, with an optional leading + or "plus"."""
    tokens = list(words.tokens)
    plus = words.original.startswith("+") or tokens[0].norm == "plus"
    if tokens[0].norm == "plus":
        tokens = tokens[1:]
    digits = spoken_number([Token(t.norm.lstrip("+"), t.start, t.end) for t in tokens]) if tokens else None
    if not digits or not digits.isdigit() or not _PHONE_DIGITS[0] <= len(digits) <= _PHONE_DIGITS[1]:
        return None
    value = f"+{digits}" if plus else digits
    return SlotValue(words.original, value, (value,))


BUILTIN_RESOLVERS: Mapping[str, Callable[[SlotInput], SlotValue | None]] = {
    "AMAZON.Number": _number,
    "AMAZON.AlphaNumeric": _alphanumeric,
    "AMAZON.Confirmation": _confirmation,
    "AMAZON.FreeFormInput": _free_form,
    "AMAZON.PhoneNumber": _phone,
    **_MORE_RESOLVERS,
}
BUILTIN_SLOT_TYPES = frozenset(BUILTIN_RESOLVERS)


@lru_cache(maxsize=256)
def _value_index(slot_type: CustomSlotType) -> dict[str, str]:
    """Normalised sample value or synonym -> canonical sample value."""
    index: dict[str, str] = {}
    for entry in slot_type.values:
        for said in (entry.value, *entry.synonyms):
            index.setdefault(normalise_phrase(said), entry.value)
    return index


def _custom(slot_type: CustomSlotType, words: SlotInput) -> SlotValue | None:
    """A custom slot type: values and synonyms, ORIGINAL_VALUE ("expand") or TOP_RESOLUTION ("restrict")."""
    if slot_type.parent is not None:
        value = _alphanumeric_text(words)
        if value is None or (slot_type.regex is not None and not re.fullmatch(slot_type.regex, value)):
            return None
        return SlotValue(words.original, value, ())
    canonical = _value_index(slot_type).get(phrase(words.tokens))
    if canonical is not None:
        interpreted = canonical if slot_type.resolution == TOP_RESOLUTION else words.original
        return SlotValue(words.original, interpreted, (canonical,))
    if slot_type.resolution == ORIGINAL_VALUE and words.eliciting:
        return SlotValue(words.original, words.original, ())
    return None


def resolve(slot_type: str, locale: BotLocale, words: SlotInput) -> SlotValue | None:
    """The value the words give a slot of slot_type, or None if they are not a valid value."""
    if not words.tokens:
        return None
    builtin = BUILTIN_RESOLVERS.get(slot_type)
    if builtin is not None:
        return builtin(words)
    return _custom(locale.slot_types[slot_type], words)
