"""The Lex emulator's deterministic recognition: normalisation, slot types, utterance matching."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.lex import load_bot, parse_bot
from sim.lex.model import BotLocale
from sim.lex.normalize import confirmation_value, dtmf_clean, spoken_number, tokenize
from sim.lex.recognizer import fill_slot, match_utterance, recognize
from sim.lex.slot_types import SlotInput, SlotValue, resolve

TOY_BOT = Path(__file__).parents[2] / "fixtures" / "bots" / "toy_bot.json"


@pytest.fixture(scope="module")
def locale() -> BotLocale:
    """The toy bot's en_US locale."""
    return load_bot(TOY_BOT).locale("en_US")


def _resolve(
    locale: BotLocale, slot_type: str, text: str, *, dtmf: bool = False, eliciting: bool = True
) -> SlotValue | None:
    return resolve(slot_type, locale, SlotInput(text, tokenize(text), dtmf=dtmf, eliciting=eliciting))


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("four one one one", "4111"),
        ("oh four two", "042"),
        ("zero zero seven", "007"),
        ("forty one eleven", "4111"),
        ("twenty", "20"),
        ("double five three", "553"),
        ("4111 1111", "41111111"),
        ("3.5", "3.5"),
    ],
)
def test_spoken_numbers_become_digits(said: str, digits: str) -> None:
    assert spoken_number(tokenize(said)) == digits


_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@given(digits=st.text(alphabet="0123456789", min_size=1, max_size=20), oh=st.booleans())
def test_any_digit_string_read_out_word_by_word_comes_back(digits: str, oh: bool) -> None:
    spoken = " ".join("oh" if d == "0" and oh else _WORDS[int(d)] for d in digits)
    assert spoken_number(tokenize(spoken.upper())) == digits


@pytest.mark.parametrize("said", ["one and two", "", "five apples", "hundred", "one hundred and", "two three hundred",
                                  "one hundred hundred", "one thousand two thousand", "hundred and two"])
def test_non_numbers_are_not_numbers(said: str) -> None:
    assert spoken_number(tokenize(said)) is None


@pytest.mark.parametrize(
    ("said", "value"),
    [("one hundred and two", "102"), ("four hundred", "400"), ("a hundred and twelve", "112"),
     ("twelve hundred", "1200"), ("two thousand and five", "2005"), ("three hundred forty five", "345"),
     ("one thousand two hundred thirty four", "1234"), ("five million three thousand", "5003000")],
)  # fmt: skip
def test_cardinal_numbers_in_words(said: str, value: str) -> None:
    assert spoken_number(tokenize(said)) == value


def test_tokens_ignore_case_and_punctuation_but_keep_offsets() -> None:
    text = "Check, my BALANCE!"
    tokens = tokenize(text)
    assert [t.norm for t in tokens] == ["check", "my", "balance"]
    assert text[tokens[2].start : tokens[2].end] == "BALANCE"


def test_dtmf_keeps_digits_as_typed_without_trailing_hash() -> None:
    assert dtmf_clean(" 0123# ") == "0123"
    assert dtmf_clean("12##") == "12"


@pytest.mark.parametrize(
    ("said", "dtmf", "value"),
    [("yes", False, "Yes"), ("Yes, please.", False, "Yes"), ("nope", False, "No"), ("maybe", False, "Maybe"),
     ("1", True, "Yes"), ("2", True, "No"), ("1", False, None), ("purple", False, None)],
)  # fmt: skip
def test_confirmation_words_and_keys(said: str, dtmf: bool, value: str | None) -> None:
    assert confirmation_value(tokenize(said), dtmf=dtmf) == value


def test_number_slot_keeps_what_was_said_and_interprets_digits(locale: BotLocale) -> None:
    value = _resolve(locale, "AMAZON.Number", "Four One One One")
    assert value == SlotValue("Four One One One", "4111", ("4111",))


def test_alphanumeric_accepts_a_typed_word_or_spelled_characters_only(locale: BotLocale) -> None:
    assert _resolve(locale, "AMAZON.AlphaNumeric", "AB12cd") == SlotValue("AB12cd", "AB12cd", ())
    spelled = _resolve(locale, "AMAZON.AlphaNumeric", "a b one two")
    assert spelled is not None
    assert spelled.interpreted == "ab12"
    assert _resolve(locale, "AMAZON.AlphaNumeric", "what is my balance") is None


def test_phone_number_takes_seven_to_fifteen_digits_with_optional_plus(locale: BotLocale) -> None:
    phone = _resolve(locale, "AMAZON.PhoneNumber", "plus one five five five zero one zero zero one two three")
    assert phone is not None
    assert phone.interpreted == "+15550100123"
    typed = _resolve(locale, "AMAZON.PhoneNumber", "+1 555 0100 123")
    assert typed is not None
    assert typed.interpreted == "+15550100123"
    assert _resolve(locale, "AMAZON.PhoneNumber", "one two three") is None


def test_free_form_input_takes_the_words_as_said(locale: BotLocale) -> None:
    assert _resolve(locale, "AMAZON.FreeFormInput", "Extra cheese, please") == SlotValue(
        "Extra cheese, please", "Extra cheese, please", ()
    )


def test_top_resolution_interprets_synonyms_as_the_sample_value(locale: BotLocale) -> None:
    assert _resolve(locale, "PizzaSize", "Family Size") == SlotValue("Family Size", "large", ("large",))
    assert _resolve(locale, "PizzaSize", "gigantic") is None  # restricted to listed values


def test_original_value_keeps_the_users_words_and_resolves_to_the_sample_value(locale: BotLocale) -> None:
    assert _resolve(locale, "CrustType", "Deep dish") == SlotValue("Deep dish", "Deep dish", ("thick",))
    # expand values: an unlisted value fills an elicited slot, with no resolution
    assert _resolve(locale, "CrustType", "stuffed") == SlotValue("stuffed", "stuffed", ())
    # ...but never inside a sample utterance, where it would swallow any words
    assert _resolve(locale, "CrustType", "stuffed", eliciting=False) is None


def test_regex_restricted_alphanumeric_type() -> None:
    locale = parse_bot(
        {
            "BotLocales": [
                {
                    "LocaleId": "en_US",
                    "NluConfidenceThreshold": 0.4,
                    "SlotTypes": [
                        {
                            "Name": "Zip",
                            "ParentSlotTypeSignature": "AMAZON.AlphaNumeric",
                            "ValueSelectionSetting": {
                                "ResolutionStrategy": "ORIGINAL_VALUE",
                                "RegexFilter": {"Pattern": "[0-9]{5}"},
                            },
                        }
                    ],
                }
            ]
        }
    ).locale("en_US")
    zipped = _resolve(locale, "Zip", "nine oh two one oh")
    assert zipped is not None
    assert zipped.interpreted == "90210"
    assert _resolve(locale, "Zip", "1234") is None


def test_utterances_capture_slots_validated_by_their_type(locale: BotLocale) -> None:
    text = "I'd like a BIG deep dish pizza."
    matches = recognize(locale, text, tokenize(text), dtmf=False)
    assert [m.intent.name for m in matches] == ["OrderPizza"]
    best = matches[0]
    assert best.score == 1.0
    assert best.captures["Size"].value == SlotValue("BIG", "large", ("large",))
    assert best.captures["Crust"].value == SlotValue("deep dish", "deep dish", ("thick",))


def test_a_carrier_phrase_with_a_value_the_slot_type_rejects_matches_with_the_slot_empty(locale: BotLocale) -> None:
    text = "order a gigantic pizza"
    (match,) = recognize(locale, text, tokenize(text), dtmf=False)
    assert match.intent.name == "OrderPizza"
    assert match.captures == {}  # never a wrong value: Lex elicits the slot
    assert locale.nlu_threshold <= match.score < 1


def test_utterance_inside_longer_input_scores_the_share_of_words_it_explains(locale: BotLocale) -> None:
    text = "um hi can you check my balance please"
    found = match_utterance("check my balance", tokenize(text), lambda _slot, _span: None)
    assert found is not None
    assert found[0] == pytest.approx(3 / 8, abs=0.01)
    matches = recognize(locale, text, tokenize(text), dtmf=False)
    assert matches[0].intent.name == "CheckBalance"
    assert matches[0].score < locale.nlu_threshold  # below the threshold: the runtime falls back


def test_nothing_matches_gibberish(locale: BotLocale) -> None:
    assert recognize(locale, "purple monkey dishwasher", tokenize("purple monkey dishwasher"), dtmf=False) == []


@pytest.mark.parametrize(
    ("slot", "said", "interpreted"),
    [
        ("AccountNumber", "four one one one", "4111"),
        ("Pin", "my pin is 9 8 7 6", "9876"),  # the slot's own sample utterance
        ("AccountNumber", "check the balance of account 5555", "5555"),  # the intent's utterance
        ("AccountNumber", "it's two two three four I think", "2234"),  # the single number in the input
    ],
)
def test_elicited_slot_is_filled_from_the_input(locale: BotLocale, slot: str, said: str, interpreted: str) -> None:
    intent = locale.intent("CheckBalance")
    assert intent is not None
    definition = intent.slot(slot)
    assert definition is not None
    capture = fill_slot(locale, intent, definition, said, tokenize(said), dtmf=False)
    assert capture is not None
    assert capture.value.interpreted == interpreted


def test_elicited_slot_is_not_filled_from_ambiguous_input(locale: BotLocale) -> None:
    intent = locale.intent("CheckBalance")
    assert intent is not None
    slot = intent.slot("AccountNumber")
    assert slot is not None
    said = "either one two or three four"
    assert fill_slot(locale, intent, slot, said, tokenize(said), dtmf=False) is None


def test_custom_value_found_inside_the_elicited_answer(locale: BotLocale) -> None:
    intent = locale.intent("OrderPizza")
    assert intent is not None
    slot = intent.slot("Size")
    assert slot is not None
    said = "a large one please"
    capture = fill_slot(locale, intent, slot, said, tokenize(said), dtmf=False)
    assert capture is not None
    assert capture.value == SlotValue("large", "large", ("large",))
    assert said[capture.start : capture.end] == "large"
