"""``python -m sim``: one clear line and exit 2 for every user error, transcripts free of handler logs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import sim.__main__ as cli
from tests.third_party.harness import FIXTURES as THIRD_PARTY

REPO = Path(__file__).resolve().parents[3]
TOY_FLOW = REPO / "tests" / "fixtures" / "flows" / "toy_lex_call.json"
TOY_BOT = REPO / "tests" / "fixtures" / "bots" / "toy_bot.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        status = cli.main(list(argv))
    except SystemExit as exc:  # argparse: --help, and its errors
        status = int(exc.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_line_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status, out, err = run(capsys, *argv)
    assert status == cli.USAGE_ERROR, (out, err)
    assert out == ""
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err.strip()


def _write(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def _lookup_flow(tmp_path: Path) -> str:
    flow = {"Version": "2019-10-30", "StartAction": "look", "Actions": [
        {"Identifier": "look", "Type": "InvokeLambdaFunction", "Parameters": {"LambdaFunctionARN": "${LookupArn}"},
         "Transitions": {"NextAction": "say", "Errors": [{"ErrorType": "NoMatchingError", "NextAction": "say"}]}},
        {"Identifier": "say", "Type": "MessageParticipant", "Parameters": {"Text": "Tier $.External.tier"},
         "Transitions": {"NextAction": "bye"}},
        {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
    ]}  # fmt: skip
    return _write(tmp_path, "lookup.json", json.dumps(flow))


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: str(tmp / "missing.json"), "no such file"),
        (str, "is a directory, not a file"),
        (lambda tmp: _write(tmp, "empty.json", ""), "the file is empty"),
        (lambda tmp: _write(tmp, "text.json", "hello"), "not valid JSON"),
        (lambda tmp: str(TOY_BOT), "this is a Lex bot definition (BotLocales), not a flow"),
        (lambda tmp: str(THIRD_PARTY / "flows" / "vmx3-aws-test-flow.json"),
         "unresolved placeholder(s) ${AGENTWHISPER}"),
    ],
    ids=["missing", "directory", "empty", "not-json", "a-bot", "placeholder"],
)
def test_flow_file_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: Any, expected: str
) -> None:
    assert expected in one_line_error(capsys, "flow", make(tmp_path))


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["flow", "x.json", "--caller", "555"], "argument --caller: '555' is not an E.164 number"),
        (["flow", "x.json", "--press", "1a"], "argument --press: '1a' is not DTMF keys"),
        (["flow", "x.json", "--initiation", "inbound"], "argument --initiation: 'inbound' is not an InitiationMethod"),
        (["flow", "x.json", "--sub", "novalue"], "--sub expects REF=VALUE"),
        (["flow", "x.json", "--hook", "L=no_such_module:main"], "cannot import module 'no_such_module'"),
        (["call", "x.json", "--bot", "B=missing-bot.json"], "--bot B: no such file 'missing-bot.json'"),
        (["signin", "--otp", "12"], "argument --otp: a code is 6 digits, got 2 character(s)"),
        (["signin", "--otp", "12345a"], "a code is 6 digits"),
        (["signin", "--advance", "0"], "argument --advance: '0' must be a number of seconds greater than 0"),
        (["signin", "--advance", "nan"], "must be a number of seconds greater than 0"),
        (["signin", "--passwordless", "--password", "hunter2"], "--passwordless sends no password"),
        (["script", "missing.yaml"], "missing.yaml: no such file"),
        (["teleport"], "invalid choice: 'teleport'"),
    ],
)
def test_bad_options_are_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    error = one_line_error(capsys, *argv)
    assert expected in error
    assert "hunter2" not in error


def test_a_script_error_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    error = one_line_error(capsys, "script", _write(tmp_path, "bad.yaml", "call: [unclosed"))
    assert "bad.yaml" in error


def test_flow_runs_a_third_party_flow_with_subs_and_options(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "flow", str(THIRD_PARTY / "flows" / "cases-workshop-inbound.json"),
                           "--initiation", "API", "--caller", "+447700900123")  # fmt: skip
    assert status == 0, err
    assert out.splitlines()[-1].endswith(": an agent answers")


def test_flow_takes_bot_hook_and_press_like_call(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "flow", str(TOY_FLOW), "--bot", f"${{ToyBotAliasArn}}={TOY_BOT}",
                           "--hook", "ToyBot=tests.e2e.hooks:toy_bot_hook", "--press", "")  # fmt: skip
    assert status == 0, err
    assert "CALLER < (silence)" in out


def test_handler_logs_go_to_the_log_file_or_with_verbose_to_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    flow, log = _lookup_flow(tmp_path), tmp_path / "handlers.log"
    options = ["--hook", "${LookupArn}=tests.unit.sim.cli_hooks:logging_lookup", "--log-file", str(log)]
    status, out, err = run(capsys, "flow", flow, *options)
    assert status == 0, err
    assert "SYSTEM > Tier gold" in out
    assert "lookup ran" not in out + err
    assert '"message":"lookup ran"' in log.read_text()
    status, out, err = run(capsys, "flow", flow, *options, "--verbose")
    assert "lookup ran" not in out
    assert '"message":"lookup ran"' in err


def test_a_flow_error_prints_the_transcript_so_far_then_the_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    flow = {"Version": "2019-10-30", "StartAction": "hi", "Actions": [
        {"Identifier": "hi", "Type": "MessageParticipant", "Parameters": {"Text": "Hello"},
         "Transitions": {"NextAction": "odd"}},
        {"Identifier": "odd", "Type": "Teleport", "Parameters": {}, "Transitions": {}},
    ]}  # fmt: skip
    status, out, err = run(capsys, "flow", _write(tmp_path, "odd.json", json.dumps(flow)))
    assert status == cli.FAILED
    assert out.splitlines() == ["SYSTEM > Hello", "flow error: block 'odd' (Teleport): the flow interpreter "
                                "does not support the action Type 'Teleport'"]  # fmt: skip
    assert "Traceback" not in out + err


def test_an_internal_error_is_one_line_unless_verbose(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: Any) -> int:
        raise RuntimeError("the runtime broke")

    monkeypatch.setattr(cli, "_demo", broken)
    error = one_line_error(capsys, "demo")
    assert error == "python -m sim demo: internal error RuntimeError: the runtime broke (--verbose shows the traceback)"
    status, _, err = run(capsys, "demo", "--verbose")
    assert status == cli.USAGE_ERROR
    assert "Traceback" in err


@pytest.mark.parametrize("command", ["signin", "flow", "demo", "script", "call"])
def test_help_shows_examples(capsys: pytest.CaptureFixture[str], command: str) -> None:
    status, out, _ = run(capsys, command, "--help")
    assert status == 0
    assert "examples:" in out
    assert f"python -m sim {command}" in out.split("examples:")[1]


def test_it_runs_from_any_directory(tmp_path: Path) -> None:
    script = REPO / "sim" / "__main__.py"
    done = subprocess.run([sys.executable, str(script), "flow", "tests/fixtures/flows/billing.json", "--press", "1"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert "Traceback" not in done.stderr
    assert done.returncode in (0, 1), done.stderr
    assert done.stdout.startswith(("SYSTEM >", "       ·")), done.stdout


def test_script_paths_and_globs_resolve_from_the_repository_outside_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the shell leaves a glob that matches nothing here as written
    status, out, _ = run(capsys, "script", "tests/e2e/toy_bot_*_chat.yaml", "tests/e2e/toy_lex_call_balance.yaml")
    assert status == 0
    assert out.count("=== passed") == 4  # balance, broken hook and pizza chats, then the call
    assert "toy_bot_balance_chat.yaml" in out.split("=== passed")[0]
    error = one_line_error(capsys, "script", "tests/e2e/nothing_*.yaml")
    assert "script: tests/e2e/nothing_*.yaml: no such file (looked in " in error
    assert "script: tests/e2e: not a file" in one_line_error(capsys, "script", "tests/e2e")
