"""The decrypt audit trail: one append-only DynamoDB item per request, never holding the value.

The table's shape is declared once here for CDK, the local runtime and tests. Items are keyed by contact
(``contactId``) and ``at`` (ISO-8601 UTC time, then the Lambda request id), so an auditor lists every
decryption of a contact's data with one Query. The decrypt function may only ``PutItem`` and writes each
item under ``attribute_not_exists``; the operator role is denied every write by the table's resource policy.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from lambdas.common.core import aws, clock

PARTITION_KEY, SORT_KEY = "contactId", "at"


def create_table_kwargs(table_name: str) -> dict[str, Any]:
    """``CreateTable`` arguments for the audit table (local runtime and tests; CDK declares the same keys)."""
    return {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
                      {"AttributeName": SORT_KEY, "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": PARTITION_KEY, "AttributeType": "S"},
                                 {"AttributeName": SORT_KEY, "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


def timestamp() -> str:
    """Now (the runtime's clock), ISO-8601 UTC with milliseconds."""
    moment = datetime.datetime.fromtimestamp(clock.now(), tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def append(table_name: str, *, contact_id: str, request_id: str, outcome: str, record: Mapping[str, str]) -> str:
    """Write one audit item (never overwriting one); returns its sort key ``time#request id#outcome``."""
    at = f"{timestamp()}#{request_id}#{outcome}"
    item = {PARTITION_KEY: {"S": contact_id}, SORT_KEY: {"S": at}, "outcome": {"S": outcome},
            **{k: {"S": v} for k, v in record.items()}}
    aws.client("dynamodb").put_item(
        TableName=table_name, Item=item,
        ConditionExpression=f"attribute_not_exists({PARTITION_KEY})",  # append-only: a key is written once
    )
    return at


def records(table_name: str, contact_id: str) -> list[dict[str, str]]:
    """Every audit item of a contact, oldest first (for auditors, the demo and tests)."""
    answer = aws.client("dynamodb").query(
        TableName=table_name, KeyConditionExpression=f"{PARTITION_KEY} = :c",
        ExpressionAttributeValues={":c": {"S": contact_id}},
    )
    return [{key: value["S"] for key, value in item.items()} for item in answer["Items"]]
