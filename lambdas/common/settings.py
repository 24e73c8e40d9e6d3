"""Frozen settings objects for the OTP functions, loaded once from the environment at first use."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.common.config import cached, load, setting
from lambdas.common.otp import OtpPolicy


@dataclass(frozen=True)
class OtpSettings:
    """Where OTP state lives and the limits that govern it (bounds mirror ``OtpPolicy``)."""

    table_name: str = setting("OTP_TABLE_NAME")
    hash_secret_arn: str = setting("OTP_HASH_SECRET_ARN")
    code_key_id: str | None = setting("OTP_CODE_KEY_ID", default=None)
    length: int = setting("OTP_LENGTH", 6, minimum=6, maximum=10)
    ttl_seconds: int = setting("OTP_TTL_SECONDS", 300, minimum=30, maximum=600)
    max_attempts: int = setting("OTP_MAX_ATTEMPTS", 3, minimum=1, maximum=10)
    lockout_threshold: int = setting("OTP_LOCKOUT_THRESHOLD", 10, minimum=1, maximum=100)
    lockout_seconds: int = setting("OTP_LOCKOUT_SECONDS", 900, minimum=1)
    resend_cooldown_seconds: int = setting("OTP_RESEND_COOLDOWN_SECONDS", 30, minimum=0)
    send_limit: int = setting("OTP_SEND_LIMIT", 5, minimum=1)
    send_window_seconds: int = setting("OTP_SEND_WINDOW_SECONDS", 3600, minimum=1)

    def policy(self) -> OtpPolicy:
        """The OTP policy these settings describe."""
        return OtpPolicy(
            length=self.length,
            ttl_seconds=self.ttl_seconds,
            max_attempts=self.max_attempts,
            lockout_threshold=self.lockout_threshold,
            lockout_seconds=self.lockout_seconds,
            resend_cooldown_seconds=self.resend_cooldown_seconds,
            send_limit=self.send_limit,
            send_window_seconds=self.send_window_seconds,
        )


@dataclass(frozen=True)
class VoiceSettings:
    """The Connect instance, outbound flow and caller ID used to place OTP calls."""

    instance_id: str = setting("CONNECT_INSTANCE_ID")
    contact_flow_id: str = setting("CONNECT_CONTACT_FLOW_ID")
    source_phone_number: str = setting("CONNECT_SOURCE_PHONE_NUMBER")


@dataclass(frozen=True)
class AuthFlowSettings:
    """How the Define trigger sequences challenges."""

    passwordless: bool = setting("AUTH_PASSWORDLESS", False)
    max_attempts: int = setting("OTP_MAX_ATTEMPTS", 3, minimum=1, maximum=10)


otp_settings = cached(lambda: load(OtpSettings))
voice_settings = cached(lambda: load(VoiceSettings))
auth_flow_settings = cached(lambda: load(AuthFlowSettings))


def clear_caches() -> None:
    """Forget loaded settings (tests and the local runtime change the environment)."""
    for factory in (otp_settings, voice_settings, auth_flow_settings):
        factory.cache_clear()
