"""Text normalisation for the Lex emulator: tokens with offsets, spoken numbers, DTMF, yes/no words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"\+?\d+(?:\.\d+)?|[^\W\d_]+(?:'[^\W\d_]+)*")
_NUMERIC = re.compile(r"\+?\d+(?:\.\d+)?")

DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
TEEN_WORDS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
TENS_WORDS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fifty": "5",
    "sixty": "6", "seventy": "7", "eighty": "8", "ninety": "9",
}  # fmt: skip
REPEAT_WORDS = {"double": 2, "triple": 3}
SCALE_WORDS = {"hundred": 100, "thousand": 1000, "million": 1_000_000}

YES_PHRASES = frozenset(
    {"yes", "yeah", "yep", "yup", "sure", "correct", "right", "ok", "okay", "affirmative", "confirm",
     "yes please", "that's right", "that is right", "that's correct", "that is correct", "of course",
     "go ahead", "please do", "absolutely", "definitely"}
)  # fmt: skip
NO_PHRASES = frozenset(
    {"no", "nope", "nah", "negative", "cancel", "incorrect", "wrong", "no thanks", "no thank you",
     "not really", "that's wrong", "that is wrong", "don't", "do not", "stop"}
)  # fmt: skip
MAYBE_PHRASES = frozenset({"maybe", "perhaps", "possibly"})
DONT_KNOW_PHRASES = frozenset({"don't know", "i don't know", "not sure", "i'm not sure", "no idea"})
DTMF_YES, DTMF_NO = "1", "2"


@dataclass(frozen=True)
class Token:
    """One word of the input: its normalised form and its character span in the original text."""

    norm: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Split text into lower-case words and numbers, dropping punctuation, keeping offsets."""
    return [Token(m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def phrase(tokens: Sequence[Token]) -> str:
    """The normalised phrase for tokens (lower case, single spaces, no punctuation)."""
    return " ".join(t.norm for t in tokens)


def normalise_phrase(text: str) -> str:
    """The normalised phrase for raw text."""
    return phrase(tokenize(text))


def original(text: str, tokens: Sequence[Token]) -> str:
    """The raw text covered by a non-empty run of tokens."""
    return text[tokens[0].start : tokens[-1].end]


def dtmf_clean(text: str) -> str:
    """DTMF input as Lex receives it: the keys as typed, surrounding space and trailing '#' removed."""
    return text.strip().rstrip("#").strip()


def spoken_number(tokens: Sequence[Token]) -> str | None:
    """Digits for a run of number words/digits ("four one one one" -> "4111"), or None if not numeric.

    Each spoken group becomes its digits and the groups are concatenated: "forty one eleven" -> "4111",
    "double five" -> "55". With "hundred", "thousand" or "million" the words are one cardinal number
    ("one hundred and two" -> "102"); words that do not make one give None, never a partial value.
    """
    if len(tokens) == 1 and _NUMERIC.fullmatch(tokens[0].norm):
        return tokens[0].norm
    words = [t.norm for t in tokens]
    if any(word in SCALE_WORDS for word in words):
        value = cardinal(words)
        return None if value is None else str(value)
    out: list[str] = []
    i = 0
    while i < len(words):
        consumed, digits = _number_group(words, i)
        if digits is None:
            return None
        out.append(digits)
        i += consumed
    return "".join(out) or None


def _number_group(words: Sequence[str], i: int) -> tuple[int, str | None]:
    """One spoken number group at words[i]: (words consumed, digits) or (1, None)."""
    word = words[i]
    following = words[i + 1] if i + 1 < len(words) else ""
    if word.isdigit() or word in DIGIT_WORDS or word in TEEN_WORDS:
        return 1, DIGIT_WORDS.get(word) or TEEN_WORDS.get(word) or word
    if word in TENS_WORDS:
        if following in DIGIT_WORDS and DIGIT_WORDS[following] != "0":
            return 2, TENS_WORDS[word] + DIGIT_WORDS[following]
        return 1, TENS_WORDS[word] + "0"
    if word in REPEAT_WORDS and (following in DIGIT_WORDS or following.isdigit()):
        digit = DIGIT_WORDS.get(following, following)
        return 2, digit * REPEAT_WORDS[word]
    return 1, None


def _below_hundred(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """(value, words consumed) of a number below 100 at words[i] ("forty two", "twelve", "7")."""
    word = words[i] if i < len(words) else ""
    if word in TENS_WORDS:
        following = words[i + 1] if i + 1 < len(words) else ""
        if following in DIGIT_WORDS and DIGIT_WORDS[following] != "0":
            return int(TENS_WORDS[word]) * 10 + int(DIGIT_WORDS[following]), 2
        return int(TENS_WORDS[word]) * 10, 1
    if word in TEEN_WORDS:
        return int(TEEN_WORDS[word]), 1
    if word in DIGIT_WORDS and word not in {"o", "oh"}:
        return int(DIGIT_WORDS[word]), 1
    if word.isdigit() and int(word) < 1000:
        return int(word), 1
    return None


def cardinal(words: Sequence[str]) -> int | None:  # noqa: PLR0911 - each early return is a malformed number
    """A spoken cardinal ("two thousand and five", "a hundred and twelve"), or None unless every word fits."""
    total, group, i = 0, None, 0
    last_scale = 10**9
    while i < len(words):
        word = words[i]
        if word == "and" and (group is not None or total) and i + 1 < len(words):
            i += 1
            continue
        if word == "a" and i + 1 < len(words) and words[i + 1] in SCALE_WORDS and group is None:
            group, i = 1, i + 1
            continue
        if word in SCALE_WORDS:
            if group is None:
                return None
            scale = SCALE_WORDS[word]
            if scale == 100:
                if not 1 <= group < 100:
                    return None
                group *= 100
            else:
                if scale >= last_scale:
                    return None
                total, group, last_scale = total + group * scale, None, scale
            i += 1
            continue
        part = _below_hundred(words, i)
        if part is None:
            return None
        value, used = part
        if group is not None and (group % 100 != 0 or group == 0):
            return None  # two numbers side by side ("two three hundred")
        group = value if group is None else group + value
        i += used
    if group is None and total == 0:
        return None
    return total + (group or 0)


def confirmation_value(tokens: Sequence[Token], *, dtmf: bool) -> str | None:
    """AMAZON.Confirmation's value for the input: Yes, No, Maybe, Don't know, or None."""
    said = phrase(tokens)
    if dtmf:
        return {DTMF_YES: "Yes", DTMF_NO: "No"}.get(said)
    for phrases, value in (
        (YES_PHRASES, "Yes"),
        (NO_PHRASES, "No"),
        (MAYBE_PHRASES, "Maybe"),
        (DONT_KNOW_PHRASES, "Don't know"),
    ):
        if said in phrases:
            return value
    return None
