"""A moto account with the voice-login resources, the functions' environment set, and helpers for events."""

from __future__ import annotations

import json
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
    """An API Gateway HTTP API payload v2 event, as the page's fetch() produces it."""
    all_headers = {"host": "api.example.com", "user-agent": "pytest", **(headers or {})}
    if token is not None:
        all_headers["authorization"] = f"Bearer {token}"
    if origin is not None:
        all_headers["origin"] = origin
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "", "headers": all_headers,
        "requestContext": {"accountId": "123456789012", "apiId": "api1", "domainName": "api.example.com",
                           "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1",
                                    "userAgent": "pytest"},
                           "requestId": "r1", "routeKey": "$default", "stage": "$default", "time": "",
                           "timeEpoch": 0},
        "isBase64Encoded": base64_body,
    }
    if raw_body is not None:
        event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body)
    return event
