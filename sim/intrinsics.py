"""CloudFormation intrinsic functions in bot and flow files, resolved locally where that is possible.

Files copied out of a template keep ``{"Ref": ...}``, ``{"Fn::Sub": ...}``, ``{"Fn::GetAtt": ...}``,
``{"Fn::Join": ...}`` and ``{"Fn::Select": ...}`` where a string belongs. Each becomes a string: pseudo
parameters (``AWS::Region``...) get the local runtime's values, names given in ``substitutions`` their
values, and every other name stands for itself (``Ref: BotName`` → ``BotName``; ``GetAtt: [Alias, Arn]`` →
``Alias.Arn``) so the runtime can map it by reference, as it maps flow ``${Placeholders}``. What cannot be
decided locally (``Fn::If``, ``Fn::ImportValue``...) is refused with :class:`IntrinsicError` naming its path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lambdas.common.core.substitution import PLACEHOLDER
from sim.aws import ACCOUNT_ID, REGION

PSEUDO_PARAMETERS: Mapping[str, str] = {
    "AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "local-stack", "AWS::NoValue": "",
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/local-stack/local",
}  # fmt: skip
INTRINSICS = frozenset(
    {"Ref", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::Select", "Fn::If", "Fn::ImportValue", "Fn::Split",
     "Fn::FindInMap", "Fn::Base64", "Fn::GetAZs", "Fn::Cidr", "Fn::Length", "Fn::ToJsonString"}
)  # fmt: skip


class IntrinsicError(ValueError):
    """An intrinsic function the local runtime cannot evaluate; ``path`` is where it sits in the document."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path or '(root)'}: {problem}")
        self.path = path
        self.problem = problem


@dataclass
class Resolution:
    """The document with its intrinsics resolved, and the names that were left standing for themselves."""

    document: Any
    by_reference: list[str] = field(default_factory=list)


def intrinsic_name(value: Any) -> str | None:
    """The function name when ``value`` is an intrinsic function call (a one-key object), else ``None``."""
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        return key if key in INTRINSICS else None
    return None


def resolve_intrinsics(document: Any, substitutions: Mapping[str, str] | None = None) -> Resolution:
    """A copy of ``document`` with every intrinsic function call replaced by the string it stands for."""
    resolver = _Resolver(dict(substitutions or {}))
    return Resolution(resolver.walk(document, ""), sorted(set(resolver.by_reference)))


class _Resolver:
    def __init__(self, substitutions: dict[str, str]) -> None:
        self.substitutions = substitutions
        self.by_reference: list[str] = []

    def walk(self, value: Any, path: str) -> Any:
        name = intrinsic_name(value)
        if name is not None:
            return self.call(name, value[name], path)
        if isinstance(value, dict):
            return {key: self.walk(item, f"{path}.{key}" if path else key) for key, item in value.items()}
        if isinstance(value, list):
            return [self.walk(item, f"{path}[{index}]") for index, item in enumerate(value)]
        return value

    def name(self, name: str) -> str:
        """The value of a Ref'd or ${}-named thing: given, pseudo, or the name itself."""
        if name in self.substitutions:
            return self.substitutions[name]
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        self.by_reference.append(name)
        return name

    def call(self, name: str, argument: Any, path: str) -> str:
        where = f"{path}.{name}" if path else name
        if name == "Ref" and isinstance(argument, str) and argument:
            return self.name(argument)
        if name == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else argument
            if isinstance(parts, list) and len(parts) == 2 and all(isinstance(p, str) and p for p in parts):
                return self.name(f"{parts[0]}.{parts[1]}")
        if name == "Fn::Sub":
            return self.sub(argument, where)
        if name == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, items = argument
            if isinstance(separator, str) and isinstance(items, list):
                return separator.join(self.text(item, f"{where}[1][{i}]") for i, item in enumerate(items))
        if name == "Fn::Select" and isinstance(argument, list) and len(argument) == 2:
            index, items = self.walk(argument[0], f"{where}[0]"), self.walk(argument[1], f"{where}[1]")
            if str(index).isdigit() and isinstance(items, list) and int(index) < len(items):
                return self.text(items[int(index)], f"{where}[1]")
        if name in {"Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::Select"}:
            raise IntrinsicError(where, f"malformed {name}")
        raise IntrinsicError(where, f"{name} cannot be evaluated without CloudFormation; give the value itself")

    def text(self, value: Any, path: str) -> str:
        resolved = self.walk(value, path)
        if isinstance(resolved, bool):
            return "true" if resolved else "false"
        if isinstance(resolved, int | float | str):
            return str(resolved)
        raise IntrinsicError(path, "expected a string")

    def sub(self, argument: Any, where: str) -> str:
        template, variables = argument, {}
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
            template = argument[0]
            variables = {k: self.text(v, f"{where}[1].{k}") for k, v in argument[1].items()}
        if not isinstance(template, str):
            raise IntrinsicError(where, "malformed Fn::Sub")

        def replace(match: re.Match[str]) -> str:
            escape, name = match.group(1), match.group(2)
            if escape:
                return "${" + name + "}"
            return str(variables[name]) if name in variables else self.name(name)

        return PLACEHOLDER.sub(replace, template)
