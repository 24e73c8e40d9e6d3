"""The secure-input (C3) resources in the embedded AWS, as ``stacks/secure_input_stack.py`` declares them.

A KMS key (rotation on), the append-only audit table, and the operator role the decrypt function accepts
(``python -m tools.decrypt --local`` assumes it). The functions' environment names are the stack's.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from lambdas.secure_input.audit import create_table_kwargs
from sim.aws import ACCOUNT_ID, REGION
from sim.aws.clients import client

BOT_ALIAS_ARN = f"arn:aws:lex:{REGION}:{ACCOUNT_ID}:bot-alias/SECUREINPT/LOCALALIAS"
CAPTURE_FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:sim-secure-input-capture"
DECRYPT_FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:sim-secure-input-decrypt"
BOT_PLACEHOLDER = "SecureInputBotAliasArn"  # the flow's ${...} for the bot
OPERATOR_ROLE_NAME = "sim-secure-input-operator"


@dataclass
class SecureInputResources:
    """What was created, and the environment the capture and decrypt functions read."""

    key_id: str
    audit_table: str
    operator_role_arn: str
    deployment: str
    function_env: dict[str, str] = field(default_factory=dict)


def create_secure_input_resources(*, sts_endpoint: str) -> SecureInputResources:
    """Create the key, the audit table and the operator role; ``sts_endpoint`` verifies operators' proofs."""
    suffix = uuid.uuid4().hex[:8]
    kms, ddb, iam = (client(s) for s in ("kms", "dynamodb", "iam"))
    key_id = kms.create_key(Description="sim secure-input key")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key_id)
    table = f"sim-secure-input-audit-{suffix}"
    ddb.create_table(**create_table_kwargs(table))
    ddb.update_continuous_backups(TableName=table,
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}}]}
    role_arn = iam.create_role(RoleName=f"{OPERATOR_ROLE_NAME}-{suffix}",
                               AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    deployment = f"sim-{suffix}"
    return SecureInputResources(
        key_id=key_id, audit_table=table, operator_role_arn=role_arn, deployment=deployment,
        function_env={
            "SECURE_INPUT_KEY_ID": key_id,
            "SECURE_INPUT_DEPLOYMENT": deployment,
            "SECURE_INPUT_AUDIT_TABLE": table,
            "SECURE_INPUT_OPERATOR_ROLE_ARN": role_arn,
            "SECURE_INPUT_STS_ENDPOINT": sts_endpoint,
        },
    )


def secure_input_handlers() -> dict[str, Any]:
    """The capture code hook by every name a flow or script uses for the bot, and the decrypt function."""
    from lambdas.secure_input.capture import handler as capture
    from lambdas.secure_input.decrypt import handler as decrypt

    return {
        **dict.fromkeys((BOT_ALIAS_ARN, f"${{{BOT_PLACEHOLDER}}}", "SecureInputBot", CAPTURE_FUNCTION_ARN), capture),
        DECRYPT_FUNCTION_ARN: decrypt,
    }
