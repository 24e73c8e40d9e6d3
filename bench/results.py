"""``bench/results.json``: one file, one section per measurement, each written by the module that measures it."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def update_section(name: str, data: Any, path: Path = RESULTS) -> None:
    """Replace section ``name`` (other sections are kept), noting the machine it was measured on."""
    results: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    results[name] = data
    results.setdefault("machine", {}).update({"python": platform.python_version(), "cpus": _cpus()})
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
