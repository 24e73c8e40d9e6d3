"""Count the AWS calls the Lambda code makes, per service and operation (for budgets and benchmarks)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest


def count_aws_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Hook every client ``lambdas.common.core.aws.client`` hands out; keys look like ``kms:Encrypt``."""
    from lambdas.common.core import aws

    calls: Counter[str] = Counter()
    original = aws.client

    def counting(service: str) -> Any:
        client = original(service)
        if not getattr(client, "_calls_counted", False):
            client.meta.events.register("before-call.*.*",
                                        lambda model, **_: calls.update([f"{service}:{model.name}"]))
            client._calls_counted = True
        return client

    monkeypatch.setattr(aws, "client", counting)
    return calls
