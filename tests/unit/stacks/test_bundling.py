"""Docker-free bundling: the exact pip invocation, cache-free code copies, clear failures, and CDK using both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from aws_cdk import Duration

from stacks.constructs.bundling import BundlingError, LayerBundling, PackageBundling, pip_install_command

PLATFORM_ARGS = ["--platform", "manylinux2014_aarch64", "--implementation", "cp", "--python-version", "3.12",
                 "--only-binary=:all:", "--no-compile", "--disable-pip-version-check", "--quiet"]


def _package(root: Path) -> Path:
    """A small package with bytecode caches next to its sources."""
    package = root / "pkg"
    (package / "fn" / "__pycache__").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "__init__.py").write_text("")
    (package / "fn" / "__init__.py").write_text("")
    (package / "fn" / "handler.py").write_text("def handler(event, context):\n    return event\n")
    (package / "fn" / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"\0")
    (package / "__pycache__" / "__init__.cpython-312.pyc").write_bytes(b"\0")
    (package / "stray.pyc").write_bytes(b"\0")
    (package / "requirements.txt").write_text("aws-lambda-powertools==3.37.0\n")
    return package


def _ok(*_args: Any, **_kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(args=[], returncode=0, stdout="", stderr="")


def test_pip_targets_the_lambda_platform_online_without_a_wheel_cache(tmp_path: Path) -> None:
    command = pip_install_command(tmp_path / "requirements.txt", tmp_path / "out" / "python", tmp_path / "none")
    assert command == [sys.executable, "-m", "pip", "install", "-r", str(tmp_path / "requirements.txt"),
                       "--target", str(tmp_path / "out" / "python"), *PLATFORM_ARGS]


def test_pip_goes_offline_when_the_wheel_cache_exists(tmp_path: Path) -> None:
    cache = tmp_path / "wheels"
    cache.mkdir()
    command = pip_install_command(tmp_path / "requirements.txt", tmp_path / "python", cache)
    assert command[-3:] == ["--no-index", "--find-links", str(cache)]
    assert command[:-3] == pip_install_command(tmp_path / "requirements.txt", tmp_path / "python", tmp_path / "x")


def test_layer_bundling_installs_into_python_dir_of_the_output(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    with mock.patch("stacks.constructs.bundling.subprocess.run", side_effect=_ok) as run:
        assert LayerBundling(requirements, tmp_path / "none").try_bundle(str(tmp_path / "out"), {}) is True
    run.assert_called_once_with(
        [sys.executable, "-m", "pip", "install", "-r", str(requirements),
         "--target", str(tmp_path / "out" / "python"), *PLATFORM_ARGS],
        capture_output=True, text=True, check=False)


def test_layer_bundling_failure_is_a_clear_error_not_a_docker_fallback(tmp_path: Path) -> None:
    failed = subprocess.CompletedProcess(args=[], returncode=1, stdout="",
                                         stderr="ERROR: No matching distribution found for nope==1")
    with mock.patch("stacks.constructs.bundling.subprocess.run", return_value=failed), \
            pytest.raises(BundlingError, match="No matching distribution found for nope==1") as error:
        LayerBundling(tmp_path / "requirements.txt", tmp_path / "none").try_bundle(str(tmp_path / "out"))
    assert "no wheel cache" in str(error.value)


def test_package_bundling_copies_sources_and_leaves_caches_behind(tmp_path: Path) -> None:
    package = _package(tmp_path)
    out = tmp_path / "out"
    assert PackageBundling(package).try_bundle(str(out), {}) is True
    copied = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert copied == ["pkg", "pkg/__init__.py", "pkg/fn", "pkg/fn/__init__.py", "pkg/fn/handler.py",
                      "pkg/requirements.txt"]


def test_package_bundling_failure_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BundlingError, match="could not copy"):
        PackageBundling(tmp_path / "missing").try_bundle(str(tmp_path / "out"))


@pytest.mark.synth
def test_cdk_stages_both_assets_through_the_local_bundlers(tmp_path: Path) -> None:
    from aws_cdk import App, Stack
    from aws_cdk import aws_kms as kms

    from stacks.constructs.python_function import LambdaPackaging, PythonFunction

    package = _package(tmp_path)

    def fake_pip(command: list[str], **_kwargs: Any) -> subprocess.CompletedProcess[str]:
        target = Path(command[command.index("--target") + 1])
        target.mkdir(parents=True)
        (target / "installed.txt").write_text("ok")
        return _ok()

    app = App(outdir=str(tmp_path / "cdk.out"), context={"aws:cdk:disable-stack-trace": True})
    stack = Stack(app, "Bundled")
    with mock.patch("stacks.constructs.bundling.subprocess.run", side_effect=fake_pip) as pip:
        packaging = LambdaPackaging(stack, "Packaging", package_dir=package,
                                    requirements=package / "requirements.txt", wheel_cache=tmp_path / "none")
        PythonFunction(stack, "Fn", packaging=packaging, handler="pkg.fn.handler.handler", service="fn",
                       environment={}, log_key=kms.Key(stack, "Logs", enable_key_rotation=True),
                       description="bundling test", timeout=Duration.seconds(3),
                       outside_vpc_reason="a bundling test function that is never deployed anywhere at all")
    assert pip.call_count == 1
    staged = {p.relative_to(tmp_path / "cdk.out").as_posix().split("/", 1)[1]
              for p in (tmp_path / "cdk.out").glob("asset.*/**/*") if p.is_file()}
    assert staged == {"python/installed.txt", "pkg/__init__.py", "pkg/fn/__init__.py", "pkg/fn/handler.py",
                      "pkg/requirements.txt"}
