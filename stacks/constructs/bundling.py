"""Docker-free bundling: the ``lambdas/`` package as the code asset, its pip dependencies as one layer.

Both bundlers implement CDK's ``ILocalBundling``. If either fails, synth stops with :class:`BundlingError`;
it never falls back to Docker (the image below is a placeholder that is never pulled).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

REPO_ROOT = Path(__file__).resolve().parents[2]
LAMBDAS_DIR = REPO_ROOT / "lambdas"
REQUIREMENTS = LAMBDAS_DIR / "requirements.txt"
WHEEL_CACHE = REPO_ROOT / ".cache" / "lambda-wheels"

PYTHON_VERSION = "3.12"  # must match the function runtime (python_function.RUNTIME)
PLATFORM = "manylinux2014_aarch64"  # must match the function architecture (ARM64)
EXCLUDED = ("__pycache__", "*.pyc")
NO_DOCKER = DockerImage.from_registry("local-bundling-only")


class BundlingError(RuntimeError):
    """Local bundling failed; synth stops instead of falling back to Docker."""


def pip_install_command(requirements: Path, target: Path, wheel_cache: Path) -> list[str]:
    """The ``pip install`` filling a layer for the Lambda platform (offline when ``wheel_cache`` exists)."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "-r",
        str(requirements),
        "--target",
        str(target),
        "--platform",
        PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--only-binary=:all:",
        "--no-compile",
        "--disable-pip-version-check",
        "--quiet",
    ]
    if wheel_cache.is_dir():
        command += ["--no-index", "--find-links", str(wheel_cache)]
    return command


@jsii.implements(ILocalBundling)
class LayerBundling:
    """Installs ``requirements`` into ``<output>/python`` with pip, for the Lambda platform."""

    def __init__(self, requirements: Path, wheel_cache: Path) -> None:
        self.requirements = requirements
        self.wheel_cache = wheel_cache

    def try_bundle(self, output_dir: str, *_options: Any, **_keywords: Any) -> bool:
        """Run pip; raise :class:`BundlingError` with pip's output if it fails."""
        command = pip_install_command(self.requirements, Path(output_dir) / "python", self.wheel_cache)
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
        if result.returncode != 0:
            hint = (
                "" if self.wheel_cache.is_dir() else f" (no wheel cache at {self.wheel_cache}; is the index reachable?)"
            )
            raise BundlingError(
                f"pip could not build the Lambda layer from {self.requirements}{hint}:\n"
                f"{(result.stderr or result.stdout).strip()[-2000:]}"
            )
        return True


@jsii.implements(ILocalBundling)
class PackageBundling:
    """Copies a Python package directory into ``<output>/<name>``, leaving bytecode caches behind."""

    def __init__(self, package_dir: Path) -> None:
        self.package_dir = package_dir

    def try_bundle(self, output_dir: str, *_options: Any, **_keywords: Any) -> bool:
        """Copy the package; raise :class:`BundlingError` if it cannot."""
        try:
            shutil.copytree(
                self.package_dir,
                Path(output_dir) / self.package_dir.name,
                ignore=shutil.ignore_patterns(*EXCLUDED),
            )
        except OSError as error:
            raise BundlingError(f"could not copy {self.package_dir} into the code asset: {error}") from error
        return True


def code_asset(package_dir: Path = LAMBDAS_DIR) -> lambda_.Code:
    """The function code: ``package_dir`` at the asset root (handlers are ``<package>.<fn>.handler``)."""
    return lambda_.Code.from_asset(
        str(package_dir),
        exclude=[f"**/{pattern}" for pattern in EXCLUDED],
        bundling=BundlingOptions(image=NO_DOCKER, local=PackageBundling(package_dir)),
    )


def layer_asset(requirements: Path = REQUIREMENTS, wheel_cache: Path = WHEEL_CACHE) -> lambda_.Code:
    """The dependency layer, versioned by the requirements file and target platform (not by the code)."""
    digest = hashlib.sha256(f"{PLATFORM}|cp{PYTHON_VERSION}|".encode() + requirements.read_bytes()).hexdigest()
    return lambda_.Code.from_asset(
        str(requirements.parent),
        asset_hash=digest,
        asset_hash_type=AssetHashType.CUSTOM,
        bundling=BundlingOptions(image=NO_DOCKER, local=LayerBundling(requirements, wheel_cache)),
    )
