"""The phone directory: the registered mobile number for an e-mail address (one DynamoDB GetItem)."""

from __future__ import annotations

import re

from lambdas.common.core import aws
from lambdas.common.core.phone import InvalidPhoneNumber, validate_e164
from lambdas.common.core.tables import TableShape

# One item per customer: {"email": <normalised address>, "phone": <E.164>}. No TTL: the bank manages entries.
DIRECTORY_TABLE = TableShape(partition_key="email", ttl_attribute="")
PHONE_ATTRIBUTE = "phone"
MAX_EMAIL_CHARS = 254  # RFC 5321's limit on a forward path
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")


def normalise_email(value: object) -> str | None:
    """The address lower-cased and trimmed, or None when it is not a plausible e-mail address."""
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    return email if len(email) <= MAX_EMAIL_CHARS and _EMAIL.fullmatch(email) else None


class PhoneDirectory:
    """Looks up a customer's registered number by e-mail."""

    def __init__(self, table_name: str) -> None:
        self._table = table_name

    def phone_for(self, email: str) -> str | None:
        """The E.164 number registered for ``email`` (normalised), or None when there is none usable."""
        item = aws.client("dynamodb").get_item(
            TableName=self._table,
            Key={DIRECTORY_TABLE.partition_key: {"S": email}},
            ProjectionExpression="#phone",
            ExpressionAttributeNames={"#phone": PHONE_ATTRIBUTE},
            ConsistentRead=True,
        ).get("Item")
        try:
            return validate_e164((item or {}).get(PHONE_ATTRIBUTE, {}).get("S"))
        except InvalidPhoneNumber:
            return None
