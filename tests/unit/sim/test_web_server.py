"""The local web server: payload format 2.0 events and responses, routes, CORS, static files, security headers."""

from __future__ import annotations

import base64
import http.client
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sim.web import Cors, HttpApi, HttpRequest, LocalWebServer, serve_page_and_api
from sim.web.http_api import http_api_event, http_api_response
from tests.conftest import load_event
from web import security_headers

RECORDED_BODY = b'{"fullName":"Ana Silva","relationship":"spouse","dateOfBirth":"1990-04-27"}'
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def recorded_request() -> HttpRequest:
    """The request behind tests/events/apigw_http_v2_request.json, as a client sent it."""
    return HttpRequest(
        method="POST",
        path="/v1/authorized-users",
        query="lang=en&lang=cy&empty=",
        headers=[
            ("Host", "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"),
            ("Accept", "application/json"),
            ("Accept-Language", "en-GB"),
            ("Accept-Language", "cy"),
            ("Authorization", "Bearer REPLACED-BY-TEST"),
            ("Content-Length", "75"),
            ("Content-Type", "application/json"),
            ("Cookie", "theme=dark; consent=yes"),
            ("Cookie", "region=uk"),
            ("Origin", "https://d111111abcdef8.cloudfront.net"),
            ("User-Agent", UA),
        ],
        body=RECORDED_BODY,
        source_ip="198.51.100.7",
    )


# --- the event --------------------------------------------------------------------------------------------------


def test_event_matches_the_recorded_payload_format_2_event() -> None:
    recorded = load_event("apigw_http_v2_request")
    built = http_api_event(recorded_request(), route_key="POST /v1/authorized-users", path_parameters={},
                           time_epoch_ms=1767225600000, api_id="a1b2c3d4e5")
    assert re.fullmatch(r"[A-Za-z0-9+/]{16}", built["requestContext"].pop("requestId"))
    recorded["requestContext"].pop("requestId")
    assert re.fullmatch(r"Root=1-6955b900-[0-9a-f]{24}", built["headers"].pop("x-amzn-trace-id"))
    recorded["headers"].pop("x-amzn-trace-id")
    assert built == recorded
    assert json.loads(built["body"]) == json.loads(RECORDED_BODY)


def test_event_without_body_or_query_leaves_those_fields_out() -> None:
    request = HttpRequest("GET", "/v1/link", "", [("Authorization", "Bearer t")], b"", "127.0.0.1")
    event = http_api_event(request, route_key="GET /v1/link", path_parameters={}, time_epoch_ms=0)
    assert event["isBase64Encoded"] is False
    for absent in ("body", "queryStringParameters", "cookies", "pathParameters"):
        assert absent not in event
    assert event["headers"]["authorization"] == "Bearer t"


def test_binary_or_untyped_bodies_arrive_base64_encoded() -> None:
    for content_type, body in (("application/octet-stream", b"\x00\xff"), ("", b"plain"),
                               ("application/json", b"\xff\xfe not utf-8")):
        headers = [("Content-Type", content_type)] if content_type else []
        event = http_api_event(HttpRequest("POST", "/", "", headers, body, "127.0.0.1"), route_key="$default",
                               path_parameters={}, time_epoch_ms=0)
        assert event["isBase64Encoded"] is True, content_type
        assert base64.b64decode(event["body"]) == body


def test_a_forwarded_for_chain_keeps_the_clients_claim_first() -> None:
    request = HttpRequest("GET", "/", "", [("X-Forwarded-For", "203.0.113.9")], b"", "198.51.100.7")
    event = http_api_event(request, route_key="$default", path_parameters={}, time_epoch_ms=0)
    assert event["headers"]["x-forwarded-for"] == "203.0.113.9, 198.51.100.7"
    assert event["requestContext"]["http"]["sourceIp"] == "198.51.100.7"


# --- the response -----------------------------------------------------------------------------------------------


def test_response_with_status_headers_cookies_and_base64_body() -> None:
    response = http_api_response({"statusCode": 201, "headers": {"Content-Type": "image/png", "X-N": 3},
                                  "cookies": ["a=1; Secure", "b=2"], "isBase64Encoded": True,
                                  "body": base64.b64encode(b"\x89PNG").decode()})
    assert response.status == 201
    assert response.body == b"\x89PNG"
    assert ("content-type", "image/png") in response.headers
    assert ("x-n", "3") in response.headers
    assert [v for n, v in response.headers if n == "set-cookie"] == ["a=1; Secure", "b=2"]


@pytest.mark.parametrize(("result", "body"), [({"ok": True}, b'{"ok": true}'), ("hello", b"hello"),
                                              ([1, 2], b"[1, 2]"), (None, b"null")])
def test_a_result_without_status_code_is_a_200_json_body(result: Any, body: bytes) -> None:
    response = http_api_response(result)
    assert (response.status, response.body) == (200, body)
    assert ("content-type", "application/json") in response.headers


@pytest.mark.parametrize("result", [
    {"statusCode": "200"}, {"statusCode": True}, {"statusCode": 99}, {"statusCode": 200, "body": {"x": 1}},
    {"statusCode": 200, "headers": ["x"]}, {"statusCode": 200, "cookies": "a=1"},
    {"statusCode": 200, "isBase64Encoded": True, "body": "***"}, {"not": {1, 2}},
])
def test_a_malformed_result_is_api_gateways_bare_500(result: Any) -> None:
    response = http_api_response(result)
    assert (response.status, json.loads(response.body)) == (500, {"message": "Internal Server Error"})


# --- routes -----------------------------------------------------------------------------------------------------


def _echo(name: str) -> Any:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "body": json.dumps({"route": name, "key": event["routeKey"],
                                                       "params": event.get("pathParameters"),
                                                       "fn": context.function_name})}
    return handler


def _call(api: HttpApi, method: str, path: str, headers: list[tuple[str, str]] | None = None,
          body: bytes = b"") -> tuple[int, Any, dict[str, str]]:
    response = api(HttpRequest(method, path, "", headers or [], body, "127.0.0.1"))
    try:
        payload = json.loads(response.body) if response.body else None
    except ValueError:
        payload = response.body
    return response.status, payload, dict(response.headers)


def test_the_most_specific_route_wins_and_path_parameters_are_passed() -> None:
    api = HttpApi({"GET /v1/link": _echo("exact"), "GET /v1/{thing}": _echo("param"),
                   "ANY /v1/{proxy+}": _echo("greedy"), "$default": _echo("default")}, function_name="fn")
    assert _call(api, "GET", "/v1/link")[1] == {"route": "exact", "key": "GET /v1/link", "params": None, "fn": "fn"}
    assert _call(api, "GET", "/v1/other")[1]["params"] == {"thing": "other"}
    assert _call(api, "POST", "/v1/link")[1]["params"] == {"proxy": "link"}
    assert _call(api, "DELETE", "/v1/a/b/c")[1]["params"] == {"proxy": "a/b/c"}
    assert _call(api, "GET", "/elsewhere")[1]["route"] == "default"


def test_no_route_is_a_404_and_a_raising_handler_a_500() -> None:
    def broken(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError("secret detail")

    api = HttpApi({"GET /v1/link": broken})
    assert _call(api, "POST", "/v1/link")[:2] == (404, {"message": "Not Found"})
    status, body, _ = _call(api, "GET", "/v1/link")
    assert (status, body) == (500, {"message": "Internal Server Error"})


@pytest.mark.parametrize("key", ["GET", "/v1/link", "FETCH /x", "get /x", "GET v1"])
def test_route_keys_are_validated(key: str) -> None:
    with pytest.raises(ValueError, match="route key"):
        HttpApi({key: _echo("x")})


# --- CORS -------------------------------------------------------------------------------------------------------

PAGE = "http://127.0.0.1:8000"


def _preflight(api: HttpApi, origin: str, method: str = "POST", asked: str = "authorization,content-type") -> Any:
    return _call(api, "OPTIONS", "/v1/authorized-users", [
        ("Origin", origin), ("Access-Control-Request-Method", method), ("Access-Control-Request-Headers", asked)])


def test_a_preflight_from_the_page_is_answered_by_the_gateway_not_the_handler() -> None:
    calls: list[Any] = []
    api = HttpApi({"ANY /{proxy+}": lambda e, c: calls.append(e)}, cors=Cors(allow_origins=(PAGE,)))
    status, _, headers = _preflight(api, PAGE)
    assert status == 204
    assert headers["access-control-allow-origin"] == PAGE
    assert set(headers["access-control-allow-headers"].split(",")) == {"authorization", "content-type"}
    assert calls == []


@pytest.mark.parametrize(("origin", "method", "asked"), [
    ("https://evil.example", "POST", "authorization"), (PAGE, "DELETE", "authorization"), (PAGE, "POST", "x-admin")])
def test_a_preflight_outside_the_configuration_gets_no_allow_headers(origin: str, method: str, asked: str) -> None:
    api = HttpApi({"ANY /{proxy+}": _echo("x")}, cors=Cors(allow_origins=(PAGE,)))
    status, _, headers = _preflight(api, origin, method, asked)
    assert status == 204
    assert not [name for name in headers if name.startswith("access-control-")]


def test_the_gateway_replaces_the_handlers_cors_headers() -> None:
    def permissive(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "{}"}

    api = HttpApi({"GET /v1/link": permissive}, cors=Cors(allow_origins=(PAGE,)))
    assert _call(api, "GET", "/v1/link", [("Origin", PAGE)])[2]["access-control-allow-origin"] == PAGE
    assert "access-control-allow-origin" not in _call(api, "GET", "/v1/link", [("Origin", "https://evil.example")])[2]


# --- over HTTP --------------------------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Iterator[LocalWebServer]:
    (tmp_path / "index.html").write_text("<!doctype html><title>home</title>")
    (tmp_path / "app.js").write_text("console.log(1)")
    (tmp_path / ".env").write_text("SECRET=1")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "index.html").write_text("sub")
    (tmp_path.parent / "outside.txt").write_text("outside")
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        return {"statusCode": 201, "headers": {"content-type": "application/json"}, "body": '{"status":"added"}',
                "cookies": ["k=v"]}

    server = LocalWebServer(static_dir=tmp_path, config={"apiBaseUrl": "http://127.0.0.1:9"},
                            connect_src=["http://127.0.0.1:9"], apis=[HttpApi({"POST /v1/items": handler})])
    server.events = events  # type: ignore[attr-defined]
    with server:
        yield server


def _raw(server: LocalWebServer, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    host, port = server.origin.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _get(server: LocalWebServer, path: str) -> tuple[int, bytes, http.client.HTTPMessage]:
    host, port = server.origin.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body, response.headers


def test_static_files_come_with_the_shared_security_headers(site: LocalWebServer) -> None:
    status, body, headers = _get(site, "/")
    assert (status, body) == (200, b"<!doctype html><title>home</title>")
    assert headers["content-type"] == "text/html; charset=utf-8"
    expected = security_headers.load().http_headers(["http://127.0.0.1:9"])
    for name, value in expected.items():
        assert headers[name] == value, name
    assert "connect-src 'self' http://127.0.0.1:9" in headers["content-security-policy"]
    assert _get(site, "/app.js")[2]["content-type"] == "text/javascript; charset=utf-8"
    assert _get(site, "/sub/")[1] == b"sub"


def test_config_json_is_generated(site: LocalWebServer) -> None:
    status, body, headers = _get(site, "/config.json")
    assert (status, json.loads(body)) == (200, {"apiBaseUrl": "http://127.0.0.1:9"})
    assert "content-security-policy" in headers


@pytest.mark.parametrize("path", ["/../outside.txt", "/%2e%2e/outside.txt", "/sub/../../outside.txt", "/.env",
                                  "/%2Eenv", "/nothing.html", "/app.js%00.html", "/..%5coutside.txt"])
def test_nothing_outside_the_directory_hidden_or_missing_is_served(site: LocalWebServer, path: str) -> None:
    status, body, headers = _get(site, path)
    assert status == 404, path
    assert b"outside" not in body
    assert b"SECRET" not in body
    assert "content-security-policy" in headers


def test_api_routes_get_v2_events_with_the_callers_address(site: LocalWebServer) -> None:
    response = _raw(site, "POST", "/v1/items?a=1", body=b'{"x":1}',
                    headers={"Content-Type": "application/json", "X-Custom": "Yes"})
    assert response.status == 201
    assert response.headers["set-cookie"] == "k=v"
    assert "content-security-policy" not in response.headers, "API responses are the API's, not the page's"
    [event] = site.events  # type: ignore[attr-defined]
    assert event["rawPath"] == "/v1/items"
    assert event["rawQueryString"] == "a=1"
    assert event["headers"]["x-custom"] == "Yes"
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert event["body"] == '{"x":1}'
    assert event["requestContext"]["domainName"] == site.origin.removeprefix("http://")


def test_other_methods_on_pages_and_oversize_bodies_are_refused(site: LocalWebServer) -> None:
    assert _raw(site, "POST", "/index.html", body=b"x").status == 405
    assert _raw(site, "POST", "/v1/items", headers={"Content-Length": str(10 * 1024 * 1024 + 1)}).status == 413
    assert _raw(site, "POST", "/v1/items", headers={"Content-Length": "nope"}).status == 400


def test_stop_releases_the_port(tmp_path: Path) -> None:
    server = LocalWebServer(static_dir=tmp_path).start()
    port = int(server.origin.rsplit(":", 1)[1])
    server.stop()
    server.stop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_page_and_api_are_wired_like_cloudfront_and_api_gateway(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("page")
    with serve_page_and_api(tmp_path, {"GET /v1/link": lambda e, c: {"statusCode": 200, "body": "{}"}},
                            clock=lambda: 1767225600.0) as served:
        assert served.page.origin != served.api.origin
        assert json.loads(_get(served.page, "/config.json")[1]) == {"apiBaseUrl": served.api.origin}
        assert f"connect-src 'self' {served.api.origin}" in _get(served.page, "/")[2]["content-security-policy"]
        preflight = _raw(served.api, "OPTIONS", "/v1/link", headers={
            "Origin": served.page.origin, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        assert preflight.headers["access-control-allow-origin"] == served.page.origin
        assert served.link("grant=a.b.c") == f"{served.page.url}#grant=a.b.c"


def test_without_gateway_cors_preflights_reach_the_function_and_its_headers_pass(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("page")
    seen: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event["requestContext"]["http"]["method"])
        return {"statusCode": 204, "headers": {"Access-Control-Allow-Origin": "https://function.example"}}

    routes = {"GET /v1/link": handler, "OPTIONS /v1/link": handler}
    with serve_page_and_api(tmp_path, routes, gateway_cors=False) as served:
        preflight = _raw(served.api, "OPTIONS", "/v1/link", headers={
            "Origin": served.page.origin, "Access-Control-Request-Method": "GET"})
        assert preflight.headers["access-control-allow-origin"] == "https://function.example"
        assert seen == ["OPTIONS"]


def test_files_that_never_ship_are_never_served(tmp_path: Path) -> None:
    for name in ("index.html", "dist/app.js", "src/app.js", "package.json", "node_modules/dep/index.js",
                 "config.json", "build.py", "sub/config.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    with LocalWebServer(static_dir=tmp_path, exclude=("src", "package.json")) as server:
        assert _get(server, "/dist/app.js")[:2] == (200, b"dist/app.js")
        for path in ("/src/app.js", "/package.json", "/node_modules/dep/index.js", "/config.json", "/build.py",
                     "/sub/config.json"):
            assert _get(server, path)[0] == 404, path


def test_a_service_endpoint_answers_its_own_requests_and_passes_the_others_on(tmp_path: Path) -> None:
    from sim.web import ServiceEndpoint

    (tmp_path / "index.html").write_text("page")
    asked: list[tuple[str, str, bytes]] = []

    def answer(method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes] | None:
        if not path.startswith("/service"):
            return None
        asked.append((method, path, body))
        return 200, {"Content-Type": "application/x-amz-json-1.1"}, b"{}"

    with LocalWebServer(static_dir=tmp_path, apis=[ServiceEndpoint(answer, serial=True)]) as server:
        response = _raw(server, "POST", "/service?x=1", body=b"hi")
        assert (response.status, response.headers["content-type"]) == (200, "application/x-amz-json-1.1")
        assert _get(server, "/")[:2] == (200, b"page")
    assert asked == [("POST", "/service?x=1", b"hi")]


# --- the shared definition --------------------------------------------------------------------------------------


def test_the_definition_is_strict() -> None:
    headers = security_headers.load()
    csp = headers.content_security_policy()
    assert csp.startswith("default-src 'none'")
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers.frame_options == "DENY"
    assert headers.referrer_policy == "no-referrer"
    assert headers.hsts.header() == "max-age=63072000; includeSubDomains"


@pytest.mark.parametrize("source", ["https://api.example; script-src *", "a b", "x,y", ""])
def test_an_injected_connect_source_is_refused(source: str) -> None:
    with pytest.raises(security_headers.SecurityHeadersError):
        security_headers.load().content_security_policy([source])


@pytest.mark.parametrize(("edit", "field"), [
    (lambda d: d.update(frameOptions="ALLOWALL"), "frameOptions"),
    (lambda d: d["strictTransportSecurity"].update(maxAgeSeconds=60), "maxAgeSeconds"),
    (lambda d: d["contentSecurityPolicy"].update({"script-src": ["'self' 'unsafe-eval'"]}), "CSP source"),
    (lambda d: d["customHeaders"].update({"X-Bad": "a\r\nSet-Cookie: x"}), "customHeaders"),
    (lambda d: d.pop("referrerPolicy"), "referrerPolicy"),
    (lambda d: d.update(contentTypeOptions="sniff"), "contentTypeOptions"),
])
def test_a_malformed_definition_names_its_field(tmp_path: Path, edit: Any, field: str) -> None:
    definition = json.loads(security_headers.DEFINITION.read_text())
    edit(definition)
    path = tmp_path / "headers.json"
    path.write_text(json.dumps(definition))
    with pytest.raises(security_headers.SecurityHeadersError, match=field):
        security_headers.load(path)
