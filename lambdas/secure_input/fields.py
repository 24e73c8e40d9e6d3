"""The two values the caller gives, as data: how each is normalised, validated and masked.

Nothing here logs or raises with a value: a rejected value is reported only by the field's name and a reason
code (``length``, ``checksum``, ``characters``), which is what the code hook may log and count.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

CARD_MIN_DIGITS, CARD_MAX_DIGITS = 13, 19  # ISO/IEC 7812 primary account numbers
_SEPARATORS = re.compile(r"[\s-]+")
_DIGITS = re.compile(r"[0-9]+")


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number carries in its last digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def normalise(raw: str) -> str:
    """``raw`` without spaces and hyphens (callers key ``4111-1111…`` or Lex returns ``98101 1234``)."""
    return _SEPARATORS.sub("", raw.strip())


def card_problem(digits: str) -> str | None:
    """Why ``digits`` is not a card number (``characters``, ``length``, ``checksum``), or None if it is one."""
    if not _DIGITS.fullmatch(digits):
        return "characters"
    if not CARD_MIN_DIGITS <= len(digits) <= CARD_MAX_DIGITS:
        return "length"
    return None if luhn_valid(digits) else "checksum"


def zip_problem(digits: str) -> str | None:
    """Why ``digits`` is not a US ZIP code (5 digits) or ZIP+4 (9), or None if it is one."""
    if not _DIGITS.fullmatch(digits):
        return "characters"
    return None if len(digits) in (5, 9) else "length"


def mask_card(digits: str) -> str:
    """The last four digits: the most PCI DSS (3.4) lets a display show of a card number."""
    return digits[-4:]


@dataclass(frozen=True)
class Field:
    """One captured value: its name in encryption contexts and audit records, its Lex slot, its checks."""

    name: str  # "card" | "zip": in the encryption context, the ciphertext's attribute name, the audit record
    slot: str  # the Lex slot that collects it
    problem: Callable[[str], str | None]
    spoken: str  # how prompts name it ("card number")
    ciphertext_attribute: str  # the session / contact attribute that carries its ciphertext

    def canonical(self, raw: str) -> str:
        """The value as encrypted: digits only (ZIP+4 is kept as its nine digits)."""
        return normalise(raw)


CARD = Field(name="card", slot="CardNumber", problem=card_problem, spoken="card number",
             ciphertext_attribute="cardCiphertext")
ZIP = Field(name="zip", slot="ZipCode", problem=zip_problem, spoken="billing ZIP code",
            ciphertext_attribute="zipCiphertext")
FIELDS: tuple[Field, ...] = (CARD, ZIP)  # in the order the bot asks for them
BY_NAME = {field.name: field for field in FIELDS}
