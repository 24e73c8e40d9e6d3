"""Builds the ordering bot from settings, once per container (no AWS client here)."""

from __future__ import annotations

from collections.abc import Callable

from lambdas.common.core.caches import per_container
from lambdas.common.core.secrets import hmac_key_loader
from lambdas.common.delivery.sms import sms_sender
from lambdas.common.otp.codes import CodeHasher
from lambdas.common.otp.settings import hashing_otp_settings
from lambdas.common.otp.store import DynamoOtpStore
from lambdas.ordering_bot.directory import PhoneDirectory
from lambdas.ordering_bot.ordering import OrderingBot
from lambdas.ordering_bot.pin import PinDecryptor
from lambdas.ordering_bot.session import SessionProofs
from lambdas.ordering_bot.settings import ordering_otp_policy, ordering_settings


@per_container
def _hmac_key() -> Callable[[], bytes]:
    """The one cached loader of the OTP HMAC key: code hashes, session proofs and decoy numbers."""
    return hmac_key_loader(hashing_otp_settings().hash_secret_arn)


@per_container
def ordering_bot() -> OrderingBot:
    """The configured bot; the SMS sender and the PIN decryptor load on first use."""
    settings = ordering_settings()
    policy = ordering_otp_policy()
    key = _hmac_key()
    return OrderingBot(
        store=DynamoOtpStore(hashing_otp_settings().table_name, key, policy),
        directory=PhoneDirectory(settings.directory_table_name),
        proofs=SessionProofs(CodeHasher(key), settings.session_ttl_seconds),
        hmac_key=key,
        sender=sms_sender,
        pins=lambda: PinDecryptor(settings.pin_key_id),
        code_ttl_seconds=policy.ttl_seconds,
    )
