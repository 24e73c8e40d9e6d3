"""This project's pages as the local runtime serves them: the directory, and the routes of the API behind it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from lambdas.voice_login.routes import ROUTES as VOICE_LOGIN_ROUTES
from sim.web.http_api import Handler

REPO = Path(__file__).resolve().parents[2]
VOICE_LOGIN_PAGE = REPO / "web" / "voice_login"
VOICE_LOGIN_API_FUNCTION = "voice-login-api"


def voice_login_routes(handler: Handler) -> Mapping[str, Handler]:
    """The link API's routes to ``handler``, preflights included (the function answers CORS, as deployed)."""
    return {key: handler for path, method in VOICE_LOGIN_ROUTES.items() for key in (f"{method} {path}",
                                                                                     f"OPTIONS {path}")}
