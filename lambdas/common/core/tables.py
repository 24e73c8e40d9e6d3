"""DynamoDB table shapes as data: each capability declares its tables once, for CDK, the local runtime and tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableShape:
    """Partition key (string) and TTL attribute of a single-table design."""

    partition_key: str
    ttl_attribute: str


def create_table_kwargs(shape: TableShape, table_name: str) -> dict[str, object]:
    """``CreateTable`` arguments for ``shape`` (used by the local runtime and tests against moto)."""
    return {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": shape.partition_key, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": shape.partition_key, "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
