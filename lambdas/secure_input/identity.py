"""Who is asking: the operator proves their IAM identity with a signed ``sts:GetCallerIdentity`` request.

A Lambda invocation does not tell the function who invoked it, and a name in the payload is only a claim.
So the operator's CLI signs (SigV4, with the operator's own credentials) a ``GetCallerIdentity`` request
that carries a header binding it to this one decryption (``X-Secure-Input-Request: <contact id>/<field>``)
and sends the signed headers, not the credentials. The function replays the request to STS — at the
endpoint in its own settings, never one named in the request — and STS answers with the signer's ARN only
if the signature holds. The same scheme as HashiCorp Vault's AWS IAM auth method.

What it does not stop: a proof is valid for SigV4's 15-minute window, so whoever captures one in that time
can replay it, for the same contact and field only, and only if they may invoke the function at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

BINDING_HEADER = "X-Secure-Input-Request"
BODY = "Action=GetCallerIdentity&Version=2011-06-15"
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
_ALLOWED_HEADERS = {"authorization", "x-amz-date", "x-amz-security-token", "content-type", BINDING_HEADER.lower()}
_MAX_HEADER_CHARS = 4096
_SIGNED_HEADERS = re.compile(r"SignedHeaders=([a-z0-9;-]+)")
_ASSUMED_ROLE = re.compile(r"arn:(aws[\w-]*):sts::(\d{12}):assumed-role/([\w+=,.@-]+)/([\w+=,.@-]+)")
_ROLE = re.compile(r"arn:(aws[\w-]*):iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+)")
TIMEOUT_SECONDS = 2.0


class IdentityError(Exception):
    """The identity proof is missing, malformed, refused by STS, or not the operator role's."""


def binding(contact_id: str, field: str) -> str:
    """The value of the binding header for one decryption."""
    return f"{contact_id}/{field}"


def _headers(proof: Any, expected_binding: str) -> dict[str, str]:
    """The proof's headers, checked: only the allowed ones, the binding header present and signed."""
    if not isinstance(proof, Mapping) or proof.get("body") != BODY or not isinstance(proof.get("headers"), Mapping):
        raise IdentityError("the identity proof must be {headers, body} of a signed GetCallerIdentity request")
    headers: dict[str, str] = {}
    for name, value in proof["headers"].items():
        if not isinstance(name, str) or not isinstance(value, str) or len(value) > _MAX_HEADER_CHARS:
            raise IdentityError("the identity proof's headers must be short strings")
        if name.lower() not in _ALLOWED_HEADERS:
            raise IdentityError(f"the identity proof may not carry the header {name!r}")
        headers[name.lower()] = value
    signed = _SIGNED_HEADERS.search(headers.get("authorization", ""))
    if not headers.get("authorization", "").startswith("AWS4-HMAC-SHA256 ") or signed is None:
        raise IdentityError("the identity proof is not SigV4-signed")
    if BINDING_HEADER.lower() not in signed.group(1).split(";") or "host" not in signed.group(1).split(";"):
        raise IdentityError("the identity proof does not sign its host and binding header")
    if headers.get(BINDING_HEADER.lower()) != expected_binding:
        raise IdentityError("the identity proof was made for another contact or field")
    return headers


def _send(endpoint: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
    """POST the signed request to STS (no redirects, no retries: a proof is sent once)."""
    import urllib3

    response = urllib3.PoolManager().request(
        "POST", endpoint.rstrip("/") + "/", body=BODY.encode(), headers=dict(headers),
        redirect=False, retries=False, timeout=urllib3.Timeout(total=TIMEOUT_SECONDS),
    )
    return response.status, response.data


MAX_STS_ANSWER_BYTES = 16_384  # a GetCallerIdentity answer is well under 1 KB


def _arn(body: bytes) -> str:
    """The ``Arn`` of a GetCallerIdentity response."""
    # The answer of the STS endpoint in our own settings, over TLS; still, parse no DTD and nothing large:
    # expat resolves no external entity, and with no DOCTYPE there is no entity to expand.
    if len(body) > MAX_STS_ANSWER_BYTES or b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise IdentityError("STS answered with a document type declaration or an oversize body")
    try:
        root = ElementTree.fromstring(body)  # noqa: S314  # nosec B314 - no DTD, size-capped, from our STS endpoint
    except ElementTree.ParseError:
        raise IdentityError("STS answered with something that is not XML") from None
    arn = next((element.text for element in root.iter() if element.tag.rsplit("}", 1)[-1] == "Arn"), None)
    if not arn:
        raise IdentityError("STS answered without an Arn")
    return arn.strip()


def verify(proof: Any, *, endpoint: str, expected_binding: str, operator_role_arn: str) -> str:
    """The operator's assumed-role session ARN (``…:assumed-role/<operator role>/<session>``), proven by STS."""
    headers = _headers(proof, expected_binding)
    try:
        status, body = _send(endpoint, headers)
    except Exception as error:
        raise IdentityError(f"STS could not be reached: {type(error).__name__}") from None
    if status != 200:
        raise IdentityError(f"STS refused the identity proof (HTTP {status})")
    arn = _arn(body)
    session, role = _ASSUMED_ROLE.fullmatch(arn), _ROLE.fullmatch(operator_role_arn)
    if role is None:
        raise IdentityError("the configured operator role is not a role ARN")
    if session is None or session.group(1, 2, 3) != role.group(1, 2, 3):
        raise IdentityError("the caller is not a session of the operator role")
    return arn
