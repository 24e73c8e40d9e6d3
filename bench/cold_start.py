"""Cold-start import time of every handler as shipped, as a ratio to ``import boto3`` in the same run.

What Lambda does on a cold start is reproduced for each function the synthesized stacks declare: a fresh
Python of the functions' runtime version (``python3.12``), ``sys.path`` = the code asset, each layer's
``python/``, then the runtime's own packages (boto3 as the Lambda runtime ships it: with bytecode), and
``PYTHONDONTWRITEBYTECODE=1`` because Lambda's filesystem is read-only. Each round times every subject once,
in a shuffled order, in its own process; a handler's ratio is the median over rounds of
``handler time / boto3 time`` from the same round (pairwise), so machine load cancels out.

Baselines in the same run: ``import boto3`` alone, and the source posts' design
(``import boto3, aws_encryption_sdk, twilio.rest`` at module top, installed as pip ships it).

    python -m bench.cold_start [--assembly cdk.out] [--rounds 15] [--out bench/results.json]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.assembly import DeployedHandler, deployed_handlers

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results.json"
CACHE = REPO / ".cache" / "bench"
RUNTIME_VERSION = "3.12"
BOTO3_PIN = "boto3==1.44.5"  # requirements.txt's pin, standing in for the boto3 the Lambda runtime bundles
SOURCE_STYLE_IMPORT = "import boto3, aws_encryption_sdk, twilio.rest"
TARGETS = {"handler_max_ratio": 1.15, "define_max_ratio": 1.0}
TOP_SELF_TIMES = 8

_TIMER = """
import sys, time
sys.path[:0] = {paths!r}
t = time.perf_counter()
{statement}
print(time.perf_counter() - t)
"""


def runtime_python() -> str:
    """The machine's ``python3.12`` (the functions' runtime), or exit saying how to get one."""
    candidates = [shutil.which(f"python{RUNTIME_VERSION}"),
                  *sorted(str(p) for p in Path.home().glob(f".pyenv/versions/{RUNTIME_VERSION}.*/bin/python3"))]
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True, check=False)
        if probe.returncode == 0 and probe.stdout.strip() == RUNTIME_VERSION:
            return candidate
    sys.exit(f"bench: no python{RUNTIME_VERSION} found (the Lambda runtime's version); install it, e.g. "
             f"`pyenv install {RUNTIME_VERSION}`")


def _site(python: str, name: str, requirements: list[str]) -> Path:
    """A directory with ``requirements`` pip-installed for this machine (bytecode compiled, as pip does)."""
    target = CACHE / f"{name}-py{RUNTIME_VERSION}"
    stamp = target / ".requirements"
    wanted = "\n".join(requirements)
    if stamp.is_file() and stamp.read_text() == wanted:
        return target
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target",
                    str(target), *requirements], check=True)
    stamp.write_text(wanted)
    return target


def _pins(names: tuple[str, ...]) -> list[str]:
    lines = (REPO / "lambdas" / "requirements.txt").read_text().splitlines()
    pins = [line.strip() for line in lines if re.split(r"[=<>!~ ]", line.strip(), maxsplit=1)[0] in names]
    if len(pins) != len(names):
        sys.exit(f"bench: lambdas/requirements.txt must pin {names}")
    return pins


@dataclass
class Subject:
    """Something timed: a statement run with a ``sys.path`` prefix and an environment."""

    name: str
    statement: str
    paths: list[str]
    env: dict[str, str] = field(default_factory=dict)
    samples: list[float] = field(default_factory=list)

    def script(self) -> str:
        return _TIMER.format(paths=self.paths, statement=self.statement)


def _base_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
            "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "LANG": "C.UTF-8"}


def _run(python: str, subject: Subject, *options: str) -> subprocess.CompletedProcess[str]:
    # -I: no user site, no PYTHON* variables from the caller; -B as the read-only filesystem; -S: no site dirs,
    # so only the paths above (and the standard library) are importable.
    return subprocess.run([python, "-I", "-B", "-S", *options, "-c", subject.script()], capture_output=True,
                          text=True, check=False, env={**_base_env(), **subject.env}, cwd=str(CACHE))


def _time_once(python: str, subject: Subject) -> float:
    result = _run(python, subject)
    if result.returncode != 0:
        raise SystemExit(f"bench: {subject.name} failed to import:\n{result.stderr.strip()[-3000:]}")
    return float(result.stdout.strip().splitlines()[-1])


def _top_self_times(python: str, subject: Subject) -> list[dict[str, Any]]:
    """``-X importtime``'s largest self times (µs) for one import of ``subject``."""
    result = _run(python, subject, "-X", "importtime")
    rows = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            rows.append({"module": match.group(4), "self_us": int(match.group(1)),
                         "cumulative_us": int(match.group(2))})
    rows.sort(key=lambda row: row["self_us"], reverse=True)
    return rows[:TOP_SELF_TIMES]


def _modules_loaded(python: str, subject: Subject) -> dict[str, Any]:
    probe = Subject(subject.name, f"{subject.statement}\nimport sys as _s; print(len(_s.modules))", subject.paths,
                    subject.env)
    result = _run(python, probe)
    return {"modules": int(result.stdout.strip().splitlines()[-2]) if result.returncode == 0 else None}


def _handler_subject(handler: DeployedHandler, runtime_site: Path) -> Subject:
    env = {**handler.environment, "AWS_LAMBDA_FUNCTION_NAME": handler.logical_id,
           "LAMBDA_TASK_ROOT": str(handler.code_dir)}
    statement = f"import {handler.module} as _m; _m.{handler.function}"
    return Subject(handler.handler, statement, [*handler.sys_path, str(runtime_site)], env)


def measure(assembly: Path, rounds: int, seed: int = 0) -> dict[str, Any]:
    """Time every handler of ``assembly`` against both baselines, interleaved; the figures as a dict."""
    python = runtime_python()
    handlers = deployed_handlers(assembly)
    if not handlers:
        sys.exit(f"bench: no Python Lambda functions in {assembly}; run `make synth` first")
    CACHE.mkdir(parents=True, exist_ok=True)
    runtime_site = _site(python, "runtime", [BOTO3_PIN])
    source_site = _site(python, "source-style", [BOTO3_PIN, *_pins(("aws-encryption-sdk", "twilio"))])
    boto3 = Subject("import boto3", "import boto3", [str(runtime_site)])
    source = Subject(SOURCE_STYLE_IMPORT, SOURCE_STYLE_IMPORT, [str(source_site)])
    subjects = [boto3, source, *(_handler_subject(h, runtime_site) for h in handlers)]
    for subject in subjects:  # warm the OS file cache once, untimed
        _time_once(python, subject)
    order = random.Random(seed)
    for _ in range(rounds):
        shuffled = subjects[:]
        order.shuffle(shuffled)
        for subject in shuffled:
            subject.samples.append(_time_once(python, subject))

    def ratio(subject: Subject, base: Subject) -> float:
        return statistics.median(a / b for a, b in zip(subject.samples, base.samples, strict=True))

    rows = []
    for handler, subject in zip(handlers, subjects[2:], strict=True):
        rows.append({
            "handler": handler.handler, "stack": handler.stack, "function": handler.logical_id,
            "median_ms": round(statistics.median(subject.samples) * 1000, 1),
            "ratio_to_boto3": round(ratio(subject, boto3), 3),
            "ratio_to_source_style": round(ratio(subject, source), 3),
            **_modules_loaded(python, subject),
            "importtime_top_self": _top_self_times(python, subject),
        })
    version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True, check=True).stdout.strip()
    return {
        "method": {"python": version, "machine": platform.machine(), "rounds": rounds,
                   "statistic": "median of pairwise ratios (same round)", "bytecode_writes": "disabled",
                   "sys_path": "code asset, layer python/ dirs, runtime packages (boto3)"},
        "targets": TARGETS,
        "baselines": {
            "boto3": {"import": "import boto3", "median_ms": round(statistics.median(boto3.samples) * 1000, 1)},
            "source_style": {"import": SOURCE_STYLE_IMPORT,
                             "median_ms": round(statistics.median(source.samples) * 1000, 1),
                             "ratio_to_boto3": round(ratio(source, boto3), 3)},
        },
        "handlers": rows,
    }


def main(argv: list[str] | None = None) -> int:
    from bench.results import update_section

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assembly", type=Path, default=REPO / "cdk.out")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.rounds < 15:
        parser.error("--rounds must be at least 15 (pairs per handler)")
    results = measure(args.assembly.resolve(), args.rounds)
    update_section("cold_start", results, path=args.out)
    print(f"boto3 {results['baselines']['boto3']['median_ms']} ms; source-style "
          f"{results['baselines']['source_style']['ratio_to_boto3']:.2f}x boto3")
    for row in results["handlers"]:
        top = ", ".join(f"{r['module']} {r['self_us'] / 1000:.1f}ms" for r in row["importtime_top_self"][:4])
        print(f"{row['handler']:<45} {row['ratio_to_boto3']:.2f}x boto3  {row['ratio_to_source_style']:.2f}x "
              f"source-style  | top self: {top}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
