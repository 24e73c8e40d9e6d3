"""Creates in the embedded AWS what ``stacks/ordering_bot_stack.py`` declares, beside the shared OTP table.

The phone directory, the PIN key (``encryptedPin``) and the Cognito identity pool whose unauthenticated
identities the chat page uses. The OTP table and its HMAC key are the local runtime's one set (in AWS the
ordering stack has its own): this bot's OTP users are ``email:<address>``, so they never meet voice-OTP users.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from lambdas.common.core.tables import create_table_kwargs
from lambdas.ordering_bot.directory import DIRECTORY_TABLE, PHONE_ATTRIBUTE
from sim.aws import ACCOUNT_ID, REGION
from sim.aws.clients import client

REPO = Path(__file__).resolve().parents[2]
BOT_FILE = REPO / "bots" / "ordering_bot.json"
# Lex ids are 10 upper-case alphanumerics; these are the local bot's, as a deployed alias ARN would carry them.
BOT_ID = "ORDERBOT01"
BOT_ALIAS_ID = "LOCALALIAS"
BOT_ALIAS_ARN = f"arn:aws:lex:{REGION}:{ACCOUNT_ID}:bot-alias/{BOT_ID}/{BOT_ALIAS_ID}"


@dataclass(frozen=True)
class DemoCustomer:
    """The seeded customer of the ordering bot (the demo user's phone)."""

    email: str = "demo@example.com"
    phone_number: str = "+15550100100"


@dataclass
class OrderingResources:
    """What was created, and the environment the ordering hook reads."""

    directory_table: str
    pin_key_id: str
    pin_key_arn: str
    identity_pool_id: str
    function_env: dict[str, str] = field(default_factory=dict)


def create_ordering_resources() -> OrderingResources:
    """The phone directory table, the PIN key (rotation on) and the identity pool (unauthenticated allowed)."""
    suffix = uuid.uuid4().hex[:8]
    directory = f"sim-phone-directory-{suffix}"
    client("dynamodb").create_table(**create_table_kwargs(DIRECTORY_TABLE, directory))
    kms = client("kms")
    key = kms.create_key(Description="sim ordering bot PIN key (the page encrypts, the hook decrypts)")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    pool = client("cognito-identity").create_identity_pool(
        IdentityPoolName=f"sim_ordering_chat_{suffix}", AllowUnauthenticatedIdentities=True,
    )["IdentityPoolId"]
    return OrderingResources(
        directory_table=directory, pin_key_id=key["KeyId"], pin_key_arn=key["Arn"], identity_pool_id=pool,
        function_env={
            "PHONE_DIRECTORY_TABLE_NAME": directory,
            "ORDERING_PIN_KEY_ID": key["Arn"],
            "SMS_PROVIDER": "sns",
        },
    )


def seed_customer(resources: OrderingResources, customer: DemoCustomer) -> None:
    """Register ``customer``'s phone under their e-mail address."""
    client("dynamodb").put_item(
        TableName=resources.directory_table,
        Item={DIRECTORY_TABLE.partition_key: {"S": customer.email.lower()},
              PHONE_ATTRIBUTE: {"S": customer.phone_number}},
    )
