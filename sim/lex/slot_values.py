"""A slot value as Lex reports it, and the words offered to a slot (shared by every slot type resolver)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.lex.normalize import Token, original


@dataclass(frozen=True)
class SlotValue:
    """A resolved slot value, as Lex reports it."""

    original: str
    interpreted: str
    resolved: tuple[str, ...]

    def to_wire(self) -> dict[str, Any]:
        """The Lex V2 Slot object (shape Scalar)."""
        return {
            "shape": "Scalar",
            "value": {
                "originalValue": self.original,
                "interpretedValue": self.interpreted,
                "resolvedValues": list(self.resolved),
            },
        }


@dataclass(frozen=True)
class SlotInput:
    """The words offered to a slot: the full input text, the covered tokens, and how they arrived."""

    text: str
    tokens: Sequence[Token]
    dtmf: bool = False
    eliciting: bool = False
    today: datetime.date | None = None  # the simulated clock's date, for relative dates ("tomorrow")

    @property
    def original(self) -> str:
        """The raw text covered by the tokens."""
        return original(self.text, self.tokens)


