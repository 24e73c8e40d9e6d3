"""Writes the README's cold-start table from ``bench/results.json`` (never edit the table by hand).

    python -m bench.report            # rewrite the table between the markers in README.md
    python -m bench.report --check    # exit 1 if README.md's table is not what results.json says
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TIMES = "\u00d7"  # the multiplication sign the table prints after each ratio
BEGIN = "<!-- bench:cold-start:begin (python -m bench.report) -->"
END = "<!-- bench:cold-start:end -->"


def table(results: dict[str, Any]) -> str:
    """The Markdown table (and its method line) for ``results``."""
    method, base = results["method"], results["baselines"]
    targets = results["targets"]
    lines = [
        f"Import time as Lambda loads each handler (Python {method['python']}, {method['machine']}; code asset, "
        f"then the layer's `python/`, then the runtime's boto3; no bytecode written), as the median of "
        f"{method['rounds']} pairwise ratios to `import boto3` timed in the same round "
        f"(boto3: {base['boto3']['median_ms']:.0f} ms on that machine). The source posts' design, "
        f"`{base['source_style']['import']}`, measured "
        f"**{base['source_style']['ratio_to_boto3']:.2f}{TIMES}** boto3 in the same run. "
        f"Targets: every handler ≤ {targets['handler_max_ratio']:.2f}{TIMES}, "
        f"`define` < {targets['define_max_ratio']:.2f}{TIMES}.",
        "",
        f"| handler | {TIMES} boto3 | {TIMES} source-style | modules | largest self import times (ms) |",
        "|---|---:|---:|---:|---|",
    ]
    for row in sorted(results["handlers"], key=lambda r: (r["stack"], r["handler"])):
        top = ", ".join(f"`{t['module']}` {t['self_us'] / 1000:.1f}" for t in row["importtime_top_self"][:3])
        lines.append(f"| `{row['handler']}` | {row['ratio_to_boto3']:.2f} | {row['ratio_to_source_style']:.2f} | "
                     f"{row['modules']} | {top} |")
    return "\n".join(lines)


def render(readme: str, results: dict[str, Any]) -> str:
    """``readme`` with the text between the markers replaced by the table for ``results``."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"README.md needs the markers {BEGIN!r} and {END!r}")
    return readme[: start + len(BEGIN)] + "\n" + table(results) + "\n" + readme[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results.json")
    parser.add_argument("--readme", type=Path, default=REPO / "README.md")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    readme = args.readme.read_text()
    updated = render(readme, json.loads(args.results.read_text()))
    if args.check:
        if updated != readme:
            print(f"{args.readme} is not what {args.results} says: run `python -m bench.report`", file=sys.stderr)
            return 1
        return 0
    args.readme.write_text(updated)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
