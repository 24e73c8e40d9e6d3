"""Spending grants: one conditional write per grant id makes a link single use, even under concurrency."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from lambdas.common.core import aws
from lambdas.voice_login.links import Grant, InvalidLink, UsedLink
from lambdas.voice_login.tables import GRANTS_TABLE, REQUESTS_PREFIX, SPENT_PREFIX

_PK = GRANTS_TABLE.partition_key
_TTL = GRANTS_TABLE.ttl_attribute
_TTL_MARGIN_SECONDS = 3600  # TTL is clean-up only; expiry is checked from the signed claims


class TooManyRequests(Exception):
    """This grant has been presented more often than any page needs (a script, not a person)."""


class GrantLedger:
    """The grants table: spent grant ids and per-grant request counters."""

    def __init__(self, table_name: str) -> None:
        self._table = table_name

    def is_spent(self, grant: Grant) -> bool:
        """Whether ``grant`` was already used (1 consistent DynamoDB read)."""
        item = aws.client("dynamodb").get_item(TableName=self._table, Key={_PK: {"S": SPENT_PREFIX + grant.jti}},
                                               ConsistentRead=True).get("Item")
        return item is not None

    def count_request(self, grant: Grant, limit: int) -> None:
        """Count one request made with ``grant``; TooManyRequests past ``limit`` (1 conditional UpdateItem)."""
        try:
            aws.client("dynamodb").update_item(
                TableName=self._table, Key={_PK: {"S": REQUESTS_PREFIX + grant.jti}},
                UpdateExpression="ADD #n :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
                ExpressionAttributeNames={"#n": "requests", "#ttl": _TTL},
                ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": str(limit)},
                                           ":ttl": {"N": str(grant.expires_at + _TTL_MARGIN_SECONDS)}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise TooManyRequests("request limit for this grant reached") from None

    def spend(self, grant: Grant, *, with_writes: Sequence[dict[str, Any]] = ()) -> None:
        """Spend ``grant`` and apply ``with_writes`` atomically: one transaction whose first element is the
        conditional Put of the grant id. UsedLink if it was spent before (or by a concurrent request);
        InvalidLink if another element's condition fails (e.g. the account no longer exists)."""
        put = {"Put": {
            "TableName": self._table,
            "Item": {_PK: {"S": SPENT_PREFIX + grant.jti}, "customer_id": {"S": grant.customer_id},
                     "scope": {"S": grant.scope}, _TTL: {"N": str(grant.expires_at + _TTL_MARGIN_SECONDS)}},
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": _PK},
        }}
        try:
            aws.client("dynamodb").transact_write_items(TransactItems=[put, *with_writes])
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise UsedLink("grant already spent") from None
            if "ConditionalCheckFailed" in reasons[1:]:
                raise InvalidLink("the grant's account refused the write") from None
            raise  # a conflict or throttling: the caller sees 'unavailable' and may retry
