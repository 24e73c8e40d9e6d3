"""``python -m sim serve``: both pages up on loopback with a texted voice-login link waiting, the chat's SMS codes
relayed as they arrive, and a clean stop."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from typing import Any

import boto3

from sim.ordering.resources import BOT_ALIAS_ID, BOT_ID
from sim.serve import serve

STARTUP_SECONDS = 60


def _wait_for(lines: list[str], pattern: str, seconds: float) -> re.Match[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for line in list(lines):
            found = re.search(pattern, line)
            if found:
                return found
        time.sleep(0.05)
    raise AssertionError(f"nothing matched /{pattern}/ in {lines}")


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
        return response.status, response.read()


def test_serve_prints_both_pages_a_working_link_and_relays_the_chat_codes() -> None:
    lines: list[str] = []
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(serve(say=lines.append, until=stop.is_set, poll=0.05)))
    thread.start()
    try:
        link = _wait_for(lines, r"^  (http://127\.0\.0\.1:\d+/)#grant=(\S+)$", STARTUP_SECONDS)
        api = _wait_for(lines, r"API (http://127\.0\.0\.1:\d+)", 1)[1]
        chat = _wait_for(lines, r"^Ordering chat \(C4\): (http://127\.0\.0\.1:\d+/) ", 1)[1]
        page, grant = link[1], link[2]
        assert _get(page)[0] == 200
        status, body = _get(f"{api}/v1/link", {"authorization": f"Bearer {grant}", "origin": page.rstrip("/")})
        assert (status, json.loads(body)["status"]) == (200, "valid"), "the printed link is live"
        assert _get(chat)[0] == 200
        assert b'"botAliasId": "' + BOT_ALIAS_ID.encode() in _get(f"{chat}config.json")[1]

        lex: Any = boto3.session.Session().client("lexv2-runtime", endpoint_url=chat.rstrip("/"),
                                                  region_name="us-east-1", aws_access_key_id="sim",
                                                  aws_secret_access_key="sim")
        session = {"botId": BOT_ID, "botAliasId": BOT_ALIAS_ID, "localeId": "en_US", "sessionId": "serve-test-1"}
        menu = lex.recognize_text(**session, text="what's on the menu",
                                  sessionState={"sessionAttributes": {"email": "demo@example.com"}})
        lex.recognize_text(**session, text="pizza",
                           sessionState={"sessionAttributes": menu["sessionState"]["sessionAttributes"]})
        _wait_for(lines, r"^SMS to \+15550100100: .*\d{6}", 10)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert result == [0]
    assert not thread.is_alive()
