"""``make test``'s scheduling: a file's tests stay on one worker, and every synth file shares one worker."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import SYNTH_FILES, pytest_xdist_make_scheduler

TESTS = Path(__file__).resolve().parents[1]
MARKED = re.compile(r"^(pytestmark = |@)pytest\.mark\.synth\b", re.MULTILINE)


class _Config:
    """What xdist's schedulers read from the pytest config."""

    def __init__(self, dist: str) -> None:
        self._dist = dist

    def getoption(self, name: str) -> Any:
        return {"dist": self._dist}[name]

    def getvalue(self, name: str) -> Any:
        return {"tx": ["2*popen"]}[name]


def test_synth_files_are_one_unit_and_every_other_file_its_own() -> None:
    scheduler = pytest_xdist_make_scheduler(_Config("loadfile"), None)  # type: ignore[arg-type]
    scopes = {nodeid: scheduler._split_scope(nodeid) for nodeid in (
        "tests/unit/stacks/test_stacks.py::test_a", "tests/unit/stacks/test_static_site.py::test_b[x]",
        "tests/security/test_infrastructure.py::test_c", "tests/security/test_replay.py::test_d",
        "tests/unit/lambdas/test_otp.py::test_e", "tests/unit/lambdas/test_otp.py::test_f")}
    synth = ("tests/unit/stacks/test_stacks.py::test_a", "tests/unit/stacks/test_static_site.py::test_b[x]",
             "tests/security/test_infrastructure.py::test_c")
    assert len({scopes[nodeid] for nodeid in synth}) == 1
    assert scopes["tests/security/test_replay.py::test_d"] == "tests/security/test_replay.py"
    assert scopes["tests/unit/lambdas/test_otp.py::test_e"] == scopes["tests/unit/lambdas/test_otp.py::test_f"] \
        == "tests/unit/lambdas/test_otp.py"


def test_any_other_distribution_is_left_to_xdist() -> None:
    assert pytest_xdist_make_scheduler(_Config("load"), None) is None  # type: ignore[arg-type]


def test_every_file_that_synthesizes_is_in_the_synth_unit() -> None:
    synthesizing = sorted(path.relative_to(TESTS.parent).as_posix() for path in TESTS.rglob("test_*.py")
                          if MARKED.search(path.read_text()))
    assert synthesizing
    assert [path for path in synthesizing if not path.startswith(SYNTH_FILES)] == []


def test_the_suite_still_runs_without_xdist() -> None:
    """The scheduler hook is optional: ``pytest -p no:xdist`` must not fail on an unknown hook."""
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q",
                             "--collect-only", str(Path(__file__))],
                            cwd=TESTS.parent, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_the_suite_still_runs_without_xdist" in result.stdout
