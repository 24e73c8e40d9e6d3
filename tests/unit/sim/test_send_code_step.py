"""The ``send_code`` step: the code from the latest SMS, typed (optionally wrong or in a sentence) or encrypted."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from sim.scripts import ScriptError, ScriptFailure, World, load_script, run_script
from sim.scripts.model import SendCode

REPO = Path(__file__).resolve().parents[3]
CHAT = f"chat: {REPO / 'tests' / 'fixtures' / 'bots' / 'toy_bot.json'}\ncode_hooks:\n  ToyBot: {{hook}}\n"
CALL = f"call: {REPO / 'contact_flows' / 'outbound_voice_otp.json'}\n" \
       "code_hooks:\n  ${VoiceOtpPromptFunctionArn}: tests.e2e.hooks:fake_otp_prompt\n"
SEEN: list[str] = []


def load(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "script.yaml"
    path.write_text(textwrap.dedent(text))
    return load_script(path)


def test_send_code_loads_its_forms(tmp_path: Path) -> None:
    script = load(tmp_path, CHAT.format(hook="tests.e2e.hooks:toy_bot_hook") + "steps:\n"
                  "  - send_code: true\n  - send_code: {wrong: true, say: 'my code is {code}'}\n"
                  "  - send_code: {encrypted: true}\n")
    assert script.steps == (SendCode(line=5), SendCode(line=6, template="my code is {code}", wrong=True),
                            SendCode(line=7, encrypted=True))
    assert script.steps[1].describe() == "send_code (wrong)"


@pytest.mark.parametrize(("steps", "message"), [
    ("  - send_code: false\n", "write send_code: true"),
    ("  - send_code: {say: 'no placeholder'}\n", "write {code} where the code goes"),
    ("  - send_code: {encrypted: true, say: '{code}'}\n", "an encrypted code is not said"),
    ("  - send_code: {wrnog: true}\n", "unknown key (did you mean 'wrong'?)"),
])
def test_bad_send_code_steps_fail_at_load(tmp_path: Path, steps: str, message: str) -> None:
    with pytest.raises(ScriptError, match=":5: ") as raised:
        load(tmp_path, CHAT.format(hook="tests.e2e.hooks:toy_bot_hook") + "steps:\n" + steps)
    assert message in str(raised.value)


def test_send_code_is_for_chats(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="is for chat scripts only"):
        load(tmp_path, CALL + "steps:\n  - send_code: true\n")


def test_send_code_types_the_latest_sms_code_and_a_wrong_one_differs(tmp_path: Path) -> None:
    SEEN.clear()
    script = load(tmp_path, CHAT.format(hook="tests.e2e.hooks:toy_bot_hook") + "steps:\n"
                  "  - send_code: {say: 'code {code} please'}\n  - send_code: {wrong: true}\n")
    world = World(script)
    world.phone.receive_sms("AWS-SNS", "Your order code is 111111.", at=0.0)
    world.phone.receive_sms("AWS-SNS", "Your order code is 204869. It expires in 1 minute(s).", at=0.0)
    turn = world.recognize_text

    def recording(**kwargs: Any) -> dict[str, Any]:
        SEEN.append(f"{kwargs['text']}|{kwargs['session_attributes'].get('encryptedPin', '')}")
        return turn(**kwargs)

    world.recognize_text = recording  # type: ignore[method-assign]
    run_script(script, world=world)
    assert SEEN == ["code 204869 please|", "204860|"]


def test_send_code_without_an_sms_fails_naming_the_phone(tmp_path: Path) -> None:
    script = load(tmp_path, CHAT.format(hook="tests.e2e.hooks:toy_bot_hook") + "steps:\n  - send_code: true\n")
    with pytest.raises(ScriptFailure, match=r":5: send_code: no SMS with a code has reached \+15550100100"):
        run_script(script)
