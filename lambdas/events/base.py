"""Typed reads from a raw event dict: a wrong or missing field is a MalformedEventError naming its path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MalformedEventError(ValueError):
    """The event lacks a field or has one of the wrong type (the message names the path, never a value)."""


def mapping(parent: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> Mapping[str, Any]:
    """``parent[key]`` as a mapping; ``{}`` when optional and absent or null."""
    value = parent.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedEventError(f"{where}.{key} must be an object")
    return value


def string(parent: Mapping[str, Any], key: str, where: str) -> str:
    """``parent[key]`` as a string."""
    value = parent.get(key)
    if not isinstance(value, str):
        raise MalformedEventError(f"{where}.{key} must be a string")
    return value


def optional_string(parent: Mapping[str, Any], key: str, where: str) -> str | None:
    """``parent[key]`` as a string, or None when absent or null."""
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedEventError(f"{where}.{key} must be a string")
    return value


def string_map(parent: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> dict[str, str]:
    """``parent[key]`` as a ``str → str`` map (Cognito attributes, client metadata, Connect attributes)."""
    value = mapping(parent, key, where, required=required)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise MalformedEventError(f"{where}.{key} must map strings to strings")
    return dict(value)


def flag(parent: Mapping[str, Any], key: str, where: str) -> bool:
    """``parent[key]`` as a bool; absent or null is False."""
    value = parent.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise MalformedEventError(f"{where}.{key} must be a boolean")
    return value


def root(event: object, kind: str) -> dict[str, Any]:
    """The event itself, which must be a JSON object."""
    if not isinstance(event, dict):
        raise MalformedEventError(f"a {kind} event must be an object")
    return event
