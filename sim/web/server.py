"""A loopback web server: static pages with the deployed security headers, a generated ``config.json``, and
HTTP APIs (``HttpApi``) that hand each request to a Lambda handler as API Gateway would."""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from lambdas.common.core import clock as lambda_clock
from sim.aws import POLL_SECONDS, stop_serving
from sim.web.http_api import MAX_BODY_BYTES, Cors, Handler, HttpApi, HttpRequest, HttpResponse, gateway_error
from web import security_headers
from web.shipping import excluded

log = logging.getLogger(__name__)

CONFIG_PATH = "/config.json"
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json",
}


class Mount(Protocol):
    """Something served beside the static files: an ``HttpApi``, a ``ServiceEndpoint``."""

    def respond(self, request: HttpRequest) -> HttpResponse | None:
        """Its answer, or None when the request is not for it."""


class LocalWebServer:
    """Serves on ``127.0.0.1`` (a free port) in a background thread: ``with LocalWebServer(...) as server:``.

    Requests go to the first mount that answers them (an ``HttpApi`` with a route for them, an AWS service
    emulator), then to ``/config.json`` (when ``config`` is set), then to ``static_dir``, less what never ships
    (``web.shipping``: the same rule as the deployed site, plus ``exclude``). Page responses carry the headers
    of ``web/security_headers.json`` with ``connect_src`` added to the CSP's ``connect-src``, exactly as
    CloudFront's response headers policy does.
    """

    def __init__(self, *, static_dir: Path | None = None, config: Mapping[str, Any] | None = None,
                 connect_src: Sequence[str] = (), apis: Sequence[Mount] = (),
                 headers: security_headers.SecurityHeaders | None = None, exclude: Sequence[str] = ()) -> None:
        self.static_dir = static_dir.resolve() if static_dir else None
        if self.static_dir and not self.static_dir.is_dir():
            raise FileNotFoundError(f"no such directory: {static_dir}")
        self.config = dict(config) if config is not None else None
        self.connect_src = list(connect_src)
        self.apis = list(apis)
        self.headers = headers or security_headers.load()
        self.exclude = tuple(exclude)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------------------------

    def start(self) -> LocalWebServer:
        """Bind a free loopback port and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("already started")
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _request_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": POLL_SECONDS},
                                        name=f"web:{self.url}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            stop_serving(server)
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> LocalWebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._server is None:
            raise RuntimeError("not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The site's root URL (with a trailing slash)."""
        return f"{self.origin}/"

    def mount(self, api: Mount) -> None:
        """Serve ``api``'s routes too (checked in mount order, before the static files)."""
        self.apis.append(api)

    # --- serving ----------------------------------------------------------------------------------------------

    def respond(self, request: HttpRequest) -> HttpResponse:
        """The response to one request (no network involved: tests may call it directly)."""
        for api in self.apis:
            answer = api.respond(request)
            if answer is not None:
                return answer
        if request.method not in ("GET", "HEAD"):
            return self._page(HttpResponse(405, [("allow", "GET, HEAD")], b"Method Not Allowed"))
        if request.path == CONFIG_PATH and self.config is not None:
            return self._page(HttpResponse(200, [("content-type", "application/json")],
                                           json.dumps(self.config).encode()))
        found = self._static_file(request.path)
        if found is None:
            return self._page(HttpResponse(404, [("content-type", "text/plain; charset=utf-8")], b"Not Found"))
        content_type = _CONTENT_TYPES.get(found.suffix) or mimetypes.guess_type(found.name)[0]
        body = found.read_bytes()
        return self._page(HttpResponse(200, [("content-type", content_type or "application/octet-stream")], body))

    def _page(self, response: HttpResponse) -> HttpResponse:
        extra = [(name.lower(), value) for name, value in self.headers.http_headers(self.connect_src).items()]
        return HttpResponse(response.status, [*response.headers, ("cache-control", "no-cache"), *extra],
                            response.body)

    def _static_file(self, path: str) -> Path | None:
        """The file under ``static_dir`` for ``path``; None for anything outside it, hidden, or missing."""
        if self.static_dir is None:
            return None
        decoded = unquote(path)
        if "\x00" in decoded or "\\" in decoded:
            return None
        parts = [part for part in decoded.split("/") if part]
        if any(part.startswith(".") for part in parts) or excluded(parts, self.exclude):  # "..", dotfiles, sources
            return None
        candidate = self.static_dir.joinpath(*parts)
        if candidate.is_dir():
            candidate = candidate / "index.html"  # CloudFront's default root object, and S3's index document
        resolved = candidate.resolve()
        if not resolved.is_relative_to(self.static_dir) or not resolved.is_file():
            return None
        return resolved


def _request_handler(site: LocalWebServer) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "local-web"
        sys_version = ""

        def _serve(self) -> None:
            target = urlsplit(self.path)
            length_header = self.headers.get("Content-Length")
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                self._write(gateway_error(411, "Length Required"), close=True)
                return
            try:
                length = int(length_header or 0)
            except ValueError:
                self._write(gateway_error(400, "Bad Request"), close=True)
                return
            if length < 0 or length > MAX_BODY_BYTES:
                self._write(gateway_error(413, "Request Entity Too Large"), close=True)
                return
            body = self.rfile.read(length) if length else b""
            request = HttpRequest(
                method=self.command,
                path=target.path or "/",
                query=target.query,
                headers=list(self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
                scheme="http",
                port=int(self.connection.getsockname()[1]),
            )
            try:
                response = site.respond(request)
            except Exception:
                log.exception("local web server failed on %s %s", self.command, target.path)
                response = gateway_error(500, "Internal Server Error")
            self._write(response, head=self.command == "HEAD")

        def _write(self, response: HttpResponse, *, head: bool = False, close: bool = False) -> None:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("content-length", str(len(response.body)))
            if close:
                self.send_header("connection", "close")
                self.close_connection = True
            self.end_headers()
            if not head:
                self.wfile.write(response.body)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)  # the path only: grants live in fragments

    return RequestHandler


@dataclass(frozen=True)
class PageAndApi:
    """A page and its API on two loopback origins, wired as in AWS (CloudFront site + API Gateway)."""

    page: LocalWebServer
    api: LocalWebServer

    def link(self, fragment: str = "") -> str:
        """The page's URL, with ``#fragment`` when given."""
        return f"{self.page.url}#{fragment}" if fragment else self.page.url


@contextmanager
def serve_page_and_api(static_dir: Path, routes: Mapping[str, Handler], *,
                       clock: Callable[[], float] = lambda_clock.now,
                       function_name: str = "local-http-api", gateway_cors: bool = True) -> Iterator[PageAndApi]:
    """Serve ``static_dir`` and an HTTP API of ``routes`` on two origins: the page's ``config.json`` names the
    API, the API's CORS allows only the page's origin, and the page's CSP may connect only to itself and the API.

    ``gateway_cors=False`` leaves CORS to the function, as the VoiceLogin stack deploys it: no gateway CORS
    configuration, so preflights go to ``OPTIONS`` routes (include them in ``routes``) and the function's own
    headers reach the browser."""
    with LocalWebServer() as api, LocalWebServer(static_dir=static_dir) as page:
        cors = Cors(allow_origins=(page.origin,)) if gateway_cors else None
        api.mount(HttpApi(routes, cors=cors, function_name=function_name, clock=clock))
        page.config = {"apiBaseUrl": api.origin}
        page.connect_src = [api.origin]
        yield PageAndApi(page=page, api=api)
