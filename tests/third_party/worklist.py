"""The work list: what keeps each third-party artefact from loading or ending, ranked by how many it blocks.

The loader stops at the first problem, so a bot's first blocker hides the next ones. :func:`peel_bot`
finds them: it applies, in memory only, the smallest edit that stands for "the runtime accepts this"
(a string number becomes a number, an intrinsic becomes its text, an unsupported built-in type becomes
``AMAZON.AlphaNumeric``, an unsupported built-in intent loses its signature, an unknown field is dropped)
and loads again, until the bot loads or a problem has no such edit. The chain is an estimate of the
work, not a claim about behaviour: the edits are never written anywhere.

Flows stop at their first unsupported block too; :func:`flow_census` lists every action type in each
file that the interpreter has no handler for (a static upper bound: not every block is on the path the
default caller takes).
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.third_party.harness import (
    ENDED,
    FIXTURES,
    LOADED,
    FlowRun,
    Report,
    _clean,
    bot_files,
    document_cause,
    flow_files,
    lookup,
    relative,
    run_flow,
    wrapped_document,
)

_STAND_IN_SLOT_TYPE = "AMAZON.AlphaNumeric"
_MAX_ROUNDS = 25


@dataclass(frozen=True)
class Blocker:
    """One problem in a bot's chain: its cause (shared wording) and the loader's own message."""

    cause: str
    message: str


@dataclass
class Peeled:
    """A bot's blockers in the order the loader meets them, and whether it loads once all are edited away."""

    artefact: str
    blockers: list[Blocker] = field(default_factory=list)
    loads_after: bool = False  # True: the chain is complete; False: it ends at a problem with no stand-in edit
    stuck_on: str = ""  # the problem the peel could not get past


def peel_bot(path: Path, root: Path = FIXTURES) -> Peeled:
    """Load the bot again and again, editing each blocker away in memory, to list every blocker it has."""
    from sim.lex import BotDefinitionError, parse_bot

    document = copy.deepcopy(wrapped_document(path))
    peeled = Peeled(relative(path, root))
    seen: set[tuple[str, str]] = set()
    for _ in range(_MAX_ROUNDS):
        try:
            parse_bot(document, source=relative(path, root), default_name=path.stem)
        except BotDefinitionError as exc:
            blocker = Blocker(document_cause(document, exc), _clean(str(exc), root))
            if (exc.path, exc.problem) in seen or not _stand_in(document, exc.path, exc.problem):
                peeled.stuck_on = blocker.message
                peeled.blockers.append(blocker)
                return peeled
            seen.add((exc.path, exc.problem))
            peeled.blockers.append(blocker)
        except Exception as exc:  # a crash ends the chain; the report already counts it
            peeled.stuck_on = f"uncaught {type(exc).__name__}: {exc}"
            return peeled
        else:
            peeled.loads_after = True
            return peeled
    peeled.stuck_on = f"more than {_MAX_ROUNDS} blockers"
    return peeled


def _stand_in(document: Any, field_path: str, problem: str) -> bool:
    """Edit ``document`` so the problem at ``field_path`` goes away as a fix would make it; False if none fits."""
    parts = re.findall(r"([^.\[\]]+)|\[(\d+)\]", field_path)
    if not parts:
        return False
    parent = lookup(document, _join(parts[:-1]))
    name, index = parts[-1]
    key: str | int = name if name else int(index)
    value = lookup(document, field_path)
    replacement: Any = _replacement(value, problem)
    if replacement is _DROP:
        if isinstance(parent, dict) and key in parent:
            del parent[key]
            return True
        return False
    if replacement is None:
        return False
    if isinstance(parent, dict):
        parent[key] = replacement
        return True
    if isinstance(parent, list) and isinstance(key, int):
        parent[key] = replacement
        return True
    return False


_DROP = object()


def _replacement(value: Any, problem: str) -> Any:
    """The stand-in value for ``value`` (``_DROP`` to delete the field, ``None`` when there is none)."""
    wanted = re.fullmatch(r"expected (a number|an integer|a boolean), got string", problem)
    if wanted and isinstance(value, str):
        return _coerce(value, wanted[1])
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith(("Ref", "Fn::")):
        return _intrinsic_text(value)
    if problem.startswith("unsupported built-in slot type") or problem.startswith("unsupported parent slot type"):
        return _STAND_IN_SLOT_TYPE
    if problem.startswith("unsupported built-in intent"):
        return _DROP  # the field is ParentIntentSignature
    if problem.startswith("unsupported strategy"):
        return "ORIGINAL_VALUE"
    if problem == "unknown field":
        return _DROP
    return None


def _coerce(text: str, wanted: str) -> Any:
    """A string scalar as CloudFormation reads it into a number or boolean property."""
    stripped = text.strip()
    if wanted == "a boolean":
        return {"true": True, "false": False}.get(stripped.lower())
    try:
        number = float(stripped)
    except ValueError:
        return None
    if wanted == "an integer":
        return int(number) if number.is_integer() else None
    return number


def _intrinsic_text(value: Mapping[str, Any]) -> str:
    """What an intrinsic stands for, as plain text: a Ref's name, a Sub's template without ``${}``."""
    name, argument = next(iter(value.items()))
    if name == "Ref" and isinstance(argument, str):
        return argument
    if name == "Fn::Sub":
        template = argument[0] if isinstance(argument, list) and argument else argument
        if isinstance(template, str):
            return re.sub(r"\$\{([^}]*)\}", r"\1", template)
    return name


def _join(parts: Iterable[tuple[str, str]]) -> str:
    """A field path from ``re.findall`` parts."""
    text = ""
    for name, index in parts:
        text += f"[{index}]" if not name else (f".{name}" if text else name)
    return text


def peel_all(root: Path = FIXTURES) -> list[Peeled]:
    """The blocker chain of every bot that does not load as written."""
    chains = [peel_bot(path, root) for path in bot_files(root)]
    return [chain for chain in chains if chain.blockers]


@dataclass(frozen=True)
class CauseRank:
    """A cause: the artefacts it blocks first, and (bots) every bot it blocks anywhere in its chain."""

    cause: str
    first: tuple[str, ...]
    anywhere: tuple[str, ...]
    example: str


def rank_bot_causes(chains: list[Peeled]) -> list[CauseRank]:
    """Bot causes, the one blocking most bots (anywhere in their chain) first."""
    first: dict[str, list[str]] = {}
    anywhere: dict[str, list[str]] = {}
    example: dict[str, str] = {}
    for chain in chains:
        first.setdefault(chain.blockers[0].cause, []).append(chain.artefact)
        for blocker in chain.blockers:
            found = anywhere.setdefault(blocker.cause, [])
            if chain.artefact not in found:
                found.append(chain.artefact)
            example.setdefault(blocker.cause, f"{chain.artefact}: {blocker.message}")
    ranked = [
        CauseRank(cause, tuple(first.get(cause, ())), tuple(names), example[cause]) for cause, names in anywhere.items()
    ]
    return sorted(ranked, key=lambda r: (-len(r.anywhere), -len(r.first), r.cause))


def cumulative_loads(chains: list[Peeled], ranked: list[CauseRank], already: int) -> list[tuple[str, int]]:
    """Fixing causes in ``ranked`` order: how many bots load after each one (those whose chain is covered)."""
    fixed: set[str] = set()
    steps = []
    for rank in ranked:
        fixed.add(rank.cause)
        loading = sum(c.loads_after and {b.cause for b in c.blockers} <= fixed for c in chains)
        steps.append((rank.cause, already + loading))
    return steps


def flow_census(report: Report) -> list[tuple[str, list[str], list[str]]]:
    """Per unsupported action type: (type, flows that contain it, flows it stopped first), most flows first.

    Only flows that did not end count: a type in an ENDED flow was not on the path the caller took.
    """
    containing: dict[str, list[str]] = {}
    stopping: dict[str, list[str]] = {}
    for outcome in report.flows:
        if outcome.status == ENDED:
            continue
        for kind in outcome.unsupported:
            containing.setdefault(kind, []).append(outcome.artefact)
        if outcome.error == "UnsupportedBlock" and outcome.block_type:
            stopping.setdefault(outcome.block_type, []).append(outcome.artefact)
    rows = [(kind, flows, stopping.get(kind, [])) for kind, flows in containing.items()]
    return sorted(rows, key=lambda row: (-len(row[1]), -len(row[2]), row[0]))


def stand_in_runs(root: Path = FIXTURES) -> list[FlowRun]:
    """Every flow run again with its unsupported blocks stood in for."""
    return [run_flow(path, root, stand_ins=True) for path in flow_files(root)]


def greedy_block_order(report: Report, runs: list[FlowRun]) -> list[tuple[str, int, int]]:
    """Unsupported types in the order that ends the most flows soonest: (type, flows reaching it, flows ended after).

    A flow counts as ended once every type its stand-in run reached is in the list and that run ENDED:
    an estimate that treats each type as the neutral stand-in would (pass-through, or the flow's end).
    """
    ended_now = sum(o.status == ENDED for o in report.flows)
    pending = [set(run.stood_in) for run in runs if run.outcome.status == ENDED and run.stood_in]
    reaching = Counter(kind for run in runs for kind in run.stood_in)
    done: set[str] = set()
    order: list[tuple[str, int, int]] = []
    while len(done) < len(reaching):
        ended = sum(needs <= done for needs in pending)
        candidates = [
            (sum(needs <= done | {kind} for needs in pending) - ended, reaching[kind], kind)
            for kind in reaching
            if kind not in done
        ]
        _gain, _count, best = min(candidates, key=lambda c: (-c[0], -c[1], c[2]))
        done.add(best)
        order.append((best, reaching[best], ended_now + sum(needs <= done for needs in pending)))
    return order


def render(report: Report, chains: list[Peeled] | None = None) -> str:
    """The whole work list as text."""
    chains = peel_all() if chains is None else chains
    totals = report.totals()
    lines = [f"== Bots: {totals['bots_loaded']}/{totals['bots']} load as written =="]
    ranked = rank_bot_causes(chains)
    lines.append("Root causes, by bots blocked anywhere in their chain [blocked first]:")
    for rank in ranked:
        lines.append(f"  {len(rank.anywhere):3d} [{len(rank.first):2d}]  {rank.cause}")
        lines.append(f"              e.g. {rank.example}")
    lines.append("Fixing them in that order, bots that load:")
    lines += [
        f"  {count:3d}  after: {cause}" for cause, count in cumulative_loads(chains, ranked, totals["bots_loaded"])
    ]
    lines.append("Blocker chain per bot (estimate: each blocker edited away in memory, then loaded again):")
    for chain in chains:
        counts = Counter(b.cause for b in chain.blockers)
        steps = [f"{cause} (x{counts[cause]})" if counts[cause] > 1 else cause for cause in counts]
        end = "then loads" if chain.loads_after else f"then stuck, no stand-in edit for: {chain.stuck_on}"
        lines.append(f"  {chain.artefact}: " + " -> ".join(steps))
        lines.append(f"      ({len(chain.blockers)} blocker(s); {end})")
    lines.append("")
    lines.append(f"== Flows: {totals['flows_ended']}/{totals['flows']} run to their end ==")
    lines.append("What stopped each run first (most flows first):")
    flow_causes = Counter(o.cause for o in report.flows if o.status != ENDED)
    examples = {o.cause: f"{o.artefact}: {o.reason}" for o in reversed(report.flows) if o.status != ENDED}
    for cause, count in sorted(flow_causes.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {count:3d}  {cause}")
        lines.append(f"        e.g. {examples[cause]}")
    runs = stand_in_runs()
    deeper = [run.outcome for run in runs]
    lines.append("")
    lines.append(
        "Unsupported block types the default caller's runs reach (every such block stood in for, in memory), "
        "in the order that ends most flows soonest:"
    )
    lines.append("  reached-by  flows-ended-after  type")
    for kind, reached, ended in greedy_block_order(report, runs):
        lines.append(f"  {reached:10d}  {ended:17d}  {kind}")
    lines.append(
        f"With all of them stood in for, {sum(o.status == ENDED for o in deeper)}/{len(deeper)} flows end; "
        "what stops the others then:"
    )
    deeper_causes = Counter(o.cause for o in deeper if o.status != ENDED)
    deeper_examples = {o.cause: f"{o.artefact}: {o.reason}" for o in reversed(deeper) if o.status != ENDED}
    for cause, count in sorted(deeper_causes.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {count:3d}  {cause}")
        lines.append(f"        e.g. {deeper_examples[cause]}")
    lines.append("Per flow, the unsupported types its run reaches, and how the stood-in run ends:")
    for run in runs:
        outcome = run.outcome
        end_text = "ENDS" if outcome.status == ENDED else f"{outcome.status}: {outcome.cause}"
        lines.append(f"  {outcome.artefact}: {', '.join(run.stood_in) or '-'} -> {end_text}")
    census = flow_census(report)
    lines.append("")
    lines.append(
        "Static census: action types without a handler anywhere in the flows that did not end [stopped first]:"
    )
    lines += [f"  {len(flows):3d} [{len(first):2d}]  {kind}" for kind, flows, first in census]
    ends = [o for o in report.flows if any("stopped at an end block" in n for n in o.notes)]
    if ends:
        lines.append("Runs that stopped on the flow's own end block (they would END once that block runs):")
        lines += [f"  {o.artefact}: {o.block_type}" for o in ends]
    lines.append("")
    crashed = [o for o in [*report.outcomes, *deeper] if o.status == "CRASHED"]
    lines.append(f"== Uncaught exceptions (tracebacks a user would see), as written and stood in: {len(crashed)} ==")
    for outcome in crashed:
        lines.append(f"  {outcome.artefact}: {outcome.reason}")
        lines += [f"      at {frame}" for frame in outcome.frames]
    loaded = [o.artefact for o in report.bots if o.status == LOADED]
    lines.append("")
    lines.append("Bots that load: " + (", ".join(loaded) or "none"))
    lines.append("Flows that end: " + (", ".join(o.artefact for o in report.flows if o.status == ENDED) or "none"))
    return "\n".join(lines)
