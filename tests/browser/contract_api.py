"""A test double of the C1 transaction API (not of the page): the contract the page is built against.

``GET /v1/link`` and ``POST /v1/authorized-users`` with a bearer grant, in-memory single-use grants, and the
field rules of ``web/voice_login/rules.json``. The real handler (``lambdas.voice_login.api.handler``) replaces
it when both exist; the page must not be able to tell the difference.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

RULES = json.loads((Path(__file__).resolve().parents[2] / "web" / "voice_login" / "rules.json").read_text())
SCOPE = "add_authorized_user"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAME_PUNCTUATION = set(" '-.")


class Clock:
    """A clock the test moves."""

    def __init__(self, now: float | None = None) -> None:
        self.now = now if now is not None else datetime.now(UTC).timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Grant:
    expires_at: int
    used: bool = False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class ContractApi:
    """The API as the contract describes it."""

    clock: Clock = field(default_factory=Clock)
    grants: dict[str, Grant] = field(default_factory=dict)
    added: list[dict[str, str]] = field(default_factory=list)
    calls: list[tuple[str, str | None]] = field(default_factory=list)  # (routeKey, bearer token)
    forced: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, ttl_seconds: int = 600) -> str:
        """A new grant, shaped like a compact JWS."""
        header = _b64(b'{"alg":"ES256","typ":"JWT"}')
        payload = _b64(json.dumps({"jti": secrets.token_hex(8), "scope": SCOPE}).encode())
        token = f"{header}.{payload}.{_b64(secrets.token_bytes(64))}"
        self.grants[token] = Grant(expires_at=int(self.clock()) + ttl_seconds)
        return token

    def force_next(self, status: int, body: dict[str, Any]) -> None:
        """Answer the next call with ``status`` and ``body`` (rate limits, outages, server-only rules)."""
        self.forced.append((status, body))

    def routes(self) -> dict[str, Any]:
        return {"GET /v1/link": self.handler, "POST /v1/authorized-users": self.handler}

    def handler(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        authorization = event["headers"].get("authorization", "")
        token = authorization[7:] if authorization.startswith("Bearer ") else None
        self.calls.append((event["routeKey"], token))
        if self.forced:
            return _json(*self.forced.pop(0))
        with self._lock:
            refusal = self._refusal(token)
            if refusal:
                return refusal
            assert token is not None
            grant = self.grants[token]
            if event["routeKey"] == "GET /v1/link":
                return _json(200, {"status": "valid", "expiresAt": grant.expires_at, "scope": SCOPE})
            body = _body(event)
            errors = validate(body, today=datetime.fromtimestamp(self.clock(), UTC).date())
            if errors:
                return _json(400, {"error": "invalid_request", "fields": errors})
            grant.used = True
            user = {"fullName": body["fullName"], "relationship": body["relationship"]}
            self.added.append({**user, "dateOfBirth": body["dateOfBirth"]})
            return _json(201, {"status": "added", "authorizedUser": user})

    def _refusal(self, token: str | None) -> dict[str, Any] | None:
        grant = self.grants.get(token or "")
        if grant is None:
            return _json(401, {"error": "invalid_link"})
        if grant.used:
            return _json(409, {"error": "link_used"})
        if self.clock() >= grant.expires_at:
            return _json(410, {"error": "link_expired"})
        return None


def _json(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def _body(event: dict[str, Any]) -> Any:
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8", "replace")
    try:
        return json.loads(raw)
    except ValueError:
        return None


def validate(body: Any, *, today: date) -> dict[str, str]:
    """The contract's field rules, as the server applies them."""
    if not isinstance(body, dict):
        return {"body": "Expected a JSON object"}
    errors: dict[str, str] = {}
    name = body.get("fullName")
    if not (isinstance(name, str) and 0 < len(name) <= RULES["fullName"]["maxLength"] and name[0].isalpha()
            and all(ch.isalpha() or ch in _NAME_PUNCTUATION for ch in name)):
        errors["fullName"] = "Enter a valid full name"
    if body.get("relationship") not in RULES["relationships"]:
        errors["relationship"] = "Choose a relationship"
    errors.update(_date_of_birth(body.get("dateOfBirth"), today))
    return errors


def _date_of_birth(value: Any, today: date) -> dict[str, str]:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return {"dateOfBirth": "Enter a date as YYYY-MM-DD"}
    try:
        born = date.fromisoformat(value)
    except ValueError:
        return {"dateOfBirth": "Enter a real date"}
    if born > today:
        return {"dateOfBirth": "Date of birth must be in the past"}
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < RULES["minimumAge"]:
        return {"dateOfBirth": f"Must be at least {RULES['minimumAge']}"}
    return {}
