"""Environment → frozen settings, validated at first use with errors that name the variable.

Only this module (and ``app.py`` for CDK context) reads ``os.environ``. Each function declares a
frozen dataclass and a cached ``get_settings()`` built with :func:`load`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from lambdas.common.core.caches import per_container

T = TypeVar("T")


class ConfigError(RuntimeError):
    """A function's environment is missing or has an invalid setting (an operator error, not a caller's)."""


def env_name(field: dataclasses.Field[Any], prefix: str = "") -> str:
    """The environment variable a settings field reads: ``metadata['env']`` or the prefixed upper-cased name."""
    return str(field.metadata.get("env", prefix + field.name.upper()))


def setting(env: str | None = None, default: Any = dataclasses.MISSING, *,
            minimum: float | None = None, maximum: float | None = None) -> Any:
    """Declare a settings field: its env var, default, and inclusive numeric bounds."""
    metadata: dict[str, Any] = {"minimum": minimum, "maximum": maximum}
    if env:
        metadata["env"] = env
    return dataclasses.field(default=default, metadata=metadata)


def _convert(raw: str, kind: Any, name: str) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind is str:
            return raw
    except ValueError:
        raise ConfigError(f"environment variable {name} must be a {kind.__name__}, got {raw!r}") from None
    raise ConfigError(f"unsupported settings type {kind!r} for {name}")


def load(cls: type[T], environ: Mapping[str, str] | None = None, *, prefix: str = "") -> T:
    """Build the frozen dataclass ``cls`` from the environment, naming any missing or invalid variable.

    Fields without ``setting(env=...)`` read ``<prefix><FIELD_NAME>``; a ``ValueError`` from the class's own
    validation (``__post_init__`` naming ``Class.field``) becomes a ConfigError naming the variable.
    """
    env = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    missing: list[str] = []
    names = {field.name: env_name(field, prefix) for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = names[field.name]
        raw = env.get(name)
        if raw is None or raw == "":
            if field.default is dataclasses.MISSING:
                missing.append(name)
            continue
        value = _convert(raw, hints[field.name], name)
        lo, hi = field.metadata.get("minimum"), field.metadata.get("maximum")
        if lo is not None and value < lo:
            raise ConfigError(f"environment variable {name} must be >= {lo}, got {value}")
        if hi is not None and value > hi:
            raise ConfigError(f"environment variable {name} must be <= {hi}, got {value}")
        values[field.name] = value
    if missing:
        raise ConfigError("missing environment variable(s): " + ", ".join(missing))
    try:
        return cls(**values)
    except ValueError as error:
        bad = next((f for f in names if f".{f} " in str(error)), None)
        where = f"environment variable {names[bad]}" if bad else f"settings {cls.__name__}"
        raise ConfigError(f"{where}: {error}") from None


def cached(factory: Callable[[], T]) -> functools._lru_cache_wrapper[T]:
    """Memoise a settings factory, once per container (``caches.reset_all`` reloads it)."""
    return per_container(factory)
