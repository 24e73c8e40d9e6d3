"""Errors the flow interpreter raises: each names the flow block it concerns (never a secret value)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.connect.contact import CallResult


class FlowError(Exception):
    """Base class; ``partial`` holds what the call did before the failure (set by ``FlowInterpreter.run``)."""

    partial: CallResult | None = None


class FlowDefinitionError(FlowError):
    """The flow JSON is not valid flow language (bad version, dangling transition, bad static parameter)."""


class PlaceholderError(FlowDefinitionError):
    """``${Name}`` placeholders in a flow file that the substitution map does not resolve."""

    def __init__(self, names: list[str], source: str) -> None:
        self.names = tuple(names)
        listed = ", ".join("${" + name + "}" for name in names)
        super().__init__(f"{source}: unresolved placeholder(s) {listed}")


class UnsupportedBlock(FlowError):
    """A block the interpreter cannot run: an unknown action Type, or a Lex V1 (``LexBot``) bot."""

    def __init__(self, block_id: str, block_type: str, detail: str) -> None:
        self.block_id = block_id
        self.block_type = block_type
        super().__init__(f"block {block_id!r} ({block_type}): {detail}")


class FlowRuntimeError(FlowError):
    """The flow cannot go on: an error with no branch for it, a missing Lambda, a missing encryptor."""


class StepLimitExceeded(FlowRuntimeError):
    """More blocks ran than ``max_steps`` allows: almost certainly an infinite loop in the flow."""
