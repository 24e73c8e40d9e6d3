"""The link's HTTP API (API Gateway HTTP API, payload format 2.0): what the page the SMS opens calls.

``GET /v1/link`` says whether the grant in ``Authorization: Bearer`` is still usable; ``POST
/v1/authorized-users`` spends it and adds the authorised user in one transaction. Answers are always JSON:
401 ``invalid_link``, 409 ``link_used``, 410 ``link_expired``, 400 ``invalid_request`` (with ``fields``),
429 ``rate_limited``, 503 ``unavailable``; never a trace, never the grant. CORS headers go only to the page's
origin. The grant is verified before anything else is read, so nothing but a genuine grant reaches DynamoDB.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lambdas import coldstart  # first: no cyclic GC while the handler imports
from lambdas.common.core import (
    aws,  # noqa: F401 - boto3 before Powertools (see lambdas/coldstart.py)
    clock,
)
from lambdas.common.core.logging import get_logger
from lambdas.events.http_api import HttpApiEvent
from lambdas.voice_login import rules
from lambdas.voice_login.grants import TooManyRequests
from lambdas.voice_login.links import SCOPE_ADD_AUTHORIZED_USER, Grant, InvalidLink, LinkError, UsedLink
from lambdas.voice_login.routes import LINK_PATH, ROUTES, USERS_PATH
from lambdas.voice_login.settings import api_settings
from lambdas.voice_login.wiring import accounts, ledger, verifier

if TYPE_CHECKING:  # typing only: the handler never needs Powertools' context class at runtime
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = get_logger("voice_login_api")

MAX_BODY_BYTES = 4_096
_BASE_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store",
                 "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


class _BadRequest(Exception):
    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("invalid request")
        self.fields = fields


def _response(status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str]) -> dict[str, Any]:
    response: dict[str, Any] = {"statusCode": status, "headers": {**_BASE_HEADERS, **headers}}
    if body is not None:
        response["body"] = json.dumps(body, separators=(",", ":"))
    return response


def _cors(origin: str | None) -> dict[str, str]:
    """CORS headers for the page's origin only (any other origin gets none, so browsers refuse it)."""
    allowed = api_settings().page_origin.rstrip("/")
    if origin is None or origin != allowed:
        return {"Vary": "Origin"}
    return {"Access-Control-Allow-Origin": allowed, "Vary": "Origin"}


def _bearer(event: HttpApiEvent) -> str | None:
    header = event.headers.get("authorization") or ""
    if not isinstance(header, str):  # not something API Gateway sends: no grant (401), not an outage (503)
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _json_body(event: HttpApiEvent) -> Any:
    raw = event.body
    if not isinstance(raw, str):
        raise _BadRequest({"body": rules.MESSAGES["body"]})
    try:
        data = base64.b64decode(raw, validate=True) if event.is_base64_encoded else raw.encode()
    except (binascii.Error, ValueError):
        raise _BadRequest({"body": rules.MESSAGES["body"]}) from None
    if len(data) > MAX_BODY_BYTES:
        raise _BadRequest({"body": f"The request body must be at most {MAX_BODY_BYTES} bytes."})
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise _BadRequest({"body": rules.MESSAGES["body"]}) from None


def _grant(event: HttpApiEvent) -> Grant:
    token = _bearer(event)
    if token is None:
        raise InvalidLink("no bearer grant")
    return verifier().verify(token, scope=SCOPE_ADD_AUTHORIZED_USER)


def link_status(event: HttpApiEvent) -> tuple[int, dict[str, Any]]:
    """Whether the grant can still be used (the page shows the form, or says why not)."""
    grant = _grant(event)
    ledger().count_request(grant, api_settings().max_requests_per_grant)
    if ledger().is_spent(grant):
        raise UsedLink("grant already spent")
    return 200, {"status": "valid", "expiresAt": grant.expires_at, "scope": grant.scope}


def add_authorized_user(event: HttpApiEvent) -> tuple[int, dict[str, Any]]:
    """Validate the form, then spend the grant and add the user in one transaction."""
    grant = _grant(event)
    ledger().count_request(grant, api_settings().max_requests_per_grant)
    today = dt.datetime.fromtimestamp(clock.now(), tz=dt.UTC).date()
    user, errors = rules.validate(_json_body(event), today)
    if user is None:
        raise _BadRequest(errors)
    write = accounts().add_authorized_user_write(grant.customer_id, user, grant_id=grant.jti)
    ledger().spend(grant, with_writes=[write])
    logger.info("authorised user added", extra={"customer_id": grant.customer_id, "jti": grant.jti,
                                                "relationship": user.relationship})
    return 201, {"status": "added", "authorizedUser": {"fullName": user.full_name, "relationship": user.relationship}}


_HANDLERS = {LINK_PATH: link_status, USERS_PATH: add_authorized_user}


def _route(method: str, path: str, request: HttpApiEvent,
           cors: dict[str, str]) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
    """(status, body, extra headers) for one request; refusals are raised."""
    if path not in ROUTES:
        return 404, {"error": "not_found"}, {}
    if method == "OPTIONS":  # preflight: the page's origin only
        if "Access-Control-Allow-Origin" not in cors:
            return 204, None, {}
        return 204, None, {"Access-Control-Allow-Methods": ROUTES[path], "Access-Control-Max-Age": "600",
                           "Access-Control-Allow-Headers": "authorization,content-type"}
    if method != ROUTES[path]:
        return 405, {"error": "method_not_allowed"}, {"Allow": ROUTES[path]}
    status, body = _HANDLERS[path](request)
    return status, body, {}


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Route, answer in JSON; the Authorization header and the body are never logged."""
    try:
        request = HttpApiEvent(event)
        method, path = request.method, request.raw_path
        cors = _cors(request.headers.get("origin"))
    except Exception:  # not an HTTP API v2 event at all
        logger.warning("malformed HTTP API event")
        return _response(400, {"error": "invalid_request", "fields": {"request": "malformed request"}}, {})
    try:
        status, body, extra = _route(method, path, request, cors)
        return _response(status, body, {**cors, **extra})
    except LinkError as refusal:
        logger.info("link refused", extra={"path": path, "status": refusal.status, "reason": str(refusal)})
        return _response(refusal.status, {"error": refusal.error}, cors)
    except _BadRequest as bad:
        return _response(400, {"error": "invalid_request", "fields": bad.fields}, cors)
    except TooManyRequests:
        logger.warning("request limit reached for a grant", extra={"path": path})
        return _response(429, {"error": "rate_limited"}, cors)
    except Exception as exc:
        logger.error("link API failed", extra={"path": path, "error": type(exc).__name__})
        return _response(503, {"error": "unavailable"}, cors)


coldstart.loaded()  # last: the handler is imported
