"""Which files of a page directory ship: one rule for the CloudFront site (``StaticSite``) and the local server."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

# Never shipped from any page directory: dotfiles, a stray config.json (each deployment generates its own),
# Python helpers, caches and npm's install tree.
ALWAYS_EXCLUDED = (".*", "config.json", "*.py", "__pycache__", "node_modules")
# What builds the ordering chat's bundle (dist/), which ships instead.
ORDERING_CHAT_SOURCES = ("src", "package.json", "package-lock.json")


def excluded(parts: Iterable[str], patterns: Sequence[str] = ()) -> bool:
    """Whether a path (its components, relative to the page directory) matches an exclusion in any component."""
    every = (*ALWAYS_EXCLUDED, *patterns)
    return any(fnmatchcase(part, pattern) for part in parts for pattern in every)
