"""Typed access to parsed JSON that fails with the field path (never the value) of what is wrong.

With ``FieldContext(cloudformation=True)`` (bot files) scalars are read as CloudFormation reads a
template: a number or boolean property also takes a string that spells one (``"0.40"``, ``"2"``,
``"true"``) and a string property takes a number or boolean; anything else is refused, naming the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

FieldSpec = tuple[frozenset[str], frozenset[str]]
_BOOLEAN_WORDS = {"true": True, "false": False}
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _parse_number(text: str, *, integer: bool) -> int | float | None:
    """``text`` as CloudFormation reads a Number or Integer property given as a string, else ``None``."""
    stripped = text.strip()
    if _INTEGER.fullmatch(stripped):
        return int(stripped)
    if not integer and _DECIMAL.fullmatch(stripped):
        number = float(stripped)
        return number if math.isfinite(number) else None
    return None


def spec(used: set[str], ignored: set[str] | None = None) -> FieldSpec:
    """The members an object may have: those the emulator reads and those it accepts but ignores."""
    return frozenset(used), frozenset(ignored or ())


def json_type(value: Any) -> str:
    """The JSON type name of a Python value (never the value itself)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


class FieldContext:
    """What a document's fields share: how to build the error, and the ignored fields seen."""

    def __init__(self, error: Callable[[str, str], Exception], *, cloudformation: bool = False) -> None:
        self.error = error
        self.cloudformation = cloudformation  # coerce scalars as CloudFormation does
        self.ignored: list[str] = []


class Field:
    """A JSON value and its field path, with typed accessors that fail naming the path."""

    def __init__(self, value: Any, path: str, ctx: FieldContext) -> None:
        self.value = value
        self.path = path
        self.ctx = ctx

    def fail(self, problem: str) -> NoReturn:
        """Raise the document's error for this field."""
        raise self.ctx.error(self.path, problem)

    def _sub(self, key: str) -> str:
        """The path of member key."""
        return f"{self.path}.{key}" if self.path else key

    def child(self, key: str) -> Field:
        """The member key (its value is None when absent)."""
        return Field(self.obj().get(key), self._sub(key), self.ctx)

    def get(self, key: str) -> Field | None:
        """The member key, or None when absent or null."""
        node = self.child(key)
        return None if node.value is None else node

    def obj(self, fields: FieldSpec | None = None) -> dict[str, Any]:
        """The value as an object; with fields, unknown members fail and ignored ones are recorded."""
        if not isinstance(self.value, dict):
            self.fail(f"expected an object, got {json_type(self.value)}")
        if fields is not None:
            used, ignored = fields
            for key in self.value:
                if key in ignored:
                    self.ctx.ignored.append(self._sub(key))
                elif key not in used:
                    raise self.ctx.error(self._sub(key), "unknown field")
        return self.value

    def items(self, *, min_items: int = 0, max_items: int | None = None) -> Iterator[Field]:
        """The value's elements as fields (absent means empty)."""
        value = [] if self.value is None else self.value
        if not isinstance(value, list):
            self.fail(f"expected an array, got {json_type(value)}")
        if len(value) < min_items:
            self.fail(f"needs at least {min_items} item(s)")
        if max_items is not None and len(value) > max_items:
            self.fail(f"allows at most {max_items} item(s)")
        return (Field(v, f"{self.path}[{i}]", self.ctx) for i, v in enumerate(value))

    def text(self, *, allow_empty: bool = False) -> str:
        """The value as a string (non-empty unless allow_empty); a number or boolean as CloudFormation writes it."""
        value = self.value
        if self.ctx.cloudformation and isinstance(value, bool):
            value = "true" if value else "false"
        elif self.ctx.cloudformation and isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            self.fail(f"expected a string, got {json_type(self.value)}")
        if not allow_empty and not value.strip():
            self.fail("must not be empty")
        return value

    def one_of(self, allowed: frozenset[str], what: str) -> str:
        """The value as a string from allowed (the bad value is quoted only if it is a short word)."""
        value = self.text()
        if value not in allowed:
            shown = repr(value) if value.isalnum() and len(value) <= 40 else "a value"
            self.fail(f"{shown} is not a valid {what} (expected one of {', '.join(sorted(allowed))})")
        return value

    def flag(self, default: bool) -> bool:
        """The value as a boolean (absent means default); ``"true"``/``"false"`` in any case as CloudFormation takes."""
        if self.value is None:
            return default
        if self.ctx.cloudformation and isinstance(self.value, str):
            word = self.value.strip().lower()
            if word in _BOOLEAN_WORDS:
                return _BOOLEAN_WORDS[word]
        if not isinstance(self.value, bool):
            cfn_string = self.ctx.cloudformation and isinstance(self.value, str)
            kind = "a string that is not true or false" if cfn_string else json_type(self.value)
            self.fail(f"expected a boolean, got {kind}")
        return self.value

    def number(self, low: float, high: float, *, integer: bool = False) -> float:
        """The value as a number within [low, high]; a string spelling one is taken, as CloudFormation does."""
        value = self.value
        wanted = "an integer" if integer else "a number"
        if self.ctx.cloudformation and isinstance(value, str):
            parsed = _parse_number(value, integer=integer)
            if parsed is None:
                self.fail(f"expected {wanted}, got a string that is not {wanted}")
            value = parsed
        wrong = isinstance(value, bool) or not isinstance(value, int | float)
        if wrong or (integer and not isinstance(value, int)):
            self.fail(f"expected {wanted}, got {json_type(value)}")
        if not low <= value <= high:
            self.fail(f"must be between {low:g} and {high:g}")
        return float(value)

    def string_map(self) -> dict[str, str]:
        """The value as an object whose members are all strings (absent means empty)."""
        if self.value is None:
            return {}
        return {key: self.child(key).text(allow_empty=True) for key in self.obj()}
