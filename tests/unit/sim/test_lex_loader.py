"""The Lex emulator's bot loader: the toy bot loads, bad bot files fail naming the field path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.lex import BotDefinitionError, BotNotFoundError, load_bot, parse_bot

TOY_BOT = Path(__file__).parents[2] / "fixtures" / "bots" / "toy_bot.json"


@pytest.fixture(scope="module")
def toy_data() -> dict[str, Any]:
    """The toy bot file's JSON."""
    data: dict[str, Any] = json.loads(TOY_BOT.read_text())
    return data


def test_toy_bot_loads_with_priorities_hooks_and_ignored_fields() -> None:
    bot = load_bot(TOY_BOT)
    locale = bot.locale("en_US")
    balance = locale.intent("CheckBalance")
    pizza = locale.intent("OrderPizza")
    assert bot.name == "ToyBot"
    assert balance is not None
    assert pizza is not None
    assert [s.name for s in balance.slots] == ["AccountNumber", "Pin"]  # SlotPriorities, not file order
    assert all(s.obfuscated for s in balance.slots)
    assert pizza.dialog_hook
    assert pizza.fulfillment_hook
    assert not balance.dialog_hook
    assert pizza.confirmation_prompt is not None
    assert pizza.confirmation_prompt.max_retries == 1
    assert locale.fallback.name == "FallbackIntent"
    assert locale.nlu_threshold == pytest.approx(0.4)
    assert bot.ignored_fields == ("IdleSessionTTLInSeconds", "BotLocales[0].VoiceSettings")


def test_connect_style_locale_code_finds_the_locale_and_unknown_locales_fail() -> None:
    bot = load_bot(TOY_BOT)
    assert bot.locale("en-US").locale_id == "en_US"
    with pytest.raises(BotNotFoundError, match="no locale 'fr_FR'"):
        bot.locale("fr_FR")


def test_missing_fallback_intent_is_added_as_lex_does() -> None:
    bot = parse_bot({"BotLocales": [{"LocaleId": "en_US", "NluConfidenceThreshold": 0.4, "Intents": [{"Name": "Hi"}]}]})
    assert bot.locale("en_US").fallback.name == "FallbackIntent"
    assert bot.name == "Bot"


def _intent(data: dict[str, Any], index: int) -> dict[str, Any]:
    intent: dict[str, Any] = data["BotLocales"][0]["Intents"][index]
    return intent


def _set(path: list[str | int], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


_LOCALE: list[str | int] = ["BotLocales", 0]
_BALANCE: list[str | int] = [*_LOCALE, "Intents", 0]
_PIZZA: list[str | int] = [*_LOCALE, "Intents", 1]
_ELICIT_0: list[str | int] = [*_BALANCE, "Slots", 0, "ValueElicitationSetting"]

BAD_FILES = [
    pytest.param(
        _set([*_PIZZA, "Slots", 1, "SlotTypeName"], "Foo"),
        "BotLocales[0].Intents[1].Slots[1].SlotTypeName: unknown slot type 'Foo'",
        id="unknown-slot-type",
    ),
    pytest.param(
        _set([*_PIZZA, "SampleUtterances", 1, "Utterance"], "order a {Topping} pizza"),
        "BotLocales[0].Intents[1].SampleUtterances[1].Utterance: unknown slot 'Topping' in utterance",
        id="unknown-slot-in-utterance",
    ),
    pytest.param(
        _set([*_BALANCE, "SlotPriorities", 1, "SlotName"], "Pincode"),
        "BotLocales[0].Intents[0].SlotPriorities[1].SlotName: unknown slot 'Pincode'",
        id="priority-names-missing-slot",
    ),
    pytest.param(
        _set([*_ELICIT_0, "SampleUtterances"], [{"Utterance": "{AccountNumber}"}]),
        "BotLocales[0].Intents[0].Slots[0].ValueElicitationSetting.SampleUtterances[0].Utterance: "
        "unknown slot 'AccountNumber'",
        id="slot-utterance-names-other-slot",
    ),
    pytest.param(
        _set([*_BALANCE, "SampleUtterence"], []),
        "BotLocales[0].Intents[0].SampleUtterence: unknown field",
        id="typo-field",
    ),
    pytest.param(
        _set([*_ELICIT_0, "SlotConstraint"], "Mandatory"),
        "BotLocales[0].Intents[0].Slots[0].ValueElicitationSetting.SlotConstraint: must be Required or Optional",
        id="bad-slot-constraint",
    ),
    pytest.param(
        _set([*_ELICIT_0, "PromptSpecification", "MaxRetries"], 9),
        "BotLocales[0].Intents[0].Slots[0].ValueElicitationSetting.PromptSpecification.MaxRetries: "
        "must be between 0 and 5",
        id="max-retries-range",
    ),
    pytest.param(
        _set(
            [*_ELICIT_0, "PromptSpecification", "MessageGroupsList", 0, "Message"],
            {"PlainTextMessage": {"Value": "a"}, "SSMLMessage": {"Value": "<speak>a</speak>"}},
        ),
        "PromptSpecification.MessageGroupsList[0].Message: needs exactly one of",
        id="message-two-kinds",
    ),
    pytest.param(
        _set([*_PIZZA, "Slots", 0, "SlotTypeName"], "AMAZON.Weather"),
        "BotLocales[0].Intents[1].Slots[0].SlotTypeName: unsupported built-in slot type 'AMAZON.Weather'",
        id="unsupported-builtin-slot-type",
    ),
    pytest.param(
        _set([*_PIZZA, "Name"], "CheckBalance"),
        "BotLocales[0].Intents[1].Name: duplicate intent 'CheckBalance'",
        id="duplicate-intent",
    ),
    pytest.param(
        _set([*_LOCALE, "NluConfidenceThreshold"], "high"),
        "BotLocales[0].NluConfidenceThreshold: expected a number, got a string that is not a number",
        id="threshold-type",
    ),
    pytest.param(
        _set([*_LOCALE, "NluConfidenceThreshold"], {"x": 1}),
        "BotLocales[0].NluConfidenceThreshold: expected a number, got object",
        id="threshold-object",
    ),
    pytest.param(
        _set([*_ELICIT_0, "PromptSpecification", "MaxRetries"], "1.5"),
        "PromptSpecification.MaxRetries: expected an integer, got a string that is not an integer",
        id="max-retries-decimal-string",
    ),
    pytest.param(
        _set([*_ELICIT_0, "PromptSpecification", "MaxRetries"], "9"),
        "PromptSpecification.MaxRetries: must be between 0 and 5",
        id="max-retries-string-range",
    ),
    pytest.param(
        _set([*_ELICIT_0, "PromptSpecification", "AllowInterrupt"], "yes"),
        "PromptSpecification.AllowInterrupt: expected a boolean, got a string that is not true or false",
        id="boolean-word",
    ),
    pytest.param(
        _set([*_PIZZA, "Name"], {"Fn::If": ["Cond", "A", "B"]}),
        "BotLocales[0].Intents[1].Name.Fn::If: Fn::If cannot be evaluated without CloudFormation",
        id="intrinsic-if",
    ),
    pytest.param(
        _set([*_PIZZA, "Name"], {"Fn::GetAtt": ["OnlyOne"]}),
        "BotLocales[0].Intents[1].Name.Fn::GetAtt: malformed Fn::GetAtt",
        id="intrinsic-malformed",
    ),
    pytest.param(
        _set([*_LOCALE, "SlotTypes", 0, "ValueSelectionSetting", "ResolutionStrategy"], "FUZZY"),
        "BotLocales[0].SlotTypes[0].ValueSelectionSetting.ResolutionStrategy: unsupported strategy 'FUZZY'",
        id="resolution-strategy",
    ),
    pytest.param(
        _set([*_PIZZA, "ParentIntentSignature"], "AMAZON.DanceIntent"),
        "BotLocales[0].Intents[1].ParentIntentSignature: unsupported built-in intent 'AMAZON.DanceIntent'",
        id="unsupported-builtin-intent",
    ),
    pytest.param(
        _set(["BotLocales"], []),
        "BotLocales: needs at least 1 item(s)",
        id="no-locales",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), BAD_FILES)
def test_bad_bot_files_fail_naming_the_field_path(
    toy_data: dict[str, Any], mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    data = copy.deepcopy(toy_data)
    mutate(data)
    with pytest.raises(BotDefinitionError) as caught:
        parse_bot(data, source="bots/toy.json")
    assert expected in str(caught.value)
    assert str(caught.value).endswith("(in bots/toy.json)")


def test_missing_required_field_names_it(toy_data: dict[str, Any]) -> None:
    data = copy.deepcopy(toy_data)
    del _intent(data, 0)["Slots"][1]["ValueElicitationSetting"]["PromptSpecification"]
    with pytest.raises(BotDefinitionError) as caught:
        parse_bot(data)
    assert caught.value.path == "BotLocales[0].Intents[0].Slots[1].ValueElicitationSetting.PromptSpecification"
    assert caught.value.problem == "required for a Required slot"


def test_invalid_json_file_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"BotLocales": [\n  {"LocaleId": }\n]}')
    with pytest.raises(BotDefinitionError, match=r"not valid JSON \(line 2, column 16\)"):
        load_bot(path)


def test_regex_slot_type_needs_alphanumeric_parent_and_a_valid_pattern(toy_data: dict[str, Any]) -> None:
    data = copy.deepcopy(toy_data)
    data["BotLocales"][0]["SlotTypes"].append(
        {
            "Name": "Zip",
            "ParentSlotTypeSignature": "AMAZON.AlphaNumeric",
            "ValueSelectionSetting": {"ResolutionStrategy": "ORIGINAL_VALUE", "RegexFilter": {"Pattern": "[0-9"}},
        }
    )
    with pytest.raises(BotDefinitionError, match=r"SlotTypes\[2\]\.ValueSelectionSetting\.RegexFilter\.Pattern"):
        parse_bot(data)


def test_scalars_are_read_as_cloudformation_reads_them(toy_data: dict[str, Any]) -> None:
    data = copy.deepcopy(toy_data)
    locale = data["BotLocales"][0]
    locale["NluConfidenceThreshold"] = "0.55"
    elicit = locale["Intents"][0]["Slots"][0]["ValueElicitationSetting"]["PromptSpecification"]
    elicit["MaxRetries"] = "3"
    elicit["AllowInterrupt"] = "False"
    locale["Intents"][0]["SlotPriorities"][0]["Priority"] = "1"
    locale["SlotTypes"][0]["SlotTypeValues"][0]["SampleValue"]["Value"] = 42
    bot = parse_bot(data)
    parsed = bot.locale("en_US")
    slot = parsed.intents[0].slot(locale["Intents"][0]["Slots"][0]["Name"])
    assert parsed.nlu_threshold == pytest.approx(0.55)
    assert slot is not None
    assert slot.prompt is not None
    assert (slot.prompt.max_retries, slot.prompt.allow_interrupt) == (3, False)
    assert parsed.slot_types[locale["SlotTypes"][0]["Name"]].values[0].value == "42"


def test_a_bare_botlocales_list_loads(tmp_path: Path, toy_data: dict[str, Any]) -> None:
    path = tmp_path / "locales.json"
    path.write_text(json.dumps(toy_data["BotLocales"]))
    bot = load_bot(path)
    assert bot.name == "locales"
    assert bot.locale("en_US").intent("CheckBalance") is not None


def test_intrinsics_resolve_locally_and_the_rest_stand_for_their_names() -> None:
    locale = {
        "LocaleId": "en_US", "NluConfidenceThreshold": 0.4,
        "Intents": [{
            "Name": {"Ref": "AgentIntentName"},
            "Description": {"Fn::Sub": "in ${AWS::Region}"},
            "SampleUtterances": [{"Utterance": {"Fn::Sub": "talk to ${AgentName}"}},
                                 {"Utterance": {"Fn::Join": [" ", ["speak", "with", {"Ref": "AgentName"}]]}},
                                 {"Utterance": {"Fn::Sub": ["call ${Who}", {"Who": "sales"}]}}],
        }],
    }  # fmt: skip
    bot = parse_bot([locale], substitutions={"AgentName": "Alex"})
    intent = bot.locale("en_US").intents[0]
    assert intent.name == "AgentIntentName"
    assert intent.sample_utterances == ("talk to Alex", "speak with Alex", "call sales")
    assert bot.by_reference == ("AgentIntentName",)


def test_builtin_intents_load_with_their_own_utterances_and_generative_ones_answer_no_match() -> None:
    locale = {
        "LocaleId": "en_US", "NluConfidenceThreshold": 0.4,
        "Intents": [{"Name": "Stop", "ParentIntentSignature": "AMAZON.StopIntent"},
                    {"Name": "Ask", "ParentIntentSignature": "AMAZON.QInConnectIntent"},
                    {"Name": "Hello", "SampleUtterances": [{"Utterance": "hello"}]}],
    }  # fmt: skip
    parsed = parse_bot({"BotLocales": [locale]}).locale("en_US")
    stop = parsed.intent("Stop")
    assert stop is not None
    assert "quit" in stop.sample_utterances
    assert parsed.no_match.name == "Ask"
    assert parsed.fallback.name == "FallbackIntent"
