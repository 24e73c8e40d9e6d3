"""Hypothesis strategies that break a recorded AWS event the ways attackers and bugs do.

One mutation per example, anywhere in the event: a key removed, a value replaced by another JSON type, an
oversize or odd string, a container emptied. Every handler's malformed-event test draws from
:func:`malformed`, so a new handler joins by naming its recorded event.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from hypothesis import strategies as st

# Generated cases per handler, reported by the suite (see tests/security/test_malformed_events.py).
GENERATED: Counter[str] = Counter()

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.just("x" * 100_000),
    st.just("\u0000\ud7ff\ufeff<script>"),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (dict keys and list indexes)."""
    found: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        found.append((*prefix, key))
        found.extend(_paths(child, (*prefix, key)))
    return found


def _apply(event: Any, path: tuple[Any, ...], action: str, replacement: Any) -> Any:
    mutated = copy.deepcopy(event)
    if not path:
        return replacement
    parent = mutated
    for key in path[:-1]:
        parent = parent[key]
    if action == "delete" and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return mutated


@st.composite
def malformed(draw: st.DrawFn, event: dict[str, Any]) -> Any:
    """``event`` with one thing broken (or, rarely, the whole event replaced)."""
    paths = [(), *_paths(event)]
    path = draw(st.sampled_from(paths))
    action = draw(st.sampled_from(["delete", "replace"]))
    return _apply(event, path, action, draw(ODD_VALUES))
