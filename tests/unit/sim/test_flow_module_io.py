"""Flow modules' inputs, outputs and custom branches: ``$.Modules.Input`` / ``Result`` / ``ResultData``."""

from __future__ import annotations

from typing import Any

import pytest

from sim.connect import FlowDefinitionError, parse_flow
from tests.unit.sim.test_flow_interpreter import block, run, say, toy

MODULE_ARN = "arn:aws:connect:us-east-1:123456789012:instance/i-1/flow-module/check-balance"


def module(*end: dict[str, Any]) -> Any:
    """A module that greets with its input, then ends as ``end`` says (default: output only, no branch)."""
    finish = end or ({"Identifier": "done", "Type": "EndFlowModuleExecution",
                      "Parameters": {"ResultData": {"balance": "12.50", "owner": "$.Modules.Input.name"}},
                      "Transitions": {}},)
    return parse_flow({"Version": "2019-10-30", "StartAction": "hello", "Actions": [
        {"Identifier": "hello", "Type": "MessageParticipant",
         "Parameters": {"Text": "module for $.Modules.Input.name, account $.Modules.Input.account"},
         "Transitions": {"NextAction": finish[0]["Identifier"]}},
        *finish,
    ]}, default_name="check-balance")


def _end(result: str | None = None, **data: str) -> dict[str, Any]:
    parameters: dict[str, Any] = {"ResultData": data} if data else {}
    if result is not None:
        parameters["Result"] = result
    return {"Identifier": "done", "Type": "EndFlowModuleExecution", "Parameters": parameters, "Transitions": {}}


def caller(**conditions: str) -> Any:
    """A flow that invokes the module with two inputs and says what came back."""
    return toy(
        block("call", "InvokeFlowModule", "success",
              errors={"NoMatchingCondition": "unknown-branch", "NoMatchingError": "failed"},
              conditions=[("Equals", name, target) for name, target in conditions.items()],
              FlowModuleId=MODULE_ARN, Input={"name": "$.Attributes.name", "account": "1234"}),
        say("success", "success: [$.Modules.Result] $.Modules.ResultData.owner owes $.Modules.ResultData.balance"),
        say("locked", "locked branch, $.Modules.Result"),
        say("unknown-branch", "no such branch"),
        say("failed", "failed"),
    )


def test_the_module_reads_its_input_and_the_caller_reads_its_output() -> None:
    result, _ = run(caller(), flows={"check-balance": module()}, attributes={"name": "Jamie"})
    assert result.transcript.heard() == ["module for Jamie, account 1234", "success: [] Jamie owes 12.50"]
    rendered = result.transcript.render()
    assert "invoking flow module 'check-balance' with input account, name" in rendered
    assert "flow module 'check-balance' ended, output balance, owner" in rendered
    assert "Jamie" not in rendered.replace("module for Jamie", "").replace("Jamie owes", "")  # names, not values


def test_a_returned_branch_picks_the_invoking_blocks_condition_of_that_name() -> None:
    flows = {"check-balance": module(_end("locked", balance="0"))}
    result, _ = run(caller(locked="locked"), flows=flows, attributes={"name": "Sam"})
    assert result.transcript.heard()[-1] == "locked branch, locked"
    assert "ended on branch 'locked', output balance" in result.transcript.render()
    unknown, _ = run(caller(other="locked"), flows=flows, attributes={"name": "Sam"})
    assert unknown.transcript.heard()[-1] == "no such branch"  # a branch the block does not wire


def test_no_branch_returned_follows_next_action_even_when_branches_are_wired() -> None:
    end = _end(balance="3", owner="$.Modules.Input.name")
    result, _ = run(caller(locked="locked"), flows={"check-balance": module(end)}, attributes={"name": "Ana"})
    assert result.transcript.heard()[-1] == "success: [] Ana owes 3"


def test_the_input_is_the_modules_own_and_the_callers_is_restored() -> None:
    inner = parse_flow({"Version": "2019-10-30", "StartAction": "i1", "Actions": [
        {"Identifier": "i1", "Type": "MessageParticipant", "Parameters": {"Text": "inner [$.Modules.Input.name]"},
         "Transitions": {"NextAction": "i2"}},
        {"Identifier": "i2", "Type": "EndFlowModuleExecution", "Parameters": {"ResultData": {"x": "1"}},
         "Transitions": {}},
    ]}, default_name="inner")
    outer = parse_flow({"Version": "2019-10-30", "StartAction": "o1", "Actions": [
        {"Identifier": "o1", "Type": "InvokeFlowModule", "Parameters": {"FlowModuleId": "inner"},
         "Transitions": {"NextAction": "o2"}},
        {"Identifier": "o2", "Type": "MessageParticipant",
         "Parameters": {"Text": "outer again [$.Modules.Input.name], inner gave $.Modules.ResultData.x"},
         "Transitions": {"NextAction": "o3"}},
        {"Identifier": "o3", "Type": "EndFlowModuleExecution",
         "Parameters": {"ResultData": {"owner": "$.Modules.Input.name", "balance": "9"}}, "Transitions": {}},
    ]}, default_name="check-balance")
    result, _ = run(caller(), flows={"check-balance": outer, "inner": inner}, attributes={"name": "Lee"})
    assert result.transcript.heard() == ["inner []", "outer again [Lee], inner gave 1", "success: [] Lee owes 9"]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"ResultData": "balance"}, "ResultData must be an object of named values"),
        ({"Result": ""}, "Result must name one of the module's branches"),
    ],
)
def test_a_malformed_module_end_is_a_definition_error(parameters: dict[str, Any], message: str) -> None:
    end = {"Identifier": "done", "Type": "EndFlowModuleExecution", "Parameters": parameters, "Transitions": {}}
    with pytest.raises(FlowDefinitionError, match=message):
        run(caller(), flows={"check-balance": module(end)}, attributes={"name": "x"})


def test_an_input_that_is_not_an_object_is_a_definition_error() -> None:
    flow = toy(block("call", "InvokeFlowModule", FlowModuleId=MODULE_ARN, Input="name"))
    with pytest.raises(FlowDefinitionError, match="Input must be an object of named values"):
        run(flow, flows={"check-balance": module()})


def test_a_module_run_on_its_own_has_an_empty_input() -> None:
    result, _ = run(module(), attributes={"name": "x"})
    assert result.transcript.heard() == ["module for , account "]
    assert result.ended_by == "done"
