"""The Amazon Connect instance and caller ID every capability shares: given by ARN and number, or created."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnResource, Fn, RemovalPolicy, Stack
from aws_cdk import aws_connect as connect
from constructs import Construct

from stacks.config import ClaimedPhoneNumber, ConnectInstanceChoice, ExistingConnectInstance, SourcePhoneNumberChoice
from stacks.constructs.stable import pin_logical_id

INSTANCE_ID = "ConnectInstance"
PHONE_NUMBER_ID = "ConnectSourcePhoneNumber"


def arn_part(arn: str, index: int) -> str:
    """Part ``index`` of ``arn`` split on ``/`` (a token: ARNs of created resources are known only at deploy)."""
    return Fn.select(index, Fn.split("/", arn))


@dataclass(frozen=True)
class ConnectRefs:
    """What a capability needs of the shared instance: literals, or tokens into the contact-centre stack."""

    instance_arn: str
    instance_id: str
    source_phone_number: str
    stack: Stack | None = None  # the stack that creates them, which a consumer must deploy after


class ConnectInstance(Construct):
    """A CONNECT_MANAGED instance (inbound + outbound calls) and/or a DID, created and retained here; what is
    configured as existing is passed through as a literal."""

    def __init__(self, scope: Construct, construct_id: str, *, instance: ConnectInstanceChoice,
                 source_phone_number: SourcePhoneNumberChoice) -> None:
        super().__init__(scope, construct_id)
        arn = self._instance(instance)
        self.refs = ConnectRefs(instance_arn=arn, instance_id=arn_part(arn, 1),  # arn:...:instance/<id>
                                source_phone_number=self._number(source_phone_number, arn))

    def _instance(self, instance: ConnectInstanceChoice) -> str:
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

    def _number(self, number: SourcePhoneNumberChoice, instance_arn: str) -> str:
        if isinstance(number, ClaimedPhoneNumber):
            return number.e164
        claimed = connect.CfnPhoneNumber(
            self,
            "SourcePhoneNumber",
            target_arn=instance_arn,
            type="DID",
            country_code=number.country_code,
            description=f"Caller ID and inbound number ({Stack.of(self).stack_name})",
        )
        _keep(claimed, PHONE_NUMBER_ID)
        return claimed.attr_address


def _keep(resource: CfnResource, logical_id: str) -> None:
    """Stateful Connect resources: a fixed logical ID, and retained (a released number is lost)."""
    pin_logical_id(resource, logical_id)
    resource.apply_removal_policy(RemovalPolicy.RETAIN)
