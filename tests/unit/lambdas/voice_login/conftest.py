"""A moto account with the voice-login resources, the functions' environment set, and helpers for events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lambdas.common.core import caches, clock
from sim.aws.voice_login_resources import (
    OTHER_CUSTOMER,
    Customer,
    VoiceLoginResources,
    create_voice_login_resources,
    seed_customer,
)

T0 = 1_800_000_000.0
CUSTOMER = Customer()


@dataclass
class Clock:
    """A settable clock the Lambda code reads."""

    now: float = T0

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def sim_clock() -> Iterator[Clock]:
    """The code's clock, stopped at T0 until advanced."""
    current = Clock()
    clock.set_source(lambda: current.now)
    yield current
    clock.set_source(None)


@pytest.fixture
def resources(moto_aws: None, sim_clock: Clock, monkeypatch: pytest.MonkeyPatch) -> VoiceLoginResources:
    """Everything the stack declares, two customers seeded, and the functions' environment set."""
    created = create_voice_login_resources(otp={"lockout_threshold": 5})
    for customer in (CUSTOMER, OTHER_CUSTOMER):
        seed_customer(created, customer)
    for key, value in created.function_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    caches.reset_all()
    return created


def lex_event(intent: str, *, slots: dict[str, str] | None = None, attributes: dict[str, str] | None = None,
              source: str = "FulfillmentCodeHook", session_id: str = "contact-1111") -> dict[str, Any]:
    """A Lex V2 code-hook event as Lex sends it (messageVersion 1.0)."""
    wire_slots = {name: {"shape": "Scalar", "value": {"originalValue": value, "interpretedValue": value,
                                                      "resolvedValues": [value]}}
                  for name, value in (slots or {}).items()}
    return {
        "messageVersion": "1.0", "invocationSource": source, "inputMode": "DTMF", "responseContentType": "text/plain",
        "sessionId": session_id, "inputTranscript": "", "bot": {"id": "BOT1", "name": "VoiceLoginBot",
                                                                  "aliasId": "ALIAS1", "aliasName": "live",
                                                                  "localeId": "en_US", "version": "1"},
        "interpretations": [], "requestAttributes": {},
        "sessionState": {"sessionAttributes": dict(attributes or {}),
                         "intent": {"name": intent, "slots": wire_slots, "state": "InProgress",
                                    "confirmationState": "None"}},
    }


def http_event(method: str, path: str, *, token: str | None = None, body: Any = None, origin: str | None = None,
               headers: dict[str, str] | None = None, raw_body: str | None = None,
               base64_body: bool = False) -> dict[str, Any]:
    """An API Gateway HTTP API payload v2 event, as the page's fetch() produces it (the runtime's own builder)."""
    from sim.scripts.link_visit import http_api_event

    return http_api_event(method, f"https://api.example.com{path}", token=token, body=body, origin=origin,
                          headers=headers, raw_body=raw_body, base64_body=base64_body)
