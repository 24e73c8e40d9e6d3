"""The contact centre every capability shares: the Amazon Connect instance and its number, when created here.

With an existing instance and a claimed number (``connectInstanceArn`` + ``connectSourcePhoneNumber``) there
is nothing to create and no stack: capability stacks use the literal values. With ``createConnectInstance``
or ``connectPhoneNumberCountry``, this stack creates and retains them, and capability stacks reference it.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import App, CfnOutput, Fn, Stack
from constructs import Construct

from stacks.config import ClaimedPhoneNumber, ContactCentreConfig, ExistingConnectInstance
from stacks.constructs.connect_instance import ConnectInstance, ConnectRefs, arn_part

CONTACT_CENTRE_STACK = "ContactCentre"
INSTANCE_ARN_OUTPUT = "ConnectInstanceArn"
PHONE_NUMBER_OUTPUT = "ConnectPhoneNumber"


def export_name(stack_name: str, output: str) -> str:
    """``<stack>-<output>``: the name a capability stack imports."""
    return f"{stack_name}-{output}"


class ContactCentreStack(Stack):
    """A Connect instance (CONNECT_MANAGED, inbound + outbound calls) and/or a DID claimed on it."""

    def __init__(self, scope: Construct, construct_id: str, *, config: ContactCentreConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.connect = ConnectInstance(self, "Connect", instance=config.connect_instance,
                                       source_phone_number=config.source_phone_number).refs
        # Explicit exports, named after this stack: capability stacks import them by name, so the references
        # read the same in every template and in every cdk-nag finding. A retained instance's ARN and
        # number never change, so the exports' lock on their values costs nothing.
        for output, value in ((INSTANCE_ARN_OUTPUT, self.connect.instance_arn),
                              (PHONE_NUMBER_OUTPUT, self.connect.source_phone_number)):
            CfnOutput(self, output, value=value, export_name=export_name(self.stack_name, output))


def contact_centre(app: App, config: ContactCentreConfig) -> ConnectRefs:
    """The shared instance: from its own stack when anything is created, else the context's literal values."""
    instance, number = config.connect_instance, config.source_phone_number
    if isinstance(instance, ExistingConnectInstance) and isinstance(number, ClaimedPhoneNumber):
        return ConnectRefs(instance_arn=instance.arn, instance_id=arn_part(instance.arn, 1),
                           source_phone_number=number.e164)
    centre = ContactCentreStack(app, CONTACT_CENTRE_STACK, config=config,
                                description="The Amazon Connect instance and number every capability shares")
    arn = Fn.import_value(export_name(centre.stack_name, INSTANCE_ARN_OUTPUT))
    return ConnectRefs(instance_arn=arn, instance_id=arn_part(arn, 1),
                       source_phone_number=Fn.import_value(export_name(centre.stack_name, PHONE_NUMBER_OUTPUT)),
                       stack=centre)
