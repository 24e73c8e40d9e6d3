"""Builds the voice OTP method from settings, once per container (no AWS client is created here)."""

from __future__ import annotations

import functools

from lambdas.common.delivery import VoiceCallSender
from lambdas.common.keys import hmac_key_loader
from lambdas.common.otp import OtpStore
from lambdas.common.settings import otp_settings, voice_settings
from lambdas.common.voice_otp import VoiceOtpMethod


@functools.cache
def voice_otp_method() -> VoiceOtpMethod:
    """The configured method; the call sender (and its settings) load only when a call is placed."""
    settings = otp_settings()
    key = hmac_key_loader(settings.hash_secret_arn)
    store = OtpStore(settings.table_name, key, settings.policy(), code_key_id=settings.code_key_id)
    return VoiceOtpMethod(store, hmac_key=key, sender=lambda: VoiceCallSender(voice_settings()))


@functools.cache
def otp_store() -> OtpStore:
    """The configured OTP store on its own (for the voice prompt function)."""
    settings = otp_settings()
    return OtpStore(
        settings.table_name,
        hmac_key_loader(settings.hash_secret_arn),
        settings.policy(),
        code_key_id=settings.code_key_id,
    )
