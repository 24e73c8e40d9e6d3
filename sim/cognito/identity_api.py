"""The Cognito identity calls a browser SDK makes for an unauthenticated (guest) identity, answered locally.

JSON 1.1 over ``POST /`` with ``X-Amz-Target: AWSCognitoIdentityService.<Operation>``: ``GetId`` (a new identity
in a pool that allows guests; logins are refused: this stand-in has no identity providers) and
``GetCredentialsForIdentity`` (temporary credentials for an identity it issued). The credentials are the
local runtime's fake ones: the embedded AWS does not check signatures, and in AWS the pool's guest role
decides what they may do (``stacks/ordering_bot_stack.py``).

A plain function from (method, path, headers, body) to (status, headers, body), so any server can mount it.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Collection, Mapping
from typing import Any

from sim.aws import REGION

HttpResponse = tuple[int, dict[str, str], bytes]
TARGET_PREFIX = "AWSCognitoIdentityService."
CONTENT_TYPE = "application/x-amz-json-1.1"
CREDENTIAL_SECONDS = 3600
_POOL_ID = re.compile(r"^[\w-]+:[0-9a-f-]+$")
_IDENTITY_ID = re.compile(r"^[\w-]+:[0-9a-f-]+$")


def _answer(status: int, payload: Mapping[str, Any]) -> HttpResponse:
    return status, {"Content-Type": CONTENT_TYPE}, json.dumps(payload).encode()


def _error(status: int, kind: str, message: str) -> HttpResponse:
    return _answer(status, {"__type": kind, "message": message})


class IdentityApi:
    """Guest identities for the given pools (ids created in the embedded AWS)."""

    def __init__(self, pools: Collection[str], *, now: Callable[[], float], region: str = REGION) -> None:
        self._pools = set(pools)
        self._now = now
        self._region = region
        self._identities: dict[str, str] = {}  # identity id -> pool id
        self._lock = threading.Lock()

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> HttpResponse | None:
        """The answer for a Cognito identity request, or None when it is not one."""
        target = next((v for k, v in headers.items() if k.lower() == "x-amz-target"), "")
        if method != "POST" or path.split("?", 1)[0] != "/" or not target.startswith(TARGET_PREFIX):
            return None
        operation = target.removeprefix(TARGET_PREFIX)
        try:
            request = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return _error(400, "InvalidParameterException", "the body is not JSON")
        if not isinstance(request, dict):
            return _error(400, "InvalidParameterException", "the body must be a JSON object")
        if operation == "GetId":
            return self._get_id(request)
        if operation == "GetCredentialsForIdentity":
            return self._credentials(request)
        return _error(400, "UnknownOperationException", f"{operation} is not served by the local runtime")

    def _get_id(self, request: Mapping[str, Any]) -> HttpResponse:
        pool = request.get("IdentityPoolId")
        if not isinstance(pool, str) or not _POOL_ID.match(pool):
            return _error(400, "InvalidParameterException", "IdentityPoolId is malformed")
        if pool not in self._pools:
            return _error(400, "ResourceNotFoundException", "no such identity pool")
        if request.get("Logins"):
            return _error(400, "NotAuthorizedException", "this pool serves unauthenticated identities only")
        identity = f"{self._region}:{uuid.uuid4()}"
        with self._lock:
            self._identities[identity] = pool
        return _answer(200, {"IdentityId": identity})

    def _credentials(self, request: Mapping[str, Any]) -> HttpResponse:
        identity = request.get("IdentityId")
        if not isinstance(identity, str) or not _IDENTITY_ID.match(identity):
            return _error(400, "InvalidParameterException", "IdentityId is malformed")
        with self._lock:
            known = identity in self._identities
        if not known:
            return _error(400, "ResourceNotFoundException", "no such identity")
        if request.get("Logins"):
            return _error(400, "NotAuthorizedException", "this pool serves unauthenticated identities only")
        return _answer(200, {"IdentityId": identity, "Credentials": {
            "AccessKeyId": "ASIA" + secrets.token_hex(8).upper(),
            "SecretKey": secrets.token_urlsafe(30),
            "SessionToken": secrets.token_urlsafe(60),
            "Expiration": self._now() + CREDENTIAL_SECONDS,
        }})
