"""Administrator actions on a user's voice-OTP state: read it, or clear the failure count after the ceiling.

NIST SP 800-63B rev 4 §3.2.2 allows at most 100 consecutive failed attempts per account; at the policy's
ceiling the voice OTP stays refused until an administrator clears it here. Invoked only through
``python -m tools.voice_otp_admin`` (or ``aws lambda invoke``) by a principal allowed ``lambda:InvokeFunction``
on this function; every call writes an append-only ``AUDIT#`` item (who asked, why, what the state was) and
one log line, and CloudTrail records the Invoke with the caller's IAM identity.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from lambdas import coldstart  # first: no cyclic GC while the handler imports
from lambdas.common.core import aws, clock
from lambdas.common.core.logging import get_logger
from lambdas.common.otp.model import UserStatus
from lambdas.common.otp.settings import otp_settings
from lambdas.common.otp.table import AUDIT_PREFIX, OTP_TABLE
from lambdas.voice_otp.wiring import otp_store

if TYPE_CHECKING:  # typing only: the handler never needs Powertools' context class at runtime
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = get_logger("voice_otp_admin")
ACTIONS = ("status", "clear-failures")
MAX_FIELD = 512
_USERNAME = re.compile(r"[\w.@+=,-]{1,128}")  # Cognito usernames: letters, digits and these marks


class AdminRequestError(ValueError):
    """The request is malformed; the message says which field and why (never echoing secrets)."""


def _field(event: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = event.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_FIELD:
        raise AdminRequestError(f"'{name}' must be a non-empty string of at most {MAX_FIELD} characters")
    return value.strip()


def _view(status: UserStatus) -> dict[str, Any]:
    return {"failures": status.failures, "lockedUntil": status.locked_until,
            "needsAdministrator": status.needs_administrator}


@logger.inject_lambda_context(log_event=False)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    """``{"action": "status"|"clear-failures", "username", "requestedBy", "reason"}`` → the user's state."""
    try:
        if not isinstance(event, dict):
            raise AdminRequestError("the request must be a JSON object")
        action = _field(event, "action")
        if action not in ACTIONS:
            raise AdminRequestError(f"'action' must be one of {', '.join(ACTIONS)}")
        username = _field(event, "username")
        if not _USERNAME.fullmatch(username):
            raise AdminRequestError("'username' is not a Cognito username")
        requested_by = _field(event, "requestedBy")
        reason = _field(event, "reason", required=action != "status")
    except AdminRequestError as error:
        logger.warning("administrator request refused", extra={"problem": str(error)})
        return {"ok": False, "error": str(error)}

    store = otp_store(hashing=False)
    before = store.status(username)
    after = before
    if action == "clear-failures":
        if before.failures == 0 and before.locked_until is None:
            return {"ok": True, "action": action, "username": username, "changed": False, **_view(before)}
        store.clear_failures(username)
        after = store.status(username)
    record = {"action": action, "username": username, "requestedBy": requested_by, "reason": reason,
              "requestId": context.aws_request_id, "before": _view(before), "after": _view(after)}
    aws.client("dynamodb").put_item(
        TableName=otp_settings().table_name,
        Item={OTP_TABLE.partition_key: {"S": f"{AUDIT_PREFIX}{int(clock.now() * 1000)}#{context.aws_request_id}"},
              "record": {"S": json.dumps(record, sort_keys=True)}},
        ConditionExpression=f"attribute_not_exists({OTP_TABLE.partition_key})",  # append-only: never overwrite
    )
    logger.info("otp administrator action", extra=record)
    return {"ok": True, "action": action, "username": username, "changed": after != before, **_view(after)}


coldstart.loaded()  # last: the handler is imported
