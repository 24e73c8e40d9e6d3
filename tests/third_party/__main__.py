"""``python -m tests.third_party``: measure the local runtime against the third-party bots and flows.

report     a table of every artefact's outcome and the totals; writes tests/third_party/baseline.json
worklist   the root causes, ranked by how many artefacts each blocks (with every bot's blocker chain)
show X...  one artefact in detail: outcome, wiring, and for a flow the transcript of the run
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.third_party import harness


def _table(report: harness.Report, width: int) -> list[str]:
    """One line per artefact: name, kind, status, and the cause (or how it ended)."""
    rows = [(o.artefact, o.kind, o.status, o.cause or o.reason) for o in report.outcomes]
    name_width = max(len(r[0]) for r in rows) if rows else 10
    lines = [f"{'artefact':<{name_width}}  {'kind':<6}  {'status':<8}  cause / how it ended", "-" * width]
    for name, kind, status, text in rows:
        line = f"{name:<{name_width}}  {kind:<6}  {status:<8}  {text}"
        lines.append(line if len(line) <= width else line[: width - 1] + "…")
    return lines


def _totals(report: harness.Report) -> str:
    totals = report.totals()
    types = ", ".join(report.crash_types()) or "none"

    def share(kind: str) -> str:
        of_kind = [o for o in report.flows if o.kind == kind]
        return f"{sum(o.ok for o in of_kind)}/{len(of_kind)}"

    return (
        f"bots loaded {totals['bots_loaded']}/{totals['bots']}; flows ended {totals['flows_ended']}/{totals['flows']}"
        f" (contact flows {share('flow')}, modules {share('module')}); crashes {totals['crashes']}"
        f" (uncaught types: {types})"
    )


def _changes(report: harness.Report, baseline: dict[str, object]) -> list[str]:
    """Artefacts whose status differs from the baseline."""
    before = baseline.get("artefacts", {})
    assert isinstance(before, dict)
    lines = []
    for outcome in report.outcomes:
        was = before.get(outcome.artefact, {}).get("status", "absent")
        if was != outcome.status:
            lines.append(f"  {outcome.artefact}: {was} -> {outcome.status} ({outcome.cause or outcome.reason})")
    return lines


def _report(args: argparse.Namespace) -> int:
    report = harness.run_all()
    print("\n".join(_table(report, args.width)))
    print()
    print(_totals(report))
    baseline_path = Path(args.baseline)
    baseline = harness.read_baseline(baseline_path) if baseline_path.is_file() else None
    worse: list[str] = []
    if baseline is not None:
        changes = _changes(report, baseline)
        print("\nChanges since the baseline:" if changes else "\nNo change since the baseline.")
        if changes:
            print("\n".join(changes))
        worse = harness.regressions(report, baseline)
    if args.no_write:
        return 1 if worse else 0
    if worse and not args.allow_regression:
        print("\nNot writing the baseline: the runtime does worse than it records:", file=sys.stderr)
        print("\n".join(f"  {line}" for line in worse), file=sys.stderr)
        print("(fix the runtime, or pass --allow-regression to record the loss on purpose)", file=sys.stderr)
        return 1
    harness.write_baseline(report, baseline_path)
    print(f"\nwrote {harness.relative(baseline_path, harness.ROOT)}")
    return 0


def _worklist(args: argparse.Namespace) -> int:
    from tests.third_party.worklist import render

    print(render(harness.run_all()))
    return 0


def _show(args: argparse.Namespace) -> int:
    status = 0
    for given in args.artefacts:
        path = Path(given)
        if not path.is_file():
            path = harness.FIXTURES / given
        if not path.is_file():
            print(f"no such artefact {given!r} (give a path, or bots/NAME.json / flows/NAME.json)", file=sys.stderr)
            return 2
        if path.parent.name == "bots":
            print(harness.describe(harness.check_bot(path)))
            continue
        run = harness.run_flow(path, stand_ins=args.stand_ins)
        print(harness.describe(run.outcome))
        print(f"  caller said: {run.caller_said}")
        print("--- flow transcript ---")
        print(run.transcript or "(nothing ran)")
        if run.lex_transcript:
            print("--- Lex transcript ---")
            print(run.lex_transcript)
        status |= 0 if run.outcome.ok else 1
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m tests.third_party", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("report", help="outcome table and totals; writes the baseline")
    p.add_argument("--no-write", action="store_true", help="print only; exit 1 if worse than the baseline")
    p.add_argument("--allow-regression", action="store_true", help="write the baseline even if it records a loss")
    p.add_argument("--baseline", default=str(harness.BASELINE), help="default: %(default)s")
    p.add_argument("--width", type=int, default=160, help="table width (default %(default)s)")
    p.set_defaults(run=_report)
    p = commands.add_parser("worklist", help="root causes ranked by how many artefacts each blocks")
    p.set_defaults(run=_worklist)
    p = commands.add_parser("show", help="one artefact in detail (a flow with its transcript)")
    p.add_argument("artefacts", nargs="+", metavar="ARTEFACT", help="bots/NAME.json, flows/NAME.json or a path")
    p.add_argument(
        "--stand-ins",
        action="store_true",
        help="replace blocks the interpreter cannot run by neutral ones (as the work list does)",
    )
    p.set_defaults(run=_show)
    args = parser.parse_args(argv)
    logging.getLogger("sim").setLevel(logging.ERROR)  # the Lex emulator logs every turn at INFO
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
