"""A Connect call through the Lex emulator: the flow's own transcript hides obfuscated slot values."""

from __future__ import annotations

from pathlib import Path

from sim.connect import ContactData, FlowInterpreter, ScriptedParticipant, load_flow
from sim.lex import LexRuntime, load_bot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ALIAS = "arn:aws:lex:us-east-1:123456789012:bot-alias/TOYBOT0001/TOYALIAS01"


def test_a_pin_said_to_the_bot_never_reaches_the_flow_transcript() -> None:
    lex = LexRuntime(bots={ALIAS: load_bot(FIXTURES / "bots" / "toy_bot.json")}, code_hooks={})
    flow = load_flow(FIXTURES / "flows" / "toy_lex_call.json", {"ToyBotAliasArn": ALIAS})
    caller = ScriptedParticipant(["check my balance", "12345678#", "my pin is 4321"])
    contact = ContactData(contact_id="c-1", channel="VOICE", initiation_method="INBOUND",
                          customer_address="+15550100123", system_address="+15550100999",
                          instance_arn="arn:aws:connect:us-east-1:123456789012:instance/toy",
                          attributes={"customerTier": "gold"})
    result = FlowInterpreter(lambdas={}, lex=lex).run(flow, participant=caller, contact=contact)
    rendered = result.transcript.render()
    assert "check my balance" in rendered  # ordinary speech is still shown
    assert "{Pin}" in rendered
    assert "4321" not in rendered
    assert "12345678" not in rendered  # the obfuscated account number, typed on the keypad
    assert result.attributes.get("customerTier") == "gold"
