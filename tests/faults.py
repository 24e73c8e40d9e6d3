"""Fault injection for the Lambda code's AWS calls: make chosen operations fail the way AWS fails them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError


@dataclass
class Faults:
    """Which operations fail (``service:Operation`` → error code, or ``"timeout"``) and how often they did."""

    failing: dict[str, str] = field(default_factory=dict)
    injected: Counter[str] = field(default_factory=Counter)

    def fail(self, operation: str, code: str) -> None:
        """Make every later call of ``operation`` fail with ``code``."""
        self.failing[operation] = code

    def clear(self) -> None:
        """Let every operation succeed again."""
        self.failing.clear()

    def _before_call(self, service: str, model: Any, **_: Any) -> None:
        key = f"{service}:{model.name}"
        code = self.failing.get(key)
        if code is None:
            return
        self.injected[key] += 1
        if code == "timeout":
            raise ConnectTimeoutError(endpoint_url=f"https://{service}.example")
        raise ClientError({"Error": {"Code": code, "Message": f"injected {code}"},
                           "ResponseMetadata": {"HTTPStatusCode": 400}}, model.name)


@contextmanager
def injected_faults(monkeypatch: pytest.MonkeyPatch) -> Iterator[Faults]:
    """Wrap ``lambdas.common.core.aws.client`` so its clients consult ``Faults`` before every call."""
    from lambdas.common.core import aws

    faults = Faults()
    original = aws.client

    def faulty(service: str) -> Any:
        client = original(service)
        if not getattr(client, "_faults_hooked", False):
            client.meta.events.register(
                "before-call.*.*", lambda model, **kw: faults._before_call(service, model, **kw))
            client._faults_hooked = True
        return client

    monkeypatch.setattr(aws, "client", faulty)
    yield faults
