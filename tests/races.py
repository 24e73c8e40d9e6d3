"""Forcing the dangerous interleaving: every thread reads before any thread writes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lambdas.common.core import aws


class RaceGate:
    """Holds each thread at its first ``operation`` until all ``parties`` get there; logs the call order."""

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.log: list[str] = []
        self._parties = 0
        self._barrier: threading.Barrier | None = None
        self._local = threading.local()
        aws.client("dynamodb").meta.events.register("before-call.dynamodb.*", self._before_call)

    def run(self, parties: int, call: Callable[[], Any]) -> list[Any]:
        """Run ``call`` in ``parties`` threads at once; results (or raised exceptions) in no given order."""
        self.log.clear()
        self._parties = parties
        self._barrier = threading.Barrier(parties, timeout=5)

        def attempt() -> Any:
            self._local.held = False
            try:
                return call()
            except Exception as error:  # the test inspects refusals like any other result
                return error

        with ThreadPoolExecutor(max_workers=parties) as pool:
            return list(pool.map(lambda _: attempt(), range(parties)))

    def reads_all_preceded_writes(self) -> bool:
        """True when every thread had read before any thread wrote (the dangerous interleaving); reads
        after that are retries of threads that lost the write race."""
        first_write = self.log.index(self.operation)
        return self.log[:first_write].count("read") >= self._parties

    def _before_call(self, model: Any, **_: Any) -> None:
        if model.name in ("TransactGetItems", "GetItem"):
            self.log.append("read")
        elif model.name == self.operation and not getattr(self._local, "held", True) and self._barrier is not None:
            self._local.held = True
            self._barrier.wait()
            self.log.append(self.operation)
