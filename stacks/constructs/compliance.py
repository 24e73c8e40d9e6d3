"""cdk-nag acknowledgements, each with a written reason, attached where the finding originates."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

MIN_REASON_LENGTH = 40


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge ``rule_id`` (``Pack-Rule`` or ``Pack-Rule[finding]``) on ``scope`` and all beneath it."""
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(f"acknowledging {rule_id} needs a real reason (>= {MIN_REASON_LENGTH} characters)")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason.strip()))


def acknowledge_for_grantee(grantee: iam.IGrantable, rule_id: str, reason: str) -> None:
    """Acknowledge a finding a grant introduces, on the grantee's principal (its role and inline policy)."""
    principal = grantee.grant_principal
    if isinstance(principal, Construct):
        acknowledge(principal, rule_id, reason)


def nag_rendering(scope: IConstruct, value: str) -> str:
    """``value`` as cdk-nag writes it in a finding id (``AwsSolutions-IAM5[Resource::<this>]``), resolved in
    ``scope``'s stack: cdk-nag's ``flattenCfnReference`` rules (``Ref`` → ``<Id>``, ``Fn::GetAtt`` →
    ``<Id.Attr>``, ``Fn::Join`` joined, ``Fn::ImportValue`` → its name, ``${`` / ``}`` → ``<`` / ``>``)."""
    return _flatten(Stack.of(scope).resolve(value))


def _flatten(node: Any) -> str:  # noqa: PLR0911 - one return per intrinsic, as cdk-nag reads them
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(_flatten(item) for item in items)
        if "Fn::Sub" in node:
            return _flatten(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if "Fn::ImportValue" in node:
            return _flatten(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{_flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
