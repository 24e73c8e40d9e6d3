"""Built-in slot types beyond numbers: dates against the simulated clock, times, names, places, e-mail."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from sim.lex import LexRuntime, parse_bot
from sim.lex.normalize import tokenize
from sim.lex.slot_types import BUILTIN_RESOLVERS, SlotInput

FRIDAY = datetime.date(2025, 3, 14)
FRIDAY_NOON = datetime.datetime(2025, 3, 14, 12, tzinfo=datetime.UTC).timestamp()
ALIAS = "booking"


def value(slot_type: str, said: str, *, eliciting: bool = True) -> str | None:
    found = BUILTIN_RESOLVERS[slot_type](SlotInput(said, tokenize(said), eliciting=eliciting, today=FRIDAY))
    return None if found is None else found.interpreted


@pytest.mark.parametrize(
    ("said", "iso"),
    [("today", "2025-03-14"), ("tomorrow", "2025-03-15"), ("day after tomorrow", "2025-03-16"),
     ("monday", "2025-03-17"), ("on monday", "2025-03-17"), ("friday", "2025-03-14"),
     ("next friday", "2025-03-21"), ("in three days", "2025-03-17"), ("in two weeks", "2025-03-28"),
     ("May 1st", "2025-05-01"), ("the first of may", "2025-05-01"), ("march third", "2026-03-03"),
     ("december twenty fifth", "2025-12-25"), ("2025-12-25", "2025-12-25"), ("12/25", "2025-12-25"),
     ("1/2/2026", "2026-01-02"), ("June 3 2027", "2027-06-03")],
)  # fmt: skip
def test_dates_resolve_against_the_simulated_today(said: str, iso: str) -> None:
    assert value("AMAZON.Date", said) == iso


@pytest.mark.parametrize("said", ["banana", "february thirtieth", "13/45", "next", "in many days", "2025-02-30"])
def test_non_dates_are_refused(said: str) -> None:
    assert value("AMAZON.Date", said) is None


@pytest.mark.parametrize(
    ("said", "hhmm"),
    [("10 am", "10:00"), ("ten am", "10:00"), ("10:30", "10:30"), ("10:30 pm", "22:30"), ("ten thirty pm", "22:30"),
     ("7 p.m.", "19:00"), ("noon", "12:00"), ("midnight", "00:00"), ("half past two", "02:30"),
     ("quarter to ten", "09:45"), ("twelve am", "00:00"), ("at eight in the evening", "20:00"),
     ("six oh five", "06:05")],
)  # fmt: skip
def test_times(said: str, hhmm: str) -> None:
    assert value("AMAZON.Time", said) == hhmm


@pytest.mark.parametrize("said", ["13 pm", "25:00", "ten sixty", "lunch", "0 am"])
def test_non_times_are_refused(said: str) -> None:
    assert value("AMAZON.Time", said) is None


def test_names_places_email_and_others() -> None:
    assert value("AMAZON.FirstName", "Jane") == "Jane"
    assert value("AMAZON.LastName", "O'Neil") == "O'Neil"
    assert value("AMAZON.FirstName", "my") is None
    assert value("AMAZON.FirstName", "Jane Doe") is None
    assert value("AMAZON.City", "New York") == "New York"
    assert value("AMAZON.City", "Springfield") == "Springfield"  # while eliciting, any place name
    assert value("AMAZON.City", "Springfield", eliciting=False) is None  # inside a phrase, only known ones
    assert value("AMAZON.State", "new jersey") == "new jersey"
    assert value("AMAZON.EmailAddress", "Jane.Doe@Example.com") == "jane.doe@example.com"
    assert value("AMAZON.EmailAddress", "jane at example dot com") == "jane@example.com"
    assert value("AMAZON.EmailAddress", "jane example com") is None
    assert value("AMAZON.Duration", "two hours") == "PT2H"
    assert value("AMAZON.Duration", "a day") == "P1D"
    assert value("AMAZON.Percentage", "twenty five percent") == "25"
    assert value("AMAZON.UKPostalCode", "sw1a1aa") == "SW1A 1AA"
    assert value("AMAZON.PostalCode", "nine eight one zero one") == "98101"


def _booking_bot() -> Any:
    slot = {"Name": "When", "SlotTypeName": "AMAZON.Date", "ValueElicitationSetting": {
        "SlotConstraint": "Required", "PromptSpecification": {"MaxRetries": "1", "MessageGroupsList": [
            {"Message": {"PlainTextMessage": {"Value": "What day?"}}}]}}}  # fmt: skip
    guests = {"Name": "Guests", "SlotTypeName": "AMAZON.Number", "ValueElicitationSetting": {
        "SlotConstraint": "Required", "PromptSpecification": {"MaxRetries": 1, "MessageGroupsList": [
            {"Message": {"PlainTextMessage": {"Value": "How many guests?"}}}]}}}  # fmt: skip
    intent = {"Name": "Book", "Slots": [slot, guests],
              "SlotPriorities": [{"Priority": "1", "SlotName": "When"}, {"Priority": "2", "SlotName": "Guests"}],
              "SampleUtterances": [{"Utterance": "book a table"}, {"Utterance": "book a table for {When}"},
                                   {"Utterance": "book a table for {Guests} people"}]}  # fmt: skip
    return parse_bot([{"LocaleId": "en_US", "NluConfidenceThreshold": "0.40", "Intents": [intent]}])


def _say(lex: LexRuntime, text: str) -> dict[str, Any]:
    return lex.recognize_text(bot_alias_arn=ALIAS, session_id="s1", text=text)


def test_a_relative_date_in_a_conversation_uses_the_runtime_clock() -> None:
    lex = LexRuntime(bots={ALIAS: _booking_bot()}, code_hooks={}, clock=lambda: FRIDAY_NOON)
    reply = _say(lex, "book a table for tomorrow")
    slots = reply["sessionState"]["intent"]["slots"]
    assert slots["When"]["value"]["interpretedValue"] == "2025-03-15"
    assert reply["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "Guests"}
    reply = _say(lex, "one hundred and two")
    assert reply["sessionState"]["intent"]["slots"]["Guests"]["value"]["interpretedValue"] == "102"


def test_a_carrier_phrase_with_an_invalid_value_still_picks_its_intent_and_elicits_the_slot() -> None:
    lex = LexRuntime(bots={ALIAS: _booking_bot()}, code_hooks={}, clock=lambda: FRIDAY_NOON)
    reply = _say(lex, "book a table for the thirty second of smarch")
    state = reply["sessionState"]
    assert state["intent"]["name"] == "Book"
    assert state["intent"]["slots"]["When"] is None  # never a wrong partial value ("second")
    assert state["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "When"}
    assert [m["content"] for m in reply["messages"]] == ["What day?"]
