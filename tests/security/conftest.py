"""One local runtime per security test module, its environment and clock restored before every test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from sim.local_runtime import LocalRuntime
from tests.security.targets import World


@pytest.fixture(scope="module")
def _module_runtime() -> Iterator[tuple[LocalRuntime, dict[str, str]]]:
    with LocalRuntime() as rt:
        env = {key: os.environ[key] for key in rt.aws._saved if key in os.environ}
        yield rt, env


@pytest.fixture
def runtime(_module_runtime: tuple[LocalRuntime, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> LocalRuntime:
    """The module's runtime, with its AWS endpoint, function environment and clock put back for this test.

    ``tests/conftest.py`` resets the environment and the clock before each test (so no test reaches real AWS):
    a module-scoped runtime must be re-applied after it, or the handlers would miss moto.
    """
    from lambdas.common.core import caches

    rt, env = _module_runtime
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    rt.clock.install()
    caches.reset_all()
    return rt


@pytest.fixture
def world(runtime: LocalRuntime) -> World:
    """Fresh identities on the module's runtime, past the deployment-wide per-minute budgets."""
    made = World(runtime)
    made.fresh_minute()
    return made
