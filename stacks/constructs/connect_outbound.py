"""Outbound voice calls from Amazon Connect: instance (given or created), caller ID, flow, prompt Lambda."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Aws, CfnResource, Fn, RemovalPolicy, Stack, Token
from aws_cdk import aws_connect as connect
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.config import (
    ClaimedPhoneNumber,
    ConnectInstance,
    ExistingConnectInstance,
    SourcePhoneNumber,
)
from stacks.constructs.compliance import acknowledge_for_grantee
from stacks.constructs.stable import pin_logical_id

INSTANCE_ID = "ConnectInstance"
PHONE_NUMBER_ID = "ConnectSourcePhoneNumber"
PROMPT_FUNCTION_VARIABLE = "VoiceOtpPromptFunctionArn"

# ${Name} is an Fn::Sub variable; ${!Name} is Fn::Sub's escape for a literal "${Name}".
_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]*)\}")


def sub_variables(text: str) -> set[str]:
    """The ``${...}`` variables ``Fn::Sub`` would resolve in ``text``."""
    return set(_SUB_VARIABLE.findall(text))


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


def _arn_part(arn: str, index: int) -> str:
    return Fn.select(index, Fn.split("/", arn))


class ConnectOutbound(Construct):
    """Everything the Create trigger needs to place an OTP call, and the grant to place it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        instance: ConnectInstance,
        source_phone_number: SourcePhoneNumber,
        flow_file: Path,
        prompt_function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.instance_arn = self._instance(instance)
        self.instance_id = _arn_part(self.instance_arn, 1)  # arn:...:instance/<id>
        self.source_phone_number = self._source_phone_number(source_phone_number, stack.stack_name)

        association = connect.CfnIntegrationAssociation(
            self,
            "PromptFunctionAssociation",
            instance_id=self.instance_arn,
            integration_type="LAMBDA_FUNCTION",
            integration_arn=prompt_function.function_arn,
        )
        prompt_function.add_permission(
            "InvokedByConnect",
            principal=iam.ServicePrincipal("connect.amazonaws.com"),
            source_arn=self.instance_arn,
            source_account=Aws.ACCOUNT_ID,
        )
        flow = connect.CfnContactFlow(
            self,
            "OutboundFlow",
            instance_arn=self.instance_arn,
            name=f"{stack.stack_name}-outbound-voice-otp",
            type="CONTACT_FLOW",
            description="Reads a one-time code aloud on the call placed by the Cognito Create trigger",
            content=flow_content(flow_file, {PROMPT_FUNCTION_VARIABLE: prompt_function.function_arn}),
        )
        # Connect rejects a flow that invokes a Lambda function not yet associated with the instance.
        flow.add_resource_dependency(association)
        self.contact_flow_arn = flow.attr_contact_flow_arn
        self.contact_flow_id = _arn_part(self.contact_flow_arn, 3)  # arn:...:instance/<id>/contact-flow/<id>

    def _instance(self, instance: ConnectInstance) -> str:
        if isinstance(instance, ExistingConnectInstance):
            return instance.arn
        created = connect.CfnInstance(
            self,
            "Instance",
            identity_management_type="CONNECT_MANAGED",
            instance_alias=instance.alias,
            attributes=connect.CfnInstance.AttributesProperty(inbound_calls=True, outbound_calls=True),
        )
        _keep(created, INSTANCE_ID)
        return created.attr_arn

    def _source_phone_number(self, number: SourcePhoneNumber, stack_name: str) -> str:
        if isinstance(number, ClaimedPhoneNumber):
            return number.e164
        claimed = connect.CfnPhoneNumber(
            self,
            "SourcePhoneNumber",
            target_arn=self.instance_arn,
            type="DID",
            country_code=number.country_code,
            description=f"Caller ID for voice-OTP calls ({stack_name})",
        )
        _keep(claimed, PHONE_NUMBER_ID)
        return claimed.attr_address

    def grant_start_outbound_voice(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``StartOutboundVoiceContact`` on this instance's contacts with this flow, nothing wider."""
        contacts = f"{self.instance_arn}/contact/*"
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["connect:StartOutboundVoiceContact"],
            resource_arns=[contacts, self.contact_flow_arn],
        )
        rendered = contacts if not Token.is_unresolved(self.instance_arn) else f"<{INSTANCE_ID}.Arn>/contact/*"
        acknowledge_for_grantee(
            grantee,
            f"AwsSolutions-IAM5[Resource::{rendered}]",
            "StartOutboundVoiceContact is authorised against the contact it creates, whose id cannot be "
            "known in advance (Service Authorization Reference: resource type contact, "
            "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/contact/${ContactId}); "
            "the wildcard is confined to this one instance's contacts.",
        )
        return grant

    def environment(self) -> dict[str, str]:
        """``CONNECT_INSTANCE_ID``, ``CONNECT_CONTACT_FLOW_ID`` and ``CONNECT_SOURCE_PHONE_NUMBER``."""
        return {
            "CONNECT_INSTANCE_ID": self.instance_id,
            "CONNECT_CONTACT_FLOW_ID": self.contact_flow_id,
            "CONNECT_SOURCE_PHONE_NUMBER": self.source_phone_number,
        }


def _keep(resource: CfnResource, logical_id: str) -> None:
    """Stateful Connect resources: a fixed logical ID, and retained (a released number is lost)."""
    pin_logical_id(resource, logical_id)
    resource.apply_removal_policy(RemovalPolicy.RETAIN)
