"""Lex V2 runtime's ``RecognizeText`` over HTTP, at AWS's REST path, answered by the local :class:`LexRuntime`.

``POST /bots/{botId}/botAliases/{botAliasId}/botLocales/{localeId}/sessions/{sessionId}/text`` (the path in the
service model the SDKs are generated from) with a JSON body
(``text``, ``sessionState.sessionAttributes``, ``requestAttributes``), as the AWS SDKs send it: boto3's
``lexv2-runtime`` client and the JavaScript SDK's ``LexRuntimeV2Client`` work against it with only an
endpoint override. Errors carry Lex's ``x-amzn-ErrorType`` header and ``{"message"}`` body, never a trace.
Requests are not signature-checked (the local runtime has no IAM); everything else is validated.

A plain function from (method, path, headers, body) to (status, headers, body), so any server can mount it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from sim.aws import ACCOUNT_ID, REGION
from sim.lex.errors import BotNotFoundError, CodeHookError, LexEmulatorError
from sim.lex.service import LexRuntime

HttpResponse = tuple[int, dict[str, str], bytes]
ROUTE = re.compile(r"^/bots/(?P<bot>[^/]+)/botAliases/(?P<alias>[^/]+)/botLocales/(?P<locale>[^/]+)"
                   r"/sessions/(?P<session>[^/]+)/text$")
_ID = re.compile(r"^[0-9A-Z]{10}$")
_SESSION = re.compile(r"^[0-9a-zA-Z._:-]{2,100}$")  # RecognizeText's sessionId pattern and length
MAX_TEXT_CHARS = 1_024
MAX_BODY_BYTES = 64 * 1024


def alias_arn(bot_id: str, alias_id: str, *, region: str = REGION, account: str = ACCOUNT_ID) -> str:
    """The alias ARN the local runtime registers a bot under (the ids from the REST path)."""
    return f"arn:aws:lex:{region}:{account}:bot-alias/{bot_id}/{alias_id}"


def _error(status: int, kind: str, message: str) -> HttpResponse:
    body = json.dumps({"message": message}).encode()
    return status, {"Content-Type": "application/json", "x-amzn-ErrorType": kind}, body


def _string_map(value: Any, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError(f"{name} must map strings to strings")
    return dict(value)


class _Rejected(Exception):
    """A request Lex would refuse: the HTTP status, Lex's error type and a message."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.response = _error(status, kind, message)


def _parse(method: str, match: re.Match[str], body: bytes) -> dict[str, Any]:
    """The validated request, as keyword arguments of ``LexRuntime.recognize_text``."""
    if method != "POST":
        raise _Rejected(405, "ValidationException", "RecognizeText is POST")
    bot, alias, locale, session = (unquote(match[name]) for name in ("bot", "alias", "locale", "session"))
    if not (_ID.match(bot) and _ID.match(alias)):
        raise _Rejected(400, "ValidationException", "botId and botAliasId are 10 upper-case letters or digits")
    if not _SESSION.match(session):
        raise _Rejected(400, "ValidationException", "sessionId must be 2-100 characters of [0-9a-zA-Z._:-]")
    if len(body) > MAX_BODY_BYTES:
        raise _Rejected(413, "ValidationException", "request body too large")
    try:
        request = json.loads(body or b"{}")
        if not isinstance(request, dict):
            raise ValueError("the body must be a JSON object")
        text = request.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT_CHARS:
            raise ValueError(f"text must be a string of 1 to {MAX_TEXT_CHARS} characters")
        state = request.get("sessionState") or {}
        if not isinstance(state, dict):
            raise ValueError("sessionState must be an object")
        attributes = _string_map(state.get("sessionAttributes"), "sessionState.sessionAttributes")
        request_attributes = _string_map(request.get("requestAttributes"), "requestAttributes")
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Rejected(400, "ValidationException", str(exc)) from None
    return {"bot_alias_arn": alias_arn(bot, alias), "session_id": session, "text": text, "locale_id": locale,
            "session_attributes": attributes or None, "request_attributes": request_attributes or None}


def recognize_text(runtime: LexRuntime, method: str, path: str, headers: Mapping[str, str],
                   body: bytes) -> HttpResponse | None:
    """The HTTP answer for a RecognizeText request, or None when ``path`` is not one (for the caller to route)."""
    match = ROUTE.match(path.split("?", 1)[0])
    if match is None:
        return None
    try:
        response = runtime.recognize_text(**_parse(method, match, body))
    except _Rejected as rejected:
        return rejected.response
    except BotNotFoundError as exc:
        return _error(404, "ResourceNotFoundException", str(exc))
    except CodeHookError:
        return _error(424, "DependencyFailedException", "the bot's code hook failed (see the local runtime's log)")
    except LexEmulatorError as exc:
        return _error(400, "BadRequestException", str(exc))
    response.pop("ResponseMetadata", None)
    return 200, {"Content-Type": "application/json"}, json.dumps(response).encode()
