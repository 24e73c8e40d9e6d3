"""A real console-exported flow (aws-samples/amazon-connect-encryption) through the interpreter."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.connect import (
    AttributeSet,
    ContactData,
    FlowInterpreter,
    LoggingChanged,
    ScriptedParticipant,
    UnsupportedBlock,
    load_flow,
)

CONFORMANCE = Path(__file__).resolve().parents[2] / "fixtures" / "conformance"
SECURE_LEX_INPUT = CONFORMANCE / "aws-samples-amazon-connect-encryption_Secure_Lex_Input.json"
LEX_V1_BLOCK = "d32e87bb-2435-4718-bae5-d758125d5232"

class UnusedLex:
    """A LexBridge that must not be reached: the flow's bot is Lex V1."""

    def recognize_text(self, **request: object) -> dict[str, object]:
        raise AssertionError("a Lex V1 block must not reach the Lex V2 bridge")


def test_exported_flow_parses() -> None:
    flow = load_flow(SECURE_LEX_INPUT)
    assert flow.name == "Secure_Lex_Input"
    assert len(flow.actions) == 13
    assert flow.action(flow.start_action).type == "UpdateFlowLoggingBehavior"
    assert {a.type for a in flow.actions.values()} >= {"Compare", "Loop", "ConnectParticipantWithLexBot"}


def test_runs_up_to_the_lex_v1_block_then_names_it() -> None:
    caller = ScriptedParticipant(["4111111111111111"])
    contact = ContactData(
        contact_id="contact-1",
        channel="VOICE",
        initiation_method="INBOUND",
        customer_address="+15550100100",
        system_address="+15550100999",
        instance_arn="arn:aws:connect:us-east-1:123456789012:instance/abc",
    )
    with pytest.raises(UnsupportedBlock, match="secure_LexInput") as raised:
        FlowInterpreter(lambdas={}, lex=UnusedLex()).run(
            load_flow(SECURE_LEX_INPUT), participant=caller, contact=contact
        )
    error = raised.value
    assert error.block_id == LEX_V1_BLOCK
    assert LEX_V1_BLOCK in str(error)
    assert "Lex V1" in str(error)
    partial = error.partial
    assert partial is not None
    assert partial.logging_history == (False, True)
    assert [e.enabled for e in partial.transcript.of_type(LoggingChanged)] == [True]
    assert [(e.key, e.value) for e in partial.transcript.of_type(AttributeSet)] == [("range", "15-16")]
    assert partial.attributes == {"range": "15-16"}
    assert partial.ended_by == LEX_V1_BLOCK
    assert caller.heard == []
    assert caller.requests == []
