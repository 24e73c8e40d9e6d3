"""Lazily created, cached boto3 clients: nothing is built at import time (cold start, moto interception)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from lambdas.common.core.caches import per_container

# Cognito gives a trigger 5 seconds: keep SDK retries and timeouts well inside that budget.
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 2.0
_CONFIG = Config(
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
    retries={"max_attempts": 2, "mode": "standard"},
)

# Connect calls are retried by our own deadline-aware, jittered loop (common.delivery), so the SDK must not
# retry them as well, and one attempt must leave room for another inside the trigger's budget.
CONNECT_API_CONNECT_TIMEOUT_SECONDS = 0.5
CONNECT_API_READ_TIMEOUT_SECONDS = 1.2
CONNECT_ATTEMPT_WORST_CASE_SECONDS = CONNECT_API_CONNECT_TIMEOUT_SECONDS + CONNECT_API_READ_TIMEOUT_SECONDS
_SERVICE_CONFIG = {
    "connect": _CONFIG.merge(Config(
        connect_timeout=CONNECT_API_CONNECT_TIMEOUT_SECONDS,
        read_timeout=CONNECT_API_READ_TIMEOUT_SECONDS,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )),
}


@per_container
def _session() -> boto3.session.Session:
    """One session per container: it parses each service model once, not once per client."""
    return boto3.session.Session()


@per_container
def _client(service: str) -> Any:
    return _session().client(service, config=_SERVICE_CONFIG.get(service, _CONFIG))


def client(service: str) -> Any:
    """A cached boto3 client for ``service`` (region and endpoint from the standard AWS environment)."""
    return _client(service)

