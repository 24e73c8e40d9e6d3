"""Read ``security_headers.json``: the headers CloudFront's policy and the local web server both send."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFINITION = Path(__file__).resolve().parent / "security_headers.json"
_DIRECTIVE = re.compile(r"[a-z][a-z-]*")
_SOURCE = re.compile(r"[^\s;,]+")  # one CSP source expression: no separators, so nothing can be injected
_HEADER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_FRAME_OPTIONS = ("DENY", "SAMEORIGIN")


class SecurityHeadersError(ValueError):
    """The definition file, or a source added to it, is malformed."""


@dataclass(frozen=True)
class StrictTransportSecurity:
    """HSTS as CloudFront models it."""

    max_age_seconds: int
    include_subdomains: bool
    preload: bool

    def header(self) -> str:
        """The ``Strict-Transport-Security`` value."""
        parts = [f"max-age={self.max_age_seconds}"]
        if self.include_subdomains:
            parts.append("includeSubDomains")
        if self.preload:
            parts.append("preload")
        return "; ".join(parts)


@dataclass(frozen=True)
class SecurityHeaders:
    """The validated definition."""

    csp: Mapping[str, tuple[str, ...]]
    hsts: StrictTransportSecurity
    content_type_options: str
    frame_options: str
    referrer_policy: str
    custom: Mapping[str, str]

    def content_security_policy(self, connect_src: Sequence[str] = ()) -> str:
        """The CSP with ``connect_src`` (the API's origin) added to ``connect-src``."""
        extra = tuple(_source(value) for value in connect_src)
        directives = dict(self.csp)
        directives["connect-src"] = (*directives.get("connect-src", ()), *extra)
        return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())

    def http_headers(self, connect_src: Sequence[str] = ()) -> dict[str, str]:
        """Every header, as a browser receives it (the local server sends exactly these)."""
        return {
            "Content-Security-Policy": self.content_security_policy(connect_src),
            "Strict-Transport-Security": self.hsts.header(),
            "X-Content-Type-Options": self.content_type_options,
            "X-Frame-Options": self.frame_options,
            "Referrer-Policy": self.referrer_policy,
            **self.custom,
        }


def load(path: Path = DEFINITION) -> SecurityHeaders:
    """Parse and validate the definition (a clear error names the bad field)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise SecurityHeadersError(f"{path.name}: expected an object")
    csp = _require(raw, "contentSecurityPolicy", dict)
    directives: dict[str, tuple[str, ...]] = {}
    for name, sources in csp.items():
        if not _DIRECTIVE.fullmatch(name) or not isinstance(sources, list) or not sources:
            raise SecurityHeadersError(f"contentSecurityPolicy.{name}: expected a directive and a list of sources")
        directives[name] = tuple(_source(source) for source in sources)
    hsts = _require(raw, "strictTransportSecurity", dict)
    max_age = hsts.get("maxAgeSeconds")
    if not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 31536000:
        raise SecurityHeadersError("strictTransportSecurity.maxAgeSeconds: expected at least one year (31536000)")
    frame_options = _require(raw, "frameOptions", str)
    if frame_options not in _FRAME_OPTIONS:
        raise SecurityHeadersError(f"frameOptions: expected one of {_FRAME_OPTIONS}")
    if _require(raw, "contentTypeOptions", str) != "nosniff":
        raise SecurityHeadersError("contentTypeOptions: nosniff is the only value (and CloudFront's only one)")
    custom = _require(raw, "customHeaders", dict)
    for name, value in custom.items():
        if not _HEADER_NAME.fullmatch(name) or not isinstance(value, str) or "\n" in value or "\r" in value:
            raise SecurityHeadersError(f"customHeaders.{name}: expected a header name and a one-line value")
    return SecurityHeaders(
        csp=directives,
        hsts=StrictTransportSecurity(max_age, bool(hsts.get("includeSubdomains")), bool(hsts.get("preload"))),
        content_type_options=_require(raw, "contentTypeOptions", str),
        frame_options=frame_options,
        referrer_policy=_require(raw, "referrerPolicy", str),
        custom=dict(custom),
    )


def _require(raw: Mapping[str, Any], key: str, kind: type) -> Any:
    value = raw.get(key)
    if not isinstance(value, kind):
        raise SecurityHeadersError(f"{key}: expected {kind.__name__}")
    return value


def _source(value: str) -> str:
    if not isinstance(value, str) or not _SOURCE.fullmatch(value):
        raise SecurityHeadersError(f"not a single CSP source expression: {value!r}")
    return value
