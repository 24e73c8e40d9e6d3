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
def client(service: str) -> Any:
    """A cached boto3 client for ``service`` (region and endpoint from the standard AWS environment)."""
    config = _SERVICE_CONFIG.get(service, _CONFIG)
    return boto3.session.Session().client(service, config=config)  # type: ignore[call-overload]


def reset_clients() -> None:
    """Drop cached clients (tests and the local runtime call this after changing endpoints)."""
    client.cache_clear()
