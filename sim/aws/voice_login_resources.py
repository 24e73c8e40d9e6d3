"""Creates in the embedded AWS what the voice-login stack declares, and returns its functions' environment.

The same names of environment variables as ``stacks/voice_login_stack.py`` sets, so the handlers run unchanged.
moto signs with ECC_NIST_P256 keys (``kms:Sign`` ECDSA_SHA_256, ``kms:GetPublicKey``), so the real signing and
verifying code runs here; no local stand-in is needed. moto does not check ``SECRET_HASH`` on
USER_PASSWORD_AUTH (unit tests check it against moto's own ``check_secret_hash`` instead).
"""

from __future__ import annotations

import json
import secrets
import string
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lambdas.common.core.tables import TableShape, create_table_kwargs
from lambdas.common.otp.table import OTP_TABLE
from lambdas.voice_login.tables import ACCOUNTS_TABLE, GRANTS_TABLE, SESSIONS_TABLE
from sim.aws.clients import client

# Where the link opens when nothing serves the page (functions called directly, as unit tests do). The local
# runtime serves web/voice_login on an ephemeral loopback port and passes that page's URL instead.
PAGE_URL = "https://voice-login.example/"
GRANT_AUDIENCE = "voice-login:add-authorized-user"
# The queue the inbound flow hands callers to (${AgentQueueArn}); the simulated contact centre answers for it.
AGENT_QUEUE_ARN = ("arn:aws:connect:us-east-1:123456789012:instance/00000000-0000-4000-8000-000000000000"
                   "/queue/voice-login-agents")
PHONE_BANKING_AUTH_FLOWS = ("ALLOW_USER_PASSWORD_AUTH",)  # the only flow the phone-banking client allows
PIN_POLICY = {"MinimumLength": 6, "RequireUppercase": False, "RequireLowercase": False, "RequireNumbers": True,
              "RequireSymbols": False}


@dataclass(frozen=True)
class Customer:
    """A phone-banking customer: id (the pool's username), PIN (its password), the number on their record."""

    customer_id: str = "12345678"
    pin: str = "246810"  # a fixed PIN for a local, throwaway pool
    phone_number: str = "+15550100100"
    name: str = "Alex Example"


OTHER_CUSTOMER = Customer(customer_id="87654321", pin="135790", phone_number="+15550100200", name="Sam Other")


@dataclass
class VoiceLoginResources:
    """Identifiers of everything created, and the functions' environment."""

    user_pool_id: str
    client_id: str
    client_secret: str
    signing_key_id: str
    accounts_table: str
    grants_table: str
    sessions_table: str
    otp_table: str
    function_env: dict[str, str] = field(default_factory=dict)


def _table(ddb: Any, shape: TableShape, name: str, *, ttl: bool = True) -> str:
    ddb.create_table(**create_table_kwargs(shape, name))
    if ttl:
        ddb.update_time_to_live(TableName=name,
                                TimeToLiveSpecification={"Enabled": True, "AttributeName": shape.ttl_attribute})
    return name


def create_voice_login_resources(
    *, sms_provider: str = "sns", otp: dict[str, int] | None = None, otp_table: str | None = None,
    hmac_secret_arn: str | None = None, page_url: str = PAGE_URL,
) -> VoiceLoginResources:
    """The phone-banking pool and client, the client-secret and HMAC secrets, the four tables, the signing key.

    ``page_url`` is where the texted link opens (``LINK_PAGE_URL``); its origin is the one the API answers CORS
    for (``PAGE_ORIGIN``), as the stack wires the distribution's URL to both.

    ``otp_table`` and ``hmac_secret_arn`` share the voice OTP's (the local runtime has one process-wide
    environment, so both capabilities read the same ``OTP_TABLE_NAME``; their keys never collide: usernames
    there, customer ids here). Deployed, each stack has its own.
    """
    suffix = uuid.uuid4().hex[:8]
    ddb, kms, sm, idp = (client(s) for s in ("dynamodb", "kms", "secretsmanager", "cognito-idp"))
    pool_id = idp.create_user_pool(PoolName=f"sim-phone-banking-{suffix}",
                                   Policies={"PasswordPolicy": PIN_POLICY})["UserPool"]["Id"]
    app_client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="phone-banking-fulfillment", GenerateSecret=True,
        ExplicitAuthFlows=list(PHONE_BANKING_AUTH_FLOWS), PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]
    client_secret_arn = sm.create_secret(Name=f"sim-phone-banking-client-{suffix}",
                                         SecretString=json.dumps({"clientSecret": app_client["ClientSecret"]}))["ARN"]
    alphabet = string.ascii_letters + string.digits
    hmac_arn = hmac_secret_arn or sm.create_secret(
        Name=f"sim-voice-login-hmac-{suffix}", SecretString="".join(secrets.choice(alphabet) for _ in range(64)))["ARN"]
    key_id = kms.create_key(Description="sim voice-login grant signing key", KeyUsage="SIGN_VERIFY",
                            KeySpec="ECC_NIST_P256")["KeyMetadata"]["Arn"]
    resources = VoiceLoginResources(
        user_pool_id=pool_id, client_id=app_client["ClientId"], client_secret=app_client["ClientSecret"],
        signing_key_id=key_id,
        accounts_table=_table(ddb, ACCOUNTS_TABLE, f"sim-accounts-{suffix}", ttl=False),
        grants_table=_table(ddb, GRANTS_TABLE, f"sim-grants-{suffix}"),
        sessions_table=_table(ddb, SESSIONS_TABLE, f"sim-sessions-{suffix}"),
        otp_table=otp_table or _table(ddb, OTP_TABLE, f"sim-voice-login-otp-{suffix}"),
    )
    resources.function_env = {
        "PHONE_BANKING_CLIENT_ID": app_client["ClientId"],
        "PHONE_BANKING_CLIENT_SECRET_ARN": client_secret_arn,
        "SESSIONS_TABLE_NAME": resources.sessions_table,
        "ACCOUNTS_TABLE_NAME": resources.accounts_table,
        "GRANTS_TABLE_NAME": resources.grants_table,
        "GRANT_SIGNING_KEY_ID": key_id,
        "GRANT_AUDIENCE": GRANT_AUDIENCE,
        "LINK_PAGE_URL": page_url,
        "PAGE_ORIGIN": page_origin(page_url),
        "SMS_PROVIDER": sms_provider,
        "OTP_TABLE_NAME": resources.otp_table,
        "OTP_HASH_SECRET_ARN": hmac_arn,
        **{f"OTP_{name.upper()}": str(value) for name, value in (otp or {}).items()},
    }
    return resources


def page_origin(url: str) -> str:
    """``scheme://host[:port]`` of the page's URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


PAGE_ORIGIN = page_origin(PAGE_URL)


def seed_customer(resources: VoiceLoginResources, customer: Customer) -> None:
    """A confirmed phone-banking user (PIN as permanent password) and their account record."""
    idp = client("cognito-idp")
    idp.admin_create_user(UserPoolId=resources.user_pool_id, Username=customer.customer_id,
                          MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=resources.user_pool_id, Username=customer.customer_id,
                                Password=customer.pin, Permanent=True)
    client("dynamodb").put_item(TableName=resources.accounts_table, Item={
        ACCOUNTS_TABLE.partition_key: {"S": customer.customer_id},
        "name": {"S": customer.name},
        "phone_number": {"S": customer.phone_number},
    })
