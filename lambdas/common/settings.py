"""Frozen settings objects for the OTP functions, loaded once from the environment at first use."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.common.config import cached, load, setting
from lambdas.common.otp import POLICY_BOUNDS, OtpPolicy

_MIN_ATTEMPTS, _MAX_ATTEMPTS = POLICY_BOUNDS["max_attempts"]


@dataclass(frozen=True, kw_only=True)
class OtpSettings:
    """Where OTP state lives (the limits themselves are ``otp_policy()``)."""

    table_name: str = setting("OTP_TABLE_NAME")
    code_key_id: str | None = setting("OTP_CODE_KEY_ID", default=None)


@dataclass(frozen=True, kw_only=True)
class HashingOtpSettings(OtpSettings):
    """The OTP settings of a function that issues or checks codes: it also needs the HMAC key."""

    hash_secret_arn: str = setting("OTP_HASH_SECRET_ARN")


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
    max_attempts: int = setting("OTP_MAX_ATTEMPTS", OtpPolicy.max_attempts, minimum=_MIN_ATTEMPTS,
                                maximum=_MAX_ATTEMPTS)


otp_settings = cached(lambda: load(OtpSettings))
hashing_otp_settings = cached(lambda: load(HashingOtpSettings))
otp_policy = cached(lambda: load(OtpPolicy, prefix="OTP_"))  # OTP_LENGTH, OTP_TTL_SECONDS, ... within bounds
voice_settings = cached(lambda: load(VoiceSettings))
auth_flow_settings = cached(lambda: load(AuthFlowSettings))


def clear_caches() -> None:
    """Forget loaded settings (tests and the local runtime change the environment)."""
    for factory in (otp_settings, hashing_otp_settings, otp_policy, voice_settings, auth_flow_settings):
        factory.cache_clear()
