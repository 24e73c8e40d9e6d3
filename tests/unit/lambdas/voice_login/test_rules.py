"""The authorised-user rules: the page's contract, and agreement with web/voice_login/rules.json."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambdas.voice_login import rules

TODAY = dt.date(2027, 1, 15)
RULES_JSON = Path(__file__).resolve().parents[4] / "web" / "voice_login" / "rules.json"
# The contract both sides build to (the web helper's file must say the same).
CONTRACT = {"relationships": ["spouse", "civil_partner", "partner", "parent", "child", "sibling", "other"],
            "fullName": {"maxLength": 100, "pattern": "^[\\p{L}][\\p{L} '\\-.]{0,99}$"}, "minimumAge": 16}


def ok(**changes: Any) -> dict[str, Any]:
    return {"fullName": "Jamie Smith", "relationship": "spouse", "dateOfBirth": "1990-04-01", **changes}


def test_the_python_rules_are_the_contract() -> None:
    assert list(rules.RELATIONSHIPS) == CONTRACT["relationships"]
    assert CONTRACT["fullName"]["maxLength"] == rules.FULL_NAME_MAX_LENGTH  # type: ignore[index]
    assert CONTRACT["minimumAge"] == rules.MINIMUM_AGE


@pytest.mark.skipif(not RULES_JSON.exists(), reason="web/voice_login/rules.json arrives with the page (web branch)")
def test_the_page_rules_agree_with_the_server() -> None:
    page = json.loads(RULES_JSON.read_text())
    assert page["relationships"] == list(rules.RELATIONSHIPS)
    assert page["fullName"]["maxLength"] == rules.FULL_NAME_MAX_LENGTH
    assert page["fullName"]["pattern"] == CONTRACT["fullName"]["pattern"]  # type: ignore[index]
    assert page["minimumAge"] == rules.MINIMUM_AGE


@pytest.mark.parametrize("name", ["Jamie", "Zoë Brontë", "Ólafur Arnalds", "李小龙", "O'Neil-Smith Jr.", "A" * 100,
                                  "  Jamie   Smith  "])
def test_names_the_pattern_allows(name: str) -> None:
    user, errors = rules.validate(ok(fullName=name), TODAY)
    assert errors == {}
    assert user is not None
    assert user.full_name == " ".join(name.split())


@pytest.mark.parametrize("name", ["", " ", "-Jamie", "'Jamie", "Jamie2", "Jamie_Smith", "A" * 101, "Jamie\nSmith!",
                                  "Robert'); DROP TABLE", "\u200bJamie", None, 42, ["Jamie"]])
def test_names_the_pattern_refuses(name: Any) -> None:
    user, errors = rules.validate(ok(fullName=name), TODAY)
    assert user is None
    assert set(errors) == {"fullName"}


@given(st.text(max_size=120))
def test_the_name_check_matches_the_unicode_pattern(name: str) -> None:
    letter = r"[^\W\d_]"  # Python's re has no \p{L}: a word character that is neither a digit nor _
    pattern = re.compile(rf"{letter}(?:{letter}|[ '\-.]){{0,99}}")
    expected = bool(pattern.fullmatch(name)) and all(c.isalpha() or c in " '-." for c in name)
    assert rules.valid_full_name(name) == expected


@pytest.mark.parametrize(("born", "problem"), [
    ("2011-01-15", None), ("2011-01-16", "age"), ("2027-01-16", "future"), ("2027-02-30", "date"),
    ("1890-01-01", "date"), ("15/01/1990", "date"), ("1990-1-1", "date"), (19900101, "date"),
    ("\uff11\uff19\uff19\uff10-01-01", "date"),  # full-width digits
])
def test_date_of_birth(born: Any, problem: str | None) -> None:
    user, errors = rules.validate(ok(dateOfBirth=born), TODAY)
    if problem is None:
        assert user is not None
        assert errors == {}
        return
    assert user is None
    assert set(errors) == {"dateOfBirth"}
    key = {"date": "dateOfBirth", "age": "dateOfBirth.age", "future": "dateOfBirth.future"}[problem]
    assert errors["dateOfBirth"] == rules.MESSAGES[key]


def test_every_relationship_and_nothing_else() -> None:
    for relationship in rules.RELATIONSHIPS:
        assert rules.validate(ok(relationship=relationship), TODAY)[0] is not None
    for wrong in ("Spouse", "wife", "", None, 1):
        assert set(rules.validate(ok(relationship=wrong), TODAY)[1]) == {"relationship"}


def test_unknown_fields_and_non_objects_are_refused() -> None:
    assert set(rules.validate({**ok(), "role": "admin"}, TODAY)[1]) == {"body"}
    for body in (None, [], "x", 1):
        assert set(rules.validate(body, TODAY)[1]) == {"body"}
