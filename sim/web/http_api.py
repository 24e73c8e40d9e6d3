"""An API Gateway HTTP API in front of Lambda handlers: routes, payload format 2.0 events and responses, CORS.

Follows https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
(event and response shapes), .../http-api-develop-routes.html (route selection) and
.../http-api-cors.html (API Gateway answers preflights itself and replaces the backend's CORS headers).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from lambdas.common.core import clock as lambda_clock
from sim.aws import ACCOUNT_ID
from sim.fakes import FakeLambdaContext

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Any], Any]
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
LAMBDA_TIMEOUT_SECONDS = 29  # HTTP API's maximum integration timeout
_TEXT_TYPES = re.compile(r"^(text/.*|application/(json|.*\+json|xml|.*\+xml|x-www-form-urlencoded|javascript))$")
_ROUTE_KEY = re.compile(r"^(?P<method>[A-Z]+) (?P<path>/\S*)$")
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})


@dataclass(frozen=True)
class HttpRequest:
    """One request as the server received it (header names as sent; query string without the ``?``)."""

    method: str
    path: str
    query: str
    headers: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str
    scheme: str = "https"
    port: int = 443


@dataclass(frozen=True)
class HttpResponse:
    """What goes back to the client (``headers`` may repeat a name, e.g. ``set-cookie``)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def json_response(status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> HttpResponse:
    """A JSON response."""
    return HttpResponse(status, [("content-type", "application/json"), *headers], json.dumps(payload).encode())


def gateway_error(status: int, message: str) -> HttpResponse:
    """An error API Gateway itself produces (``{"message": ...}``), never the handler's."""
    return json_response(status, {"message": message})


@dataclass(frozen=True)
class Cors:
    """An HTTP API's CORS configuration (exact origins only: no wildcard with credentials-free bearer calls)."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ("GET", "POST")
    allow_headers: tuple[str, ...] = ("authorization", "content-type")
    max_age_seconds: int = 300

    def is_preflight(self, request: HttpRequest) -> bool:
        """An ``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``."""
        names = {name.lower() for name, _ in request.headers}
        return request.method == "OPTIONS" and {"origin", "access-control-request-method"} <= names

    def preflight(self, request: HttpRequest) -> HttpResponse:
        """API Gateway's answer to a preflight: the allow headers only for a configured origin."""
        headers = _merged_headers(request.headers)
        origin = headers.get("origin", "")
        method = headers.get("access-control-request-method", "").upper()
        asked = {h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",") if h.strip()}
        allowed = {h.lower() for h in self.allow_headers}
        if origin not in self.allow_origins or method not in self.allow_methods or not asked <= allowed:
            return HttpResponse(204, [], b"")
        return HttpResponse(204, [
            ("access-control-allow-origin", origin),
            ("access-control-allow-methods", ",".join(self.allow_methods)),
            ("access-control-allow-headers", ",".join(self.allow_headers)),
            ("access-control-max-age", str(self.max_age_seconds)),
            ("vary", "origin"),
        ], b"")

    def decorate(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """Drop the backend's CORS headers and add API Gateway's for a configured origin."""
        origin = _merged_headers(request.headers).get("origin", "")
        headers = [(n, v) for n, v in response.headers if not n.lower().startswith("access-control-")]
        if origin in self.allow_origins:
            headers += [("access-control-allow-origin", origin), ("vary", "origin")]
        return HttpResponse(response.status, headers, response.body)


@dataclass(frozen=True)
class _Route:
    key: str
    method: str
    segments: tuple[str, ...]
    handler: Handler

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        parts = path.strip("/").split("/") if path.strip("/") else []
        params: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.startswith("{") and segment.endswith("+}"):
                rest = parts[index:]
                if not rest:
                    return None
                params[segment[1:-2]] = "/".join(rest)
                return params
            if index >= len(parts):
                return None
            if segment.startswith("{") and segment.endswith("}"):
                params[segment[1:-1]] = parts[index]
            elif segment != parts[index]:
                return None
        return params if len(parts) == len(self.segments) else None

    @property
    def rank(self) -> tuple[int, int, int]:
        """Most specific first: no greedy variable, then fewer path variables, then a named method over ANY."""
        greedy = any(s.endswith("+}") for s in self.segments)
        variables = sum(1 for s in self.segments if s.startswith("{"))
        return (int(greedy), variables, int(self.method == "ANY"))


@dataclass
class HttpApi:
    """Routes (``"GET /v1/link"``, ``"ANY /items/{id}"``, ``"ANY /{proxy+}"``, ``"$default"``) to handlers."""

    routes: Mapping[str, Handler]
    cors: Cors | None = None
    function_name: str = "local-http-api"
    api_id: str = "localapi01"
    clock: Callable[[], float] = lambda_clock.now
    _table: list[_Route] = field(init=False, repr=False)
    _default: Handler | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        table: list[_Route] = []
        for key, handler in self.routes.items():
            if key == "$default":
                self._default = handler
                continue
            match = _ROUTE_KEY.match(key)
            if not match or match["method"] not in _METHODS:
                raise ValueError(f"not an HTTP API route key: {key!r}")
            segments = tuple(s for s in match["path"].strip("/").split("/") if s)
            table.append(_Route(key, match["method"], segments, handler))
        self._table = sorted(table, key=lambda route: route.rank)

    def handles(self, request: HttpRequest) -> bool:
        """Whether a route (or ``$default``, or a CORS preflight) takes this request."""
        if self.cors and self.cors.is_preflight(request):
            return True
        return self._default is not None or self._select(request.method, request.path) is not None

    def _select(self, method: str, path: str) -> tuple[str, Handler, dict[str, str]] | None:
        for route in self._table:
            params = route.match(method, path)
            if params is not None:
                return route.key, route.handler, params
        if self._default is not None:
            return "$default", self._default, {}
        return None

    def respond(self, request: HttpRequest) -> HttpResponse | None:
        """The answer when a route takes ``request`` (see :meth:`handles`), else None."""
        return self(request) if self.handles(request) else None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Serve one request the way API Gateway would."""
        if self.cors and self.cors.is_preflight(request):
            return self.cors.preflight(request)
        response = self._invoke(request)
        return self.cors.decorate(request, response) if self.cors else response

    def _invoke(self, request: HttpRequest) -> HttpResponse:
        selected = self._select(request.method, request.path)
        if selected is None:
            return gateway_error(404, "Not Found")
        if len(request.body) > MAX_BODY_BYTES:
            return gateway_error(413, "Request Entity Too Large")
        route_key, handler, params = selected
        event = http_api_event(request, route_key=route_key, path_parameters=params,
                               time_epoch_ms=int(self.clock() * 1000), api_id=self.api_id)
        try:
            result = handler(event, FakeLambdaContext(self.function_name, timeout_seconds=LAMBDA_TIMEOUT_SECONDS))
        except Exception:  # API Gateway turns a function error into a bare 500
            log.exception("handler for %s raised", route_key)
            return gateway_error(500, "Internal Server Error")
        response = http_api_response(result)
        request_id = event["requestContext"]["requestId"]
        return HttpResponse(response.status, [*response.headers, ("apigw-requestid", request_id)], response.body)


RawAnswer = Callable[[str, str, Mapping[str, str], bytes], "tuple[int, dict[str, str], bytes] | None"]


@dataclass(frozen=True)
class ServiceEndpoint:
    """An AWS service API emulator on the server (Lex V2 runtime, Cognito identity): it answers the requests that
    are its own (``answer(method, path_with_query, headers, body)`` returns None for the others), one at a time
    when ``serial`` (as one Lambda container would run a bot's code hook)."""

    answer: RawAnswer
    serial: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def respond(self, request: HttpRequest) -> HttpResponse | None:
        """The service's answer, or None when the request is not for it."""
        target = f"{request.path}?{request.query}" if request.query else request.path
        headers = dict(request.headers)
        if self.serial:
            with self._lock:
                found = self.answer(request.method, target, headers, request.body)
        else:
            found = self.answer(request.method, target, headers, request.body)
        if found is None:
            return None
        status, response_headers, body = found
        return HttpResponse(status, [(name.lower(), value) for name, value in response_headers.items()], body)


def _merged_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased names; repeated headers joined with commas (payload format 2.0)."""
    merged: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    return merged


def _is_text(content_type: str) -> bool:
    return bool(_TEXT_TYPES.match(content_type.split(";", maxsplit=1)[0].strip().lower()))


def http_api_event(request: HttpRequest, *, route_key: str, path_parameters: Mapping[str, str],
                   time_epoch_ms: int, api_id: str = "localapi01", stage: str = "$default") -> dict[str, Any]:
    """The payload format 2.0 event API Gateway sends the function for ``request``."""
    headers = _merged_headers(request.headers)
    headers.pop("cookie", None)  # format 2.0 moves cookies to their own field
    cookies = [c.strip() for name, value in request.headers if name.lower() == "cookie"
               for c in value.split(";") if c.strip()]
    host = headers.get("host", "")
    # API Gateway adds these (the caller's own x-forwarded-for is kept in front of the address it saw).
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip
    headers["x-forwarded-port"] = str(request.port)
    headers["x-forwarded-proto"] = request.scheme
    headers.setdefault("x-amzn-trace-id", f"Root=1-{time_epoch_ms // 1000:08x}-{secrets.token_hex(12)}")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if request.query:
        params: dict[str, str] = {}
        for name, value in parse_qsl(request.query, keep_blank_values=True):
            params[name] = f"{params[name]},{value}" if name in params else value
        event["queryStringParameters"] = params
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": host.split(".")[0].split(":")[0],
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": base64.b64encode(secrets.token_bytes(12)).decode(),
        "routeKey": route_key,
        "stage": stage,
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(time_epoch_ms / 1000)),
        "timeEpoch": time_epoch_ms,
    }
    if request.body:
        text = _is_text(headers.get("content-type", ""))
        try:
            event["body"] = request.body.decode() if text else base64.b64encode(request.body).decode()
        except UnicodeDecodeError:
            text = False
            event["body"] = base64.b64encode(request.body).decode()
        event["isBase64Encoded"] = not text
    else:
        event["isBase64Encoded"] = False
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    return event


def http_api_response(result: Any) -> HttpResponse:
    """How API Gateway reads a function's result in payload format 2.0 (a malformed one is a 500)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # No statusCode: API Gateway assumes 200, JSON, and the result itself as the body.
        try:
            inferred = result if isinstance(result, str) else json.dumps(result)
        except (TypeError, ValueError):
            return gateway_error(500, "Internal Server Error")
        return HttpResponse(200, [("content-type", "application/json")], inferred.encode())
    status, headers, cookies = result.get("statusCode"), result.get("headers") or {}, result.get("cookies") or []
    body = result.get("body")
    body = "" if body is None else body
    if not (isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599
            and isinstance(headers, dict) and isinstance(cookies, list) and isinstance(body, str)):
        log.error("malformed payload 2.0 response: statusCode=%r", status)
        return gateway_error(500, "Internal Server Error")
    raw = body.encode()
    if result.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return gateway_error(500, "Internal Server Error")
    out = [(str(name).lower(), str(value)) for name, value in headers.items()]
    out += [("set-cookie", str(cookie)) for cookie in cookies]
    return HttpResponse(status, out, raw)
