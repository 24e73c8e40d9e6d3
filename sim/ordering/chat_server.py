"""A loopback HTTP server for the ordering chat page: the page itself, Lex V2 ``RecognizeText`` and the Cognito
guest-identity calls, on one origin (``http://127.0.0.1:<port>``). KMS ``Encrypt`` goes to the embedded AWS.

The same page that is deployed (``web/ordering_chat``) runs unchanged: ``/config.json`` points its SDK clients
here. boto3's ``lexv2-runtime`` client (and any SDK) works too: ``endpoint_url=server.origin``.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cognito.identity_api import IdentityApi
from sim.lex import CodeHook, LexRuntime, load_bot
from sim.lex.http_api import recognize_text
from sim.ordering.resources import BOT_ALIAS_ARN, BOT_ALIAS_ID, BOT_FILE, BOT_ID, REPO

if TYPE_CHECKING:
    from sim.local_runtime import LocalRuntime

WEB_DIR = REPO / "web" / "ordering_chat"
STATIC = {"/": "index.html", "/index.html": "index.html", "/style.css": "style.css", "/dist/app.js": "dist/app.js"}
MAX_BODY_BYTES = 64 * 1024
logger = logging.getLogger("sim.ordering.chat")


def security_headers(connect_src: str) -> dict[str, str]:
    """What every answer carries: a strict CSP (own scripts and styles only), no sniffing, no referrer, no cache."""
    return {
        "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                    f"connect-src 'self' {connect_src}; base-uri 'none'; form-action 'none'; "
                                    "frame-ancestors 'none'"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


class ChatServer:
    """``with ChatServer(runtime) as server:`` serves at ``server.origin`` until the block ends."""

    def __init__(self, runtime: LocalRuntime, *, hook: CodeHook | None = None) -> None:
        from lambdas.ordering_bot.hook import handler

        self.runtime = runtime
        self.lex = LexRuntime(bots={BOT_ALIAS_ARN: load_bot(BOT_FILE)}, code_hooks={BOT_ALIAS_ARN: hook or handler})
        self.identity = IdentityApi({runtime.ordering.identity_pool_id}, now=runtime.clock.now)
        self._lock = threading.Lock()  # one Lex turn at a time, as one Lambda container would
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="ordering-chat", daemon=True)

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def config(self) -> dict[str, Any]:
        """The page's ``config.json``: the same keys the stack's ``ChatPageConfig`` output has, plus endpoints."""
        from sim.aws import REGION

        return {
            "region": REGION, "identityPoolId": self.runtime.ordering.identity_pool_id, "botId": BOT_ID,
            "botAliasId": BOT_ALIAS_ID, "localeId": "en_US", "kmsKeyId": self.runtime.ordering.pin_key_arn,
            "endpoints": {"lex": self.origin, "cognitoIdentity": self.origin, "kms": self.runtime.aws.endpoint},
        }

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Route one request."""
        found = self.identity.handle(method, path, headers, body)
        if found is None:
            with self._lock:
                found = recognize_text(self.lex, method, path, headers, body)
        if found is not None:
            return found
        route = path.split("?", 1)[0]
        if method == "GET" and route == "/favicon.ico":
            return 204, {}, b""  # the page has no icon; browsers ask anyway
        if method == "GET" and route == "/config.json":
            return 200, {"Content-Type": "application/json"}, json.dumps(self.config()).encode()
        if method == "GET" and route in STATIC:
            file = WEB_DIR / STATIC[route]
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            charset = "; charset=utf-8" if kind.startswith("text/") or kind.endswith("javascript") else ""
            return 200, {"Content-Type": kind + charset}, Path(file).read_bytes()
        return 404, {"Content-Type": "application/json"}, b'{"message": "not found"}'


def _handler_class(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                status, headers, body = 413, {"Content-Type": "application/json"}, b'{"message": "too large"}'
            else:
                body = self.rfile.read(length) if length else b""
                try:
                    status, headers, body = server.answer(self.command, self.path, dict(self.headers.items()), body)
                except Exception:
                    logger.exception("chat server request failed")
                    status, headers, body = 500, {"Content-Type": "application/json"}, b'{"message": "internal"}'
            self.send_response(status)
            for name, value in {**security_headers(server.runtime.aws.endpoint), **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("%s - %s", self.address_string(), format % args)

    return Handler
