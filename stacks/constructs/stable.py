"""Stable logical IDs for stateful resources, so refactoring the construct tree never replaces them."""

from __future__ import annotations

from aws_cdk import CfnResource
from constructs import IConstruct


def pin_logical_id(construct: IConstruct, logical_id: str) -> CfnResource:
    """Give ``construct`` (an L1, or an L2 whose default child is one) the fixed logical ID ``logical_id``."""
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource to pin")
    resource.override_logical_id(logical_id)
    return resource
