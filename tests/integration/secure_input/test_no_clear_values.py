"""The whole C3 scenario with every log captured: no card number or ZIP may appear anywhere but the operator's
decrypted answer — not in a log line (ours, Powertools', botocore's at DEBUG, the emulators'), an exception, a
contact or session attribute, or a transcript. Covers every conversation script of tests/e2e/secure_card_*."""

from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path
from typing import Any

import pytest

from lambdas.secure_input import capture
from sim.aws.secure_input import DECRYPT_FUNCTION_ARN
from sim.scripts import World, load_script, run_script
from tests.conftest import load_event

E2E = Path(__file__).resolve().parents[2] / "e2e"
SCRIPTS = sorted(E2E.glob("secure_card_capture_*.yaml"))
# Every value the scripts give (valid or not), as digits and, for the spoken ones, as the words said.
CARDS = ["4111111111111111", "5555555555554444", "4000056655665556", "4111111111111112", "1234567890123456"]
ZIPS = ["98101", "02134", "981011234", "9810112"]
WORDS = ["nine eight one zero one", "four one one one one one one one one one one one one one one one"]


def leaks(text: str) -> list[str]:
    """Which secrets occur in ``text`` (digits with or without separators, bounded; or spoken words)."""
    found = [c for c in CARDS if re.search(r"\D?".join(c), text)]
    found += [z for z in ZIPS if re.search(r"(?<![0-9A-Za-z])" + r"[ -]?".join(z) + r"(?![0-9A-Za-z])", text)]
    found += [w for w in WORDS if w in text.lower()]
    return found


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture, lambda_logs: Any) -> Any:
    caplog.set_level(logging.DEBUG)  # botocore (requests and responses), sim.lex, werkzeug, ...
    return lambda: caplog.text + lambda_logs.getvalue()


def test_no_secret_anywhere_in_the_scenario(every_log: Any, capfd: pytest.CaptureFixture[str],
                                            lambda_context: Any) -> None:
    assert len(SCRIPTS) >= 5
    seen: list[tuple[str, str]] = []
    decrypted = None
    answers: list[dict[str, Any]] = []
    for path in SCRIPTS:
        script = load_script(path)
        with World(script) as world:
            result = run_script(script, world=world)
            seen += [(f"{path.name}: transcript", result.transcript), *((f"{path.name}: {w}", t)
                                                                         for w, t in world.recorded())]
            if path.name.endswith("_speech.yaml"):  # the operator opens the card, as in `make demo`
                from lambdas.secure_input.decrypt import handler
                from tools.decrypt import run

                stored = world.contact_attributes()

                def invoke(function: str, payload: dict[str, Any]) -> dict[str, Any]:
                    from sim.fakes import FakeLambdaContext

                    context: Any = FakeLambdaContext(function, timeout_seconds=10)
                    answers.append(handler(payload, context))
                    return {"ok": False, "error": "swallowed by the test"}  # so the CLI prints nothing

                run(["--function", DECRYPT_FUNCTION_ARN, "--contact-id", world.contact_id, "--field", "card",
                     "--ciphertext", stored["cardCiphertext"], "--reason", "leak test",
                     "--role-arn", world.runtime().secure_input.operator_role_arn], invoke=invoke)
                decrypted = answers[0].get("value")
    try:  # a malformed event holding a card number: the exception and its traceback must not quote it
        event = load_event("lexv2_dialog_code_hook")
        event["sessionState"]["intent"] = {"name": "CapturePayment", "slots": {"CardNumber": CARDS[0]}}
        capture.handler(event, lambda_context)
    except capture.CaptureEventError as error:
        seen.append(("exception", "".join(traceback.format_exception(error))))
    out, err = capfd.readouterr()
    seen += [("logs", every_log()), ("stdout", out), ("stderr", err)]
    assert decrypted == CARDS[0]  # the one place the value may be: the operator's answer
    assert len(every_log()) > 10_000  # the logs were really captured (botocore at DEBUG is verbose)
    found = {where: leaks(text) for where, text in seen if leaks(text)}
    assert found == {}
