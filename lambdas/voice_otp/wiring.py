"""Builds the OTP store and the voice OTP method from settings, once per container (no AWS client here)."""

from __future__ import annotations

from collections.abc import Callable

from lambdas.common.core.caches import per_container
from lambdas.common.core.config import ConfigError
from lambdas.common.core.secrets import hmac_key_loader
from lambdas.common.delivery.protocol import VoiceCaller
from lambdas.common.otp.settings import hashing_otp_settings, otp_policy, otp_settings
from lambdas.common.otp.store import DynamoOtpStore
from lambdas.voice_otp.method import VoiceOtpMethod


@per_container
def _hmac_key() -> Callable[[], bytes]:
    """The one cached loader of the HMAC key, shared by the store and the decoy numbers."""
    return hmac_key_loader(hashing_otp_settings().hash_secret_arn)


def _no_hmac_key() -> bytes:
    """The key of a function that never hashes (no ``OTP_HASH_SECRET_ARN``, no right to read the secret)."""
    raise ConfigError("missing environment variable(s): OTP_HASH_SECRET_ARN")


@per_container
def otp_store(*, hashing: bool = True) -> DynamoOtpStore:
    """The configured OTP store; ``hashing=False`` for functions that never issue or check a code (the voice
    prompt reveals a sealed copy, the admin function clears a count)."""
    settings = hashing_otp_settings() if hashing else otp_settings()
    return DynamoOtpStore(settings.table_name, _hmac_key() if hashing else _no_hmac_key, otp_policy(),
                          code_key_id=settings.code_key_id)


def _voice_sender() -> VoiceCaller:
    """The Connect call sender; imported on first use, so Verify and the prompt never load it."""
    from lambdas.common.delivery.voice import VoiceCallSender, voice_settings

    return VoiceCallSender(voice_settings())


@per_container
def voice_otp_method() -> VoiceOtpMethod:
    """The configured method; the call sender (and its settings) load only when a call is placed."""
    return VoiceOtpMethod(otp_store(), hmac_key=_hmac_key(), sender=_voice_sender)
