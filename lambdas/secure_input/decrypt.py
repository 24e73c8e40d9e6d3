"""Operator-only: open one sealed field of one contact, after proving who asks and writing it down.

Invoked by ``python -m tools.decrypt`` (or ``aws lambda invoke``) by the operator role, the only principal
the function's resource policy admits. Request: ``{"contactId", "field", "ciphertext", "reason",
"identityProof"}`` (the proof: ``lambdas.secure_input.identity``). Order of work:

1. the request is checked (a malformed one is refused, not audited: it names no contact reliably);
2. the identity proof is verified with STS; a refusal is audited with the principal ``unverified``;
3. an audit item ``requested`` (who, when, contact, field, why; never the value) is written *before* any
   key is unwrapped, so no value is released without a record;
4. the value is opened (KMS checks the contact, the SDK the field), and ``decrypted`` or ``refused`` is
   appended.

CloudTrail's KMS ``Decrypt`` event, with the contact id in its encryption context, is the second trail,
kept by AWS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdas import coldstart  # first: no cyclic GC while the handler imports
from lambdas.common.core import aws  # noqa: F401 - boto3 before Powertools (see lambdas/coldstart.py)
from lambdas.common.core.logging import get_logger
from lambdas.secure_input import audit
from lambdas.secure_input.fields import BY_NAME
from lambdas.secure_input.identity import IdentityError, binding, verify
from lambdas.secure_input.sealing import MAX_SEALED_CHARS, OpenError, open_sealed
from lambdas.secure_input.settings import DecryptSettings, decrypt_settings

if TYPE_CHECKING:  # typing only: the handler never needs Powertools' context class at runtime
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = get_logger("secure_input_decrypt")
MAX_REASON = 512
_CONTACT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,255}")
REFUSED_OPEN = "the ciphertext does not open for this contact and field"
REFUSED_IDENTITY = "your identity could not be verified as the operator role"
UNAVAILABLE_RETRY = "decryption is temporarily unavailable; try again"
UNVERIFIED = "unverified"


class DecryptRequestError(ValueError):
    """The request is malformed; the message names the field, never a value."""


@dataclass(frozen=True)
class DecryptRequest:
    """A checked request."""

    contact_id: str
    field: str
    ciphertext: str
    reason: str
    proof: Any


def _text(event: dict[str, Any], name: str, limit: int) -> str:
    value = event.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise DecryptRequestError(f"'{name}' must be a non-empty string of at most {limit} characters")
    return value.strip()


def parse(event: Any) -> DecryptRequest:
    """The request in ``event``, or DecryptRequestError naming what is wrong."""
    if not isinstance(event, dict):
        raise DecryptRequestError("the request must be a JSON object")
    contact_id = _text(event, "contactId", 256)
    if not _CONTACT_ID.fullmatch(contact_id):
        raise DecryptRequestError("'contactId' is not a contact id")
    field = _text(event, "field", 16)
    if field not in BY_NAME:
        raise DecryptRequestError(f"'field' must be one of {', '.join(BY_NAME)}")
    return DecryptRequest(contact_id=contact_id, field=field, ciphertext=_text(event, "ciphertext", MAX_SEALED_CHARS),
                          reason=_text(event, "reason", MAX_REASON), proof=event.get("identityProof"))


def _sts_endpoint(settings: DecryptSettings) -> str:
    return settings.sts_endpoint or f"https://sts.{settings.region}.amazonaws.com"


@logger.inject_lambda_context(log_event=False)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    """Decrypt one field for the operator; every attempt past a well-formed request is audited."""
    try:
        request = parse(event)
    except DecryptRequestError as error:
        logger.warning("decrypt request refused", extra={"problem": str(error)})
        return {"ok": False, "error": str(error)}
    settings = decrypt_settings()

    def record(outcome: str, principal: str, **extra: str) -> None:
        audit.append(settings.audit_table, contact_id=request.contact_id, request_id=context.aws_request_id,
                     outcome=outcome, record={"principal": principal, "field": request.field,
                                              "reason": request.reason, "function": context.invoked_function_arn,
                                              **extra})

    try:
        principal = verify(request.proof, endpoint=_sts_endpoint(settings),
                           operator_role_arn=settings.operator_role_arn,
                           expected_binding=binding(request.contact_id, request.field))
    except IdentityError as error:
        logger.warning("decrypt refused: identity", extra={"contact_id": request.contact_id, "problem": str(error)})
        record("refused", UNVERIFIED, detail=str(error))
        return {"ok": False, "error": REFUSED_IDENTITY}
    record("requested", principal)
    where = {"contact_id": request.contact_id, "field": request.field, "principal": principal}
    try:
        value = open_sealed(key_id=settings.key_id, deployment=settings.deployment, contact_id=request.contact_id,
                            field=request.field, sealed=request.ciphertext)
    except OpenError as error:
        logger.warning("decrypt refused: ciphertext", extra={**where, "problem": str(error)})
        record("refused", principal, detail=str(error))
        return {"ok": False, "error": REFUSED_OPEN}
    except Exception as error:  # KMS throttled or down: close the audit trail, then tell the operator to retry
        code = str(getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__))
        logger.exception("decrypt failed: KMS unavailable", extra={**where, "error_code": code})
        record("failed", principal, detail=f"KMS {code}")
        return {"ok": False, "error": UNAVAILABLE_RETRY}
    record("decrypted", principal)
    logger.info("decrypted for operator", extra=where)
    return {"ok": True, "contactId": request.contact_id, "field": request.field, "value": value}


coldstart.loaded()  # last: the handler is imported
