"""Collects the conversation scripts here (``*.yaml``): one test item per script, run by ``sim.scripts``.

A failing item reports the script's own message: the line of the step at fault, what was expected, and the
transcript so far. A script whose call:/chat: file lies outside the repository and is absent (the shared
conformance inputs) is skipped, as the unit tests over those inputs are.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.scripts import ScriptError, ScriptFailure, load_script, run_script

REPO = Path(__file__).resolve().parents[2]


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Each ``*.yaml`` / ``*.yml`` file here is a script."""
    if file_path.suffix in {".yaml", ".yml"}:
        return ScriptFile.from_parent(parent, path=file_path)
    return None


def _shown(path: Path) -> Path:
    """``path`` relative to the working directory when it is under it (shorter messages)."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


class ScriptFile(pytest.File):
    """A script file: one item."""

    def collect(self) -> Iterator[pytest.Item]:
        """The one script in the file."""
        yield ScriptItem.from_parent(self, name=self.path.stem)


class ScriptItem(pytest.Item):
    """Loads and runs one script."""

    def runtest(self) -> None:
        """Load (a bad script fails here, naming its line) and run every step."""
        try:
            script = load_script(_shown(self.path))
        except ScriptError as exc:
            if exc.missing is not None and not exc.missing.resolve().is_relative_to(REPO):
                pytest.skip(f"input outside the repository is absent: {exc.missing}")
            raise
        run_script(script)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: str | None = None) -> str:
        """The script's own message (with its transcript) rather than a Python traceback."""
        if isinstance(excinfo.value, ScriptError | ScriptFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the item comes from."""
        return self.path, 0, f"conversation script {self.name}"
