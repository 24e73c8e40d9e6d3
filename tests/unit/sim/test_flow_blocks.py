"""Flow blocks of real contact-centre flows: queues and agents, hours, metrics, modules, flow attributes,
configuration blocks recorded and passed through, and error branches that say why they were taken."""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

import pytest

from sim.connect import ContactData, ErrorBranch, FlowDefinitionError, FlowInterpreter, ScriptedParticipant, parse_flow
from sim.connect.centre import CentreConfigError, ContactCentre, HoursOfOperation, Queue
from tests.unit.sim.test_flow_interpreter import FakeLex, block, contact, lex_turn, run, say, toy

QUEUE_ARN = "arn:aws:connect:us-east-1:123456789012:instance/i-1/queue/q-sales"
FRIDAY_10_UTC = datetime.datetime(2025, 3, 14, 10, tzinfo=datetime.UTC).timestamp()
SATURDAY_10_UTC = datetime.datetime(2025, 3, 15, 10, tzinfo=datetime.UTC).timestamp()
WEEKDAYS_9_TO_5 = HoursOfOperation.parse("MON-FRI 09:00-17:00", name="Office")


def centre(at: float = FRIDAY_10_UTC, **queue: Any) -> ContactCentre:
    sales = Queue("Sales", QUEUE_ARN, hours=WEEKDAYS_9_TO_5, **queue)
    return ContactCentre(queues={"q-sales": sales}, clock=lambda: at, hours_of_operation={"Office": WEEKDAYS_9_TO_5})


def lines(result: Any) -> list[str]:
    return [line.strip(" ·") for line in result.transcript.render().splitlines()]


# -- queues ------------------------------------------------------------------------------------------------
def _to_queue(queue_id: str = QUEUE_ARN) -> list[dict[str, Any]]:
    return [
        block("set", "UpdateContactTargetQueue", "xfer", errors={"NoMatchingError": "no-queue"}, QueueId=queue_id),
        block("xfer", "TransferContactToQueue", None,
              errors={"QueueAtCapacity": "full", "NoMatchingError": "no-queue"}),
        say("no-queue", "No queue"),
        say("full", "Queue full"),
    ]


def test_a_transfer_to_the_working_queue_ends_the_flow_with_the_agent_answering() -> None:
    result, _ = run(toy(*_to_queue()), centre=centre())
    assert result.transferred_to == "Sales"
    assert not result.disconnected
    assert lines(result) == ["working queue set to Sales", "transferred to queue Sales: an agent answers"]


def test_a_queue_id_that_resolves_to_nothing_takes_the_error_branch_saying_why() -> None:
    result, _ = run(toy(*_to_queue("$.Attributes.queue")), centre=centre())
    (branch,) = result.transcript.of_type(ErrorBranch)
    assert (branch.error_type, branch.reason, branch.next_action) == (
        "NoMatchingError", "QueueId resolved to nothing", "no-queue")
    assert result.transcript.heard() == ["No queue"]


def test_a_transfer_without_a_working_queue_errs_and_a_full_queue_is_at_capacity() -> None:
    result, _ = run(toy(*_to_queue()[1:]), centre=centre())
    assert result.transcript.of_type(ErrorBranch)[0].reason == "no working queue is set ($.Queue is empty)"
    result, _ = run(toy(*_to_queue()), centre=centre(capacity=2, contacts_in_queue=2))
    assert result.transcript.heard() == ["Queue full"]


def test_queue_data_is_in_the_flow_and_a_strict_centre_refuses_an_unknown_queue() -> None:
    flow = toy(*_to_queue()[:1], block("xfer", "MessageParticipant", Text="Queue $.Queue.Name"), say("no-queue", "x"))
    result, _ = run(flow, centre=centre())
    assert result.transcript.heard() == ["Queue Sales"]
    other = toy(*_to_queue("arn:aws:connect:us-east-1:1:instance/i/queue/elsewhere")[:1],
                say("xfer", "Queue $.Queue.Name"), say("no-queue", "x"))
    assert run(other, centre=centre())[0].transcript.heard() == ["Queue elsewhere"]  # open-world by default
    strict = replace(centre(), strict=True)
    assert run(other, centre=strict)[0].transcript.heard() == ["x"]


@pytest.mark.parametrize(("at", "heard"), [(FRIDAY_10_UTC, "open"), (SATURDAY_10_UTC, "closed")])
def test_hours_of_operation_follow_the_clock(at: float, heard: str) -> None:
    flow = toy(
        block("hours", "CheckHoursOfOperation", None,
              conditions=[("Equals", "True", "open"), ("Equals", "False", "closed")],
              HoursOfOperationId="Office"),
        say("open", "open"),
        say("closed", "closed"),
    )
    assert run(flow, centre=centre(at))[0].transcript.heard() == [heard]


def test_hours_parse_and_refuse_nonsense() -> None:
    assert HoursOfOperation.parse("24/7").is_open(SATURDAY_10_UTC)
    assert not HoursOfOperation.parse("closed").is_open(FRIDAY_10_UTC)
    late = HoursOfOperation.parse("FRI-SUN 08:00-12:00, MON 13:00-14:00", time_zone="America/New_York")
    assert late.is_open(SATURDAY_10_UTC + 3600 * 4)  # 10:00 in New York
    assert not late.is_open(SATURDAY_10_UTC)  # 05:00 in New York
    for bad in ("WORKDAYS 09:00-17:00", "MON 9-5"):
        with pytest.raises(CentreConfigError):
            HoursOfOperation.parse(bad)
    with pytest.raises(CentreConfigError, match="time zone"):
        HoursOfOperation.parse("24/7", time_zone="Mars/Olympus")


def test_staffing_and_metrics() -> None:
    flow = toy(
        *_to_queue()[:1],
        block("xfer", "CheckStaffing", "n", conditions=[("Equals", "True", "staffed"), ("Equals", "False", "n")],
              MetricType="Available"),
        say("staffed", "staffed", "n"),
        block("n", "CheckMetricData", "metrics", conditions=[("NumberGreaterThan", "3", "busy")],
              errors={"NoMatchingCondition": "metrics"}, MetricType="NumberOfContactsInQueue"),
        say("busy", "busy", "metrics"),
        block("metrics", "GetMetricData", "say"),
        say("say", "$.Metrics.Agents.Online.Count online, $.Metrics.Queue.Size waiting"),
        say("no-queue", "x"),
    )
    result, _ = run(flow, centre=centre(agents_available=0, contacts_in_queue=5, agents_online=2))
    assert result.transcript.heard() == ["busy", "2 online, 5 waiting"]
    with pytest.raises(FlowDefinitionError, match="MetricType must be one of"):
        run(toy(*_to_queue()[:1], block("xfer", "CheckMetricData", MetricType="Vibes"), say("no-queue", "x")),
            centre=centre())


# -- modules and flow attributes -----------------------------------------------------------------------------
def _module() -> Any:
    return parse_flow({"Version": "2019-10-30", "StartAction": "m1", "Actions": [
        {"Identifier": "m1", "Type": "MessageParticipant",
         "Parameters": {"Text": "in module, outer [$.FlowAttributes.x]"},
         "Transitions": {"NextAction": "m2"}},
        {"Identifier": "m2", "Type": "UpdateContactAttributes", "Parameters": {"Attributes": {"from_module": "yes"}},
         "Transitions": {"NextAction": "m3"}},
        {"Identifier": "m3", "Type": "EndFlowModuleExecution", "Parameters": {}, "Transitions": {}},
    ]}, default_name="greeting-module")


def test_a_module_runs_and_returns_with_its_own_flow_attributes() -> None:
    flow = toy(
        block("fa", "UpdateFlowAttributes", "call", FlowAttributes={"x": {"Value": "$.CustomerEndpoint.Address"}}),
        block("call", "InvokeFlowModule", "after", errors={"NoMatchingError": "none"},
              FlowModuleId="arn:aws:connect:us-east-1:1:instance/i/flow-module/greeting-module"),
        say("after", "back, [$.FlowAttributes.x], $.Attributes.from_module"),
        say("none", "no module"),
    )
    result, _ = run(flow, flows={"greeting-module": _module()})
    assert result.transcript.heard() == ["in module, outer []", "back, [+15550100100], yes"]
    assert result.flow_attributes == {"x": "+15550100100"}
    missing, _ = run(flow)
    assert missing.transcript.heard() == ["no module"]
    assert missing.transcript.of_type(ErrorBranch)[0].reason == "no flow module 'greeting-module' in the flow library"


def test_a_module_run_on_its_own_ends_at_its_end_block() -> None:
    result, _ = run(_module())
    assert (result.ended_by, result.disconnected) == ("m3", False)
    assert result.attributes["from_module"] == "yes"


def test_flow_attributes_that_resolve_to_nothing_set_none() -> None:
    flow = toy(block("fa", "UpdateFlowAttributes", errors={"NoMatchingError": "end"},
                     FlowAttributes={"a": {"Value": "1"}, "b": {"Value": "$.External.nothing"}}))
    result, _ = run(flow)
    assert result.flow_attributes == {}
    assert result.transcript.of_type(ErrorBranch)[0].reason == "FlowAttributes b resolved to nothing"


# -- configuration, agent-side and not-emulated blocks -------------------------------------------------------
def test_configuration_blocks_are_recorded_and_passed_through() -> None:
    flow = toy(
        block("hooks", "UpdateContactEventHooks", "media", EventHooks={"AgentWhisper": "arn:whisper"}),
        block("media", "UpdateContactMediaStreamingBehavior", "lang", MediaStreamingState="Enabled"),
        block("lang", "UpdateContactData", "view", LanguageCode="en-GB", Name="Claim"),
        block("view", "ShowView", None, conditions=[("Equals", "Next", "say")], ViewResource={"Id": "form"}),
        say("say", "language $.LanguageCode"),
    )
    result, _ = run(flow)
    assert lines(result) == [
        "UpdateContactEventHooks (EventHooks): recorded, not emulated",
        "UpdateContactMediaStreamingBehavior (MediaStreamingState): recorded, not emulated",
        "language set to en-GB",
        "contact data updated (Name)",
        "view 'form' shown to the agent; the agent chooses Next",
        "SYSTEM > language en-GB",
        "disconnected",
    ]


def test_the_simulated_agent_acts_on_a_view_block_once_then_lets_it_time_out() -> None:
    flow = toy(
        block("view", "ShowView", "end", conditions=[("Equals", "Next", "again")],
              errors={"TimeLimitExceeded": "timed-out", "NoMatchingError": "end"}, ViewResource={"Id": "form"}),
        say("again", "another?", "view"),
        say("timed-out", "view timed out"),
    )
    result, _ = run(flow)
    assert result.transcript.heard() == ["another?", "view timed out"]
    (branch,) = result.transcript.of_type(ErrorBranch)
    assert branch.error_type == "TimeLimitExceeded"
    assert branch.reason == "the simulated agent acts on each view block once"
    assert "view 'form' shown to the agent again; the agent does not act" in lines(result)


def test_the_language_code_set_by_the_flow_is_the_lex_locale() -> None:
    lex = FakeLex(lex_turn("Close", "Hello", "Fulfilled"))
    flow = toy(
        block("lang", "UpdateContactData", "bot", LanguageCode="es-US"),
        block("bot", "ConnectParticipantWithLexBot", None, errors={"NoMatchingError": "end"},
              conditions=[("Equals", "Hello", "end")], LexV2Bot={"AliasArn": "arn:bot"}, Text="Hola"),
    )
    run(flow, ["hola"], lex=lex)
    assert lex.calls[0]["locale_id"] == "es-US"


def test_not_emulated_services_raise_their_not_found_error() -> None:
    flow = toy(block("profile", "GetCustomerProfile", "end", errors={"NoneFoundError": "none"}), say("none", "new"))
    result, _ = run(flow)
    assert result.transcript.heard() == ["new"]
    assert result.transcript.of_type(ErrorBranch)[0].reason == "GetCustomerProfile is not emulated locally"


def test_a_callback_number_must_be_e164() -> None:
    flow = toy(block("cb", "UpdateContactCallbackNumber", errors={"InvalidCallbackNumber": "bad"},
                     CallbackNumber="$.Attributes.number"), say("bad", "bad number"))
    assert run(flow, attributes={"number": "555-0100"})[0].transcript.heard() == ["bad number"]
    assert run(flow, attributes={"number": "+15550100100"})[0].transcript.heard() == []


def test_iterative_messages_until_an_agent_answers() -> None:
    loop = toy(
        block("loop", "MessageParticipantIteratively", None, conditions=[("Equals", "MessagesInterrupted", "menu")],
              Messages=[{"Text": "Please hold"}, {"PromptId": ""}], InterruptFrequencySeconds="30"),
        say("menu", "Still there?", "loop"),
    )
    result, _ = run(loop)
    assert result.transcript.heard() == ["Please hold", "Still there?"] * 2 + ["Please hold"]
    assert lines(result)[-1] == "an agent answers"


# -- error semantics -----------------------------------------------------------------------------------------
def test_a_prompt_that_cannot_play_says_why() -> None:
    flow = toy(block("ssml", "MessageParticipant", errors={"NoMatchingError": "end"}, SSML="no speak tag"))
    result, _ = run(flow)
    assert result.transcript.of_type(ErrorBranch)[0].reason == "invalid SSML: SSML must start with <speak>"
    empty = toy(block("text", "MessageParticipant", Text="$.External.greeting"))
    result, _ = run(empty)
    assert result.disconnected
    assert lines(result) == ["block text (MessageParticipant): error NoMatchingError (Text is empty "
                             "($.External.greeting resolved to nothing)) and no Errors branch for it: "
                             "the contact is disconnected"]


def test_a_dynamic_bot_or_lambda_that_resolves_to_nothing_takes_the_error_branch() -> None:
    flow = toy(
        block("bot", "ConnectParticipantWithLexBot", None, errors={"NoMatchingError": "lambda"},
              LexV2Bot={"AliasArn": "$.Attributes.bot"}, Text="Hi"),
        block("lambda", "InvokeLambdaFunction", errors={"NoMatchingError": "end"},
              LambdaFunctionARN="$.Attributes.fn"),
    )
    result, caller = run(flow, lex=FakeLex())
    assert [b.reason for b in result.transcript.of_type(ErrorBranch)] == [
        "LexV2Bot.AliasArn resolved to nothing", "LambdaFunctionARN resolved to nothing"]
    assert caller.heard == []


def test_input_time_limit_goes_up_to_300_seconds() -> None:
    def ask(seconds: str) -> Any:
        return toy(block("ask", "GetParticipantInput", None, errors={"InputTimeLimitExceeded": "end"},
                         conditions=[("Equals", "1", "end")], Text="Press 1", InputTimeLimitSeconds=seconds))

    _, caller = run(ask("300"), ["1"])
    assert caller.requests[0].timeout_seconds == 300
    with pytest.raises(FlowDefinitionError, match="between 1 and 300"):
        run(ask("301"), ["1"])


def test_sip_headers_are_in_the_flow_data() -> None:
    flow = toy(say("sip", "from $.Media.Sip.Headers.X-Caller"))
    caller = ScriptedParticipant([])
    sip = replace(contact(), sip_headers={"X-Caller": "pbx-7"})
    FlowInterpreter(lambdas={}).run(flow, participant=caller, contact=sip)
    assert caller.heard == ["from pbx-7"]
    assert isinstance(sip, ContactData)


def test_the_interruptible_queue_sample_loops_only_until_the_caller_gives_a_valid_number() -> None:
    from pathlib import Path

    from sim.connect import load_flow

    sample = Path(__file__).parents[2] / "fixtures" / "third_party" / "flows" / "callback-interruptible-queue.json"
    result, _ = run(load_flow(sample, {}), ["1", "1", "2065550100"])
    assert result.disconnected
    assert result.transcript.heard()[-2:] == ["Enter the number you would like to be called back at.",
                                              "You will be called back when the next agent is available."]
    assert result.attributes["callbackNumber"] == "+12065550100"
