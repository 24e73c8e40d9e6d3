"""Card number and ZIP validation: Luhn, lengths, characters, masking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambdas.secure_input.fields import CARD, ZIP, card_problem, luhn_valid, mask_card, normalise, zip_problem


def with_check_digit(body: str) -> str:
    """``body`` plus the digit that makes it Luhn-valid."""
    return body + next(d for d in "0123456789" if luhn_valid(body + d))


@pytest.mark.parametrize("number", ["4111111111111111", "5555555555554444", "378282246310005", "4000056655665556",
                                    "6011111111111117", "4222222222222"])
def test_well_known_test_card_numbers_are_valid(number: str) -> None:
    assert card_problem(number) is None


@pytest.mark.parametrize(("number", "problem"), [
    ("4111111111111112", "checksum"), ("411111111111", "length"), ("41111111111111111111", "length"),
    ("4111-1111", "characters"), ("4111a11111111111", "characters"), ("", "characters"),
    ("٤١١١١١١١١١١١١١١١", "characters"),  # Arabic-Indic digits are not ASCII digits
])
def test_invalid_card_numbers_say_why_without_the_number(number: str, problem: str) -> None:
    assert card_problem(number) == problem


@given(st.text(alphabet="0123456789", min_size=12, max_size=18), st.data())
def test_luhn_catches_every_single_digit_error(body: str, data: st.DataObject) -> None:
    number = with_check_digit(body)
    assert card_problem(number) is None
    position = data.draw(st.integers(0, len(number) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    assert card_problem(number[:position] + wrong + number[position + 1:]) == "checksum"


@pytest.mark.parametrize(("raw", "problem"), [("98101", None), ("981011234", None), ("02134", None),
                                               ("9810", "length"), ("9810112", "length"), ("9810112345", "length"),
                                               ("98l01", "characters")])
def test_zip_is_five_digits_or_zip_plus_four(raw: str, problem: str | None) -> None:
    assert zip_problem(raw) == problem


def test_separators_are_dropped_and_only_the_last_four_are_shown() -> None:
    assert ZIP.canonical(" 98101-1234 ") == "981011234"
    assert CARD.canonical("4111 1111-1111 1111") == normalise("4111111111111111")
    assert mask_card("4111111111111111") == "1111"
