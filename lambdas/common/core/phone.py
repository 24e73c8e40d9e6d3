"""E.164 phone numbers: validation and the hint (the only form of a number we show a caller)."""

from __future__ import annotations

import re

E164 = re.compile(r"\+[1-9]\d{6,14}")  # use with fullmatch


class InvalidPhoneNumber(ValueError):
    """The value is not an E.164 number; the message never repeats the value in full."""


def validate_e164(number: object) -> str:
    """Return ``number`` if it is an E.164 string (``+`` then 7 to 15 digits, no leading zero)."""
    if not isinstance(number, str) or not E164.fullmatch(number):
        raise InvalidPhoneNumber("phone number must be in E.164 format, e.g. +14155550132")
    return number


HIDDEN = "******"


def hint(number: str, *, digits: int) -> str:
    """``+447700900142`` → ``******42`` (``digits=2``) or ``******`` (``digits=0``).

    The same length whatever the country or the number's length, with no country code, so a hint cannot
    tell one user's number from another's beyond the last ``digits`` digits.
    """
    shown = validate_e164(number)[-digits:] if digits > 0 else ""
    return f"{HIDDEN}{shown}"
