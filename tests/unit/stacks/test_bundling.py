"""Docker-free bundling: the pip invocation, layer pruning, bytecode for the runtime, determinism, clear failures."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from aws_cdk import Duration

from stacks.constructs import bundling
from stacks.constructs.bundling import (
    BundlingError,
    LayerBundling,
    PackageBundling,
    layer_hash,
    pip_install_command,
    prune_unimported,
    refresh_records,
    remove_distributions,
    select_pins,
    target_python,
)

PLATFORM_ARGS = ["--platform", "manylinux2014_aarch64", "--implementation", "cp", "--python-version", "3.12",
                 "--only-binary=:all:", "--no-compile", "--disable-pip-version-check", "--quiet"]
REAL_RUN = subprocess.run


def _package(root: Path) -> Path:
    """A small package with bytecode caches next to its sources."""
    package = root / "pkg"
    (package / "fn" / "__pycache__").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "__init__.py").write_text("")
    (package / "fn" / "__init__.py").write_text("")
    (package / "fn" / "handler.py").write_text(
        "def handler(event, context):\n    return event in {'a', 'b', 'c'}\n")
    (package / "fn" / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"\0")
    (package / "__pycache__" / "__init__.cpython-312.pyc").write_bytes(b"\0")
    (package / "stray.pyc").write_bytes(b"\0")
    (package / "requirements.txt").write_text("aws-lambda-powertools==3.37.0\ntwilio==9.13.0  # SMS\n")
    return package


def _tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` → sha256 of its bytes."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _ok(*_args: Any, **_kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(args=[], returncode=0, stdout="", stderr="")


def _fake_pip(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """pip is faked (no index needed); every other command (compileall) really runs."""
    if command[1:4] != ["-m", "pip", "install"]:
        return REAL_RUN(command, **kwargs)  # type: ignore[no-any-return]
    target = Path(command[command.index("--target") + 1])
    target.mkdir(parents=True)
    (target / "installed.py").write_text("VALUE = 1\n")
    return _ok()


# --- pins and pip ---------------------------------------------------------------------------------------------


def test_pip_targets_the_lambda_platform_online_without_a_wheel_cache(tmp_path: Path) -> None:
    command = pip_install_command(["a==1", "b==2"], tmp_path / "out" / "python", tmp_path / "none")
    assert command == [sys.executable, "-m", "pip", "install", "a==1", "b==2",
                       "--target", str(tmp_path / "out" / "python"), *PLATFORM_ARGS]


def test_pip_goes_offline_when_the_wheel_cache_exists(tmp_path: Path) -> None:
    cache = tmp_path / "wheels"
    cache.mkdir()
    command = pip_install_command(["a==1"], tmp_path / "python", cache)
    assert command[-3:] == ["--no-index", "--find-links", str(cache)]
    assert command[:-3] == pip_install_command(["a==1"], tmp_path / "python", tmp_path / "x")


def test_a_capability_selects_its_own_pins_from_the_requirements(tmp_path: Path) -> None:
    requirements = _package(tmp_path) / "requirements.txt"
    assert select_pins(requirements, None) == ["aws-lambda-powertools==3.37.0", "twilio==9.13.0"]
    assert select_pins(requirements, ["AWS_Lambda_Powertools"]) == ["aws-lambda-powertools==3.37.0"]
    with pytest.raises(BundlingError, match=r"not pinned in .*: joserfc"):
        select_pins(requirements, ["joserfc"])
    requirements.write_text("twilio>=9\n")
    with pytest.raises(BundlingError, match="'twilio>=9' is not pinned"):
        select_pins(requirements, None)


def test_the_shipped_requirements_pin_everything_the_voice_otp_layer_names() -> None:
    from stacks.voice_otp_stack import VOICE_OTP_DISTRIBUTIONS

    assert select_pins(bundling.REQUIREMENTS, VOICE_OTP_DISTRIBUTIONS) == ["aws-lambda-powertools==3.37.0"]


def test_layer_bundling_installs_prunes_and_compiles_into_python_dir(tmp_path: Path) -> None:
    package = _package(tmp_path)
    with mock.patch("stacks.constructs.bundling.subprocess.run", side_effect=_fake_pip) as run:
        assert LayerBundling(["a==1"], tmp_path / "none", package).try_bundle(str(tmp_path / "out"), {}) is True
    pip_call, compile_call = run.call_args_list[0], run.call_args_list[-1]
    assert pip_call.args[0] == [sys.executable, "-m", "pip", "install", "a==1",
                                "--target", str(tmp_path / "out" / "python"), *PLATFORM_ARGS]
    assert compile_call.args[0][-5:] == ["-s", str(tmp_path / "out" / "python"), "-p", "/opt/python",
                                         str(tmp_path / "out" / "python")]
    assert (tmp_path / "out" / "python" / "__pycache__" / "installed.cpython-312.pyc").is_file()


def _pip_calls(run: mock.MagicMock) -> int:
    return sum(call.args[0][1:4] == ["-m", "pip", "install"] for call in run.call_args_list)


def test_a_cached_layer_is_copied_not_rebuilt_and_a_new_input_builds_again(tmp_path: Path) -> None:
    package, cache = _package(tmp_path), tmp_path / "layers"
    with mock.patch("stacks.constructs.bundling.subprocess.run", side_effect=_fake_pip) as run:
        LayerBundling(["a==1"], tmp_path / "none", package, cache).try_bundle(str(tmp_path / "one"))
        LayerBundling(["a==1"], tmp_path / "none", package, cache).try_bundle(str(tmp_path / "two"))
        assert _pip_calls(run) == 1
        LayerBundling(["a==2"], tmp_path / "none", package, cache).try_bundle(str(tmp_path / "three"))
        assert _pip_calls(run) == 2  # another pin is another layer hash
    compiled = Path("python") / "__pycache__" / "installed.cpython-312.pyc"
    assert (tmp_path / "one" / compiled).read_bytes() == (tmp_path / "two" / compiled).read_bytes()
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == sorted(
        [bundling.layer_hash(["a==1"], package), bundling.layer_hash(["a==2"], package)])


def test_a_failed_build_leaves_nothing_in_the_cache(tmp_path: Path) -> None:
    failed = subprocess.CompletedProcess(args=[], returncode=1, stdout="", stderr="ERROR: no")
    cache = tmp_path / "layers"
    with mock.patch("stacks.constructs.bundling.subprocess.run", return_value=failed), pytest.raises(BundlingError):
        LayerBundling(["nope==1"], tmp_path / "none", tmp_path, cache).try_bundle(str(tmp_path / "out"))
    assert not [p for p in cache.iterdir() if p.is_dir()]  # neither a layer under its hash nor a half-built one


def test_layer_bundling_failure_is_a_clear_error_not_a_docker_fallback(tmp_path: Path) -> None:
    failed = subprocess.CompletedProcess(args=[], returncode=1, stdout="",
                                         stderr="ERROR: No matching distribution found for nope==1")
    with mock.patch("stacks.constructs.bundling.subprocess.run", return_value=failed), \
            pytest.raises(BundlingError, match="No matching distribution found for nope==1") as error:
        LayerBundling(["nope==1"], tmp_path / "none", tmp_path).try_bundle(str(tmp_path / "out"))
    assert "no wheel cache" in str(error.value)


# --- pruning --------------------------------------------------------------------------------------------------


def _dist(site: Path, name: str, version: str, files: dict[str, str]) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    for path, text in files.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text)
    records = [*files, f"{info.name}/RECORD", "../../../bin/tool.py"]
    (info / "RECORD").write_text("".join(f"{r},,\n" for r in records))


def test_runtime_provided_distributions_are_removed_by_their_record(tmp_path: Path) -> None:
    site = tmp_path / "python"
    _dist(site, "boto3", "1.0", {"boto3/__init__.py": "", "boto3/session.py": ""})
    _dist(site, "python_dateutil", "2.9", {"dateutil/__init__.py": "", "dateutil/tz/tz.py": ""})
    _dist(site, "keep_me", "1.0", {"keep_me.py": "", "dateutil_extras/x.py": ""})
    (site / "bin").mkdir()
    (site / "bin" / "tool.py").write_text("")
    assert remove_distributions(site, bundling.RUNTIME_PROVIDED) == ["boto3", "python-dateutil"]
    assert sorted(_tree(site)) == ["dateutil_extras/x.py", "keep_me-1.0.dist-info/RECORD", "keep_me.py"]


def _powertools(site: Path) -> None:
    root = site / "aws_lambda_powertools"
    files = {
        "__init__.py": "from aws_lambda_powertools.logging import Logger\n",
        "logging/__init__.py": "from aws_lambda_powertools.shared import functions\nLogger = 1\n",
        "shared/__init__.py": "", "shared/functions.py": "",
        "event_handler/__init__.py": "", "event_handler/api.py": "",
        "metrics.py": "",
        "utilities/__init__.py": "",
        "utilities/typing/__init__.py": "",
        "utilities/parameters/__init__.py": "import importlib\nimportlib.import_module(__name__ + '.secrets')\n",
        "utilities/parameters/secrets.py": "",
        "utilities/parser/__init__.py": "",
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def test_powertools_is_pruned_to_what_the_code_can_import_lazy_imports_included(tmp_path: Path) -> None:
    site, package = tmp_path / "python", tmp_path / "src" / "app"
    _powertools(site)
    (package / "fn").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "fn" / "__init__.py").write_text("from aws_lambda_powertools.utilities.typing import x\n")
    (package / "fn" / "lazy.py").write_text(
        "def load():\n    from aws_lambda_powertools.utilities import parameters\n    return parameters\n")
    _dist(site, "aws_lambda_powertools", "3.37.0", {"aws_lambda_powertools/event_handler/api.py": "",
                                                   "aws_lambda_powertools/logging/__init__.py":
                                                   "from aws_lambda_powertools.shared import functions\nLogger = 1\n"})
    removed = prune_unimported(site, package)
    refresh_records(site)
    record = (site / "aws_lambda_powertools-3.37.0.dist-info" / "RECORD").read_text()
    assert "aws_lambda_powertools/logging/__init__.py" in record
    assert "event_handler" not in record
    assert removed == ["aws_lambda_powertools.event_handler", "aws_lambda_powertools.metrics",
                       "aws_lambda_powertools.utilities.parser"]
    kept = {p.relative_to(site / "aws_lambda_powertools").as_posix() for p in site.rglob("*.py")}
    assert "utilities/parameters/secrets.py" in kept  # a unit is kept whole: its own dynamic imports still work
    assert {"logging/__init__.py", "shared/functions.py", "utilities/typing/__init__.py"} <= kept


def test_the_layer_hash_follows_the_code_s_powertools_imports(tmp_path: Path) -> None:
    package = _package(tmp_path)
    before = layer_hash(["aws-lambda-powertools==3.37.0"], package)
    (package / "fn" / "other.py").write_text("import json\n")
    assert layer_hash(["aws-lambda-powertools==3.37.0"], package) == before
    (package / "fn" / "other.py").write_text("from aws_lambda_powertools.utilities import batch\n")
    assert layer_hash(["aws-lambda-powertools==3.37.0"], package) != before
    assert layer_hash(["aws-lambda-powertools==3.38.0"], package) != before


# --- the code asset -------------------------------------------------------------------------------------------


def test_package_bundling_copies_sources_without_stale_caches_and_ships_runtime_bytecode(tmp_path: Path) -> None:
    package = _package(tmp_path)
    out = tmp_path / "out"
    assert PackageBundling(package).try_bundle(str(out), {}) is True
    assert sorted(_tree(out)) == [
        "pkg/__init__.py", "pkg/__pycache__/__init__.cpython-312.pyc", "pkg/fn/__init__.py",
        "pkg/fn/__pycache__/__init__.cpython-312.pyc", "pkg/fn/__pycache__/handler.cpython-312.pyc",
        "pkg/fn/handler.py", "pkg/requirements.txt"]
    pyc = out / "pkg" / "fn" / "__pycache__" / "handler.cpython-312.pyc"
    assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01  # hash-based, never checked: read-only FS
    probe = subprocess.run(
        [target_python(), "-c", "import marshal, sys; print(marshal.loads(open(sys.argv[1], 'rb').read()[16:])"
                                ".co_filename)", str(pyc)], capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "/var/task/pkg/fn/handler.py"  # tracebacks name Lambda's path


def test_the_same_sources_bundle_to_the_same_bytes(tmp_path: Path) -> None:
    package = _package(tmp_path)
    PackageBundling(package).try_bundle(str(tmp_path / "one"))
    PackageBundling(package).try_bundle(str(tmp_path / "two"))
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")


def test_package_bundling_failure_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BundlingError, match="could not copy"):
        PackageBundling(tmp_path / "missing").try_bundle(str(tmp_path / "out"))


def test_a_syntax_error_fails_the_bundle_naming_the_runtime(tmp_path: Path) -> None:
    package = _package(tmp_path)
    (package / "fn" / "broken.py").write_text("def (:\n")
    with pytest.raises(BundlingError, match=r"could not compile .* for python3\.12"):
        PackageBundling(package).try_bundle(str(tmp_path / "out"))


def test_no_python312_is_a_clear_error(tmp_path: Path) -> None:
    target_python.cache_clear()
    try:
        with mock.patch("stacks.constructs.bundling.shutil.which", return_value=None), \
                mock.patch("stacks.constructs.bundling.Path.home", return_value=tmp_path), \
                pytest.raises(BundlingError, match=r"python3\.12 .* none was found"):
            target_python()
    finally:
        target_python.cache_clear()


@pytest.mark.synth
def test_cdk_stages_both_assets_through_the_local_bundlers_with_a_stable_hash(tmp_path: Path) -> None:
    from aws_cdk import App, Stack
    from aws_cdk import aws_kms as kms

    from stacks.constructs.python_function import LambdaPackaging, PythonFunction

    package = _package(tmp_path)

    def synth(outdir: Path) -> dict[str, str]:
        app = App(outdir=str(outdir), context={"aws:cdk:disable-stack-trace": True})
        stack = Stack(app, "Bundled")
        packaging = LambdaPackaging(stack, "Packaging", package_dir=package, distributions=["aws-lambda-powertools"],
                                    requirements=package / "requirements.txt", wheel_cache=tmp_path / "none",
                                    layer_cache=tmp_path / "layers")
        PythonFunction(stack, "Fn", packaging=packaging, handler="pkg.fn.handler.handler", service="fn",
                       environment={}, log_key=kms.Key(stack, "Logs", enable_key_rotation=True),
                       description="bundling test", timeout=Duration.seconds(3),
                       outside_vpc_reason="a bundling test function that is never deployed anywhere at all")
        app.synth()
        return {p.relative_to(outdir).as_posix(): "" for p in outdir.glob("asset.*/**/*") if p.is_file()}

    with mock.patch("stacks.constructs.bundling.subprocess.run", side_effect=_fake_pip) as run:
        first = synth(tmp_path / "one")
        second = synth(tmp_path / "two")
    pips = [c for c in run.call_args_list if c.args[0][1:4] == ["-m", "pip", "install"]]
    assert len(pips) == 1  # the second synth copies the layer built by the first (same inputs, same hash)
    assert "aws-lambda-powertools==3.37.0" in pips[0].args[0]
    assert "twilio==9.13.0" not in pips[0].args[0]  # only the selected distribution
    staged = {path.split("/", 1)[1] for path in first}
    assert staged == {"python/installed.py", "python/__pycache__/installed.cpython-312.pyc",
                      "pkg/__init__.py", "pkg/fn/__init__.py", "pkg/fn/handler.py", "pkg/requirements.txt",
                      "pkg/__pycache__/__init__.cpython-312.pyc", "pkg/fn/__pycache__/__init__.cpython-312.pyc",
                      "pkg/fn/__pycache__/handler.cpython-312.pyc"}
    assert first == second  # same inputs, same asset hashes (the directory names)
