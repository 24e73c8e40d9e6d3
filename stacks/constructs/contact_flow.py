"""A contact flow from ``contact_flows/``, deployed with its ``${Placeholders}`` resolved by ``Fn::Sub``, and
every Lambda it invokes associated with the instance and invocable by it (Connect rejects a flow that
invokes a function not yet associated)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Aws, Fn, Stack
from aws_cdk import aws_connect as connect
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from lambdas.common.core.substitution import sub_variables
from stacks.constructs.connect_instance import arn_part


def flow_content(flow_file: Path, variables: Mapping[str, str]) -> str:
    """The flow JSON as an ``Fn::Sub`` over ``variables``: every placeholder declared, every variable used."""
    text = flow_file.read_text(encoding="utf-8")
    try:
        flow = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{flow_file} is not valid JSON: {error}") from None
    compact = json.dumps(flow, separators=(",", ":"), ensure_ascii=False)
    used = sub_variables(compact)
    undeclared, unused = sorted(used - set(variables)), sorted(set(variables) - used)
    if undeclared or unused:
        raise ValueError(f"{flow_file}: placeholders {undeclared} have no value, values {unused} have no placeholder")
    return Fn.sub(compact, dict(variables))


class ContactFlow(Construct):
    """One flow on the instance; ``functions`` maps each Lambda placeholder of the flow to its function."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        instance_arn: str,
        flow_file: Path,
        flow_type: str,
        description: str,
        functions: Mapping[str, lambda_.IFunction],
        variables: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        associations = []
        for placeholder, function in functions.items():
            associations.append(connect.CfnIntegrationAssociation(
                self,
                f"{placeholder}Association",
                instance_id=instance_arn,
                integration_type="LAMBDA_FUNCTION",
                integration_arn=function.function_arn,
            ))
            function.add_permission(
                f"InvokedByConnect{construct_id}",
                principal=iam.ServicePrincipal("connect.amazonaws.com"),
                source_arn=instance_arn,
                source_account=Aws.ACCOUNT_ID,
            )
        flow = connect.CfnContactFlow(
            self,
            "Flow",
            instance_arn=instance_arn,
            name=f"{stack.stack_name}-{flow_file.stem.replace('_', '-')}",
            type=flow_type,
            description=description,
            content=flow_content(flow_file, {**{k: f.function_arn for k, f in functions.items()},
                                             **(variables or {})}),
        )
        for association in associations:
            flow.add_resource_dependency(association)
        self.flow = flow
        self.arn = flow.attr_contact_flow_arn
        self.id = arn_part(self.arn, 3)  # arn:...:instance/<id>/contact-flow/<id>
