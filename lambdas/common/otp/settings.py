"""Where OTP state lives and the limits that govern it, loaded once per container from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.common.core.config import cached, load, setting
from lambdas.common.otp.policy import OtpPolicy


@dataclass(frozen=True, kw_only=True)
class OtpSettings:
    """Where OTP state lives (the limits themselves are ``otp_policy()``)."""

    table_name: str = setting("OTP_TABLE_NAME")
    code_key_id: str | None = setting("OTP_CODE_KEY_ID", default=None)


@dataclass(frozen=True, kw_only=True)
class HashingOtpSettings(OtpSettings):
    """The OTP settings of a function that issues or checks codes: it also needs the HMAC key."""

    hash_secret_arn: str = setting("OTP_HASH_SECRET_ARN")


otp_settings = cached(lambda: load(OtpSettings))
hashing_otp_settings = cached(lambda: load(HashingOtpSettings))
otp_policy = cached(lambda: load(OtpPolicy, prefix="OTP_"))  # OTP_LENGTH, OTP_TTL_SECONDS, ... within bounds
