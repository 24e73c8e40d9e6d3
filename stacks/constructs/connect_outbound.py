"""Outbound voice calls from Amazon Connect: the outbound flow, its prompt Lambda, and the grant to call."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.constructs.compliance import acknowledge_for_grantee, nag_rendering
from stacks.constructs.connect_instance import ConnectRefs
from stacks.constructs.contact_flow import ContactFlow

PROMPT_FUNCTION_VARIABLE = "VoiceOtpPromptFunctionArn"


class ConnectOutbound(Construct):
    """Everything the Create trigger needs to place an OTP call, and the grant to place it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        connect: ConnectRefs,
        flow_file: Path,
        prompt_function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.instance_arn = connect.instance_arn
        self.instance_id = connect.instance_id
        self.source_phone_number = connect.source_phone_number
        flow = ContactFlow(
            self,
            "OutboundFlow",
            instance_arn=self.instance_arn,
            flow_file=flow_file,
            flow_type="CONTACT_FLOW",
            description="Reads a one-time code aloud on the call placed by the Cognito Create trigger",
            functions={PROMPT_FUNCTION_VARIABLE: prompt_function},
        )
        self.contact_flow_arn = flow.arn
        self.contact_flow_id = flow.id

    def grant_start_outbound_voice(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``StartOutboundVoiceContact`` on this instance's contacts with this flow, nothing wider."""
        contacts = f"{self.instance_arn}/contact/*"
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["connect:StartOutboundVoiceContact"],
            resource_arns=[contacts, self.contact_flow_arn],
        )
        acknowledge_for_grantee(
            grantee,
            f"AwsSolutions-IAM5[Resource::{nag_rendering(self, contacts)}]",
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
