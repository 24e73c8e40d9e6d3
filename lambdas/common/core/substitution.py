"""``${Placeholders}`` in deployed artefacts (flows, bots): CloudFormation's ``Fn::Sub``, the one definition CDK
and the local runtime share. ``${Name}`` is a variable; ``${!Name}`` is the escape for a literal ``${Name}``."""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\$\{(!?)([^}]*)\}")


class UnresolvedPlaceholders(KeyError):
    """``Fn::Sub`` found variables it has no value for (``names``)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(names)
        self.names = names


def sub_variables(text: str) -> set[str]:
    """The ``${...}`` variables ``Fn::Sub`` would resolve in ``text`` (escapes are not variables)."""
    return {name for escape, name in PLACEHOLDER.findall(text) if not escape}


def placeholder_name(reference: str) -> str | None:
    """``Name`` when ``reference`` is exactly one ``${Name}`` variable, else None."""
    match = PLACEHOLDER.fullmatch(reference)
    return match[2] if match and not match[1] and match[2] else None


def fn_sub(text: str, values: Mapping[str, str]) -> str:
    """``Fn::Sub`` on ``text``: ``${Name}`` from ``values``, ``${!Literal}`` → ``${Literal}``.

    Raises :class:`UnresolvedPlaceholders` naming every variable without a value.
    """
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        escape, name = match.group(1), match.group(2)
        if escape:
            return "${" + name + "}"
        if name not in values:
            missing.append(name)
            return match.group(0)
        return values[name]

    result = PLACEHOLDER.sub(replace, text)
    if missing:
        raise UnresolvedPlaceholders(sorted(set(missing)))
    return result
