"""The API Gateway HTTP API (payload format 2.0) event: the fields the link API reads.

Shape: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
Headers arrive lower-cased (repeated ones joined with commas). Powertools' event class is not used: importing
it loads every event class of its ``data_classes`` package on each cold start.
"""

from __future__ import annotations

from typing import Any

from lambdas.events.base import MalformedEventError, flag, mapping, optional_string, root, string


class HttpApiEvent:
    """Method, path, headers and body of one HTTP API request."""

    def __init__(self, event: object) -> None:
        self.raw_event: dict[str, Any] = root(event, "HTTP API")
        http = mapping(mapping(self.raw_event, "requestContext", "event"), "http", "requestContext")
        self.method = string(http, "method", "requestContext.http").upper()
        self.raw_path = string(self.raw_event, "rawPath", "event")
        # HTTP carries only text: a header that is not a string cannot have come from a client, so it is dropped
        # (a missing Authorization is then refused like any other bad credential, not as a malformed request)
        raw_headers = mapping(self.raw_event, "headers", "event", required=False)
        self.headers = {k.lower(): v for k, v in raw_headers.items() if isinstance(k, str) and isinstance(v, str)}

    @property
    def body(self) -> str:
        """The raw body ("" when absent); base64 when :attr:`is_base64_encoded`."""
        return optional_string(self.raw_event, "body", "event") or ""

    @property
    def is_base64_encoded(self) -> bool:
        """Whether API Gateway base64-encoded the body."""
        return flag(self.raw_event, "isBase64Encoded", "event")


__all__ = ["HttpApiEvent", "MalformedEventError"]
