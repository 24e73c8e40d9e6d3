"""E.164 phone numbers: validation and masking (the only form of a number we show a caller)."""

from __future__ import annotations

import re

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class InvalidPhoneNumber(ValueError):
    """The value is not an E.164 number; the message never repeats the value in full."""


def validate_e164(number: object) -> str:
    """Return ``number`` if it is an E.164 string (``+`` then 7 to 15 digits, no leading zero)."""
    if not isinstance(number, str) or not _E164.fullmatch(number):
        raise InvalidPhoneNumber("phone number must be in E.164 format, e.g. +14155550132")
    return number


def mask(number: str) -> str:
    """``+15550100100`` → ``+1******0100``: country code prefix and last four digits only."""
    digits = validate_e164(number)[1:]
    head = digits[:1]
    tail = digits[-4:]
    return f"+{head}{'*' * (len(digits) - len(head) - len(tail))}{tail}"
