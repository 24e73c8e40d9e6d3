"""The JSONPath subset flows use: ``$.Attributes.x``, ``$.Attributes['a b']``, ``$['AwsRegion']``.

A parameter that is exactly one reference resolves to the referenced value (``None`` when unset); a
reference embedded in text ("Hello $.External.FirstName") is replaced by the value's text, or by nothing.
https://docs.aws.amazon.com/connect/latest/adminguide/flow-language-actions-parameter-restrictions.html
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_NAME = r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*"
_QUOTED = r"\[\s*(?:'[^']*'|\"[^\"]*\")\s*\]"
_SEGMENT = rf"(?:\.{_NAME}|\.?{_QUOTED})"
REFERENCE = re.compile(rf"\${_SEGMENT}+")
_PART = re.compile(rf"\.({_NAME})|\.?\[\s*(?:'([^']*)'|\"([^\"]*)\")\s*\]")


class UnknownReference(ValueError):
    """A whole-value reference to a namespace the flow data has no such path for (``$.BadValue``)."""


def parse_reference(reference: str) -> tuple[str, ...]:
    """``$.Lex.Slots['card type']`` → ``("Lex", "Slots", "card type")``."""
    if not REFERENCE.fullmatch(reference):
        raise ValueError(f"not a JSONPath reference: {reference!r}")
    return tuple(m.group(1) or m.group(2) or m.group(3) or "" for m in _PART.finditer(reference, 1))


def is_reference(value: object) -> bool:
    """True when ``value`` is a single JSONPath reference and nothing else."""
    return isinstance(value, str) and REFERENCE.fullmatch(value.strip()) is not None


def lookup(data: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    """The value at ``keys`` in ``data``; ``None`` when any step is missing."""
    current: Any = data
    for key in keys:
        if not isinstance(current, Mapping) or key not in current:
            return None
        current = current[key]
    return current


def as_text(value: Any) -> str:
    """How a resolved value reads in text: strings as is, JSON for the rest, nothing for ``None``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def resolve(value: Any, data: Mapping[str, Any]) -> Any:
    """Resolve references in a parameter value (strings, and recursively lists and objects)."""
    if isinstance(value, str):
        stripped = value.strip()
        if REFERENCE.fullmatch(stripped):
            keys = parse_reference(stripped)
            if keys[0] not in data:
                raise UnknownReference(f"{stripped}: the flow data has no {keys[0]!r}")
            return lookup(data, keys)
        return substitute(value, data)
    if isinstance(value, Mapping):
        return {as_text(resolve(k, data)): resolve(v, data) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(item, data) for item in value]
    return value


def substitute(text: str, data: Mapping[str, Any]) -> str:
    """Replace every reference embedded in ``text`` whose namespace exists; leave other ``$`` text alone."""

    def replace(match: re.Match[str]) -> str:
        keys = parse_reference(match.group(0))
        if keys[0] not in data:
            return match.group(0)
        return as_text(lookup(data, keys))

    return REFERENCE.sub(replace, text)
