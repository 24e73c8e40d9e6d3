"""Per-container caches, in one registry: what a warm Lambda keeps between invocations, and one way to drop it.

A Lambda container keeps module state between invocations: clients, settings, secrets, built services.
Everything cached that way is declared with :func:`per_container`, so the local runtime and the tests,
which change the environment between runs, forget all of it with one :func:`reset_all` and never need
to know which functions hold a cache.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_clearers: list[Callable[[], None]] = []


def per_container(function: Callable[..., T]) -> functools._lru_cache_wrapper[T]:
    """``functools.cache`` that :func:`reset_all` clears."""
    cached = functools.cache(function)
    _clearers.append(cached.cache_clear)
    return cached


def on_reset(clear: Callable[[], None]) -> None:
    """Also run ``clear`` on :func:`reset_all` (for caches held elsewhere, e.g. a library's)."""
    _clearers.append(clear)


def reset_all() -> None:
    """Forget every per-container cache of every module imported so far."""
    for clear in _clearers:
        clear()
