"""Builds the OTP store and the voice OTP method from settings, once per container (no AWS client here)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from lambdas.common.config import ConfigError
from lambdas.common.delivery import VoiceCallSender
from lambdas.common.keys import hmac_key_loader
from lambdas.common.otp import OtpStore
from lambdas.common.settings import hashing_otp_settings, otp_policy, otp_settings, voice_settings
from lambdas.common.voice_otp import VoiceOtpMethod


@functools.cache
def _hmac_key() -> Callable[[], bytes]:
    """The one cached loader of the HMAC key, shared by the store and the decoy numbers."""
    return hmac_key_loader(hashing_otp_settings().hash_secret_arn)


def _no_hmac_key() -> bytes:
    """The key of a function that never hashes (no ``OTP_HASH_SECRET_ARN``, no right to read the secret)."""
    raise ConfigError("missing environment variable(s): OTP_HASH_SECRET_ARN")


@functools.cache
def otp_store(*, hashing: bool = True) -> OtpStore:
    """The configured OTP store; ``hashing=False`` for functions that never issue or check a code (the voice
    prompt reveals a sealed copy, the admin function clears a count)."""
    settings = hashing_otp_settings() if hashing else otp_settings()
    return OtpStore(settings.table_name, _hmac_key() if hashing else _no_hmac_key, otp_policy(),
                    code_key_id=settings.code_key_id)


@functools.cache
def voice_otp_method() -> VoiceOtpMethod:
    """The configured method; the call sender (and its settings) load only when a call is placed."""
    return VoiceOtpMethod(otp_store(), hmac_key=_hmac_key(), sender=lambda: VoiceCallSender(voice_settings()))


def clear_caches() -> None:
    """Forget what was built (tests and the local runtime change the environment)."""
    for cache in (_hmac_key, otp_store, voice_otp_method):
        cache.cache_clear()
