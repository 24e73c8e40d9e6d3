"""Cold-start import time of each handler, as a ratio to importing boto3 (which the runtime provides).

Each import runs in a fresh interpreter; the median of several runs is compared with the baseline's,
so the figure is a ratio measured in one run rather than seconds on a noisy machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
HANDLERS = [
    "lambdas.voice_otp.define",
    "lambdas.voice_otp.create",
    "lambdas.voice_otp.verify",
    "lambdas.voice_otp.prompt",
]
RUNS = 5


def _import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    samples = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, capture_output=True, text=True,
                             env={"PATH": "", "AWS_DEFAULT_REGION": "us-east-1"})
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


@pytest.fixture(scope="module")
def baseline() -> float:
    return _import_seconds("boto3")


@pytest.mark.parametrize("module", HANDLERS)
def test_handler_import_ratio(benchmark: Any, module: str, baseline: float) -> None:
    seconds = benchmark.pedantic(_import_seconds, args=(module,), rounds=1, iterations=1)
    ratio = seconds / baseline
    benchmark.extra_info.update({"seconds": seconds, "baseline_boto3_seconds": baseline, "ratio": ratio})
    print(f"\n{module}: {ratio:.2f}x the import time of boto3")
    assert ratio < 5, "a handler importing far more than boto3 would hurt every cold start"
