"""Count the AWS calls the Lambda code makes, per service and operation (for budgets and benchmarks)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest


def count_aws_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Hook every client ``lambdas.common.core.aws.client`` hands out; keys look like ``kms:Encrypt``."""
    from lambdas.common.core import aws
    from sim.aws.clients import hooking_each_client

    calls: Counter[str] = Counter()

    def count(service: str, client: Any) -> None:
        client.meta.events.register("before-call.*.*", lambda model, **_: calls.update([f"{service}:{model.name}"]))

    monkeypatch.setattr(aws, "client", hooking_each_client(aws.client, count))
    return calls
