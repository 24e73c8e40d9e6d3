"""Conversation scripts: the ``contact_centre:`` header (queues, agents, hours, the clock) and ``expect_transfer``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from sim.scripts import ScriptError, ScriptFailure, load_script, run_script

QUEUE_ARN = "arn:aws:connect:eu-west-2:123456789012:instance/i-1/queue/q-support"
HOURS_ARN = "arn:aws:connect:eu-west-2:123456789012:instance/i-1/operating-hours/h-office"
MONDAY_10 = "2026-12-07T10:00:00+00:00"  # a Monday, 10:00 in London (GMT in December)
SATURDAY_10 = "2026-12-05T10:00:00+00:00"


def _block(identifier: str, type_: str, parameters: dict[str, Any], transitions: dict[str, Any]) -> dict[str, Any]:
    return {"Identifier": identifier, "Type": type_, "Parameters": parameters, "Transitions": transitions}


def _equals(value: str, target: str) -> dict[str, Any]:
    return {"NextAction": target, "Condition": {"Operator": "Equals", "Operands": [value]}}


def _error(kind: str, target: str) -> dict[str, Any]:
    return {"NextAction": target, "ErrorType": kind}


def _say(identifier: str, text: str, target: str) -> dict[str, Any]:
    return _block(identifier, "MessageParticipant", {"Text": text}, {"NextAction": target})


FLOW = {
    "Version": "2019-10-30",
    "StartAction": "menu",
    "Actions": [
        _block("menu", "GetParticipantInput",
               {"Text": "Press 1 for an agent.", "StoreInput": "False", "InputTimeLimitSeconds": "5"},
               {"NextAction": "bye", "Conditions": [_equals("1", "set-queue")],
                "Errors": [_error("InputTimeLimitExceeded", "bye"), _error("NoMatchingCondition", "bye"),
                           _error("NoMatchingError", "bye")]}),
        _block("set-queue", "UpdateContactTargetQueue", {"QueueId": "${QueueArn}"},
               {"NextAction": "hours", "Errors": [_error("NoMatchingError", "no-queue")]}),
        _block("hours", "CheckHoursOfOperation", {"HoursOfOperationId": "${HoursArn}"},
               {"NextAction": "no-queue", "Conditions": [_equals("True", "staffed"), _equals("False", "closed")],
                "Errors": [_error("NoMatchingError", "no-queue")]}),
        _block("staffed", "CheckStaffing", {"MetricType": "Available"},
               {"NextAction": "no-queue", "Conditions": [_equals("True", "connecting"), _equals("False", "busy")],
                "Errors": [_error("NoMatchingError", "no-queue")]}),
        _say("connecting", "Connecting you to an agent.", "transfer"),
        _say("busy", "All our agents are busy.", "transfer"),
        _block("transfer", "TransferContactToQueue", {},
               {"NextAction": "no-queue", "Errors": [_error("QueueAtCapacity", "full"),
                                                    _error("NoMatchingError", "no-queue")]}),
        _say("closed", "We are closed.", "hang-up"),
        _say("full", "The queue is full.", "hang-up"),
        _say("no-queue", "No queue.", "hang-up"),
        _say("bye", "Goodbye.", "hang-up"),
        _block("hang-up", "DisconnectParticipant", {}, {}),
    ],
}


def script(tmp_path: Path, centre: str, steps: str, *, kind: str = "call") -> Path:
    """A call script over FLOW with the given contact_centre: block (indented text) and steps."""
    (tmp_path / "flow.json").write_text(json.dumps(FLOW))
    head = (f"call: flow.json\nsubstitutions:\n  QueueArn: {QUEUE_ARN}\n  HoursArn: {HOURS_ARN}\n"
            if kind == "call" else f"chat: {Path(__file__).parents[2] / 'fixtures' / 'bots' / 'toy_bot.json'}\n")
    body = f"contact_centre:\n{textwrap.indent(textwrap.dedent(centre), '  ')}" if centre else ""
    path = tmp_path / "script.yaml"
    path.write_text(head + body + "steps:\n" + textwrap.indent(textwrap.dedent(steps), "  "))
    return path


def run(tmp_path: Path, centre: str, steps: str) -> str:
    """Run the script; its transcript."""
    return run_script(load_script(script(tmp_path, centre, steps))).transcript


def failure(tmp_path: Path, centre: str, steps: str) -> ScriptFailure:
    """The failure the script ends with."""
    with pytest.raises(ScriptFailure) as raised:
        run(tmp_path, centre, steps)
    return raised.value


OFFICE = f"""\
time: {MONDAY_10}
time_zone: Europe/London
hours_of_operation:
  ${{HoursArn}}: MON-FRI 09:00-17:00
queues:
  ${{QueueArn}}:
    agents: 2
"""
TO_AGENT = "- press: '1'\n- expect: connecting you\n- expect_transfer: ^q-support$\n"


def test_without_the_header_the_centre_is_open_and_an_agent_answers(tmp_path: Path) -> None:
    transcript = run(tmp_path, "", TO_AGENT)
    assert "transferred to queue q-support: an agent answers" in transcript


def test_hours_are_checked_against_the_script_clock_in_the_hours_time_zone(tmp_path: Path) -> None:
    run(tmp_path, OFFICE, TO_AGENT)
    weekend = OFFICE.replace(MONDAY_10, SATURDAY_10)
    run(tmp_path, weekend, "- press: '1'\n- expect: we are closed\n- expect_hangup: true\n")
    tokyo = OFFICE.replace("Europe/London", "Asia/Tokyo")  # 10:00 in London is 19:00 in Tokyo: closed
    run(tmp_path, tokyo, "- press: '1'\n- expect: we are closed\n")
    run(tmp_path, OFFICE, "- advance: 28800\n- press: '1'\n- expect: we are closed\n")  # 18:00 by then


def test_default_hours_apply_to_hours_and_queues_the_script_does_not_name(tmp_path: Path) -> None:
    run(tmp_path, f"time: {SATURDAY_10}\nhours: MON-FRI 09:00-17:00\n", "- press: '1'\n- expect: we are closed\n")
    run(tmp_path, f"time: {SATURDAY_10}\nhours: closed\nhours_of_operation:\n  ${{HoursArn}}: 24/7\n", TO_AGENT)


def test_no_agent_available_and_no_agent_answering(tmp_path: Path) -> None:
    centre = OFFICE + "    available: 0\n    agent_answers: false\n"
    transcript = run(tmp_path, centre, "- press: '1'\n- expect: agents are busy\n- expect_transfer: q-support\n")
    assert "transferred to queue q-support: no agent answers" in transcript
    no_staff = OFFICE.replace("agents: 2", "agents: 0")
    transcript = run(tmp_path, no_staff, "- press: '1'\n- expect: agents are busy\n- expect_transfer: support\n")
    assert "no agent answers" in transcript  # nobody staffed: nobody answers, unless the script says so


def test_a_full_queue_takes_the_queue_at_capacity_branch(tmp_path: Path) -> None:
    full = OFFICE + "    waiting: 3\n    capacity: 3\n"
    run(tmp_path, full, "- press: '1'\n- expect: connecting\n- expect: queue is full\n- expect_hangup: true\n")


def test_strict_makes_an_unlisted_queue_an_error(tmp_path: Path) -> None:
    strict = OFFICE.replace("${QueueArn}:", "other-queue:") + "strict: true\n"
    transcript = run(tmp_path, strict, "- press: '1'\n- expect: no queue\n")
    assert "error NoMatchingError (QueueId is not a queue of the instance)" in transcript


def test_expect_transfer_failures_name_what_happened(tmp_path: Path) -> None:
    error = failure(tmp_path, OFFICE, "- press: '1'\n- expect_transfer: billing\n")
    assert error.problem.endswith("expect_transfer: 'billing': expected a transfer to /billing/ but it went to "
                                  "'q-support'")
    error = failure(tmp_path, OFFICE, "- press: '2'\n- expect_transfer: support\n")
    assert error.problem.endswith("expected a transfer to /support/ but the flow made none")
    error = failure(tmp_path, OFFICE, "- expect_transfer: support\n- press: '1'\n")
    assert "expect_transfer: 'support': the call is still on: the system is waiting for keys" in error.problem


@pytest.mark.parametrize(
    ("centre", "line", "message"),
    [
        ("tme: now\n", 6, "contact_centre.tme: unknown key (did you mean 'time'?)"),
        ("time: 2026-12-07 10:00\n", 6, "contact_centre.time: '2026-12-07 10:00' is not a date and time with "
                                        "its offset"),
        ("time: tomorrow\n", 6, "is not a date and time with its offset"),
        ("time_zone: Mars/Olympus\n", 6, "contact_centre.time_zone: unknown time zone 'Mars/Olympus'"),
        ("hours: weekdays\n", 6, "contact_centre.hours: hours: 'weekdays' is not a weekday"),
        ("hours: MON-FRI 9-17\n", 6, "is not HH:MM"),
        ("queues:\n  Q:\n    agnets: 1\n", 8, "contact_centre.queues.Q.agnets: unknown key (did you mean 'agents'?)"),
        ("queues:\n  Q:\n    agents: -1\n", 8, "contact_centre.queues.Q.agents: expected a whole number, 0 or more"),
        ("queues:\n  Q:\n    agents: two\n", 8, "expected a whole number"),
        ("queues:\n  Q:\n    agents: 1\n    available: 2\n", 9, "2 agents available but only 1 staffed"),
        ("queues:\n  Q:\n    hours: office\n", 8, "contact_centre.queues.Q.hours: hours: 'office' is not a weekday"),
        ("queues:\n  Q:\n    agent_answers: maybe\n", 8, "expected true or false"),
        ("queues: [Q]\n", 6, "contact_centre.queues: expected a mapping"),
        ("strict: true\n", 6, "strict: true needs queues: to list them"),
    ],
)
def test_bad_contact_centre_headers_fail_at_load_naming_line_and_field(
    tmp_path: Path, centre: str, line: int, message: str
) -> None:
    with pytest.raises(ScriptError) as raised:
        load_script(script(tmp_path, centre, TO_AGENT))
    assert raised.value.line == line
    assert message in str(raised.value)


def test_contact_centre_and_expect_transfer_are_for_calls_only(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="contact_centre: is for call scripts"):
        load_script(script(tmp_path, "hours: 24/7\n", "- say: hi\n", kind="chat"))
    with pytest.raises(ScriptError, match=r"steps\[2\].expect_transfer: is for call scripts only"):
        load_script(script(tmp_path, "", "- say: hi\n- expect_transfer: x\n", kind="chat"))
