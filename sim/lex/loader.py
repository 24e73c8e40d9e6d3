"""Load and validate a bot file in CloudFormation's AWS::Lex::Bot BotLocales schema."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.intrinsics import IntrinsicError, resolve_intrinsics
from sim.lex.errors import BotDefinitionError
from sim.lex.fields import Field, FieldContext, FieldSpec, spec
from sim.lex.model import (
    BUILTIN_INTENT_UTTERANCES,
    BUILTIN_INTENTS,
    FALLBACK_SIGNATURE,
    ORIGINAL_VALUE,
    TOP_RESOLUTION,
    BotDefinition,
    BotLocale,
    Button,
    CustomSlotType,
    ImageCard,
    Intent,
    Message,
    MessageGroup,
    Prompt,
    Slot,
    SlotTypeValue,
)
from sim.lex.slot_types import BUILTIN_SLOT_TYPES

_SLOT_REF = re.compile(r"\{([^{}]*)\}")
_LABEL = re.compile(r"(?:[0-9a-zA-Z][_-]?)+")  # InvocationLabel (DialogCodeHookInvocationSetting)
_SLOT_NAME = re.compile(r"^[0-9a-zA-Z](?:[_-]?[0-9a-zA-Z])*$")
_ALPHANUMERIC = "AMAZON.AlphaNumeric"
CONCATENATION = "Concatenation"

# Field names per AWS::Lex::Bot property type: (fields the emulator reads, fields it accepts but ignores).
_BOT = spec(
    {"BotLocales", "Name", "Description"},
    {"AutoBuildBotLocales", "BotFileS3Location", "BotMembers", "BotTags", "BotType", "DataPrivacy",
     "ErrorLogSettings", "IdleSessionTTLInSeconds", "Replication", "RoleArn", "TestBotAliasSettings",
     "TestBotAliasTags"},
)  # fmt: skip
_LOCALE = spec(
    {"LocaleId", "NluConfidenceThreshold", "Intents", "SlotTypes", "Description"},
    {"AudioFillerSettings", "CustomVocabulary", "GenerativeAISettings", "SpeechDetectionSensitivity",
     "SpeechRecognitionSettings", "UnifiedSpeechSettings", "VoiceSettings"},
)  # fmt: skip
_INTENT = spec(
    {"Name", "Description", "ParentIntentSignature", "SampleUtterances", "Slots", "SlotPriorities",
     "IntentConfirmationSetting", "DialogCodeHook", "FulfillmentCodeHook", "IntentClosingSetting"},
    {"BedrockAgentIntentConfiguration", "DisplayName", "InitialResponseSetting", "InputContexts",
     "KendraConfiguration", "OutputContexts", "QInConnectIntentConfiguration", "QnAIntentConfiguration"},
)  # fmt: skip
_SLOT = spec(
    {"Name", "SlotTypeName", "ValueElicitationSetting", "ObfuscationSetting", "Description"},
    {"MultipleValuesSetting", "SubSlotSetting"},
)
_ELICITATION = spec(
    {"SlotConstraint", "PromptSpecification", "SampleUtterances"},
    {"DefaultValueSpecification", "SlotCaptureSetting", "SlotResolutionSetting", "WaitAndContinueSpecification"},
)
_PROMPT = spec(
    {"MaxRetries", "MessageGroupsList", "AllowInterrupt"},
    {"MessageSelectionStrategy", "PromptAttemptsSpecification"},
)
_RESPONSE = spec({"MessageGroupsList", "AllowInterrupt"})
_GROUP = spec({"Message", "Variations"})
_MESSAGE = spec({"PlainTextMessage", "SSMLMessage", "CustomPayload", "ImageResponseCard"})
_CARD = spec({"Title", "Subtitle", "ImageUrl", "Buttons"})
_CONFIRMATION = spec(
    {"PromptSpecification", "DeclinationResponse", "IsActive"},
    {"CodeHook", "ConfirmationConditional", "ConfirmationNextStep", "ConfirmationResponse",
     "DeclinationConditional", "DeclinationNextStep", "ElicitationCodeHook", "FailureConditional",
     "FailureNextStep", "FailureResponse"},
)  # fmt: skip
_CLOSING = spec({"ClosingResponse", "IsActive"}, {"Conditional", "NextStep"})
_FULFILLMENT = spec(
    {"Enabled", "IsActive"},
    {"FulfillmentUpdatesSpecification", "PostFulfillmentStatusSpecification"},
)
_SLOT_TYPE = spec(
    {"Name", "Description", "SlotTypeValues", "ValueSelectionSetting", "ParentSlotTypeSignature"},
    {"CompositeSlotTypeSetting", "ExternalSourceSetting"},
)
_SELECTION = spec({"ResolutionStrategy", "RegexFilter"}, {"AdvancedRecognitionSetting"})
_MESSAGE_TYPES = {
    "PlainTextMessage": "PlainText",
    "SSMLMessage": "SSML",
    "CustomPayload": "CustomPayload",
}


def load_bot(path: Path, substitutions: Mapping[str, str] | None = None) -> BotDefinition:
    """Read and validate a bot file: ``{"BotLocales": [...]}`` as CDK puts on AWS::Lex::Bot, or the bare list.

    CloudFormation intrinsics in it are resolved with ``substitutions`` (see ``sim.intrinsics``).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BotDefinitionError("", "not a UTF-8 text file", source=str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"not valid JSON (line {exc.lineno}, column {exc.colno})"
        raise BotDefinitionError("", problem, source=str(path)) from None
    return parse_bot(data, source=str(path), default_name=Path(path).stem, substitutions=substitutions)


def parse_bot(
    data: Any, *, source: str = "", default_name: str = "Bot", substitutions: Mapping[str, str] | None = None
) -> BotDefinition:
    """Validate an already-parsed bot definition (a bare BotLocales list is taken as ``{"BotLocales": [...]}``).

    Scalars are read as CloudFormation reads them (``"0.40"`` for a number); intrinsic functions are resolved.
    """
    if isinstance(data, list):
        data = {"BotLocales": data}
    try:
        resolution = resolve_intrinsics(data, substitutions)
    except IntrinsicError as exc:
        raise BotDefinitionError(exc.path, exc.problem, source=source) from None
    data = resolution.document
    ctx = FieldContext(lambda path, problem: BotDefinitionError(path, problem, source=source), cloudformation=True)
    root = Field(data, "", ctx)
    root.obj(_BOT)
    name = root.get("Name")
    description = root.get("Description")
    locales: dict[str, BotLocale] = {}
    for node in root.child("BotLocales").items(min_items=1):
        locale = _locale(node)
        if locale.locale_id in locales:
            node.child("LocaleId").fail(f"duplicate locale {locale.locale_id!r}")
        locales[locale.locale_id] = locale
    return BotDefinition(
        name=name.text() if name else default_name,
        locales=locales,
        description=description.text() if description else None,
        source=source,
        ignored_fields=tuple(ctx.ignored),
        by_reference=tuple(resolution.by_reference),
    )


def _locale(node: Field) -> BotLocale:
    """One BotLocale."""
    node.obj(_LOCALE)
    locale_id = node.child("LocaleId").text()
    threshold = node.child("NluConfidenceThreshold").number(0, 1)
    slot_types: dict[str, CustomSlotType] = {}
    for st_node in node.child("SlotTypes").items():
        slot_type = _slot_type(st_node)
        if slot_type.name in slot_types or slot_type.name in BUILTIN_SLOT_TYPES:
            st_node.child("Name").fail(f"duplicate slot type {slot_type.name!r}")
        slot_types[slot_type.name] = slot_type
    intents: list[Intent] = []
    for i_node in node.child("Intents").items():
        intent = _intent(i_node, slot_types)
        if any(i.name == intent.name for i in intents):
            i_node.child("Name").fail(f"duplicate intent {intent.name!r}")
        if intent.is_fallback and any(i.is_fallback for i in intents):
            i_node.child("ParentIntentSignature").fail("only one intent may extend AMAZON.FallbackIntent")
        intents.append(intent)
    if not any(i.is_fallback for i in intents):
        intents.append(Intent(name="FallbackIntent", parent_signature=FALLBACK_SIGNATURE))
    return BotLocale(locale_id, threshold, tuple(intents), slot_types)


def _slot_type(node: Field) -> CustomSlotType:
    """One custom SlotType."""
    node.obj(_SLOT_TYPE)
    name = node.child("Name").text()
    parent_node = node.get("ParentSlotTypeSignature")
    parent = parent_node.text() if parent_node else None
    if parent_node is not None and parent != _ALPHANUMERIC:
        parent_node.fail(f"unsupported parent slot type {parent!r} (the emulator supports {_ALPHANUMERIC})")
    value_nodes = node.child("SlotTypeValues").items(min_items=0 if parent else 1)
    values = tuple(_slot_type_value(v) for v in value_nodes)
    resolution, regex = ORIGINAL_VALUE, None
    selection = node.get("ValueSelectionSetting")
    if selection is not None:
        selection.obj(_SELECTION)
        strategy = selection.child("ResolutionStrategy")
        resolution = strategy.text()
        if resolution == CONCATENATION:
            resolution = ORIGINAL_VALUE  # a multi-valued slot's values joined: one value here is as said
        if resolution not in (ORIGINAL_VALUE, TOP_RESOLUTION):
            strategy.fail(f"unsupported strategy {resolution!r} (use {ORIGINAL_VALUE} or {TOP_RESOLUTION})")
        regex = _regex_filter(selection.get("RegexFilter"), parent)
    return CustomSlotType(name, values, resolution, parent, regex)


def _regex_filter(node: Field | None, parent: str | None) -> str | None:
    """The RegexFilter pattern, checked to compile; only valid on an AMAZON.AlphaNumeric extension."""
    if node is None:
        return None
    node.obj(spec({"Pattern"}))
    pattern_node = node.child("Pattern")
    pattern = pattern_node.text()
    if parent != _ALPHANUMERIC:
        node.fail(f"RegexFilter needs ParentSlotTypeSignature {_ALPHANUMERIC}")
    try:
        re.compile(pattern)
    except re.error as exc:
        pattern_node.fail(f"invalid regular expression ({exc.msg})")
    return pattern


def _slot_type_value(node: Field) -> SlotTypeValue:
    """One SlotTypeValue."""
    node.obj(spec({"SampleValue", "Synonyms"}))
    sample = node.child("SampleValue")
    sample.obj(spec({"Value"}))
    synonyms = []
    for syn in node.child("Synonyms").items():
        syn.obj(spec({"Value"}))
        synonyms.append(syn.child("Value").text())
    return SlotTypeValue(sample.child("Value").text(), tuple(synonyms))


def _intent(node: Field, slot_types: Mapping[str, CustomSlotType]) -> Intent:
    """One Intent, with its utterances' {Slot} references and slot priorities checked."""
    node.obj(_INTENT)
    name = node.child("Name").text()
    parent_node = node.get("ParentIntentSignature")
    parent = parent_node.text() if parent_node else None
    if parent_node is not None and parent not in BUILTIN_INTENTS:
        supported = ", ".join(sorted(BUILTIN_INTENTS))
        parent_node.fail(f"unsupported built-in intent {parent!r} (supported: {supported})")
    slots: list[Slot] = []
    for s_node in node.child("Slots").items():
        slot = _slot(s_node, slot_types)
        if any(s.name == slot.name for s in slots):
            s_node.child("Name").fail(f"duplicate slot {slot.name!r}")
        slots.append(slot)
    if parent == FALLBACK_SIGNATURE and (slots or node.get("SampleUtterances")):
        node.fail("a fallback intent cannot have slots or sample utterances")
    names = {s.name for s in slots}
    utterances = list(BUILTIN_INTENT_UTTERANCES.get(parent or "", ()))
    for u_node in node.child("SampleUtterances").items():
        utterances.append(_utterance(u_node, names))
    confirmation, declination = _confirmation(node.get("IntentConfirmationSetting"))
    return Intent(
        name=name,
        parent_signature=parent,
        sample_utterances=tuple(utterances),
        slots=_by_priority(node, slots),
        confirmation_prompt=confirmation,
        declination=declination,
        dialog_hook=_hook_enabled(node.get("DialogCodeHook"), spec({"Enabled"})),
        fulfillment_hook=_hook_enabled(node.get("FulfillmentCodeHook"), _FULFILLMENT),
        closing=_closing(node.get("IntentClosingSetting")),
        initial_label=_label(node, "InitialResponseSetting", "CodeHook"),
        confirmation_label=_label(node, "IntentConfirmationSetting", "CodeHook"),
        confirmation_retry_label=_label(node, "IntentConfirmationSetting", "ElicitationCodeHook"),
    )


def _utterance(node: Field, slot_names: set[str]) -> str:
    """One SampleUtterance; every {Slot} reference must name one of slot_names."""
    node.obj(spec({"Utterance"}))
    text_node = node.child("Utterance")
    text = text_node.text()
    for ref in _SLOT_REF.findall(text):
        if ref not in slot_names:
            text_node.fail(f"unknown slot {ref!r} in utterance")
    return text


def _slot(node: Field, slot_types: Mapping[str, CustomSlotType]) -> Slot:
    """One Slot."""
    node.obj(_SLOT)
    name_node = node.child("Name")
    name = name_node.text()
    if not _SLOT_NAME.match(name):
        name_node.fail("slot names use letters, digits, '_' and '-' only")
    type_node = node.child("SlotTypeName")
    slot_type = type_node.text()
    if slot_type.startswith("AMAZON.") and slot_type not in BUILTIN_SLOT_TYPES:
        supported = ", ".join(sorted(BUILTIN_SLOT_TYPES))
        type_node.fail(f"unsupported built-in slot type {slot_type!r} (the emulator supports {supported})")
    if slot_type not in BUILTIN_SLOT_TYPES and slot_type not in slot_types:
        type_node.fail(f"unknown slot type {slot_type!r}")
    setting = node.child("ValueElicitationSetting")
    setting.obj(_ELICITATION)
    constraint_node = setting.child("SlotConstraint")
    constraint = constraint_node.text()
    if constraint not in ("Required", "Optional"):
        constraint_node.fail(f"must be Required or Optional, got {constraint!r}")
    prompt_node = setting.get("PromptSpecification")
    if prompt_node is None and constraint == "Required":
        setting.child("PromptSpecification").fail("required for a Required slot")
    utterances = tuple(_utterance(u, {name}) for u in setting.child("SampleUtterances").items())
    return Slot(
        name=name,
        slot_type=slot_type,
        required=constraint == "Required",
        prompt=_prompt(prompt_node) if prompt_node else None,
        obfuscated=_obfuscated(node.get("ObfuscationSetting")),
        sample_utterances=utterances,
        capture_label=_label(setting, "SlotCaptureSetting", "CodeHook"),
        elicitation_label=_label(setting, "SlotCaptureSetting", "ElicitationCodeHook"),
    )


def _label(node: Field, *path: str) -> str | None:
    """The ``InvocationLabel`` of the code-hook setting at ``path`` under ``node`` (Lex passes it to the hook)."""
    found: Field | None = node
    for key in (*path, "InvocationLabel"):
        found = found.get(key) if found is not None else None
    if found is None:
        return None
    text = found.text()
    if len(text) > 100 or not _LABEL.fullmatch(text):
        found.fail("1 to 100 characters: letters and digits, each optionally followed by one '_' or '-'")
    return text


def _obfuscated(node: Field | None) -> bool:
    """True for ObfuscationSettingType DefaultObfuscation (absent means no obfuscation)."""
    if node is None:
        return False
    node.obj(spec({"ObfuscationSettingType"}))
    kind_node = node.child("ObfuscationSettingType")
    kind = kind_node.text()
    if kind not in ("DefaultObfuscation", "None"):
        kind_node.fail(f"must be DefaultObfuscation or None, got {kind!r}")
    return kind == "DefaultObfuscation"


def _by_priority(node: Field, slots: list[Slot]) -> tuple[Slot, ...]:
    """Slots ordered by SlotPriorities; unlisted slots follow in definition order."""
    by_name = {s.name: s for s in slots}
    ranked: list[tuple[float, str]] = []
    for p_node in node.child("SlotPriorities").items():
        p_node.obj(spec({"Priority", "SlotName"}))
        priority = p_node.child("Priority").number(0, 100, integer=True)
        name_node = p_node.child("SlotName")
        name = name_node.text()
        if name not in by_name:
            name_node.fail(f"unknown slot {name!r}")
        if any(n == name for _, n in ranked):
            name_node.fail(f"slot {name!r} is listed twice")
        ranked.append((priority, name))
    ordered = [by_name[n] for _, n in sorted(ranked, key=lambda r: r[0])]
    return tuple(ordered + [s for s in slots if s not in ordered])


def _confirmation(node: Field | None) -> tuple[Prompt | None, tuple[MessageGroup, ...]]:
    """(confirmation prompt, declination messages) from IntentConfirmationSetting, honouring IsActive."""
    if node is None:
        return None, ()
    node.obj(_CONFIRMATION)
    prompt = _prompt(node.child("PromptSpecification"))
    declination = _response(node.get("DeclinationResponse"))
    if not node.child("IsActive").flag(True):
        return None, ()
    return prompt, declination


def _closing(node: Field | None) -> tuple[MessageGroup, ...]:
    """The closing response messages, honouring IsActive."""
    if node is None:
        return ()
    node.obj(_CLOSING)
    groups = _response(node.get("ClosingResponse"))
    return groups if node.child("IsActive").flag(True) else ()


def _hook_enabled(node: Field | None, fields: FieldSpec) -> bool:
    """Whether a code hook setting is on (Enabled, and IsActive when the type has it)."""
    if node is None:
        return False
    node.obj(fields)
    return node.child("Enabled").flag(False) and node.child("IsActive").flag(True)


def _prompt(node: Field) -> Prompt:
    """A PromptSpecification."""
    node.obj(_PROMPT)
    retries = int(node.child("MaxRetries").number(0, 5, integer=True))
    groups = _groups(node.child("MessageGroupsList"))
    return Prompt(groups, retries, node.child("AllowInterrupt").flag(True))


def _response(node: Field | None) -> tuple[MessageGroup, ...]:
    """A ResponseSpecification's message groups."""
    if node is None:
        return ()
    node.obj(_RESPONSE)
    return _groups(node.child("MessageGroupsList"))


def _groups(node: Field) -> tuple[MessageGroup, ...]:
    """A MessageGroupsList (1 to 5 groups)."""
    groups = []
    for g_node in node.items(min_items=1, max_items=5):
        g_node.obj(_GROUP)
        variations = tuple(_message(v) for v in g_node.child("Variations").items(max_items=2))
        groups.append(MessageGroup(_message(g_node.child("Message")), variations))
    return tuple(groups)


def _message(node: Field) -> Message:
    """A Message with exactly one of PlainTextMessage, SSMLMessage, CustomPayload, ImageResponseCard."""
    present = [k for k in node.obj(_MESSAGE) if node.obj()[k] is not None]
    if len(present) != 1:
        node.fail("needs exactly one of PlainTextMessage, SSMLMessage, CustomPayload, ImageResponseCard")
    kind = present[0]
    inner = node.child(kind)
    if kind == "ImageResponseCard":
        return Message("ImageResponseCard", card=_card(inner))
    inner.obj(spec({"Value"}))
    return Message(_MESSAGE_TYPES[kind], content=inner.child("Value").text())


def _card(node: Field) -> ImageCard:
    """An ImageResponseCard."""
    node.obj(_CARD)
    buttons = []
    for b_node in node.child("Buttons").items(max_items=5):
        b_node.obj(spec({"Text", "Value"}))
        buttons.append(Button(b_node.child("Text").text(), b_node.child("Value").text()))
    subtitle, image_url = node.get("Subtitle"), node.get("ImageUrl")
    return ImageCard(
        title=node.child("Title").text(),
        subtitle=subtitle.text() if subtitle else None,
        image_url=image_url.text() if image_url else None,
        buttons=tuple(buttons),
    )
