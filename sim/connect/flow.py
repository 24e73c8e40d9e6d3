"""The flow language model (Version 2019-10-30): parsing, static validation and ``Fn::Sub`` placeholders.

https://docs.aws.amazon.com/connect/latest/APIReference/flow-language-actions.html
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lambdas.common.core import substitution
from sim.connect.errors import FlowDefinitionError, PlaceholderError

FLOW_LANGUAGE_VERSION = "2019-10-30"
_FORBIDDEN_ID_CHARS = set("%:()\\/=$,;[]{}")
_MAX_ID_LENGTH = 50


@dataclass(frozen=True)
class Condition:
    """One entry of ``Transitions.Conditions``: go to ``next_action`` when ``operator`` holds."""

    operator: str
    operands: tuple[str, ...]
    next_action: str


@dataclass(frozen=True)
class Action:
    """One block of a flow."""

    identifier: str
    type: str
    parameters: Mapping[str, Any]
    next_action: str | None
    errors: Mapping[str, str]  # ErrorType -> NextAction, in file order
    conditions: tuple[Condition, ...]

    def targets(self) -> list[str]:
        """Every block identifier this block can transition to."""
        found = [self.next_action] if self.next_action else []
        return [*found, *self.errors.values(), *(c.next_action for c in self.conditions)]


@dataclass(frozen=True)
class Flow:
    """A parsed flow: its name (console ``Metadata.name`` or the file stem), start block and blocks."""

    name: str
    start_action: str
    actions: Mapping[str, Action]
    description: str = ""

    def action(self, identifier: str) -> Action:
        """The block with this identifier (a dangling reference fails loudly)."""
        try:
            return self.actions[identifier]
        except KeyError:
            raise FlowDefinitionError(
                f"flow {self.name!r}: no block with Identifier {identifier!r}"
            ) from None


def fn_sub(text: str, substitutions: Mapping[str, str], *, source: str = "template") -> str:
    """CloudFormation ``Fn::Sub`` on ``text`` (``lambdas.common.core.substitution``), naming ``source`` on error."""
    try:
        return substitution.fn_sub(text, substitutions)
    except substitution.UnresolvedPlaceholders as missing:
        raise PlaceholderError(missing.names, source) from None


def load_flow(path: Path, substitutions: Mapping[str, str] | None = None) -> Flow:
    """Read a flow file, resolve its ``${Placeholders}`` as CDK's ``Fn::Sub`` will, parse and validate it."""
    raw = path.read_text(encoding="utf-8")
    if not raw.strip():
        raise FlowDefinitionError(f"{path}: the file is empty")
    text = fn_sub(raw, substitutions or {}, source=str(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FlowDefinitionError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    return parse_flow(data, default_name=path.stem)


def parse_flow(data: Any, *, default_name: str = "flow") -> Flow:
    """Parse flow-language JSON (already loaded) into a ``Flow``, validating every transition."""
    if isinstance(data, list) or (isinstance(data, dict) and "BotLocales" in data):
        raise FlowDefinitionError(
            f"flow {default_name!r}: this is a Lex bot definition (BotLocales), not a flow; give it with --bot"
        )
    if not isinstance(data, dict):
        raise FlowDefinitionError(f"flow {default_name!r}: the document must be a JSON object")
    raw_metadata = data.get("Metadata")
    metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
    name = str(metadata.get("name") or default_name)
    if data.get("Version") != FLOW_LANGUAGE_VERSION:
        raise FlowDefinitionError(
            f"flow {name!r}: Version must be {FLOW_LANGUAGE_VERSION!r}, got {data.get('Version')!r}"
        )
    raw_actions = data.get("Actions")
    if not isinstance(raw_actions, list) or not raw_actions:
        raise FlowDefinitionError(f"flow {name!r}: Actions must be a non-empty list")
    actions: dict[str, Action] = {}
    for raw in raw_actions:
        action = _parse_action(raw, name)
        if action.identifier in actions:
            raise FlowDefinitionError(f"flow {name!r}: duplicate block Identifier {action.identifier!r}")
        actions[action.identifier] = action
    start = data.get("StartAction")
    if start not in actions:
        raise FlowDefinitionError(f"flow {name!r}: StartAction {start!r} is not a block of the flow")
    for action in actions.values():
        for target in action.targets():
            if target not in actions:
                raise FlowDefinitionError(
                    f"flow {name!r}: block {action.identifier!r} ({action.type}) transitions to "
                    f"{target!r}, which is not a block of the flow"
                )
    return Flow(
        name=name,
        start_action=str(start),
        actions=MappingProxyType(actions),
        description=str(metadata.get("description") or ""),
    )


def _parse_action(raw: Any, flow_name: str) -> Action:
    """One entry of ``Actions``."""
    if not isinstance(raw, dict):
        raise FlowDefinitionError(f"flow {flow_name!r}: every action must be an object")
    identifier, kind = raw.get("Identifier"), raw.get("Type")
    if not isinstance(identifier, str) or not identifier:
        raise FlowDefinitionError(f"flow {flow_name!r}: an action has no Identifier")
    where = f"flow {flow_name!r}, block {identifier!r}"
    if len(identifier) > _MAX_ID_LENGTH or _FORBIDDEN_ID_CHARS & set(identifier):
        raise FlowDefinitionError(
            f"{where}: Identifier is longer than 50 characters or uses % : ( \\ / ) = $ , ; [ ] {{ }}"
        )
    if not isinstance(kind, str) or not kind:
        raise FlowDefinitionError(f"{where}: no Type")
    parameters = raw.get("Parameters", {})
    transitions = raw.get("Transitions", {})
    if not isinstance(parameters, dict) or not isinstance(transitions, dict):
        raise FlowDefinitionError(f"{where}: Parameters and Transitions must be objects")
    next_action = transitions.get("NextAction")
    if next_action is not None and not isinstance(next_action, str):
        raise FlowDefinitionError(f"{where}: NextAction must be a string")
    errors: dict[str, str] = {}
    for entry in transitions.get("Errors", []) or []:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("ErrorType"), str)
            or not isinstance(entry.get("NextAction"), str)
        ):
            raise FlowDefinitionError(f"{where}: every Errors entry needs ErrorType and NextAction strings")
        errors.setdefault(entry["ErrorType"], entry["NextAction"])
    conditions = tuple(_parse_condition(entry, where) for entry in transitions.get("Conditions", []) or [])
    return Action(
        identifier=identifier,
        type=kind,
        parameters=MappingProxyType(parameters),
        next_action=next_action or None,
        errors=MappingProxyType(errors),
        conditions=conditions,
    )


def _parse_condition(entry: Any, where: str) -> Condition:
    """One entry of ``Transitions.Conditions``."""
    condition = entry.get("Condition") if isinstance(entry, dict) else None
    if not isinstance(condition, dict) or not isinstance(entry.get("NextAction"), str):
        raise FlowDefinitionError(f"{where}: every Conditions entry needs NextAction and a Condition object")
    operator, operands = condition.get("Operator"), condition.get("Operands")
    if not isinstance(operator, str) or not isinstance(operands, list):
        raise FlowDefinitionError(f"{where}: a Condition needs an Operator string and an Operands list")
    if not all(isinstance(operand, str) for operand in operands):
        raise FlowDefinitionError(
            f"{where}: nested Condition operands are not supported; use string operands"
        )
    return Condition(operator=operator, operands=tuple(operands), next_action=entry["NextAction"])
