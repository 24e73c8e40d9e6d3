"""Settings only the ordering bot's code hook reads, validated once per container."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.common.core.config import cached, load, setting
from lambdas.common.otp.policy import OtpPolicy

DEFAULT_CODE_TTL_SECONDS = 60     # the source's one minute; OTP_TTL_SECONDS changes it within POLICY_BOUNDS
SESSION_TTL_BOUNDS = (60, 86_400)  # Lex V2's IdleSessionTTLInSeconds bounds
DEFAULT_SESSION_TTL_SECONDS = 300


@dataclass(frozen=True)
class OrderingOtpPolicy(OtpPolicy):
    """The OTP core's policy with the ordering bot's default validity (one minute, as in the source)."""

    ttl_seconds: int = DEFAULT_CODE_TTL_SECONDS


@dataclass(frozen=True, kw_only=True)
class OrderingSettings:
    """Where the phone directory is, which key decrypts ``encryptedPin``, how long an authenticated session lasts."""

    directory_table_name: str = setting("PHONE_DIRECTORY_TABLE_NAME")
    pin_key_id: str = setting("ORDERING_PIN_KEY_ID")
    session_ttl_seconds: int = setting("ORDERING_SESSION_TTL_SECONDS", DEFAULT_SESSION_TTL_SECONDS,
                                       minimum=SESSION_TTL_BOUNDS[0], maximum=SESSION_TTL_BOUNDS[1])


ordering_settings = cached(lambda: load(OrderingSettings))
ordering_otp_policy = cached(lambda: load(OrderingOtpPolicy, prefix="OTP_"))
