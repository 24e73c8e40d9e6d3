"""Settings only the voice-OTP functions read."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.common.core.config import cached, load, setting


@dataclass(frozen=True)
class AuthFlowSettings:
    """How the Define trigger sequences challenges (its attempt limit is the OTP policy's)."""

    passwordless: bool = setting("AUTH_PASSWORDLESS", False)


auth_flow_settings = cached(lambda: load(AuthFlowSettings))
