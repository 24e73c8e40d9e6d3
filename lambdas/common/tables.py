"""DynamoDB table shapes as data: the one definition CDK, the local runtime and the tests all use."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableShape:
    """Partition key (string) and TTL attribute of a single-table design."""

    partition_key: str
    ttl_attribute: str


# OTP challenges, per-user failure/send state, per-destination send state, the deployment-wide send budget
# and the per-call code copies share one table, distinguished by key prefix. TTL is clean-up only; expiry
# is checked in code.
OTP_TABLE = TableShape(partition_key="pk", ttl_attribute="expires_at")

# The OTP table's partition-key prefixes. IAM scopes each function to the prefixes it touches
# (dynamodb:LeadingKeys), so a key with a new prefix needs its grant in stacks/constructs/otp_store.py.
CHALLENGE_PREFIX = "CHALLENGE#"
USER_PREFIX = "USER#"
DEST_PREFIX = "DEST#"
BUDGET_PREFIX = "BUDGET#"
CONTACT_PREFIX = "CONTACT#"
AUDIT_PREFIX = "AUDIT#"


def create_table_kwargs(shape: TableShape, table_name: str) -> dict[str, object]:
    """``CreateTable`` arguments for ``shape`` (used by the local runtime and tests against moto)."""
    return {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": shape.partition_key, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": shape.partition_key, "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
