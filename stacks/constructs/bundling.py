"""Docker-free bundling: the ``lambdas/`` package as the code asset, its pip dependencies as a layer.

Both bundlers implement CDK's ``ILocalBundling``. If either fails, synth stops with :class:`BundlingError`;
it never falls back to Docker (the image below is a placeholder that is never pulled).

Both assets ship bytecode compiled by the functions' runtime Python (``python3.12``) with
``--invalidation-mode unchecked-hash``: Lambda's filesystem is read-only, so bytecode Python cannot write
is recompiled on every cold start, and timestamp-checked bytecode would not survive the zip. Compilation
is deterministic (fixed hash seed, fixed source paths ``/var/task`` and ``/opt/python`` in the bytecode),
so the same input gives the same asset hash.

The layer holds only what the runtime lacks: the distributions the Lambda runtime already provides
(boto3 and its dependencies) are removed after pip resolves them, and Powertools is pruned to the
subpackages the code asset's modules can import (a static closure, function-level imports included).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import modulefinder
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

REPO_ROOT = Path(__file__).resolve().parents[2]
LAMBDAS_DIR = REPO_ROOT / "lambdas"
REQUIREMENTS = LAMBDAS_DIR / "requirements.txt"
WHEEL_CACHE = REPO_ROOT / ".cache" / "lambda-wheels"
LAYER_CACHE = REPO_ROOT / ".cache" / "lambda-layers"  # built layers by asset hash (LayerBundling)

PYTHON_VERSION = "3.12"  # must match the function runtime (python_function.RUNTIME)
PLATFORM = "manylinux2014_aarch64"  # must match the function architecture (ARM64)
EXCLUDED = ("__pycache__", "*.pyc")
NO_DOCKER = DockerImage.from_registry("local-bundling-only")
CODE_ROOT = "/var/task"      # where Lambda unpacks the code asset (the paths in its bytecode)
LAYER_ROOT = "/opt/python"   # where Lambda unpacks a layer's python/ directory
LAYER_BUILD = "4"            # bump when the layer's build steps change: it is part of the layer's asset hash

# The Lambda Python runtime ships boto3 with these dependencies; a layer copy would shadow the runtime's
# (layers come first on sys.path) and add megabytes, so they are dropped after pip resolves the rest.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six")
# Distributions pruned to the subpackages the code can import: import package → the packages whose
# children are the pruning units (``aws_lambda_powertools/event_handler``, ``.../utilities/parser``, ...).
PRUNABLE = {"aws_lambda_powertools": ("aws_lambda_powertools", "aws_lambda_powertools.utilities")}


class BundlingError(RuntimeError):
    """Local bundling failed; synth stops instead of falling back to Docker."""


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(requirements: Path) -> dict[str, str]:
    """``canonical name → requirement line`` for every pinned (``==``) line of ``requirements``."""
    pins: dict[str, str] = {}
    for raw in requirements.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, sep, _ = line.partition("==")
            if not sep:
                raise BundlingError(f"{requirements}: {line!r} is not pinned with ==")
            pins[canonical(name.split("[", 1)[0])] = line
    return pins


def select_pins(requirements: Path, distributions: Sequence[str] | None) -> list[str]:
    """The requirement lines for ``distributions`` (all of them when None), each of which must be pinned."""
    pins = read_pins(requirements)
    if distributions is None:
        return list(pins.values())
    unknown = [name for name in distributions if canonical(name) not in pins]
    if unknown:
        raise BundlingError(f"not pinned in {requirements}: {', '.join(unknown)}")
    return [pins[canonical(name)] for name in distributions]


def pip_install_command(pins: Sequence[str], target: Path, wheel_cache: Path) -> list[str]:
    """The ``pip install`` filling a layer for the Lambda platform (offline when ``wheel_cache`` exists)."""
    command = [
        sys.executable, "-m", "pip", "install", *pins,
        "--target", str(target),
        "--platform", PLATFORM,
        "--implementation", "cp",
        "--python-version", PYTHON_VERSION,
        "--only-binary=:all:",
        "--no-compile",
        "--disable-pip-version-check",
        "--quiet",
    ]
    if wheel_cache.is_dir():
        command += ["--no-index", "--find-links", str(wheel_cache)]
    return command


@functools.cache
def target_python() -> str:
    """The machine's ``python3.12`` (the runtime's version compiles the bytecode), or BundlingError."""
    candidates = [shutil.which(f"python{PYTHON_VERSION}"),
                  *sorted(str(p) for p in Path.home().glob(f".pyenv/versions/{PYTHON_VERSION}.*/bin/python3"))]
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],  # noqa: S603
                               capture_output=True, text=True, check=False)
        if probe.returncode == 0 and probe.stdout.strip() == PYTHON_VERSION:
            return candidate
    raise BundlingError(
        f"bundling compiles the Lambda bytecode with python{PYTHON_VERSION} (the functions' runtime) and none "
        f"was found on PATH or under ~/.pyenv; install it (e.g. `pyenv install {PYTHON_VERSION}`)")


def compile_command(python: str, directory: Path, prefix: str) -> list[str]:
    """``compileall`` for a read-only filesystem: hash-checked-free bytecode, paths as Lambda sees them."""
    return [python, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash",
            "-s", str(directory), "-p", prefix, str(directory)]


def compile_tree(directory: Path, prefix: str) -> None:
    """Compile every module under ``directory`` for the runtime, deterministically; BundlingError on failure."""
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"}
    result = subprocess.run(compile_command(target_python(), directory, prefix),  # noqa: S603 - fixed argv
                            capture_output=True, text=True, check=False, env=environment)
    if result.returncode != 0:
        raise BundlingError(f"could not compile {directory} for python{PYTHON_VERSION}:\n"
                            f"{(result.stdout + result.stderr).strip()[-2000:]}")


def remove_distributions(site: Path, names: Iterable[str]) -> list[str]:
    """Delete the installed files of each named distribution (by its ``RECORD``); the names removed."""
    wanted = {canonical(name) for name in names}
    removed = []
    for info in sorted(site.glob("*.dist-info")):
        name = canonical(info.name.removesuffix(".dist-info").rsplit("-", 1)[0])
        if name not in wanted:
            continue
        for line in (info / "RECORD").read_text().splitlines():
            recorded = line.split(",", 1)[0]
            path = (site / recorded).resolve()
            if not path.is_relative_to(site.resolve()):  # a script: pip --target puts it in <site>/bin
                path = site / "bin" / Path(recorded).name
            if path.is_file():
                path.unlink()
        shutil.rmtree(info, ignore_errors=True)
        removed.append(name)
    for directory in sorted((p for p in site.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
    return removed


def package_modules(package_dir: Path) -> list[str]:
    """Every module name of the package at ``package_dir`` (``lambdas``, ``lambdas.common``, ...)."""
    names = []
    for source in sorted(package_dir.rglob("*.py")):
        parts = source.relative_to(package_dir.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def third_party_imports(package_dir: Path) -> list[str]:
    """The absolute imports of prunable packages in the code (any depth: lazy imports count)."""
    found: set[str] = set()
    for source in sorted(package_dir.rglob("*.py")):
        found.update(_prunable_imports(source.read_bytes(), str(source)))
    return sorted(found)


@functools.lru_cache(maxsize=2048)
def _prunable_imports(code: bytes, filename: str) -> frozenset[str]:
    """The prunable imports in one module's source. Remembered by content: every layer of a synth (and every
    synth in one process) asks again for the same files, and parsing them was a third of building the app."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(code, filename)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(name for name in names if name.split(".", 1)[0] in PRUNABLE)
    return frozenset(found)


def prune_unimported(site: Path, package_dir: Path) -> list[str]:
    """Delete the subpackages of prunable distributions that no module of ``package_dir`` can import.

    The closure is static (``modulefinder``: every import statement, in functions too) over the code and the
    layer; a pruning unit (a child of ``aws_lambda_powertools`` or of its ``utilities``) is kept whole if any
    of its modules is reached, so a package's own dynamic imports of its submodules keep working.
    """
    finder = modulefinder.ModuleFinder(path=[str(package_dir.parent), str(site)])
    for module in package_modules(package_dir):
        finder.import_hook(module)
    reached = set(finder.modules)
    removed = []
    for parents in PRUNABLE.values():
        for parent in parents:
            directory = site.joinpath(*parent.split("."))
            if not directory.is_dir() or parent not in reached:
                continue
            for child in sorted(directory.iterdir()):
                name = f"{parent}.{child.name.removesuffix('.py')}"
                if child.name.startswith("__") or name in parents or not (child.is_dir() or child.suffix == ".py"):
                    continue
                if not any(m == name or m.startswith(name + ".") for m in reached):
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
                    removed.append(name)
    return removed


def refresh_records(site: Path) -> None:
    """Drop the ``RECORD`` lines of files pruning deleted, so each dist-info lists what the layer holds."""
    for record in sorted(site.glob("*.dist-info/RECORD")):
        lines = record.read_text().splitlines()
        kept = [line for line in lines if (site / line.split(",", 1)[0]).exists() or line.startswith("../")]
        if kept != lines:
            record.write_text("".join(f"{line}\n" for line in kept))


@jsii.implements(ILocalBundling)
class LayerBundling:
    """Installs ``pins`` into ``<output>/python`` for the Lambda platform, keeps what the code can use, compiles.

    With ``cache_dir``, a layer built once is kept there under its asset hash (:func:`layer_hash`: every input
    of the build) and copied on later synths instead of rebuilt; concurrent synths build it once (a file lock).
    """

    def __init__(self, pins: Sequence[str], wheel_cache: Path, package_dir: Path,
                 cache_dir: Path | None = None) -> None:
        self.pins = list(pins)
        self.wheel_cache = wheel_cache
        self.package_dir = package_dir
        self.cache_dir = cache_dir

    def try_bundle(self, output_dir: str, *_options: Any, **_keywords: Any) -> bool:
        """Build (or copy the cached build of) the layer into ``output_dir``."""
        if self.cache_dir is None:
            self._build(Path(output_dir))
            return True
        cached = self.cache_dir / layer_hash(self.pins, self.package_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with _exclusive(self.cache_dir / f"{cached.name}.lock"):
            if not cached.is_dir():
                building = self.cache_dir / f"{cached.name}.building"
                shutil.rmtree(building, ignore_errors=True)
                try:
                    self._build(building)
                except BaseException:
                    shutil.rmtree(building, ignore_errors=True)
                    raise
                building.rename(cached)  # whole or absent: a failed build leaves nothing under the hash
        shutil.copytree(cached, output_dir, dirs_exist_ok=True)
        return True

    def _build(self, output: Path) -> None:
        """Run pip, prune, compile; raise :class:`BundlingError` with the tool's output if a step fails."""
        site = output / "python"
        command = pip_install_command(self.pins, site, self.wheel_cache)
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
        if result.returncode != 0:
            hint = (
                "" if self.wheel_cache.is_dir() else f" (no wheel cache at {self.wheel_cache}; is the index reachable?)"
            )
            raise BundlingError(
                f"pip could not build the Lambda layer from {', '.join(self.pins)}{hint}:\n"
                f"{(result.stderr or result.stdout).strip()[-2000:]}"
            )
        remove_distributions(site, RUNTIME_PROVIDED)
        prune_unimported(site, self.package_dir)
        refresh_records(site)
        compile_tree(site, LAYER_ROOT)


@contextlib.contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock`` (created if absent) across processes."""
    import fcntl

    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@jsii.implements(ILocalBundling)
class PackageBundling:
    """Copies a Python package directory into ``<output>/<name>`` without stale caches, then compiles it."""

    def __init__(self, package_dir: Path) -> None:
        self.package_dir = package_dir

    def try_bundle(self, output_dir: str, *_options: Any, **_keywords: Any) -> bool:
        """Copy and compile the package; raise :class:`BundlingError` if it cannot."""
        try:
            shutil.copytree(
                self.package_dir,
                Path(output_dir) / self.package_dir.name,
                ignore=shutil.ignore_patterns(*EXCLUDED),
            )
        except OSError as error:
            raise BundlingError(f"could not copy {self.package_dir} into the code asset: {error}") from error
        compile_tree(Path(output_dir), CODE_ROOT)
        return True


def code_asset(package_dir: Path = LAMBDAS_DIR) -> lambda_.Code:
    """The function code: ``package_dir`` at the asset root (handlers are ``<package>.<fn>.handler``)."""
    return lambda_.Code.from_asset(
        str(package_dir),
        exclude=[f"**/{pattern}" for pattern in EXCLUDED],
        asset_hash_type=AssetHashType.OUTPUT,  # the hash covers the compiled bytecode too
        bundling=BundlingOptions(image=NO_DOCKER, local=PackageBundling(package_dir)),
    )


def layer_hash(pins: Sequence[str], package_dir: Path) -> str:
    """The layer's asset hash: platform, runtime, pins, build steps and what the code imports from it."""
    parts = [PLATFORM, f"cp{PYTHON_VERSION}", LAYER_BUILD, *RUNTIME_PROVIDED, "|", *sorted(pins), "|",
             *third_party_imports(package_dir)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def layer_asset(requirements: Path = REQUIREMENTS, wheel_cache: Path = WHEEL_CACHE, *,
                distributions: Sequence[str] | None = None, package_dir: Path = LAMBDAS_DIR,
                layer_cache: Path | None = LAYER_CACHE) -> lambda_.Code:
    """A dependency layer of ``distributions`` (default: every pin in ``requirements``) for ``package_dir``.

    Versioned by its inputs, not by the bytes pip writes: the pins, the target platform and runtime, the
    build steps, and the prunable imports of the code (a new Powertools import rebuilds the layer). A build
    is kept in ``layer_cache`` under that version (``None``: build every time).
    """
    pins = select_pins(requirements, distributions)
    return lambda_.Code.from_asset(
        str(requirements.parent),
        asset_hash=layer_hash(pins, package_dir),
        asset_hash_type=AssetHashType.CUSTOM,
        bundling=BundlingOptions(image=NO_DOCKER, local=LayerBundling(pins, wheel_cache, package_dir, layer_cache)),
    )
