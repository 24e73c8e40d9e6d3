"""The typed HTTP API v2 view the link API reads: method, path, headers and body, or the field at fault."""

from __future__ import annotations

from typing import Any

import pytest

from lambdas.events.http_api import HttpApiEvent, MalformedEventError
from tests.conftest import load_event


def test_reads_the_recorded_event() -> None:
    raw = load_event("apigw_http_v2_request")
    event = HttpApiEvent(raw)
    assert event.method == raw["requestContext"]["http"]["method"].upper()
    assert event.raw_path == raw["rawPath"]
    assert event.headers == {k.lower(): v for k, v in raw["headers"].items()}
    assert event.body == (raw.get("body") or "")
    assert event.is_base64_encoded is bool(raw.get("isBase64Encoded"))


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda e: e.pop("requestContext"), "requestContext"),
    (lambda e: e["requestContext"]["http"].update(method=7), "method"),
    (lambda e: e.pop("rawPath"), "rawPath"),
    (lambda e: e.update(isBase64Encoded="yes"), "isBase64Encoded"),
    (lambda e: e.update(body=5), "body"),
])
def test_a_malformed_event_names_its_field(mutate: Any, field: str) -> None:
    raw = load_event("apigw_http_v2_request")
    mutate(raw)
    with pytest.raises(MalformedEventError, match=field):
        _read_all(raw)


def _read_all(raw: Any) -> None:
    event = HttpApiEvent(raw)
    _ = (event.body, event.is_base64_encoded)


def test_headers_that_are_not_text_are_dropped() -> None:
    raw = load_event("apigw_http_v2_request")
    raw["headers"] = {"Authorization": 7, "origin": "https://page.example"}
    assert HttpApiEvent(raw).headers == {"origin": "https://page.example"}
