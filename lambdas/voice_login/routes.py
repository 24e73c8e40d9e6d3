"""The link API's routes: one definition for the function, the stack that deploys it and the local runtime."""

from __future__ import annotations

LINK_PATH = "/v1/link"
USERS_PATH = "/v1/authorized-users"
ROUTES = {LINK_PATH: "GET", USERS_PATH: "POST"}  # path -> method; each path also answers its CORS preflight
