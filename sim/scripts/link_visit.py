"""``open_link``: what the voice-login page does with the link in an SMS, done against the API handler.

The page reads the grant from the link's fragment (``#grant=...``), strips it, then calls the API with
``Authorization: Bearer <grant>``: ``GET /v1/link`` to show the form (or why not), and, once the form is
filled, ``POST /v1/authorized-users``. This module makes exactly those requests, as API Gateway HTTP API
payload-v2 events fed to ``lambdas.voice_login.api.handler``, so a script exercises the same handler a browser
would reach through API Gateway. What the "page shows" is the answer as one line, ``STATUS word``: ``200 valid``,
``201 added Jamie Smith (spouse)``, ``400 invalid_request: fullName``, ``401 invalid_link``, ``409 link_used``,
``410 link_expired``, ``429 rate_limited``, ``503 unavailable``.

``tamper`` edits the link before it is opened, as an attacker would: ``signature`` (one signature character
changed), ``scope`` (the payload's scope rewritten, signature kept), ``customer`` (the payload's customer
rewritten to another's, signature kept).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

TAMPERS = ("signature", "scope", "customer")
OTHER_CUSTOMER_ID = "87654321"
_GRANT = re.compile(r"#grant=([A-Za-z0-9_.-]+)$")
Handler = Callable[[dict[str, Any], Any], Any]


class LinkProblem(Exception):
    """The SMS has no link the page could open."""


@dataclass(frozen=True)
class PageAnswer:
    """One API answer as the page would show it."""

    status: int
    body: Mapping[str, Any] | None

    def text(self) -> str:
        """``STATUS word``, e.g. ``409 link_used``."""
        body = self.body or {}
        if "error" in body:
            fields = body.get("fields") or {}
            return f"{self.status} {body['error']}" + (f": {', '.join(sorted(fields))}" if fields else "")
        user = body.get("authorizedUser") or {}
        if user:
            return f"{self.status} {body.get('status')} {user.get('fullName')} ({user.get('relationship')})"
        return f"{self.status} {body.get('status', '')}".strip()


def http_api_event(method: str, url: str, *, token: str | None = None, body: Any = None,
                   origin: str | None = None, headers: Mapping[str, str] | None = None,
                   raw_body: str | None = None, base64_body: bool = False) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event for a browser request to ``url`` (path or full URL)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    host = parts.netloc or "api.local"
    all_headers = {"host": host, "user-agent": "sim-page", "accept": "application/json", **(headers or {})}
    if token is not None:
        all_headers["authorization"] = f"Bearer {token}"
    if origin is not None:
        all_headers["origin"] = origin
    if body is not None or raw_body is not None:
        all_headers.setdefault("content-type", "application/json")
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": parts.query,
        "headers": all_headers,
        "requestContext": {"accountId": "123456789012", "apiId": "local", "domainName": host,
                           "domainPrefix": host.split(".")[0],
                           "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                    "sourceIp": "127.0.0.1", "userAgent": "sim-page"},
                           "requestId": "local", "routeKey": "$default", "stage": "$default",
                           "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0},
        "isBase64Encoded": base64_body,
    }
    if raw_body is not None:
        event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body)
    return event


def grant_of(link: str) -> str:
    """The grant in a link's fragment (LinkProblem when there is none)."""
    match = _GRANT.search(link)
    if match is None:
        raise LinkProblem(f"the link has no #grant= fragment: {link.split('#', 1)[0]}")
    return match[1]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tamper(token: str, how: str) -> str:
    """``token`` edited as ``how`` says (see the module docstring)."""
    header, payload, signature = token.split(".")
    if how == "signature":
        flipped = "A" if signature[10] != "A" else "B"
        return f"{header}.{payload}.{signature[:10]}{flipped}{signature[11:]}"
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if how == "scope":
        claims["scope"] = "close_account"
    elif how == "customer":
        claims["sub"] = OTHER_CUSTOMER_ID if claims.get("sub") != OTHER_CUSTOMER_ID else "12345678"
    else:
        raise ValueError(f"tamper must be one of {', '.join(TAMPERS)}, got {how!r}")
    return f"{header}.{_b64(json.dumps(claims, separators=(',', ':')).encode())}.{signature}"


def _call(handler: Handler, event: dict[str, Any], context: Any) -> PageAnswer:
    response = handler(event, context)
    raw = response.get("body")
    return PageAnswer(int(response["statusCode"]), json.loads(raw) if raw else None)


def open_page(link: str, *, handler: Handler, context: Any, page_origin: str, fill: Mapping[str, str] | None = None,
              tamper_with: str | None = None) -> tuple[PageAnswer, PageAnswer | None]:
    """GET the link's status, then (with ``fill``) POST the form, as the page does; both answers."""
    token = grant_of(link)
    if tamper_with:
        token = tamper(token, tamper_with)
    api = page_origin.rstrip("/")
    shown = _call(handler, http_api_event("GET", f"{api}/v1/link", token=token, origin=page_origin), context)
    if fill is None:
        return shown, None
    posted = _call(handler, http_api_event("POST", f"{api}/v1/authorized-users", token=token, origin=page_origin,
                                           body=dict(fill)), context)
    return shown, posted
