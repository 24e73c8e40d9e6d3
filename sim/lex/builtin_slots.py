"""Built-in slot types beyond numbers and yes/no: dates, times, names, places, e-mail addresses.

Deterministic and English-only, like the rest of the emulator: each resolver takes the words offered to a
slot and gives Lex's value (ISO ``YYYY-MM-DD`` dates resolved against the simulated clock, ``HH:MM`` times,
names as said) or ``None`` — never a value made of part of the words. See docs/lex-emulator.md.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence

from sim.lex.normalize import DIGIT_WORDS, TEEN_WORDS, TENS_WORDS, Token, cardinal, phrase, spoken_number
from sim.lex.slot_values import SlotInput, SlotValue

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")  # fmt: skip
_MONTH_ABBREVIATIONS = {name[:3]: index for index, name in enumerate(MONTHS, 1)} | {"sept": 9}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30,
}  # fmt: skip
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
_DATE_FILLER = frozenset({"on", "the", "for", "of", "this", "coming"})
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?")
_CLOCK_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")


def _phrases(text: str) -> frozenset[str]:
    """``a|b c|d`` as a set of phrases."""
    return frozenset(part.strip() for part in text.split("|"))


# Words that are never a name or a place on their own: what carrier phrases are made of.
_STOP_WORDS_TEXT = (
    "a about am an and are at be book by call can could do for from go going have hello hi i i'm im in is "
    "it it's its like live living me my name need no of on please so the this to want we would yes you "
    "your called from fly flying visit travel trip hotel room city town moving move get"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
CITIES = _phrases(
    "new york|los angeles|chicago|houston|phoenix|philadelphia|san antonio|san diego|dallas|san jose|"
    "austin|seattle|denver|boston|miami|atlanta|portland|las vegas|detroit|nashville|washington|"
    "baltimore|san francisco|minneapolis|orlando|tampa|new orleans|pittsburgh|cleveland|salt lake city|"
    "honolulu|anchorage|london|paris|berlin|madrid|rome|dublin|amsterdam|toronto|vancouver|montreal|"
    "sydney|melbourne|tokyo|osaka|singapore|mumbai|delhi|bangalore|mexico city|sao paulo|johannesburg|"
    "cape town|frankfurt|munich|barcelona|lisbon|zurich|hong kong|seoul|auckland|edinburgh|manchester|"
    "birmingham|glasgow"
)
US_STATES = _phrases(
    "alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|hawaii|"
    "idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|"
    "minnesota|mississippi|missouri|montana|nebraska|nevada|new hampshire|new jersey|new mexico|new york|"
    "north carolina|north dakota|ohio|oklahoma|oregon|pennsylvania|rhode island|south carolina|"
    "south dakota|tennessee|texas|utah|vermont|virginia|washington|west virginia|wisconsin|wyoming"
)
COUNTRIES = _phrases(
    "united states|usa|canada|mexico|brazil|argentina|united kingdom|uk|ireland|france|germany|spain|"
    "portugal|italy|netherlands|belgium|switzerland|austria|sweden|norway|denmark|finland|poland|greece|"
    "turkey|india|china|japan|south korea|singapore|australia|new zealand|south africa|nigeria|egypt|"
    "kenya|israel|saudi arabia|united arab emirates|philippines|indonesia|vietnam|thailand|malaysia"
)


def _today(words: SlotInput) -> datetime.date:
    return words.today or datetime.datetime.now(datetime.UTC).date()


def _strip_filler(tokens: Sequence[Token]) -> list[str]:
    words = [t.norm for t in tokens]
    while words and words[0] in _DATE_FILLER:
        words = words[1:]
    return words


def _day_number(words: Sequence[str]) -> int | None:
    """A day of the month: "1", "1 st", "first", "twenty first", "21"."""
    if not words:
        return None
    if words[0].isdigit() and (len(words) == 1 or (len(words) == 2 and words[1] in _ORDINAL_SUFFIXES)):
        return int(words[0])
    if len(words) == 1 and words[0] in _ORDINALS:
        return _ORDINALS[words[0]]
    if len(words) == 2 and words[0] in {"twenty", "thirty"} and words[1] in _ORDINALS:
        return int(TENS_WORDS[words[0]]) * 10 + _ORDINALS[words[1]]
    return None


def _month(word: str) -> int | None:
    if word in MONTHS:
        return MONTHS.index(word) + 1
    return _MONTH_ABBREVIATIONS.get(word)


def _safe_date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _upcoming(today: datetime.date, month: int, day: int) -> datetime.date | None:
    """The next ``month``/``day`` on or after ``today``."""
    this_year = _safe_date(today.year, month, day)
    if this_year is not None and this_year >= today:
        return this_year
    return _safe_date(today.year + 1, month, day)


def _month_day(words: list[str], today: datetime.date) -> datetime.date | None:
    """"may 1 st [2025]", "may first", "1 st of may", "the first of may [2025]"."""
    year: int | None = None
    if len(words) > 2 and words[-1].isdigit() and len(words[-1]) == 4:
        year, words = int(words[-1]), words[:-1]
    if words and _month(words[0]) is not None:
        month, day = _month(words[0]), _day_number(words[1:])
    elif words and _month(words[-1]) is not None:
        rest = words[:-1]
        if rest and rest[-1] == "of":
            rest = rest[:-1]
        month, day = _month(words[-1]), _day_number(rest)
    else:
        return None
    if month is None or day is None:
        return None
    return _safe_date(year, month, day) if year is not None else _upcoming(today, month, day)


def _relative(words: list[str], today: datetime.date) -> datetime.date | None:
    """"today", "tomorrow", "day after tomorrow", "next friday", "friday", "in 3 days", "in two weeks"."""
    said = " ".join(words)
    fixed = {"today": 0, "tonight": 0, "now": 0, "tomorrow": 1, "yesterday": -1, "day after tomorrow": 2,
             "day before yesterday": -2}  # fmt: skip
    if said in fixed:
        return today + datetime.timedelta(days=fixed[said])
    if said in {"next week"}:
        return today + datetime.timedelta(days=7)
    next_one = bool(words) and words[0] == "next"
    day = words[1:] if next_one else words
    if len(day) == 1 and day[0] in WEEKDAYS:
        ahead = (WEEKDAYS.index(day[0]) - today.weekday()) % 7
        return today + datetime.timedelta(days=ahead + (7 if next_one and ahead == 0 else 0))
    if len(words) >= 3 and words[0] == "in" and words[-1] in {"day", "days", "week", "weeks"}:
        count = spoken_number([Token(w, 0, 0) for w in words[1:-1]]) if words[1:-1] != ["a"] else "1"
        if count is None or not count.isdigit():
            return None
        return today + datetime.timedelta(days=int(count) * (7 if words[-1].startswith("week") else 1))
    return None


def _date(words: SlotInput) -> SlotValue | None:
    """AMAZON.Date: ISO, US slashes, month and day, or relative to the simulated clock's today."""
    today, raw = _today(words), words.original.strip()
    found: datetime.date | None = None
    if match := _ISO_DATE.fullmatch(raw):
        found = _safe_date(int(match[1]), int(match[2]), int(match[3]))
    elif match := _SLASH_DATE.fullmatch(raw):
        month, day = int(match[1]), int(match[2])
        year = int(match[3]) if match[3] else None
        if year is not None and year < 100:
            year += 2000
        found = _safe_date(year, month, day) if year is not None else _upcoming(today, month, day)
    else:
        said = _strip_filler(words.tokens)
        found = _relative(said, today) or _month_day(said, today)
    if found is None:
        return None
    value = found.isoformat()
    return SlotValue(words.original, value, (value,))


def _hour_minutes(words: list[str]) -> tuple[int, int] | None:  # noqa: PLR0911 - one per spoken form
    """"10", "10 30", "ten", "ten thirty", "ten o'clock", "half past ten", "quarter to ten"."""
    if not words:
        return None
    if words[0] in {"half", "quarter"} and len(words) >= 3 and words[1] in {"past", "to"}:
        hour = _hour_minutes(words[2:])
        if hour is None or hour[1] != 0:
            return None
        minutes = 30 if words[0] == "half" else 15
        return (hour[0], minutes) if words[1] == "past" else ((hour[0] - 1) % 24, 60 - minutes)
    if words[-1] in {"o'clock", "oclock"}:
        words = words[:-1]
    numbers: list[int] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.isdigit():
            numbers.append(int(word))
            i += 1
        elif word in {"oh", "o"} and i + 1 < len(words) and words[i + 1] in DIGIT_WORDS:
            numbers.append(int(DIGIT_WORDS[words[i + 1]]))
            i += 2
        elif word in TENS_WORDS:
            following = words[i + 1] if i + 1 < len(words) else ""
            tail = int(DIGIT_WORDS[following]) if following in DIGIT_WORDS and following not in {"o", "oh"} else 0
            numbers.append(int(TENS_WORDS[word]) * 10 + tail)
            i += 2 if tail else 1
        elif word in TEEN_WORDS or word in DIGIT_WORDS:
            numbers.append(int(TEEN_WORDS.get(word) or DIGIT_WORDS[word]))
            i += 1
        else:
            return None
    if len(numbers) == 1 and numbers[0] < 24:
        return numbers[0], 0
    if len(numbers) == 2 and numbers[0] < 24 and numbers[1] < 60:
        return numbers[0], numbers[1]
    return None


def _time(words: SlotInput) -> SlotValue | None:
    """AMAZON.Time: ``HH:MM`` from "10:30", "ten thirty pm", "10 am", "noon", "half past two"."""
    said = [t.norm for t in words.tokens]
    while said and said[0] in {"at", "around", "about"}:
        said = said[1:]
    half_day: str | None = None
    if said[-2:] in (["a", "m"], ["p", "m"]):
        half_day, said = said[-2], said[:-2]
    elif said and said[-1] in {"am", "pm"}:
        half_day, said = said[-1][0], said[:-1]
    elif said[-3:] in (["in", "the", "morning"], ["in", "the", "afternoon"], ["in", "the", "evening"]):
        half_day, said = ("a" if said[-1] == "morning" else "p"), said[:-3]
    elif said and said[-1] == "tonight":
        half_day, said = "p", said[:-1]
    if said in (["noon"], ["midday"]) and half_day is None:
        hour, minutes = 12, 0
    elif said == ["midnight"] and half_day is None:
        hour, minutes = 0, 0
    else:
        clock = _CLOCK_TIME.fullmatch(words.original.strip().split()[0]) if words.original.strip() else None
        parsed = (int(clock[1]), int(clock[2])) if clock else _hour_minutes(said)
        if parsed is None:
            return None
        hour, minutes = parsed
        if hour > 23 or minutes > 59:
            return None
        if half_day is not None:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if half_day == "p" else 0)
    value = f"{hour:02d}:{minutes:02d}"
    return SlotValue(words.original, value, (value,))


def _name(words: SlotInput) -> SlotValue | None:
    """AMAZON.FirstName / AMAZON.LastName: one word of letters that is not a carrier-phrase word."""
    if len(words.tokens) != 1:
        return None
    said = words.original
    if not _NAME_WORD.fullmatch(said) or said.lower() in STOP_WORDS or len(said) < 2:
        return None
    return SlotValue(said, said, (said,))


def _listed(names: frozenset[str]) -> Callable[[SlotInput], SlotValue | None]:
    """A place type: a phrase from ``names``; while eliciting, any phrase of letters that is not a carrier word."""

    def resolve(words: SlotInput) -> SlotValue | None:
        said = phrase(words.tokens)
        if said in names:
            return SlotValue(words.original, words.original, (said.title(),))
        words_only = all(_NAME_WORD.fullmatch(t.norm) and t.norm not in STOP_WORDS for t in words.tokens)
        if words.eliciting and words_only and len(words.tokens) <= 3:
            return SlotValue(words.original, words.original, ())
        return None

    return resolve


_SPOKEN_SYMBOLS = {"dot": ".", "underscore": "_", "dash": "-", "hyphen": "-", "plus": "+"}


def _email(words: SlotInput) -> SlotValue | None:
    """AMAZON.EmailAddress: typed ("jane@example.com") or spoken ("jane at example dot com")."""
    raw = words.original.strip()
    if _EMAIL.fullmatch(raw):
        return SlotValue(raw, raw.lower(), (raw.lower(),))
    said = [t.norm for t in words.tokens]
    if said.count("at") != 1:
        return None
    at = said.index("at")
    local, domain = said[:at], said[at + 1 :]
    if not local or "dot" not in domain:
        return None

    def join(parts: Sequence[str]) -> str:
        return "".join(_SPOKEN_SYMBOLS.get(part, DIGIT_WORDS.get(part, part)) for part in parts)

    value = f"{join(local)}@{join(domain)}"
    return SlotValue(words.original, value, (value,)) if _EMAIL.fullmatch(value) else None


def _postal_code(words: SlotInput) -> SlotValue | None:
    """AMAZON.PostalCode (US): five digits, or five plus four, typed or spoken."""
    digits = spoken_number(words.tokens)
    if digits is None or not digits.isdigit() or len(digits) not in (5, 9):
        return None
    return SlotValue(words.original, digits, (digits,))


def _duration(words: SlotInput) -> SlotValue | None:
    """AMAZON.Duration: "two hours", "30 minutes", "a day" as ISO 8601 (``PT2H``, ``PT30M``, ``P1D``)."""
    said = [t.norm for t in words.tokens]
    units = {"second": "S", "minute": "M", "hour": "H", "day": "D", "week": "W", "month": "M", "year": "Y"}
    if len(said) < 2:
        return None
    unit = said[-1].removesuffix("s")
    if unit not in units:
        return None
    count_words = said[:-1]
    count = "1" if count_words in (["a"], ["an"], ["one"]) else spoken_number(
        [Token(w, 0, 0) for w in count_words]) or (str(cardinal(count_words)) if cardinal(count_words) else None)
    if count is None or not count.isdigit():
        return None
    value = f"PT{int(count)}{units[unit]}" if unit in {"second", "minute", "hour"} else f"P{int(count)}{units[unit]}"
    return SlotValue(words.original, value, (value,))


def _percentage(words: SlotInput) -> SlotValue | None:
    """AMAZON.Percentage: a number, optionally followed by "percent" or "%"."""
    said = [t.norm for t in words.tokens]
    if (said and said[-1] in {"percent", "per"}) or said[-2:] == ["per", "cent"]:
        said = said[:-2] if said[-2:] == ["per", "cent"] else said[:-1]
    number = spoken_number([Token(w, 0, 0) for w in said]) if said else None
    if number is None:
        return None
    return SlotValue(words.original, number, (number,))


_UK_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}", re.IGNORECASE)


def _uk_postal_code(words: SlotInput) -> SlotValue | None:
    """AMAZON.UKPostalCode: a typed UK postcode ("SW1A 1AA")."""
    raw = words.original.strip()
    if not _UK_POSTCODE.fullmatch(raw):
        return None
    value = raw.upper().replace(" ", "")
    value = f"{value[:-3]} {value[-3:]}"
    return SlotValue(words.original, value, (value,))


RESOLVERS: Mapping[str, Callable[[SlotInput], SlotValue | None]] = {
    "AMAZON.Date": _date,
    "AMAZON.Time": _time,
    "AMAZON.Duration": _duration,
    "AMAZON.FirstName": _name,
    "AMAZON.LastName": _name,
    "AMAZON.City": _listed(CITIES),
    "AMAZON.State": _listed(US_STATES),
    "AMAZON.Country": _listed(COUNTRIES),
    "AMAZON.EmailAddress": _email,
    "AMAZON.PostalCode": _postal_code,
    "AMAZON.UKPostalCode": _uk_postal_code,
    "AMAZON.Percentage": _percentage,
    "AMAZON.StreetName": _listed(frozenset()),
    "AMAZON.Airport": _listed(frozenset()),
}
# Types that accept almost any word while eliciting: a value inside a longer input is not guessed at.
GREEDY_TYPES = frozenset({"AMAZON.City", "AMAZON.State", "AMAZON.Country", "AMAZON.StreetName", "AMAZON.Airport"})
