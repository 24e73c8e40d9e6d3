"""The ordering chat page in a real browser (Playwright + Debian Chromium) against the local runtime.

Ask for the menu, order, read the SMS on the local phone, type the code (sent KMS-encrypted by the page, as
it does by default), see the order confirmed. A screenshot is kept under test-output/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sim.local_runtime import LocalRuntime
from sim.ordering.chat_server import ChatServer

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
TIMEOUT_MS = 30_000


def test_order_with_the_texted_code_in_a_real_browser(browser: Any) -> None:
    """Uses the session's one Chromium (tests/browser/conftest.py): a second sync Playwright in the same
    worker would start inside the first one's event loop, which Playwright refuses."""
    from playwright.sync_api import expect

    OUTPUT.mkdir(exist_ok=True)
    from lambdas.ordering_bot.hook import handler

    seen: list[tuple[str, bool]] = []  # (what the bot received as text, whether encryptedPin came along)

    def hook(event: dict[str, Any], context: Any) -> dict[str, Any]:
        attributes = event["sessionState"].get("sessionAttributes") or {}
        seen.append((event["inputTranscript"], "encryptedPin" in attributes))
        return handler(event, context)

    with LocalRuntime() as runtime, ChatServer(runtime, hook=hook) as server:
        context = browser.new_context()
        try:
            page = context.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(server.origin)
            expect(page.locator("#send")).to_be_enabled(timeout=TIMEOUT_MS)
            page.fill("#email", runtime.customer.email)
            bot = page.locator("#log li.bot")

            page.fill("#text", "what's on the menu?")
            page.click("#send")
            expect(bot.nth(1)).to_have_text("What would you like to order?", timeout=TIMEOUT_MS)
            expect(bot.nth(0)).to_have_text("Today's menu: pizza, burger, salad, tacos.")

            page.fill("#text", "pizza")
            page.click("#send")
            expect(bot.nth(2)).to_contain_text("we have texted a code to the phone on file", timeout=TIMEOUT_MS)
            expect(page.locator("#text")).to_have_attribute("type", "password")

            runtime.deliver_sms()
            sms = runtime.phone(runtime.customer.phone_number).sms
            assert len(sms) == 1
            code = re.search(r"\d{6}", sms[0].body)
            assert code is not None
            page.fill("#text", code[0])
            page.click("#send")
            expect(bot.nth(3)).to_have_text("Thank you! Your pizza is on its way.", timeout=TIMEOUT_MS)
            page.screenshot(path=str(OUTPUT / "ordering_chat.png"), full_page=True)

            assert code[0] not in page.locator("#log").inner_text(), "the page never shows the code"
            assert ("******", True) in seen, "the code went KMS-encrypted in encryptedPin, not as text"
            assert all(code[0] not in text for text, _ in seen)
            assert problems == []
        finally:
            context.close()
