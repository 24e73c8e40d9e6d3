"""Signed-in phone sessions: an opaque marker in the Lex session, the customer it stands for kept server-side.

The marker is 256 random bits. The table stores only its SHA-256 (a leaked table row is no marker), with the
customer id, the Lex session it was issued to (for Connect, the contact id) and an expiry. A session attribute
a client forges (a made-up marker, a customer id, "authenticated") finds no row, or a row for another session,
and so gains nothing. Cognito's tokens never leave the fulfillment function.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from lambdas.common.core import aws, clock
from lambdas.voice_login.tables import SESSIONS_TABLE

_PK = SESSIONS_TABLE.partition_key
_TTL = SESSIONS_TABLE.ttl_attribute
_MARKER = re.compile(r"[A-Za-z0-9_-]{43}")


def _key(marker: str) -> str:
    return "MARKER#" + hashlib.sha256(marker.encode("ascii")).hexdigest()


class AuthSessions:
    """Opens and resolves signed-in sessions (1 PutItem to open, 1 consistent GetItem to resolve)."""

    def __init__(self, table_name: str, ttl_seconds: int) -> None:
        self._table = table_name
        self._ttl = ttl_seconds

    def open(self, *, customer_id: str, lex_session_id: str) -> str:
        """A new marker for ``customer_id``, bound to ``lex_session_id``."""
        marker = secrets.token_urlsafe(32)
        expires = int(clock.now()) + self._ttl
        aws.client("dynamodb").put_item(
            TableName=self._table,
            Item={_PK: {"S": _key(marker)}, "customer_id": {"S": customer_id},
                  "lex_session_id": {"S": lex_session_id}, _TTL: {"N": str(expires)}},
            ConditionExpression="attribute_not_exists(#pk)", ExpressionAttributeNames={"#pk": _PK},
        )
        return marker

    def resolve(self, marker: object, *, lex_session_id: str) -> str | None:
        """The customer ``marker`` stands for in this Lex session, or None (absent, forged, foreign, expired)."""
        if not isinstance(marker, str) or not _MARKER.fullmatch(marker):
            return None
        item = aws.client("dynamodb").get_item(TableName=self._table, Key={_PK: {"S": _key(marker)}},
                                               ConsistentRead=True).get("Item")
        if item is None:
            return None
        bound = item.get("lex_session_id", {}).get("S", "")
        if not hmac.compare_digest(bound.encode(), lex_session_id.encode()):
            return None
        if float(item.get(_TTL, {}).get("N", "0")) <= clock.now():
            return None
        customer: str = item["customer_id"]["S"]
        return customer
