"""boto3 clients for the local runtime's own set-up and drivers: one session, one client per service and endpoint.

A new ``boto3.session.Session()`` per client cost ~16 ms and a client ~9 ms; a runtime made 14 sessions and
17 clients to set itself up. Clients here are keyed by what decides where they go and who they are (the
endpoint variables, region and credentials in the environment), so a later runtime on another port gets new
ones. The Lambdas keep their own clients (``lambdas.common.core.aws``), as they would in Lambda.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import Counter
from collections.abc import Callable
from typing import Any

_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
              "AWS_SESSION_TOKEN", "AWS_PROFILE")
_IDENTITY = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")
_lock = threading.Lock()
_clients: dict[tuple[str | None, ...], Any] = {}
_sessions: dict[tuple[str | None, ...], Any] = {}  # a session resolves its credentials once: one per identity


def client(service: str) -> Any:
    """A client for ``service`` where the environment points now (created once per endpoint and identity)."""
    import boto3

    specific = f"AWS_ENDPOINT_URL_{service.upper().replace('-', '_')}"
    key = (service, os.environ.get(specific), *(os.environ.get(name) for name in _VARIABLES))
    with _lock:  # a session is not thread-safe; the local servers' threads ask for clients too
        made = _clients.get(key)
        if made is None:
            if len(_clients) > 64:  # earlier runtimes' endpoints are gone for good
                _clients.clear()
            identity = tuple(os.environ.get(name) for name in _IDENTITY)
            session = _sessions.get(identity)
            if session is None:
                session = _sessions[identity] = boto3.session.Session()
            made = _clients[key] = session.client(service)
    return made


def hooking_each_client(make: Callable[[str], Any], hook: Callable[[str, Any], None]) -> Callable[[str], Any]:
    """``make`` (``lambdas.common.core.aws.client``), except that ``hook(service, client)`` runs once on each
    client it hands out, the first time: how the tests and benches count, fault or record the Lambdas' calls
    (each install hooks the cached clients again, so a later counter misses nothing an earlier one saw)."""
    hooked: weakref.WeakSet[Any] = weakref.WeakSet()

    def hooking(service: str) -> Any:
        made = make(service)
        if made not in hooked:
            hook(service, made)
            hooked.add(made)
        return made

    return hooking


def counting_into(calls: Counter[str]) -> Callable[[str, Any], None]:
    """A ``hooking_each_client`` hook that counts each call into ``calls`` as ``service:Operation``."""

    def count(service: str, client: Any) -> None:
        client.meta.events.register("before-call.*.*", lambda model, **_: calls.update([f"{service}:{model.name}"]))

    return count
