"""Every handler the synthesized stacks declare imports from its shipped assets, and imports only what it needs.

The app is synthesized with bundling on; each handler is then imported the way Lambda loads it: the runtime's
Python (``python3.12``), ``sys.path`` = the code asset, the layer's ``python/`` (pruned and compiled), then
the packages the Lambda runtime provides (boto3 and its dependencies), no bytecode written. New functions
join automatically: the list comes from the cloud assembly, not from this file.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from bench.assembly import DeployedHandler, deployed_handlers
from stacks.constructs.bundling import RUNTIME_PROVIDED, target_python

pytestmark = pytest.mark.synth

CONTEXT = {"connectInstanceArn": "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555",
           "connectSourcePhoneNumber": "+15555550100", "aws:cdk:disable-stack-trace": True}
# Imported only on the path that needs them (a KMS envelope, an SMS through Twilio, a JOSE token), never at
# module top: each costs more than boto3's own import on every cold start of every function.
HEAVY = ("aws_encryption_sdk", "twilio", "joserfc", "cryptography", "aiohttp", "requests")
# Powertools' event data classes import every event class and its event_handler: use lambdas.events.
FORBIDDEN_POWERTOOLS = ("aws_lambda_powertools.utilities.data_classes", "aws_lambda_powertools.event_handler",
                        "aws_lambda_powertools.utilities.parameters")
NO_AWS_CALLS = ("lambdas.voice_otp.define.handler",)  # handlers that make no AWS call load no AWS SDK
_PROBE = ("import sys, json, gc; sys.path[:0] = {paths!r}; import {module} as m; m.{function}; "
          "flags = ['gc:enabled'] * gc.isenabled() + ['gc:frozen'] * (gc.get_freeze_count() > 0); "
          "order = list(sys.modules) + ['aws_lambda_powertools']; flags += ['order:boto3-first'] * "
          "('boto3' in order and order.index('boto3') < order.index('aws_lambda_powertools')); "
          "print(json.dumps(sorted(sys.modules) + flags))")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> list[DeployedHandler]:
    from app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    build_app(CONTEXT, outdir=str(outdir)).synth()
    return deployed_handlers(outdir)


@pytest.fixture(scope="module")
def runtime_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stand-in for the Lambda runtime's own packages: exactly the distributions the layer leaves to it."""
    import boto3

    site = Path(boto3.__file__).parents[1]
    runtime = tmp_path_factory.mktemp("runtime")
    modules = {"python-dateutil": "dateutil"}
    for distribution in RUNTIME_PROVIDED:
        name = modules.get(distribution, distribution.replace("-", "_"))
        source = site / name if (site / name).is_dir() else site / f"{name}.py"
        (runtime / source.name).symlink_to(source)
    return runtime


def _modules(handler: DeployedHandler, runtime: Path) -> set[str]:
    probe = _PROBE.format(paths=[*handler.sys_path, str(runtime)], module=handler.module, function=handler.function)
    env = {"PATH": os.environ.get("PATH", ""), "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
           **handler.environment}
    result = subprocess.run([target_python(), "-I", "-S", "-B", "-c", probe], capture_output=True, text=True,
                            check=False, env=env)
    assert result.returncode == 0, f"{handler.handler} does not import from its shipped assets:\n{result.stderr}"
    return set(json.loads(result.stdout))


def test_the_assembly_lists_every_function_with_its_code_and_layer(shipped: list[DeployedHandler]) -> None:
    handlers = {h.handler for h in shipped}
    assert {f"lambdas.voice_otp.{fn}.handler" for fn in ("define", "create", "verify", "prompt", "admin")} <= handlers
    for handler in shipped:
        assert (handler.code_dir / handler.module.replace(".", "/")).with_suffix(".py").is_file()
        assert handler.layer_dirs
        assert all(layer.is_dir() for layer in handler.layer_dirs)


def test_the_voice_otp_layer_holds_powertools_only_pruned_and_compiled(shipped: list[DeployedHandler]) -> None:
    [layer] = {h.layer_dirs[0] for h in shipped if h.stack == "VoiceOtp"}
    top = {p.name for p in layer.iterdir() if not p.name.endswith(".dist-info") and p.name != "__pycache__"}
    assert top == {"aws_lambda_powertools", "typing_extensions.py"}  # no boto3, Twilio, Encryption SDK, JOSE
    powertools = {p.name for p in (layer / "aws_lambda_powertools" / "utilities").iterdir()}
    assert "parser" not in powertools
    assert "idempotency" not in powertools
    assert "batch" not in powertools
    assert (layer / "aws_lambda_powertools" / "logging" / "__pycache__" / "logger.cpython-312.pyc").is_file()


def test_every_handler_imports_from_its_pruned_layer_and_only_what_it_needs(
        shipped: list[DeployedHandler], runtime_packages: Path) -> None:
    problems = []
    for handler in shipped:
        modules = _modules(handler, runtime_packages)
        heavy = sorted(m for m in modules if m.split(".", 1)[0] in HEAVY)
        if heavy:
            problems.append(f"{handler.handler} imports {heavy[:5]} at module top: import them where they are used")
        powertools = sorted(m for m in modules if m.startswith(FORBIDDEN_POWERTOOLS))
        if powertools:
            problems.append(f"{handler.handler} imports {powertools[:3]}: use lambdas.events / a lazy import")
        if "gc:enabled" not in modules:
            problems.append(f"{handler.handler} leaves the garbage collector off: end it with coldstart.loaded()")
        if "lambdas.coldstart" in modules and "gc:frozen" not in modules:
            problems.append(f"{handler.handler} pauses the collector but never calls coldstart.loaded()")
        if handler.stack == "VoiceOtp" and "lambdas.coldstart" not in modules:
            problems.append(f"{handler.handler} imports with the collector running: import lambdas.coldstart first")
        if handler.stack == "VoiceOtp" and "boto3" in modules and "order:boto3-first" not in modules:
            problems.append(f"{handler.handler} loads Powertools before boto3 (see lambdas/coldstart.py)")
        if handler.handler in NO_AWS_CALLS:
            sdk = sorted(m for m in modules if m == "boto3" or m.startswith(("boto3.", "botocore.")))
            if sdk:
                problems.append(f"{handler.handler} makes no AWS call but imports {sdk[:5]}")
    assert not problems, "\n".join(problems)


def test_the_probe_sees_a_top_level_heavy_import(shipped: list[DeployedHandler], runtime_packages: Path,
                                                 tmp_path: Path) -> None:
    """The check above can fail: a handler importing boto3 at top shows it in its modules."""
    [define] = [h for h in shipped if h.handler == "lambdas.voice_otp.define.handler"]
    code = tmp_path / "code"
    (code / "probe").mkdir(parents=True)
    (code / "probe" / "__init__.py").write_text("")
    (code / "probe" / "fn.py").write_text("import boto3\n\ndef handler(event, context):\n    return event\n")
    fake = DeployedHandler(stack="x", logical_id="x", handler="probe.fn.handler", runtime="python3.12",
                           code_dir=code, layer_dirs=define.layer_dirs, environment={})
    assert "botocore.client" in _modules(fake, runtime_packages)
    (code / "probe" / "fn.py").write_text("from lambdas import coldstart\n\ndef handler(event, context):\n    pass\n")
    (code / "lambdas").symlink_to(define.code_dir / "lambdas")
    assert "gc:enabled" not in _modules(fake, runtime_packages)  # paused and never resumed: caught
