"""The ordering bot's demo scenario: the conversation scripts played on the local runtime, transcripts printed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sim.scripts import ScriptError, ScriptFailure, load_script, run_script

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = (
    ("menu, then an order confirmed with the texted code", "ordering_bot_menu_then_order.yaml"),
    ("a second order in the same session needs no code", "ordering_bot_second_order.yaml"),
    ("the code as a KMS-encrypted session attribute (the chat page's way)", "ordering_bot_encrypted_pin.yaml"),
    ("a client that claims auth=true gains nothing", "ordering_bot_forged_auth.yaml"),
    ("an unknown e-mail address: the same words, no SMS", "ordering_bot_unknown_email.yaml"),
    ("en español", "ordering_bot_spanish.yaml"),
)


def ordering_demo(*, say: Callable[[str], None] = print, first: int = 1) -> bool:
    """Play the ordering-bot scripts in ``tests/e2e``; True when every one passed."""
    ok = True
    for number, (title, name) in enumerate(SCRIPTS, start=first):
        say(f"--- {number}. ordering bot: {title} ---")
        try:
            result = run_script(load_script(REPO / "tests" / "e2e" / name))
        except (ScriptError, ScriptFailure) as exc:
            say(str(exc))
            ok = False
            continue
        say(result.transcript)
        say("")
    return ok
