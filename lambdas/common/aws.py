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


@functools.cache
def client(service: str) -> Any:
    """A cached boto3 client for ``service`` (region and endpoint from the standard AWS environment)."""
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]


def reset_clients() -> None:
    """Drop cached clients (tests and the local runtime call this after changing endpoints)."""
    client.cache_clear()
