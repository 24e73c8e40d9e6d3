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
    from sim.aws.clients import hooking_each_client

    faults = Faults()

    def consult(service: str, client: Any) -> None:
        client.meta.events.register("before-call.*.*", lambda model, **kw: faults._before_call(service, model, **kw))

    monkeypatch.setattr(aws, "client", hooking_each_client(aws.client, consult))
    yield faults
