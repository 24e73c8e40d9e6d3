"""The authorised-user form's rules, the same the page applies (``web/voice_login/rules.json``; a test checks
that the two agree). The server is the authority: the page's checks are for the person filling the form."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from lambdas.voice_login.accounts import AuthorizedUser

RELATIONSHIPS = ("spouse", "civil_partner", "partner", "parent", "child", "sibling", "other")
FULL_NAME_MAX_LENGTH = 100
MINIMUM_AGE = 16
MAXIMUM_AGE = 130
FIELDS = ("fullName", "relationship", "dateOfBirth")
_NAME_PUNCTUATION = frozenset(" '-.")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

MESSAGES = {
    "fullName": "Enter a full name of 1 to 100 characters: letters, spaces, apostrophes, hyphens and full stops, "
                "starting with a letter.",
    "relationship": "Choose a relationship from the list.",
    "dateOfBirth": "Enter a real date of birth as YYYY-MM-DD.",
    "dateOfBirth.future": "The date of birth cannot be in the future.",
    "dateOfBirth.age": f"An authorised user must be at least {MINIMUM_AGE} years old.",
    "body": "Send a JSON object with fullName, relationship and dateOfBirth only.",
}


def is_letter(char: str) -> bool:
    """``\\p{L}``: any Unicode letter (categories Lu, Ll, Lt, Lm, Lo)."""
    return unicodedata.category(char).startswith("L")


def valid_full_name(name: str) -> bool:
    """``^[\\p{L}][\\p{L} '\\-.]{0,99}$``."""
    return (0 < len(name) <= FULL_NAME_MAX_LENGTH and is_letter(name[0])
            and all(is_letter(c) or c in _NAME_PUNCTUATION for c in name[1:]))


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _date_of_birth(value: object, today: dt.date) -> tuple[str | None, str | None]:
    """(the date, None) or (None, the message key)."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None, "dateOfBirth"
    try:
        born = dt.date.fromisoformat(value)
    except ValueError:
        return None, "dateOfBirth"
    if born > today:
        return None, "dateOfBirth.future"
    age = _age(born, today)
    if age < MINIMUM_AGE:
        return None, "dateOfBirth.age"
    if age > MAXIMUM_AGE:
        return None, "dateOfBirth"
    return value, None


def validate(body: Any, today: dt.date) -> tuple[AuthorizedUser | None, dict[str, str]]:
    """The authorised user in ``body``, or None and ``{field: message}`` for every field at fault."""
    if not isinstance(body, Mapping) or set(body) - set(FIELDS):
        return None, {"body": MESSAGES["body"]}
    errors: dict[str, str] = {}
    raw_name = body.get("fullName")
    name = " ".join(unicodedata.normalize("NFC", raw_name).split()) if isinstance(raw_name, str) else ""
    if not valid_full_name(name):
        errors["fullName"] = MESSAGES["fullName"]
    relationship = body.get("relationship")
    if not isinstance(relationship, str) or relationship not in RELATIONSHIPS:
        errors["relationship"] = MESSAGES["relationship"]
    born, problem = _date_of_birth(body.get("dateOfBirth"), today)
    if problem is not None:
        errors["dateOfBirth"] = MESSAGES[problem]
    if errors or born is None or not isinstance(relationship, str):
        return None, errors
    return AuthorizedUser(full_name=name, relationship=relationship, date_of_birth=born), {}
