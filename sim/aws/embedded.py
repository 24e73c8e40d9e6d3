"""The embedded AWS: moto on loopback, reached in-process by this process's clients, plus the local Connect API."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sim.aws import ACCOUNT_ID, POLL_SECONDS, REGION, stop_serving

_LOADERS: dict[str | None, Any] = {}


def _listen(port: int) -> socket.socket:
    """A socket listening on 127.0.0.1:``port``, or on a new free port when that one is taken."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def share_service_models() -> None:
    """One botocore data loader per process, so each service model is parsed once, not once per new session.

    A Lambda container parses them once (one cached session); the local runtime and the tests make new sessions
    per client or per test, and parsing the same JSON again was a third of a runtime's start-up.
    """
    import botocore.session

    create = botocore.session.create_loader
    if getattr(create, "shared", False):
        return

    def shared(search_path_string: str | None = None) -> Any:
        loader = _LOADERS.get(search_path_string)
        if loader is None:
            loader = _LOADERS[search_path_string] = create(search_path_string)
        return loader

    shared.shared = True  # type: ignore[attr-defined]
    botocore.session.create_loader = shared


def faster_moto() -> None:
    """What a process running many local runtimes or moto tests repeats for nothing, done once (idempotent)."""
    share_service_models()
    faster_botocore_sessions()
    reuse_moto_user_pool_key()
    reuse_moto_symmetric_key_pair()
    list_moto_modules_once()
    route_in_process()


def list_moto_modules_once() -> None:
    """moto's server lists (and stats) every directory of its own package for each request it routes; the
    package does not change while it runs."""
    from moto import backends

    if not isinstance(backends.list_of_moto_modules(), tuple):
        modules = tuple(backends.list_of_moto_modules())
        setattr(backends, "list_of_moto_modules", lambda: modules)  # noqa: B010 - the name moto's router calls


def faster_botocore_sessions() -> None:
    """A new botocore session registers ~1,800 handlers, and for each one works out its event's aliased name
    and checks with ``inspect`` that it accepts ``**kwargs``: the same answers for the same names and functions
    every time, and most of a session's start-up. Remember them across sessions (the aliases only while they
    are botocore's own; a bound method by its function; any other callable is still inspected every time)."""
    import types
    import weakref

    import botocore.hooks

    check = botocore.hooks.accepts_kwargs
    if getattr(check, "remembered", False):
        return
    known: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    def remembered(func: Any) -> Any:
        target = func.__func__ if isinstance(func, types.MethodType) else func
        if not isinstance(target, types.FunctionType):
            return check(func)
        if target not in known:
            known[target] = check(func)
        return known[target]

    remembered.remembered = True  # type: ignore[attr-defined]
    setattr(botocore.hooks, "accepts_kwargs", remembered)  # noqa: B010 - the name botocore's hooks call

    aliaser = botocore.hooks.EventAliaser
    init = aliaser.__init__
    aliased: dict[str, str] = {}

    def sharing(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if self._event_aliases == botocore.hooks.EVENT_ALIASES:  # a client's emitter holds a copy
            self._alias_name_cache = aliased  # a pure function of the name while the aliases are the defaults

    aliaser.__init__ = sharing


def reuse_moto_symmetric_key_pair() -> None:
    """moto gives every symmetric KMS key an RSA-2048 key pair that a symmetric key never uses (Sign and
    GetPublicKey refuse it); generating one takes 50-200 ms. Symmetric keys share one pair instead."""
    from moto.kms import models

    generate = getattr(models, "generate_private_key")  # noqa: B009 - moto does not re-export it
    if getattr(generate, "shared", False):
        return
    pair: list[Any] = []

    def shared(key_spec: str) -> Any:
        if key_spec != "SYMMETRIC_DEFAULT":
            return generate(key_spec)
        if not pair:
            pair.append(generate(key_spec))
        return pair[0]

    shared.shared = True  # type: ignore[attr-defined]
    setattr(models, "generate_private_key", shared)  # noqa: B010 - the name moto's Key looks up


def reuse_moto_user_pool_key() -> None:
    """Every user pool moto creates loads the same RSA signing key from moto's own files and validates it
    again (~0.13 s each: two pools were a third of a runtime's start-up). Load it once per process.
    """
    from moto.cognitoidp import models

    jwk = getattr(models, "jwk")  # noqa: B009 - moto does not re-export it
    if not isinstance(jwk, _OneRsaKey):
        setattr(models, "jwk", _OneRsaKey(jwk))  # noqa: B010 - the name moto's user pool looks up


class _OneRsaKey:
    """``joserfc.jwk`` as moto's Cognito module sees it, except that ``RSAKey.import_key`` of a JWK dict
    (moto's own key file) is loaded once and shared: a key object is never changed once loaded."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._loaded: dict[str, Any] = {}
        self.RSAKey = self  # moto calls jwk.RSAKey.import_key(...)

    def import_key(self, value: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(value, dict):
            return self._real.RSAKey.import_key(value, *args, **kwargs)
        key = json.dumps(value, sort_keys=True)
        if key not in self._loaded:
            self._loaded[key] = self._real.RSAKey.import_key(value)
        return self._loaded[key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class EmbeddedAws:
    """Serves moto on loopback and points this process's AWS SDK at it (restoring the environment on stop).

    The HTTP server is for what is outside this process or below botocore (the browser, a forwarded signed
    request); this process's botocore clients reach the same moto application in-process (``send_in_process``).
    """

    def __init__(self) -> None:
        self.port = _LAST_PORT[0] if _LAST_PORT else free_port()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._saved: dict[str, str | None] = {}
        self._tables_before: set[str] = set()

    @property
    def endpoint(self) -> str:
        """moto's URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EmbeddedAws:
        """Serve moto and set fake credentials and endpoint variables for this process."""
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns the transcript
        faster_moto()
        self._tables_before = set(_dynamodb().tables)
        self._serve()
        _IN_PROCESS.add(self.endpoint)
        self.set_env({
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "sim",
            "AWS_SECRET_ACCESS_KEY": "sim",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_PROFILE": None,
            "AWS_SESSION_TOKEN": None,
        })
        return self

    def _serve(self) -> None:
        """Serve moto's application on the port this process used last when it is still free (clients made for
        that endpoint stay good), otherwise on a new one."""
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import ThreadedWSGIServer

        listening = _listen(self.port)
        self.port = int(listening.getsockname()[1])
        _LAST_PORT[:] = [self.port]
        with listening:  # the server works on a duplicate of it
            server = ThreadedWSGIServer("127.0.0.1", self.port, moto_app(), MotoRequestHandler,
                                        fd=listening.fileno())
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS},
                                        name=f"moto:{self.port}", daemon=True)
        self._thread.start()

    def set_env(self, values: Mapping[str, str | None]) -> None:
        """Set (or, for None, unset) process environment variables, remembering what to restore."""
        for key, value in values.items():
            self._saved.setdefault(key, os.environ.get(key))
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def stop(self) -> None:
        """Stop moto and restore the environment."""
        _IN_PROCESS.discard(self.endpoint)
        if self._server is not None:
            stop_serving(self._server)
            assert self._thread is not None
            self._thread.join()
            self._server = None
        self._drop_new_tables()
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()

    def _drop_new_tables(self) -> None:
        """Delete the DynamoDB tables made while this ran: moto's backends live as long as the process, so a
        process running many runtimes (the tests, a bench) would otherwise keep every runtime's tables."""
        backend = _dynamodb()
        for name in set(backend.tables) - self._tables_before:
            backend.delete_table(name)


def _dynamodb() -> Any:
    """moto's DynamoDB backend for the account and region the local runtime uses."""
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT_ID][REGION]


_LAST_PORT: list[int] = []  # the port this process's last EmbeddedAws served on
_IN_PROCESS: set[str] = set()  # the endpoints this process's botocore clients reach without a socket
_APP: list[Any] = []


def moto_app() -> Any:
    """moto server's WSGI application, one per process (moto's backends are per process anyway): each service's
    Flask app and URL map is built once, not once per runtime."""
    if not _APP:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        _APP.append(DomainDispatcherApplication(create_backend_app))
    return _APP[0]


def send_in_process(request: Any, **_: Any) -> Any:
    """botocore ``before-send``: a request for a running embedded moto is handed to moto's WSGI application in
    this thread, exactly as its HTTP server would hand it over, without the socket, HTTP parsing and server
    thread in between (a third of a runtime test's time). Any other request is left to botocore."""
    if not _IN_PROCESS:
        return None
    parts = urlsplit(request.url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin not in _IN_PROCESS:
        return None
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import MockRawResponse
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    headers = [(name, value.decode("latin-1") if isinstance(value, bytes) else value)
               for name, value in request.headers.items()]
    builder = EnvironBuilder(path=parts.path or "/", base_url=origin, query_string=parts.query,
                             method=request.method, headers=headers, data=body or b"")
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    app_iter, status, response_headers = run_wsgi_app(moto_app(), environ, buffered=True)
    try:
        content = b"".join(app_iter)
    finally:
        getattr(app_iter, "close", lambda: None)()
    return AWSResponse(request.url, int(status.split(" ", 1)[0]), response_headers.to_wsgi_list(),
                       MockRawResponse(content))


def route_in_process() -> None:
    """Give every botocore session made from now on the ``before-send`` above (idempotent)."""
    from botocore.handlers import BUILTIN_HANDLERS

    if ("before-send", send_in_process) not in BUILTIN_HANDLERS:
        BUILTIN_HANDLERS.append(("before-send", send_in_process))
