"""The ``contact_centre:`` header of a call script: queues, agents, hours of operation and the clock's start.

It configures the simulated contact centre (``sim.connect.centre.ContactCentre``) a call's flow meets. Without
it the centre is open 24/7 and every queue a flow names has one agent, who answers.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import yaml

from lambdas.common.core.substitution import placeholder_name
from sim.connect.centre import CentreConfigError, ContactCentre, HoursOfOperation, Queue

if TYPE_CHECKING:
    from sim.scripts.loader import _Loader

CENTRE_KEYS = ("time", "time_zone", "hours", "hours_of_operation", "queues", "strict")
QUEUE_KEYS = ("hours", "agents", "available", "waiting", "capacity", "agent_answers")
_INT = "tag:yaml.org,2002:int"


@dataclass(frozen=True)
class CentreSetup:
    """The contact centre a call script asks for, and where its simulated clock starts (``None``: now)."""

    centre: ContactCentre = field(default_factory=ContactCentre)
    start: float | None = None


def parse_centre(loader: _Loader, node: yaml.Node, substitutions: Mapping[str, str]) -> CentreSetup:
    """``contact_centre:`` as a CentreSetup; a ScriptError names the line and field at fault."""
    entries = loader.entries(node, "contact_centre")
    for name, (key, _value) in entries.items():
        if name not in CENTRE_KEYS:
            raise loader.error(key, f"contact_centre.{name}", "unknown key" + _suggestion(name, CENTRE_KEYS))
    zone = "UTC"
    if "time_zone" in entries:
        zone = loader.text(entries["time_zone"][1], "contact_centre.time_zone")
        try:
            HoursOfOperation.parse("24/7", time_zone=zone)
        except CentreConfigError as exc:
            node_ = entries["time_zone"][1]
            raise loader.error(node_, "contact_centre.time_zone", f"{exc}, like Europe/London") from None
    start = _start(loader, entries["time"][1]) if "time" in entries else None
    named: dict[str, HoursOfOperation] = {}
    if "hours_of_operation" in entries:
        for ref, (_key, value) in loader.entries(entries["hours_of_operation"][1],
                                                  "contact_centre.hours_of_operation").items():
            field_name = f"contact_centre.hours_of_operation.{ref}"
            hours = _hours(loader, value, field_name, zone, {}, name=ref)
            named.update(dict.fromkeys({ref, _resolved(ref, substitutions)}, hours))  # either spelling
    default_hours = HoursOfOperation(time_zone=zone)
    if "hours" in entries:
        default_hours = _hours(loader, entries["hours"][1], "contact_centre.hours", zone, named, name="Basic Hours")
    default = replace(ContactCentre().default, hours=default_hours)
    queues: dict[str, Queue] = {}
    if "queues" in entries:
        for ref, (_key, value) in loader.entries(entries["queues"][1], "contact_centre.queues").items():
            reference = _resolved(ref, substitutions)
            queues[reference] = _queue(loader, value, f"contact_centre.queues.{ref}", reference,
                                       default=default, zone=zone, named=named)
    strict = loader.flag(entries, "strict")
    if strict and not queues:
        raise loader.error(entries["strict"][0], "contact_centre.strict", "strict: true needs queues: to list them")
    centre = ContactCentre(queues=queues, default=default, hours_of_operation=named, strict=strict)
    return CentreSetup(centre=centre, start=start)


def _resolved(reference: str, substitutions: Mapping[str, str]) -> str:
    """A ``${Name}`` key as its substituted value (the flow is loaded with that value), else as written."""
    name = placeholder_name(reference)
    return substitutions.get(name, reference) if name is not None else reference


def _start(loader: _Loader, node: yaml.Node) -> float:
    """``time:`` ISO 8601 with an offset (``2026-12-07T10:30:00+09:00`` or ``...Z``) as seconds since the epoch."""
    text = loader.text(node, "contact_centre.time")
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise loader.error(node, "contact_centre.time", f"{text!r} is not a date and time with its offset, "
                           "like 2026-12-07T10:30:00+00:00")
    return moment.timestamp()


def _hours(loader: _Loader, node: yaml.Node, field_name: str, zone: str, named: Mapping[str, HoursOfOperation],
           *, name: str) -> HoursOfOperation:
    """Hours as a spec (``24/7``, ``closed``, ``MON-FRI 09:00-17:00``) or the name of ``hours_of_operation``."""
    text = loader.text(node, field_name)
    if text in named:
        return named[text]
    try:
        return HoursOfOperation.parse(text, name=name, time_zone=zone)
    except CentreConfigError as exc:
        hint = f" or one of hours_of_operation ({', '.join(named)})" if named else ""
        raise loader.error(node, field_name, f"{exc} (give 24/7, closed, MON-FRI 09:00-17:00{hint})") from None


def _count(loader: _Loader, entries: Mapping[str, tuple[yaml.Node, yaml.Node]], name: str, field_name: str,
           default: int) -> int:
    """A whole number >= 0."""
    if name not in entries:
        return default
    node = entries[name][1]
    if not isinstance(node, yaml.ScalarNode) or node.tag != _INT or int(node.value.replace("_", ""), 0) < 0:
        raise loader.error(node, f"{field_name}.{name}", "expected a whole number, 0 or more")
    return int(node.value.replace("_", ""), 0)


def _queue(loader: _Loader, node: yaml.Node, field_name: str, reference: str, *, default: Queue, zone: str,
           named: Mapping[str, HoursOfOperation]) -> Queue:
    """One queue under the name, id or ARN the flow uses."""
    entries = loader.entries(node, field_name) if not _empty(node) else {}
    for name, (key, _value) in entries.items():
        if name not in QUEUE_KEYS:
            raise loader.error(key, f"{field_name}.{name}", "unknown key" + _suggestion(name, QUEUE_KEYS))
    hours = default.hours
    if "hours" in entries:
        name = f"{reference.rsplit('/', 1)[-1]} hours"
        hours = _hours(loader, entries["hours"][1], f"{field_name}.hours", zone, named, name=name)
    agents = _count(loader, entries, "agents", field_name, 1)
    available = _count(loader, entries, "available", field_name, agents)
    if available > agents:
        raise loader.error(entries["available"][1], f"{field_name}.available",
                           f"{available} agents available but only {agents} staffed (agents:)")
    capacity = _count(loader, entries, "capacity", field_name, -1)
    answers = loader.flag(entries, "agent_answers") if "agent_answers" in entries else agents > 0
    tail = reference.rsplit("/", 1)[-1]
    arn = reference if reference.startswith("arn:") else default.arn.rsplit("/", 1)[0] + f"/{tail}"
    return replace(default, name=tail, arn=arn, hours=hours, agents_staffed=agents, agents_online=agents,
                   agents_available=available, contacts_in_queue=_count(loader, entries, "waiting", field_name, 0),
                   capacity=None if capacity < 0 else capacity, agent_answers=answers)


def _empty(node: yaml.Node) -> bool:
    """``Support:`` with nothing after it (a queue with every default)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _suggestion(name: str, known: tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` or the list of known keys."""
    from sim.scripts.loader import _suggest

    return _suggest(name, known)
