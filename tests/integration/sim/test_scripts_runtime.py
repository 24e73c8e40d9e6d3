"""Conversation scripts on the local runtime: it starts on demand, shares the script's phone and clock."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from sim.scripts import World, load_script, run_script
from tests.e2e.hooks import toy_bot_hook

TOY_BOT = Path(__file__).resolve().parents[2] / "fixtures" / "bots" / "toy_bot.json"


def test_a_project_code_hook_starts_the_runtime_which_rings_the_scripts_phone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "signin.yaml"
    path.write_text(
        f"chat: {TOY_BOT}\n"
        "steps:\n"
        "  - advance: 120\n"
        "  - say: help\n"
        "  - expect: I can check balances\n"
        "  - say: I want a pizza\n"
        "  - expect: what size\n"
        r"  - expect_call: your verification code is( \d){6}\. again" "\n"
    )
    script = load_script(path)
    world = World(script)
    seen: dict[str, Any] = {}

    def project_hook(event: dict[str, Any], context: Any) -> Any:
        """Stands in for a project handler: the runtime is up when it runs; it signs the demo user in."""
        runtime = world.runtime()
        seen.update(started=world.runtime_started, skew=runtime.clock.now() - time.time())
        from lambdas.common.core import clock

        seen["lambda_clock_skew"] = clock.now() - time.time()
        if "signed_in" not in seen:
            seen["signed_in"] = runtime.cognito().initiate_auth(runtime.demo_user.username, runtime.demo_user.password)
        return toy_bot_hook(event, context)

    from sim import local_runtime as runtime_module

    handlers = {**runtime_module.project_handlers(), "ToyBot": project_hook}
    monkeypatch.setattr(runtime_module, "project_handlers", lambda: handlers)
    assert not world.runtime_started
    result = run_script(script, world=world)
    assert seen["started"] is True
    assert seen["skew"] >= 119
    assert seen["lambda_clock_skew"] >= 119  # the Lambdas read the script's clock, advanced before the start
    assert seen["signed_in"].challenge_name == "CUSTOM_CHALLENGE"
    assert "PHONE  < call from +15550100999: 'Hello. This is a call with the verification code" in result.transcript
    assert "Your verification code is" in result.transcript
    assert world.phone.calls[0].digits_heard()
