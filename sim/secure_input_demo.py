"""The C3 demo: a caller gives a card number and ZIP, only ciphertext is stored, an operator decrypts one value."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
from collections.abc import Callable
from typing import Any

from sim.aws.secure_input import BOT_PLACEHOLDER, DECRYPT_FUNCTION_ARN
from sim.local_runtime import REPO

Say = Callable[[str], None]
DEMO_CARD, DEMO_ZIP = "4111 1111 1111 1111", "98101"  # a public test card number; a Seattle ZIP
OPERATOR_SESSION = "demo-operator"


def _steps() -> tuple[Any, ...]:
    from sim.scripts.model import Expect, ExpectHangup, Say

    def expect(text: str) -> Expect:
        return Expect(line=0, pattern=re.compile(text, re.IGNORECASE))

    return (expect("not recorded"), expect("card number"), Say(line=0, text=DEMO_CARD), expect("zip code"),
            Say(line=0, text=f"my zip code is {DEMO_ZIP}"), expect("recorded securely"), expect("ending in"),
            ExpectHangup(line=0))


def secure_input_demo(*, say: Say = print) -> bool:
    """Play the capture call, show the stored attributes, decrypt the card as the operator, show the audit."""
    from lambdas.secure_input import audit
    from lambdas.secure_input.decrypt import handler as decrypt
    from sim.fakes import FakeLambdaContext
    from sim.scripts import World, call_setup, run_script
    from tools.decrypt import run as operator_cli

    script = call_setup(str(REPO / "contact_flows" / "secure_card_capture.json"),
                        bots=[f"${{{BOT_PLACEHOLDER}}}={REPO / 'bots' / 'secure_input.json'}"])
    script = dataclasses.replace(script, steps=_steps())
    with World(script) as world:
        result = run_script(script, world=world)
        say(result.transcript)
        stored = world.contact_attributes()
        say("\n[connect] contact attributes stored: " + ", ".join(
            f"{k} = {v[:24]}… ({len(v)} chars)" if len(v) > 24 else f"{k} = {v}" for k, v in sorted(stored.items())))
        runtime = world.runtime()

        def invoke(function: str, payload: dict[str, Any]) -> dict[str, Any]:
            context: Any = FakeLambdaContext(function, timeout_seconds=10)  # the LambdaContext protocol's fields
            answer: dict[str, Any] = decrypt(payload, context)
            return answer

        say(f"\n[operator] python -m tools.decrypt --function {DECRYPT_FUNCTION_ARN.rsplit(':', 1)[-1]} "
            f"--contact-id {world.contact_id} --field card --ciphertext <cardCiphertext> "
            f"--role-arn {runtime.secure_input.operator_role_arn} --reason 'demo: disputed payment'")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            status = operator_cli(["--function", DECRYPT_FUNCTION_ARN, "--contact-id", world.contact_id,
                                   "--field", "card", "--ciphertext", stored.get("cardCiphertext", ""),
                                   "--role-arn", runtime.secure_input.operator_role_arn,
                                   "--session-name", OPERATOR_SESSION, "--reason", "demo: disputed payment"],
                                  invoke=invoke)
        value = printed.getvalue().strip()
        say(f"[operator] exit {status}; the value printed once: {value}")
        say("[audit] " + "\n[audit] ".join(
            ", ".join(f"{k}={v}" for k, v in sorted(item.items()))
            for item in audit.records(runtime.secure_input.audit_table, world.contact_id)))
    return status == 0 and value == DEMO_CARD.replace(" ", "")
