"""The README's cold-start table is generated from bench/results.json, never edited by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import report

REPO = Path(__file__).resolve().parents[2]


def _results(*rows: tuple[str, float]) -> dict[str, Any]:
    return {
        "method": {"python": "3.12.1", "machine": "x86_64", "rounds": 15},
        "targets": {"handler_max_ratio": 1.15, "define_max_ratio": 1.0},
        "baselines": {"boto3": {"median_ms": 190.4},
                      "source_style": {"import": "import boto3, twilio.rest", "ratio_to_boto3": 1.567}},
        "handlers": [{"handler": handler, "stack": "S", "ratio_to_boto3": ratio, "ratio_to_source_style": ratio / 1.5,
                      "modules": 300, "importtime_top_self": [{"module": "m", "self_us": 1500}]}
                     for handler, ratio in rows],
    }


def test_the_table_has_one_row_per_handler_with_its_ratios() -> None:
    text = report.table(_results(("b.fn.handler", 1.104), ("a.fn.handler", 0.456)))
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert rows == ["| `a.fn.handler` | 0.46 | 0.30 | 300 | `m` 1.5 |",
                    "| `b.fn.handler` | 1.10 | 0.74 | 300 | `m` 1.5 |"]
    assert "**1.57\u00d7** boto3" in text
    assert "median of 15 pairwise ratios" in text


def test_render_replaces_only_the_text_between_the_markers() -> None:
    readme = f"intro\n{report.BEGIN}\nstale\n{report.END}\noutro\n"
    rendered = report.render(readme, _results(("a.fn.handler", 0.5)))
    assert rendered.startswith(f"intro\n{report.BEGIN}\n")
    assert rendered.endswith(f"{report.END}\noutro\n")
    assert "stale" not in rendered
    assert report.render(rendered, _results(("a.fn.handler", 0.5))) == rendered
    with pytest.raises(SystemExit, match="markers"):
        report.render("no markers", _results())


def test_check_fails_when_the_readme_disagrees_with_the_results(tmp_path: Path) -> None:
    readme, results = tmp_path / "README.md", tmp_path / "results.json"
    readme.write_text(f"{report.BEGIN}\n{report.END}\n")
    results.write_text(json.dumps(_results(("a.fn.handler", 0.5))))
    args = ["--readme", str(readme), "--results", str(results)]
    assert report.main([*args, "--check"]) == 1
    assert report.main(args) == 0
    assert report.main([*args, "--check"]) == 0


def test_the_committed_readme_table_is_generated_from_the_committed_results() -> None:
    assert report.main(["--check"]) == 0, "run `python -m bench.report` after `make bench`"
