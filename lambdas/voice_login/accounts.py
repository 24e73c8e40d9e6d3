"""The bank's customer records: where a link is texted (never a number the caller says) and who is authorised."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdas.common.core import aws, clock
from lambdas.common.core.phone import InvalidPhoneNumber, validate_e164
from lambdas.voice_login.tables import ACCOUNTS_TABLE

_PK = ACCOUNTS_TABLE.partition_key


@dataclass(frozen=True)
class AuthorizedUser:
    """A person the customer authorised on their account (validated by ``rules``)."""

    full_name: str
    relationship: str
    date_of_birth: str


class AccountStore:
    """Reads a customer's phone number; builds the write that adds an authorised user."""

    def __init__(self, table_name: str) -> None:
        self._table = table_name

    def phone_number(self, customer_id: str) -> str | None:
        """The E.164 number on the customer's record (None when absent or malformed). 1 DynamoDB read."""
        item = aws.client("dynamodb").get_item(
            TableName=self._table, Key={_PK: {"S": customer_id}}, ConsistentRead=True,
            ProjectionExpression="phone_number").get("Item")
        number = (item or {}).get("phone_number", {}).get("S")
        try:
            return validate_e164(number)
        except InvalidPhoneNumber:
            return None

    def add_authorized_user_write(self, customer_id: str, user: AuthorizedUser, *, grant_id: str) -> dict[str, Any]:
        """The transaction element appending ``user`` to an existing account (audit: when, by which grant)."""
        entry = {"M": {
            "fullName": {"S": user.full_name}, "relationship": {"S": user.relationship},
            "dateOfBirth": {"S": user.date_of_birth}, "addedAt": {"N": str(int(clock.now()))},
            "grantId": {"S": grant_id},
        }}
        return {"Update": {
            "TableName": self._table, "Key": {_PK: {"S": customer_id}},
            "UpdateExpression": "SET #users = list_append(if_not_exists(#users, :empty), :new)",
            "ConditionExpression": "attribute_exists(#pk)",
            "ExpressionAttributeNames": {"#users": "authorized_users", "#pk": _PK},
            "ExpressionAttributeValues": {":empty": {"L": []}, ":new": {"L": [entry]}},
        }}
