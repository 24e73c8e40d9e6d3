"""Count the AWS calls the Lambda code makes, per service and operation (for budgets and benchmarks)."""

from __future__ import annotations

from collections import Counter

import pytest


def count_aws_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Hook every client ``lambdas.common.core.aws.client`` hands out; keys look like ``kms:Encrypt``."""
    from lambdas.common.core import aws
    from sim.aws.clients import counting_into, hooking_each_client

    calls: Counter[str] = Counter()
    monkeypatch.setattr(aws, "client", hooking_each_client(aws.client, counting_into(calls)))
    return calls
