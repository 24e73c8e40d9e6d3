"""Lazily created, cached boto3 clients: nothing is built at import time (cold start, moto interception)."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

# Cognito gives a trigger 5 seconds: keep SDK retries and timeouts well inside that budget.
_CONFIG = Config(
    connect_timeout=1,
    read_timeout=2,
    retries={"max_attempts": 2, "mode": "standard"},
)


# Connect calls are retried by our own bounded, jittered loop (common.delivery), so the SDK must not
# retry them as well: two layers of retries would blow the trigger's time budget.
_SERVICE_CONFIG = {
    "connect": _CONFIG.merge(Config(retries={"total_max_attempts": 1, "mode": "standard"})),
}


@functools.cache
def _session() -> boto3.session.Session:
    """One session per container: it parses each service model once, not once per client."""
    return boto3.session.Session()


@functools.cache
def _client(service: str) -> Any:
    return _session().client(service, config=_SERVICE_CONFIG.get(service, _CONFIG))


def client(service: str) -> Any:
    """A cached boto3 client for ``service`` (region and endpoint from the standard AWS environment)."""
    return _client(service)


def reset_clients() -> None:
    """Drop cached clients and the session (tests and the local runtime call this after changing endpoints)."""
    _client.cache_clear()
    _session.cache_clear()
