"""The parsed bot definition: an immutable view of AWS::Lex::Bot BotLocales, as the emulator uses it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.lex.errors import BotNotFoundError

FALLBACK_SIGNATURE = "AMAZON.FallbackIntent"
# Built-in intents that answer from a knowledge source when no other intent matches (never from utterances).
GENERATIVE_SIGNATURES = frozenset(
    {"AMAZON.QInConnectIntent", "AMAZON.QnAIntent", "AMAZON.BedrockAgentIntent", "AMAZON.KendraSearchIntent"}
)
# Built-in intents Lex recognises from its own utterances (the emulator's short list of them).
BUILTIN_INTENT_UTTERANCES: Mapping[str, tuple[str, ...]] = {
    "AMAZON.CancelIntent": ("cancel", "never mind", "forget it"),
    "AMAZON.HelpIntent": ("help", "help me", "can you help me"),
    "AMAZON.StopIntent": ("stop", "quit", "exit"),
    "AMAZON.StartOverIntent": ("start over", "restart", "start again"),
    "AMAZON.RepeatIntent": ("repeat", "repeat that", "say that again"),
    "AMAZON.PauseIntent": ("pause", "hold on"),
    "AMAZON.ResumeIntent": ("resume", "continue"),
}
BUILTIN_INTENTS = frozenset({FALLBACK_SIGNATURE, *GENERATIVE_SIGNATURES, *BUILTIN_INTENT_UTTERANCES})
ORIGINAL_VALUE = "ORIGINAL_VALUE"
TOP_RESOLUTION = "TOP_RESOLUTION"
_SLOT_REF = re.compile(r"\{([A-Za-z0-9_-]+)\}")


@dataclass(frozen=True)
class Button:
    """A response-card button."""

    text: str
    value: str


@dataclass(frozen=True)
class ImageCard:
    """An ImageResponseCard as defined in the bot."""

    title: str
    subtitle: str | None = None
    image_url: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Message:
    """One message: PlainText, SSML, CustomPayload (content) or ImageResponseCard (card)."""

    content_type: str
    content: str | None = None
    card: ImageCard | None = None

    def to_wire(self, slot_values: Mapping[str, str]) -> dict[str, Any]:
        """The lexv2-runtime Message, with {Slot} references replaced by the slots' interpreted values."""

        def fill(text: str) -> str:
            return _SLOT_REF.sub(lambda m: slot_values.get(m.group(1), m.group(0)), text)

        if self.card is None:
            return {"contentType": self.content_type, "content": fill(self.content or "")}
        card: dict[str, Any] = {"title": fill(self.card.title)}
        if self.card.subtitle is not None:
            card["subtitle"] = fill(self.card.subtitle)
        if self.card.image_url is not None:
            card["imageUrl"] = self.card.image_url
        if self.card.buttons:
            card["buttons"] = [{"text": b.text, "value": b.value} for b in self.card.buttons]
        return {"contentType": self.content_type, "imageResponseCard": card}


@dataclass(frozen=True)
class MessageGroup:
    """A message and its variations; attempt n uses entry n (cyclic) of [Message, *Variations]."""

    message: Message
    variations: tuple[Message, ...] = ()

    def pick(self, attempt: int) -> Message:
        """The message used on the given prompt attempt (0 = initial)."""
        choices = (self.message, *self.variations)
        return choices[attempt % len(choices)]


@dataclass(frozen=True)
class Prompt:
    """A PromptSpecification: message groups plus how many times Lex re-prompts."""

    groups: tuple[MessageGroup, ...]
    max_retries: int
    allow_interrupt: bool = True

    def messages(self, attempt: int = 0) -> tuple[Message, ...]:
        """One message per group for the given attempt."""
        return tuple(g.pick(attempt) for g in self.groups)


@dataclass(frozen=True)
class Slot:
    """A slot of an intent."""

    name: str
    slot_type: str
    required: bool
    prompt: Prompt | None
    obfuscated: bool = False
    sample_utterances: tuple[str, ...] = ()
    capture_label: str | None = None  # SlotCaptureSetting.CodeHook.InvocationLabel: the hook after a value
    elicitation_label: str | None = None  # SlotCaptureSetting.ElicitationCodeHook.InvocationLabel: between retries


@dataclass(frozen=True)
class Intent:
    """An intent; slots are kept in SlotPriorities order (unlisted slots last, in definition order)."""

    name: str
    parent_signature: str | None = None
    sample_utterances: tuple[str, ...] = ()
    slots: tuple[Slot, ...] = ()
    confirmation_prompt: Prompt | None = None
    declination: tuple[MessageGroup, ...] = ()
    dialog_hook: bool = False
    fulfillment_hook: bool = False
    closing: tuple[MessageGroup, ...] = ()
    initial_label: str | None = None  # InitialResponseSetting.CodeHook.InvocationLabel: the hook as it starts
    confirmation_label: str | None = None  # IntentConfirmationSetting.CodeHook.InvocationLabel: after yes/no
    confirmation_retry_label: str | None = None  # IntentConfirmationSetting.ElicitationCodeHook.InvocationLabel

    @property
    def is_fallback(self) -> bool:
        """True for the AMAZON.FallbackIntent-derived intent."""
        return self.parent_signature == FALLBACK_SIGNATURE

    @property
    def is_generative(self) -> bool:
        """True for a Q in Connect / QnA / Bedrock agent / Kendra intent: chosen when nothing else matches."""
        return self.parent_signature in GENERATIVE_SIGNATURES

    def slot(self, name: str) -> Slot | None:
        """The slot called name, if the intent has one."""
        return next((s for s in self.slots if s.name == name), None)


@dataclass(frozen=True)
class SlotTypeValue:
    """A custom slot type value and its synonyms."""

    value: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomSlotType:
    """A slot type defined in the bot (values + synonyms, or a regex-restricted built-in parent)."""

    name: str
    values: tuple[SlotTypeValue, ...] = ()
    resolution: str = ORIGINAL_VALUE
    parent: str | None = None
    regex: str | None = None


@dataclass(frozen=True)
class BotLocale:
    """One locale of the bot."""

    locale_id: str
    nlu_threshold: float
    intents: tuple[Intent, ...]
    slot_types: Mapping[str, CustomSlotType]

    @property
    def fallback(self) -> Intent:
        """The locale's fallback intent (the loader guarantees there is exactly one)."""
        return next(i for i in self.intents if i.is_fallback)

    @property
    def no_match(self) -> Intent:
        """The intent Lex starts when no intent matches: a generative built-in one if defined, else the fallback."""
        return next((i for i in self.intents if i.is_generative), self.fallback)

    def intent(self, name: str) -> Intent | None:
        """The intent called name, if any."""
        return next((i for i in self.intents if i.name == name), None)


@dataclass(frozen=True)
class BotDefinition:
    """A validated bot definition; ignored_fields lists CloudFormation fields the emulator does not act on."""

    name: str
    locales: Mapping[str, BotLocale]
    description: str | None = None
    source: str = ""
    ignored_fields: tuple[str, ...] = field(default=())
    by_reference: tuple[str, ...] = ()  # CloudFormation names (Ref, ${...}) the file used, left standing for themselves

    def locale(self, locale_id: str) -> BotLocale:
        """The locale with that id ("en-US" as Connect writes it also finds en_US), else BotNotFoundError."""
        found = self.locales.get(locale_id) or self.locales.get(locale_id.replace("-", "_"))
        if found is None:
            known = ", ".join(sorted(self.locales))
            raise BotNotFoundError(f"bot {self.name!r} has no locale {locale_id!r} (has: {known})")
        return found
