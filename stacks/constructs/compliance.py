"""cdk-nag acknowledgements, each with a written reason, attached where the finding originates."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
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
