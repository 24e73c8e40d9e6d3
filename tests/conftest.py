"""Shared fixtures: fake AWS credentials, moto, recorded events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

EVENTS = Path(__file__).parent / "events"


def pytest_configure(config: pytest.Config) -> None:
    """Many local runtimes run in parallel here (pytest-xdist): give Cognito triggers slack for a loaded CPU, and
    do once per worker what botocore and moto would redo for every test.

    The 5-second budget itself, and the Connect retries that must fit in it, are tested with exact clocks
    (tests/unit/lambdas/test_delivery.py); the end-to-end tests check flows, not the machine's speed.
    """
    import os

    from sim.aws.embedded import faster_moto

    os.environ.setdefault("SIM_TRIGGER_TIMEOUT_SECONDS", "20")
    faster_moto()  # parsed service models, moto's Cognito key and symmetric KMS key pairs: once per worker


# Files that synthesize the CDK app. Each xdist worker that synthesizes pays ~6 s once (importing aws_cdk,
# starting the jsii kernel, Node.js's first pass over aws-cdk-lib); together these files are one unit of work,
# so one worker pays it and the others run everything else.
SYNTH_FILES = ("tests/unit/stacks/", "tests/security/test_infrastructure.py")


@pytest.hookimpl(optionalhook=True)  # without pytest-xdist (-p no:xdist) the hook does not exist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` (what ``make test`` asks for: a file's tests on one worker, for its module fixtures),
    except that every synth file is in one unit. Any other ``--dist`` is left to xdist."""
    from xdist.scheduler import LoadFileScheduling

    if config.getoption("dist") != "loadfile":
        return None

    class SynthFilesTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope: str = super()._split_scope(nodeid)
            return "synth" if scope.startswith(SYNTH_FILES) else scope

    return SynthFilesTogether(config, log)


def load_event(name: str) -> dict[str, Any]:
    """A recorded AWS event from ``tests/events/`` (name with or without ``.json``)."""
    path = EVENTS / (name if name.endswith(".json") else f"{name}.json")
    return json.loads(path.read_text())


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Never let a test reach real AWS: fake credentials, a fixed region, no endpoint overrides."""
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CONNECT", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "test")
    from lambdas.common.core import caches, clock

    caches.reset_all()  # a fresh container: no client, setting or secret cached by an earlier test
    yield
    caches.reset_all()
    clock.set_source(None)


@pytest.fixture
def moto_aws() -> Iterator[None]:
    """In-process moto for every AWS service."""
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def lambda_context() -> Any:
    """A minimal Lambda context object."""

    from sim.fakes import FakeLambdaContext

    return FakeLambdaContext("test-function", timeout_seconds=5)


@pytest.fixture
def lambda_logs(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Everything the Lambda handlers log, at DEBUG, in one buffer (``.getvalue()``).

    Powertools' handler keeps the stream it was created with, so pytest's capsys can miss it; this
    fixture points every handler of the project's loggers at a buffer instead.
    """
    import importlib
    import io
    import logging
    import pkgutil

    import lambdas

    for module in pkgutil.walk_packages(lambdas.__path__, "lambdas."):  # importing a handler makes its logger
        importlib.import_module(module.name)

    buffer = io.StringIO()
    for std in list(logging.Logger.manager.loggerDict.values()):
        if not isinstance(std, logging.Logger):
            continue
        for handler in std.handlers:
            if isinstance(handler, logging.StreamHandler):
                monkeypatch.setattr(std, "level", logging.DEBUG)
                monkeypatch.setattr(handler, "stream", buffer)
    return buffer
