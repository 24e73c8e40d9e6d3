"""Wall time of `make test` and `make demo` on this machine, in one run (seconds, and the core count).

    python -m bench.wall
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _timed(command: list[str]) -> dict[str, object]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    return {"command": " ".join(command), "seconds": round(time.perf_counter() - started, 1),
            "exit": result.returncode}


def main() -> None:
    """Time both and write the ``wall_times`` section of bench/results.json."""
    from bench.results import update_section

    python = sys.executable
    tests = [python, "-m", "pytest", "-q", "-n", "auto", "--dist", "loadfile", "-p", "no:cacheprovider"]
    result = {
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "make_test": _timed(tests),
        "make_demo": _timed([python, "-m", "sim", "demo"]),
    }
    update_section("wall_times", result)
    print(f"make test {result['make_test']['seconds']} s, make demo {result['make_demo']['seconds']} s "
          f"on {result['cores']} cores")


if __name__ == "__main__":
    main()
