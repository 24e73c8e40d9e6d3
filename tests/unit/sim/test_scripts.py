"""Conversation scripts: the loader's errors (with lines), every step type, failure messages, the CLI."""

from __future__ import annotations

import dataclasses
import io
import textwrap
from pathlib import Path
from typing import Any

import pytest

from sim.__main__ import main
from sim.scripts import Script, ScriptError, ScriptFailure, ScriptResult, World, load_script, run_script
from sim.scripts.model import Advance, ExpectCall, HookRef, OpenLink, Press, Say, Silence
from sim.scripts.redact import HIDDEN, Redactor, hidden_spans

REPO = Path(__file__).resolve().parents[3]
TOY_BOT = REPO / "tests" / "fixtures" / "bots" / "toy_bot.json"
TOY_FLOW = REPO / "tests" / "fixtures" / "flows" / "toy_lex_call.json"
CHAT = f"chat: {TOY_BOT}\n"
CALL = f"call: {TOY_FLOW}\nbots:\n  ${{ToyBotAliasArn}}: {TOY_BOT}\n"
OTP_CALL = (
    "call: contact_flows/outbound_voice_otp.json\n"
    "code_hooks:\n  ${VoiceOtpPromptFunctionArn}: tests.e2e.hooks:fake_otp_prompt\n"
)
BALANCE = """\
steps:
  - say: check my balance
  - press: "12345678"
  - say: my pin is 4321
"""


def write(tmp_path: Path, text: str, name: str = "script.yaml") -> Path:
    """A script file."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def load(tmp_path: Path, text: str) -> Script:
    """Load a script from text."""
    return load_script(write(tmp_path, text))


def run(tmp_path: Path, text: str, world: World | None = None) -> ScriptResult:
    """Load and run a script from text."""
    return run_script(load(tmp_path, text), world=world)


def failure(tmp_path: Path, text: str) -> ScriptFailure:
    """The failure a script ends with."""
    with pytest.raises(ScriptFailure) as raised:
        run(tmp_path, text)
    return raised.value


def load_error(tmp_path: Path, text: str) -> ScriptError:
    """The error loading a script raises."""
    with pytest.raises(ScriptError) as raised:
        load(tmp_path, text)
    return raised.value


# ---- the loader ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (CHAT + "stesp:\n  - say: hi\n", 2, "stesp: unknown key (did you mean 'steps'?)"),
        (CHAT + f"call: {TOY_FLOW}\nsteps:\n  - say: hi\n", 2, "give call: or chat:, not both"),
        ("steps:\n  - say: hi\n", 1, "a script needs call: FLOW_FILE or chat: BOT_FILE"),
        ("chat: nowhere/bot.json\nsteps:\n  - say: hi\n", 1, "chat: no such file 'nowhere/bot.json'"),
        (CHAT + "code_hooks:\n  ToyBot: tests.e2e.nohooks:x\nsteps:\n  - say: hi\n", 3,
         "code_hooks.ToyBot: cannot import module 'tests.e2e.nohooks'"),
        (CHAT + "code_hooks:\n  ToyBot: tests.e2e.hooks:nothing\nsteps:\n  - say: hi\n", 3,
         "code_hooks.ToyBot: module 'tests.e2e.hooks' has no function 'nothing'"),
        (CHAT + "code_hooks:\n  ToyBot: tests/e2e/hooks.py\nsteps:\n  - say: hi\n", 3,
         "'tests/e2e/hooks.py' is not module.path:function"),
        (CHAT + "caller: [1]\nsteps:\n  - say: hi\n", 2, "caller: expected a single value, got a list"),
        (CHAT + "caller: '5550100'\nsteps:\n  - say: hi\n", 2, "caller: '5550100' is not an E.164 number"),
        (CHAT + "aws: maybe\nsteps:\n  - say: hi\n", 2, "aws: expected true or false"),
        (CHAT + "locale: english\nsteps:\n  - say: hi\n", 2, "locale: 'english' is not a locale"),
        (CHAT + "steps: say hi\n", 2, "steps: expected a list of steps"),
        (CHAT + "steps:\n  - say: hi\n    expect: x\n", 3, "steps[1]: a step is a mapping with one key"),
        (CHAT + "steps:\n  - say: hi\n  - expcet: x\n", 4, "steps[2]: unknown step 'expcet' (did you mean 'expect'?)"),
        (CHAT + "steps:\n  - say: ''\n", 3, "steps[1].say: say what?"),
        (CHAT + "steps:\n  - press: 12a\n", 3, "steps[1].press: keys are 0-9, * and #"),
        (CHAT + "steps:\n  - say: hi\n  - expect: '(unclosed'\n", 4,
         "steps[2].expect: not a valid regular expression"),
        (CHAT + "steps:\n  - advance: soon\n", 3, "steps[1].advance: expected a number of seconds"),
        (CHAT + "steps:\n  - advance: -5\n", 3, "the clock only moves forward"),
        (CALL + "steps:\n  - expect_hangup: false\n", 5, "steps[1].expect_hangup: write expect_hangup: true"),
        (CHAT + "steps:\n  - silence: true\n", 3, "steps[1].silence: is for call scripts only"),
        (CHAT + "steps:\n  - expect_hangup: true\n", 3, "is for call scripts only"),
        (CHAT + f"bots:\n  X: {TOY_BOT}\nsteps:\n  - say: hi\n", 2, "bots: is for call scripts"),
        (CHAT + "attributes:\n  a: b\nsteps:\n  - say: hi\n", 2, "use session_attributes:"),
        (CALL + "session_attributes:\n  a: b\nsteps:\n  - say: hi\n", 4, "use attributes: for the contact"),
        (CHAT + "code_hooks:\n  A: tests.e2e.hooks:toy_bot_hook\n  B: tests.e2e.hooks:broken_hook\n"
         "steps:\n  - say: hi\n", 2, "a chat has one bot: give one code hook"),
        (CHAT + "session_attributes:\n  a: 1\n  a: 2\nsteps:\n  - say: hi\n", 4,
         "duplicate key 'a' (first given on line 3)"),
        (CHAT + "session_attributes:\n  a: {b: c}\nsteps:\n  - say: hi\n", 3,
         "session_attributes.a: expected a single value, got a mapping"),
        (f"call: {TOY_FLOW}\nsteps:\n  - say: hi\n", 1, "unresolved placeholder(s) ${ToyBotAliasArn}"),
        (f"call: {TOY_BOT}\nsteps:\n  - say: hi\n", 1, "call: bad flow file"),
        (f"chat: {TOY_FLOW}\nsteps:\n  - say: hi\n", 1, "chat: bad bot file"),
        (CHAT + "steps:\n  - open_link:\n      click: Add\n", 4, "steps[1].open_link.click: unknown key"),
        (CHAT + "steps:\n  - say: [unclosed\n", 4, "not valid YAML"),
        ("- just\n- a list\n", 1, "a script is a mapping"),
    ],
)
def test_bad_scripts_fail_at_load_naming_line_and_field(tmp_path: Path, text: str, line: int, message: str) -> None:
    error = load_error(tmp_path, text)
    assert error.line == line
    assert str(error).startswith(f"{tmp_path / 'script.yaml'}:{line}: ")
    assert message in str(error)


def test_a_missing_file_is_reported_as_missing(tmp_path: Path) -> None:
    error = load_error(tmp_path, "chat: nowhere/bot.json\nsteps:\n  - say: hi\n")
    assert error.missing == tmp_path / "nowhere" / "bot.json"
    assert load_error(tmp_path, CHAT + "stesp: []\n").missing is None


def test_scalars_are_taken_as_written_and_paths_resolve_from_the_script_or_the_repo(tmp_path: Path) -> None:
    (tmp_path / "bots").mkdir()
    (tmp_path / "bots" / "mine.json").write_text(TOY_BOT.read_text())
    script = load(tmp_path, """\
        chat: bots/mine.json
        caller: +15550100123
        steps:
          - press: 0123
          - say: yes
        """)
    assert script.target == tmp_path / "bots" / "mine.json"
    assert script.caller == "+15550100123"
    assert script.steps == (Press(line=4, digits="0123"), Say(line=5, text="yes"))
    otp_call = load(tmp_path, OTP_CALL + "steps:\n  - silence: true\n")
    assert otp_call.target == REPO / "contact_flows" / "outbound_voice_otp.json"


def test_every_step_type_loads_with_its_line(tmp_path: Path) -> None:
    script = load(tmp_path, CALL + textwrap.dedent("""\
        steps:
          - say: hello
          - press: "1#"
          - silence: true
          - expect: Welcome
          - expect_sms: code
          - expect_call: verification
          - expect_error: Lex V1
          - expect_hangup: true
          - advance: 1.5
          - open_link:
              link: example
              expect: Add an authorised user
              fill: {name: Jane Doe}
              submit: Add
              expect_after: added
          - open_link: true
        """))
    assert [type(step).__name__ for step in script.steps] == [
        "Say", "Press", "Silence", "Expect", "ExpectSms", "ExpectCall", "ExpectError", "ExpectHangup",
        "Advance", "OpenLink", "OpenLink",
    ]  # fmt: skip
    assert [step.line for step in script.steps] == [*range(5, 15), 20]
    assert script.steps[3].describe() == "expect: 'Welcome'"
    assert script.steps[8] == Advance(line=13, seconds=1.5)
    visit = script.steps[9]
    assert isinstance(visit, OpenLink)
    assert visit.visit.fill == {"name": "Jane Doe"}
    assert visit.visit.submit == "Add"
    assert visit.visit.expect is not None
    assert visit.visit.expect.search("ADD AN AUTHORISED USER")


def test_a_substituted_placeholder_reference_is_known_by_both_spellings(tmp_path: Path) -> None:
    arn = "arn:aws:lex:us-east-1:123456789012:bot-alias/TOYBOT0001/TOYALIAS01"
    script = load(tmp_path, CALL + f"substitutions:\n  ToyBotAliasArn: {arn}\n" + BALANCE)
    assert script.flow is not None
    assert script.flow.action("ask").parameters["LexV2Bot"]["AliasArn"] == arn
    assert run_script(script).call is not None


# ---- calls -----------------------------------------------------------------------------------------------


def test_a_call_runs_and_hides_obfuscated_slot_values(tmp_path: Path) -> None:
    result = run(tmp_path, CALL + BALANCE + "  - expect: checking your balance\n  - expect: on its way\n"
                 "  - expect: goodbye\n  - expect_hangup: true\n")
    assert result.call is not None
    assert result.call.disconnected
    assert "my pin is {Pin}" in result.transcript
    assert "pressed {AccountNumber}" in result.transcript
    assert "4321" not in result.transcript
    assert "12345678" not in result.transcript


def test_expect_names_its_line_and_what_was_said_instead(tmp_path: Path) -> None:
    error = failure(tmp_path, CALL + "steps:\n  - expect: good morning\n  - say: help\n")
    assert error.line == 5
    assert error.problem == (
        f"{tmp_path / 'script.yaml'}:5: expect: 'good morning': expected the system to say /good morning/ "
        "but it said 'Welcome to Toy Bank.'"
    )
    assert "--- transcript so far ---\nSYSTEM > Welcome to Toy Bank.\nSYSTEM > How can I help you today?" in str(error)


def test_expect_with_nothing_said_while_the_flow_waits_fails(tmp_path: Path) -> None:
    error = failure(tmp_path, CALL + "steps:\n  - expect: welcome\n  - expect: how\n  - expect: more\n  - say: x\n")
    assert error.line == 7
    assert "expected the system to say /more/ but the bot is waiting for an answer" in error.problem


def test_what_no_step_expected_is_passed_over_when_the_caller_answers(tmp_path: Path) -> None:
    result = run(tmp_path, CALL + "steps:\n  - say: help\n  - expect: I can check balances\n")
    assert "Welcome to Toy Bank" in result.transcript


def test_steps_left_after_the_last_input_run_when_the_flow_ends(tmp_path: Path) -> None:
    run(tmp_path, OTP_CALL + "steps:\n  - press: 1\n  - expect: code is 2 0 4 8 6 3\n  - expect: press 1\n"
        "  - expect: goodbye\n  - expect_hangup: true\n")
    error = failure(tmp_path, OTP_CALL + "steps:\n  - press: 1\n  - expect: code\n  - expect: press 1\n"
                    "  - expect: goodbye\n  - expect: anything else\n")
    assert error.line == 9
    assert "expected the system to say /anything else/ but the call is over" in error.problem


def test_silence_takes_the_time_out_branch(tmp_path: Path) -> None:
    result = run(tmp_path, CALL + "steps:\n  - expect: welcome\n  - expect: how\n  - silence: true\n"
                 "  - expect: we did not hear you\n")
    assert "CALLER < (silence)" in result.transcript
    assert isinstance(load(tmp_path, CALL + "steps:\n  - silence: true\n").steps[0], Silence)


def test_input_after_the_call_ended_fails(tmp_path: Path) -> None:
    error = failure(tmp_path, OTP_CALL + "steps:\n  - silence: true\n  - expect_hangup: true\n  - say: hello?\n")
    assert error.line == 7
    assert error.problem.endswith("say: the call is over before this step")


def test_expect_hangup_while_the_flow_waits_fails(tmp_path: Path) -> None:
    error = failure(tmp_path, CALL + "steps:\n  - expect_hangup: true\n  - say: help\n")
    assert error.line == 5
    assert "expect_hangup: the call is still on: the bot is waiting for an answer" in error.problem


def test_a_flow_error_fails_the_script_unless_expected(tmp_path: Path) -> None:
    broken = TOY_FLOW.read_text().replace('"Welcome to Toy Bank."', '"Hi"').replace(
        '"Type": "MessageParticipant",\n      "Parameters": {"Text": "Hi"}',
        '"Type": "Teleport",\n      "Parameters": {"Text": "Hi"}',
    )
    (tmp_path / "flow.json").write_text(broken)
    header = f"call: flow.json\nbots:\n  ${{ToyBotAliasArn}}: {TOY_BOT}\n"
    error = failure(tmp_path, header + "steps:\n  - expect_hangup: true\n")
    assert error.line == 5
    assert "the flow stopped with an error: block 'welcome' (Teleport)" in error.problem
    error = failure(tmp_path, header + "steps:\n  - advance: 1\n")
    assert error.line == 1
    assert "(expect it with expect_error:)" in error.problem
    run(tmp_path, header + "steps:\n  - expect_error: does not support the action Type 'Teleport'\n")


def test_an_unmapped_lambda_takes_the_error_branch_and_the_transcript_says_why(tmp_path: Path) -> None:
    unmapped = TOY_FLOW.read_text().replace('"Welcome to Toy Bank."', '"Hi"').replace(
        '"Type": "MessageParticipant",\n      "Parameters": {"Text": "Hi"}',
        '"Type": "InvokeLambdaFunction",\n      '
        '"Parameters": {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:1:function:nobody"}',
    )
    (tmp_path / "flow.json").write_text(unmapped)
    header = f"call: flow.json\nbots:\n  ${{ToyBotAliasArn}}: {TOY_BOT}\n"
    result = run(tmp_path, header + "steps:\n  - expect_hangup: true\n")
    assert "block welcome: error NoMatchingError (no local handler is mapped for Lambda 'nobody') -> ask" in (
        result.transcript
    )


def test_expect_error_without_an_error_fails(tmp_path: Path) -> None:
    error = failure(tmp_path, OTP_CALL + "steps:\n  - expect_error: anything\n")
    assert error.problem.endswith("expected an error matching /anything/ but the flow ended without an error")


# ---- chats -----------------------------------------------------------------------------------------------


def test_a_chat_sends_session_attributes_once_and_dtmf_for_press(tmp_path: Path) -> None:
    events: list[dict[str, Any]] = []
    script = load(tmp_path, CHAT + "session_attributes:\n  tier: gold\n"
                  "code_hooks:\n  ToyBot: tests.e2e.hooks:toy_bot_hook\n"
                  "steps:\n  - say: order a large pizza\n  - say: thin\n  - press: '1'\n"
                  "  - expect: order placed. one large thin pizza\n")
    hook = script.code_hooks[0].handler

    def recording(event: dict[str, Any], context: Any) -> Any:
        events.append(event)
        return hook(event, context)

    run_script(dataclasses.replace(script, code_hooks=(HookRef("ToyBot", "test", recording),)))
    assert events[0]["sessionState"]["sessionAttributes"] == {"tier": "gold"}
    modes = [e["inputMode"] for e in events]
    assert modes[:2] == ["Text", "Text"]
    assert set(modes[2:]) == {"DTMF"}


def test_a_failed_turn_needs_expect_error_right_after(tmp_path: Path) -> None:
    header = CHAT + "code_hooks:\n  ToyBot: tests.e2e.hooks:broken_hook\n"
    error = failure(tmp_path, header + "steps:\n  - say: I want a pizza\n  - expect: size\n")
    assert error.line == 5
    assert "say: the bot's turn failed: CodeHookResponseError: Invalid Lambda Response" in error.problem
    run(tmp_path, header + "steps:\n  - say: I want a pizza\n  - expect_error: CodeHookResponseError\n  - say: help\n")
    error = failure(tmp_path, header + "steps:\n  - say: help\n  - expect_error: x\n")
    assert error.problem.endswith("expected an error matching /x/ but the last turn did not fail")


def test_a_failing_chat_keeps_obfuscated_values_out_of_its_message(tmp_path: Path) -> None:
    error = failure(tmp_path, CHAT + BALANCE + "  - expect: your balance is 100\n")
    assert "{Pin}" in str(error)
    assert "4321" not in str(error)
    assert "12345678" not in str(error)


def test_expect_with_nothing_more_said_in_a_chat_fails(tmp_path: Path) -> None:
    error = failure(tmp_path, CHAT + "steps:\n  - say: check my balance\n  - expect: account\n  - expect: more\n")
    assert error.problem.endswith("expected the bot to say /more/ but the bot has said nothing more")


# ---- the phone, the clock, links ----------------------------------------------------------------------


def test_expect_sms_and_expect_call_check_the_phone_in_order(tmp_path: Path) -> None:
    script = load(tmp_path, CHAT + "steps:\n  - expect_sms: your code is \\d{6}\n  - expect_call: hello\n"
                  "  - expect_sms: link\n")
    world = World(script)
    world.phone.receive_sms("+15550100999", "Your code is 123456", at=0.0)
    world.phone.answer("+15550100999", "c-1", at=0.0)
    world.phone.hear("<speak>Hello there</speak>", ssml=True)
    world.phone.hang_up()
    with pytest.raises(ScriptFailure) as raised:
        run_script(script, world=world)
    assert raised.value.line == 5
    assert raised.value.problem.endswith("expected an SMS matching /link/ but no new SMS reached +15550100100")
    assert "PHONE  < SMS from +15550100999: Your code is {code}" in raised.value.transcript  # never shown in clear
    assert "PHONE  < call from +15550100999: 'Hello there'" in raised.value.transcript


def test_expect_call_reports_what_the_call_said(tmp_path: Path) -> None:
    script = load(tmp_path, CHAT + "steps:\n  - expect_call: goodbye\n")
    assert isinstance(script.steps[0], ExpectCall)
    world = World(script)
    world.phone.answer("+15550100999", "c-1", at=0.0)
    world.phone.hear("Hello", ssml=False)
    with pytest.raises(ScriptFailure, match=r"expected a call saying /goodbye/ but it said 'Hello'"):
        run_script(script, world=world)


def test_advance_moves_the_clock(tmp_path: Path) -> None:
    script = load(tmp_path, CHAT + "steps:\n  - advance: 600\n")
    world = World(script)
    before = world.clock.now()
    result = run_script(script, world=world)
    assert 600 <= world.clock.now() - before < 660
    assert "600 s pass" in result.transcript
    assert not world.runtime_started


def test_open_link_without_an_sms_fails_naming_the_phone(tmp_path: Path) -> None:
    error = failure(tmp_path, CHAT + "steps:\n  - open_link:\n      expect: Add\n")
    assert error.line == 3
    assert "open_link: no SMS reached +15550100100: no link to open" in error.problem


def test_open_link_without_a_link_in_the_sms_fails(tmp_path: Path) -> None:
    script = load(tmp_path, CHAT + "steps:\n  - open_link: true\n")
    world = World(script)
    world.phone.receive_sms("+15550100999", "Your code is 123456", at=0.0)
    with pytest.raises(ScriptFailure, match="the latest SMS has no link"):
        run_script(script, world=world)


def test_open_link_tamper_must_be_known(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match=r"steps\[1\]\.open_link\.tamper: one of signature, scope, customer"):
        load(tmp_path, CHAT + "steps:\n  - open_link:\n      tamper: header\n")


# ---- redaction -------------------------------------------------------------------------------------------


def test_hidden_spans_recover_what_lex_obfuscated() -> None:
    assert hidden_spans("my pin is 4321", "my pin is {Pin}") == [("Pin", "4321")]
    assert hidden_spans("4321", "{Pin}") == [("Pin", "4321")]
    assert hidden_spans("same", "same") == []
    assert hidden_spans("abc", "x {Pin}") is None
    redactor = Redactor()
    redactor.learn_caller("it is 12 and 34", "it is {A} and {B}")
    redactor.learn_caller("mangled", "nothing alike {X}")
    assert redactor("A 12, B 34, mangled") == "A {A}, B {B}, {" + HIDDEN + "}"


# ---- the command line ------------------------------------------------------------------------------------


def test_cli_script_prints_transcripts_and_stops_at_the_first_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, CHAT + "steps:\n  - say: help\n  - expect: I can\n", "good.yaml")
    bad = write(tmp_path, CHAT + "steps:\n  - say: help\n  - expect: nope\n", "bad.yaml")
    assert main(["script", str(good)]) == 0
    out = capsys.readouterr().out
    assert f"=== {good} (chat: " in out
    assert "toy_bot.json) ===" in out
    assert "BOT    > I can check balances and order pizza." in out
    assert "=== passed: 2 steps ===" in out
    assert main(["script", str(bad), str(good)]) == 1
    out = capsys.readouterr().out
    assert f"=== FAILED: {bad}:4: expect: 'nope'" in out
    assert str(good) not in out


def test_cli_script_rejects_a_bad_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, CHAT + "steps:\n  - sya: hi\n")
    assert main(["script", str(bad)]) == 2
    assert f"{bad}:3: steps[1]: unknown step 'sya' (did you mean 'say'?)" in capsys.readouterr().err


def cli_call(monkeypatch: pytest.MonkeyPatch, typed: str, *extra: str) -> int:
    """``python -m sim call`` on the toy flow, with ``typed`` as the terminal input."""
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    bot = f"--bot=${{ToyBotAliasArn}}={TOY_BOT}"
    return main(["call", str(TOY_FLOW), bot, *extra])


def test_cli_call_lets_a_person_be_the_caller(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_call(monkeypatch, "check my balance\n#12345678\nmy pin is 4321\n", "--caller", "+15550100123") == 0
    out = capsys.readouterr().out
    assert "SYSTEM > Welcome to Toy Bank." in out
    assert "you (words, or #keys)> " in out
    assert "CALLER < pressed {AccountNumber}" in out
    assert "CALLER < said 'my pin is {Pin}'" in out
    assert "4321" not in out
    assert "SYSTEM > Your balance is on its way by text message." in out
    assert out.rstrip().endswith("--- the call is over ---")


@pytest.mark.parametrize("typed", ["/hangup\n", ""])
def test_cli_call_ends_on_hangup_or_end_of_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], typed: str
) -> None:
    assert cli_call(monkeypatch, typed) == 0
    out = capsys.readouterr().out
    assert "the caller hung up" in out
    assert "BOT    >" not in out


def test_cli_call_hook_option_and_bad_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = "--hook=ToyBot=tests.e2e.hooks:toy_bot_hook"
    assert cli_call(monkeypatch, "order a small pizza\ndeep dish\n", hook) == 0
    assert "BOT    > A thick crust only comes medium or large. What size?" in capsys.readouterr().out
    assert cli_call(monkeypatch, "", "--hook=ToyBot") == 2
    assert "--hook expects REF=VALUE" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        cli_call(monkeypatch, "", "--caller=555")
    assert refused.value.code == 2
    assert "'555' is not an E.164 number" in capsys.readouterr().err
    assert main(["call", str(TOY_FLOW)]) == 2
    assert "unresolved placeholder(s) ${ToyBotAliasArn}" in capsys.readouterr().err
