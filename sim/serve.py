"""``python -m sim serve``: the local runtime with both pages up, for a person to click through.

The voice-login call is played first (sign in, ask to add an authorised user), so a texted link is waiting;
the ordering chat page is served beside it. Every SMS the runtime sends afterwards (the chat's codes) is printed
as it arrives. Runs until ``until()`` says stop (Ctrl-C on the command line).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sim.ordering.chat_server import ChatServer
from sim.scripts import load_script, run_script
from sim.scripts.world import World

VOICE_LOGIN_CALL = Path(__file__).resolve().parent / "demos" / "voice_login_text_link.yaml"
POLL_SECONDS = 0.25


def serve(*, say: Callable[[str], None], until: Callable[[], bool], poll: float = POLL_SECONDS) -> int:
    """Start the runtime and both pages, print where they are, relay SMS until ``until()`` is true; 0 if stopped."""
    script = load_script(VOICE_LOGIN_CALL)
    with World(script) as world:
        run_script(script, world=world)
        runtime = world.runtime()
        site = runtime.voice_login_site
        link = world.phone.sms[-1].links[0]
        with ChatServer(runtime) as chat:
            say("Voice login (C1): the call signed customer 12345678 in and texted this single-use link to "
                f"{world.phone.number} (it works once, for 10 minutes):")
            say(f"  {link}")
            say(f"  page {site.page.url}  API {site.api.origin}  (the real lambdas.voice_login.api handler)")
            say(f"Ordering chat (C4): {chat.url}  (e-mail {runtime.customer.email}; the codes it texts appear here)")
            say("Ctrl-C stops.")
            seen = {number: len(phone.sms) for number, phone in runtime.phones.items()}
            while not until():
                runtime.deliver_sms()
                for number, phone in runtime.phones.items():
                    for sms in phone.sms[seen.get(number, 0):]:
                        say(f"SMS to {number}: {sms.body}")
                    seen[number] = len(phone.sms)
                time.sleep(poll)
    return 0
