"""Settings of the voice-login functions, validated into frozen dataclasses at first use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lambdas.common.core.config import cached, load, setting

MAX_GRANT_TTL_SECONDS = 900  # a link lives at most 15 minutes
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


def _check_page_url(url: str, field: str) -> None:
    """``url`` is https (http only on loopback, for the local runtime), with no query or fragment."""
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname is not None and (parts.netloc.split(":")[0] in _LOCAL_HOSTS)
    if parts.scheme != "https" and not local:
        raise ValueError(f"{field} must be an https URL, got {url!r}")
    if not parts.netloc or parts.query or parts.fragment or "#" in url:
        raise ValueError(f"{field} must have a host and no query or fragment, got {url!r}")


@dataclass(frozen=True, kw_only=True)
class GrantSettings:
    """The signing key, the audience and the lifetime of a grant, and the table that spends them."""

    signing_key_id: str = setting("GRANT_SIGNING_KEY_ID")
    audience: str = setting("GRANT_AUDIENCE")
    ttl_seconds: int = setting("GRANT_TTL_SECONDS", 600, minimum=60, maximum=MAX_GRANT_TTL_SECONDS)
    public_key_pem: str = setting("GRANT_PUBLIC_KEY_PEM", "")  # optional: else GetPublicKey once per container
    grants_table: str = setting("GRANTS_TABLE_NAME")

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[\x21-\x7e]{1,200}", self.audience):
            raise ValueError(f"GrantSettings.audience must be 1..200 printable characters, got {self.audience!r}")


@dataclass(frozen=True, kw_only=True)
class FulfillmentSettings:
    """What the Lex fulfillment needs: the phone-banking app client, sessions, accounts, the page."""

    client_id: str = setting("PHONE_BANKING_CLIENT_ID")
    client_secret_arn: str = setting("PHONE_BANKING_CLIENT_SECRET_ARN")
    sessions_table: str = setting("SESSIONS_TABLE_NAME")
    session_ttl_seconds: int = setting("AUTH_SESSION_TTL_SECONDS", 900, minimum=60, maximum=3600)
    accounts_table: str = setting("ACCOUNTS_TABLE_NAME")
    page_url: str = setting("LINK_PAGE_URL")

    def __post_init__(self) -> None:
        _check_page_url(self.page_url, "FulfillmentSettings.page_url")


@dataclass(frozen=True, kw_only=True)
class ApiSettings:
    """What the link's API needs: the accounts table, the page's origin (CORS), a per-grant request limit."""

    accounts_table: str = setting("ACCOUNTS_TABLE_NAME")
    page_origin: str = setting("PAGE_ORIGIN")
    max_requests_per_grant: int = setting("GRANT_MAX_REQUESTS", 20, minimum=2, maximum=100)

    def __post_init__(self) -> None:
        _check_page_url(self.page_origin, "ApiSettings.page_origin")
        if urlsplit(self.page_origin).path not in ("", "/"):
            raise ValueError(f"ApiSettings.page_origin must be an origin (no path), got {self.page_origin!r}")


grant_settings = cached(lambda: load(GrantSettings))
fulfillment_settings = cached(lambda: load(FulfillmentSettings))
api_settings = cached(lambda: load(ApiSettings))
