"""Creates in the embedded AWS what the stacks declare, and returns the functions' environment.

The names of the environment variables are the same ones the CDK stacks set, so the handlers run unchanged.
"""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass, field

from lambdas.common.core.tables import create_table_kwargs
from lambdas.common.otp.policy import OtpPolicy
from lambdas.common.otp.table import OTP_TABLE
from lambdas.voice_otp.app_client import ALLOWED_AUTH_FLOWS, auth_session_validity_minutes
from sim.aws import ACCOUNT_ID, REGION
from sim.aws.clients import client

SOURCE_NUMBER = "+15550100999"  # the contact centre's caller ID (555-01xx numbers are fictional)
PROMPT_FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:sim-voice-otp-prompt"


@dataclass(frozen=True)
class DemoUser:
    """The seeded customer."""

    username: str = "demo"
    password: str = "Demo-Passw0rd!2026"  # noqa: S105 - a fixed password for a local, throwaway user pool
    phone_number: str = "+15550100100"


@dataclass
class Resources:
    """Identifiers of everything created, and the Lambda environment that points at them."""

    table_name: str
    code_key_id: str
    secret_arn: str
    user_pool_id: str
    client_id: str
    client_secret: str
    instance_id: str
    instance_arn: str
    contact_flow_id: str
    source_number: str
    function_env: dict[str, str] = field(default_factory=dict)


def create_resources(*, passwordless: bool = False, otp: dict[str, int] | None = None) -> Resources:
    """Create the OTP table, KMS key, HMAC secret, user pool + client, and the Connect instance."""
    suffix = uuid.uuid4().hex[:8]
    ddb, kms, sm, idp, connect = (client(s) for s in ("dynamodb", "kms", "secretsmanager", "cognito-idp", "connect"))

    table_name = f"sim-otp-{suffix}"
    ddb.create_table(**create_table_kwargs(OTP_TABLE, table_name))
    ddb.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": OTP_TABLE.ttl_attribute},
    )
    key_id = kms.create_key(Description="sim OTP code key")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=key_id)
    alphabet = string.ascii_letters + string.digits
    secret_arn = sm.create_secret(
        Name=f"sim-otp-hmac-{suffix}", SecretString="".join(secrets.choice(alphabet) for _ in range(64))
    )["ARN"]

    pool_id = idp.create_user_pool(
        PoolName=f"sim-users-{suffix}",
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True,
                                     "RequireNumbers": True, "RequireSymbols": True}},
    )["UserPool"]["Id"]
    app_client = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="sim-app",
        GenerateSecret=True,
        ExplicitAuthFlows=list(ALLOWED_AUTH_FLOWS),  # the stack's app client: custom auth and refresh only
        AuthSessionValidity=auth_session_validity_minutes(OtpPolicy(**(otp or {})).ttl_seconds),
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]

    instance = connect.create_instance(
        IdentityManagementType="CONNECT_MANAGED", InstanceAlias=f"sim-{suffix}",
        InboundCallsEnabled=True, OutboundCallsEnabled=True,
    )
    resources = Resources(
        table_name=table_name, code_key_id=key_id, secret_arn=secret_arn, user_pool_id=pool_id,
        client_id=app_client["ClientId"], client_secret=app_client["ClientSecret"],
        instance_id=instance["Id"], instance_arn=instance["Arn"], contact_flow_id=str(uuid.uuid4()),
        source_number=SOURCE_NUMBER,
    )
    resources.function_env = {
        "OTP_TABLE_NAME": table_name,
        "OTP_HASH_SECRET_ARN": secret_arn,
        "OTP_CODE_KEY_ID": key_id,
        "CONNECT_INSTANCE_ID": resources.instance_id,
        "CONNECT_CONTACT_FLOW_ID": resources.contact_flow_id,
        "CONNECT_SOURCE_PHONE_NUMBER": SOURCE_NUMBER,
        "AUTH_PASSWORDLESS": "true" if passwordless else "false",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        **{f"OTP_{name.upper()}": str(value) for name, value in (otp or {}).items()},
    }
    return resources


def seed_user(resources: Resources, user: DemoUser, *, verified: bool = True) -> None:
    """Create a confirmed user with a permanent password and a (verified) phone number."""
    idp = client("cognito-idp")
    idp.admin_create_user(
        UserPoolId=resources.user_pool_id,
        Username=user.username,
        UserAttributes=[
            {"Name": "phone_number", "Value": user.phone_number},
            {"Name": "phone_number_verified", "Value": "true" if verified else "false"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=resources.user_pool_id, Username=user.username, Password=user.password, Permanent=True
    )
