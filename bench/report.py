"""Writes the README's benchmark tables from ``bench/results.json`` (never edit them by hand).

Two blocks: the cold-start table, and a summary of every other section ``make bench`` measured (AWS calls per
flow beside the source designs, KMS per contact, our own time per warm turn, concurrency, the load run, asset
sizes, wall times). A section not measured yet says so.

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
SUMMARY_BEGIN = "<!-- bench:summary:begin (python -m bench.report) -->"
SUMMARY_END = "<!-- bench:summary:end -->"
NOT_MEASURED = "_not measured yet: run `make bench`_"


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


def _calls(counts: dict[str, int]) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(counts.items())) or "none"


def summary(results: dict[str, Any]) -> str:
    """The Markdown for every section but the cold start."""
    parts: list[str] = []
    flows = results.get("aws_calls")
    parts.append("**AWS calls per flow** (counted on the local runtime; the source designs counted from their posts)")
    if flows:
        parts += ["", "| flow | ours, cold | ours, warm | source design | ours by operation (cold) |",
                  "|---|---:|---:|---:|---|"]
        for name, flow in flows["flows"].items():
            parts.append(f"| {name.replace('_', ' ')} | {flow.get('cold_total', '-')} | {flow.get('warm_total', '-')} "
                         f"| {flow['source_total']} | {_calls(flow['cold'])} |")
        parts += ["", f"KMS calls per card + ZIP contact: **{flows['kms_calls_per_card_zip_contact']}** (target ≤ 1). "
                  "How each source design was counted: `bench/flows.py` `SOURCE_DESIGNS`."]
    else:
        parts += ["", NOT_MEASURED]
    parts += ["", *_warm_turns(results.get("warm_turns"))]
    concurrency = results.get("concurrency")
    parts += ["", "**Concurrency** (the real store code, in-process moto with DynamoDB's atomicity)", ""]
    parts.append(
        f"{concurrency['verifications_per_second']} verifications/s on {concurrency['threads']} threads; "
        f"**{concurrency['double_acceptances']}** double acceptances in {concurrency['races']:,} two-thread races "
        f"on one correct code ({concurrency['races_fully_overlapped']:,} with both reads before either write)."
        if concurrency else NOT_MEASURED)
    load = results.get("load")
    parts += ["", "**Load run** (sim.load: sign-ins at a fixed rate, local runtime, Connect's default quotas; "
              "simulated time only and seeded jitter, so the same on any machine)", ""]
    parts.append(
        f"{load['sign_ins_started']} sign-ins at {load['rate_per_second']:g}/s for {load['simulated_seconds']:g} s: "
        f"{load['calls_placed']} calls placed, {load['connect_requests_throttled']} Connect requests throttled, "
        f"{load['connect_requests_over_concurrency']} over the concurrent-call quota, {load['calls_retried']} "
        f"retried, {load['sign_ins_with_no_call']} sign-ins without a call (answered like the others, refunded); "
        f"peak {load['peak_active_calls']} active calls of {load['quotas']['concurrent_calls']}."
        if load else NOT_MEASURED)
    assets = results.get("assets")
    parts += ["", "**Lambda assets as bundled** (against 250 MB unzipped per function with its layers)", ""]
    if assets:
        largest = max(assets["functions"], key=lambda f: f["unzipped_bytes"])
        biggest = max(assets["assets"].items(), key=lambda kv: kv[1]["unzipped_bytes"])[1]
        parts.append(f"{len(assets['assets'])} distinct assets; the largest function, `{largest['handler']}` "
                     f"({largest['stack']}), loads {largest['unzipped_bytes'] / 1e6:.1f} MB unzipped "
                     f"({largest['share_of_unzipped_limit']:.1%} of the limit); the largest asset is "
                     f"{biggest['zipped_bytes'] / 1e6:.1f} MB zipped, dominated by "
                     + ", ".join(f"`{p['package']}`" for p in biggest["largest"][:3]) + ".")
    else:
        parts.append(NOT_MEASURED)
    wall = results.get("wall_times")
    parts += ["", "**Wall time** on this machine", ""]
    parts.append(f"`make test` {wall['make_test']['seconds']:g} s and `make demo` {wall['make_demo']['seconds']:g} s "
                 f"on {wall['cores']} cores, in a checkout whose virtualenv is built (a fresh clone adds its "
                 "bootstrap, about a minute)." if wall else NOT_MEASURED)
    return "\n".join(parts)


def _warm_turns(turns: dict[str, Any] | None) -> list[str]:
    """Our own time per warm turn (AWS calls answered by a stub) beside the same turns against moto."""
    lines = ["**Our own overhead per warm turn** (`python -m bench.turns`)"]
    if not turns:
        return [*lines, "", NOT_MEASURED]
    lines += ["", f"At least {turns['turns']:,} warm turns per handler, driven end to end on the local runtime, each "
                  "timed against moto and replayed with its AWS calls answered by a stub that gives moto's own "
                  "responses (the replay must make the same calls and end the same way). *Ours* is the stubbed "
                  "turn: our code plus botocore building each request. `define` and most `capture` turns make no "
                  "AWS call, so their ratio of about 1 is the method's control."]
    lines += ["", f"| handler | warm turns | AWS calls per turn | ours p50 (ms) | ours p99 (ms) | moto {TIMES} ours, "
                  f"p50 | moto {TIMES} ours, p99 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, row in turns["handlers"].items():
        ours = row["stub"]
        lines.append(f"| `{name}` | {row['turns']:,} | {row['aws_calls_per_turn']:g} | {ours['p50_ms']:.3f} | "
                     f"{ours['p99_ms']:.3f} | {row['moto_over_stub_p50']:.1f} | {row['moto_over_stub_p99']:.1f} |")
    return lines


def _cold_start(results: dict[str, Any]) -> dict[str, Any]:
    """The cold-start section (older results files held it at the top level)."""
    section = results.get("cold_start", results)
    if "handlers" not in section:
        raise SystemExit("bench/results.json has no cold-start section: run `make bench`")
    return section  # type: ignore[no-any-return]


def _replace(readme: str, begin: str, end: str, body: str, *, required: bool) -> str:
    start, stop = readme.find(begin), readme.find(end)
    if start < 0 or stop < start:
        if required:
            raise SystemExit(f"README.md needs the markers {begin!r} and {end!r}")
        return readme
    return readme[: start + len(begin)] + "\n" + body + "\n" + readme[stop:]


def render(readme: str, results: dict[str, Any]) -> str:
    """``readme`` with the text between each pair of markers replaced by what ``results`` says."""
    readme = _replace(readme, BEGIN, END, table(_cold_start(results)), required=True)
    return _replace(readme, SUMMARY_BEGIN, SUMMARY_END, summary(results), required=False)


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
