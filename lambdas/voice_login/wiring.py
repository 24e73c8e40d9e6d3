"""Builds the voice-login objects from settings, once per container (no AWS client is created here)."""

from __future__ import annotations

from typing import Any

from lambdas.common.core.caches import per_container
from lambdas.common.core.secrets import hmac_key_loader, json_secret_loader
from lambdas.common.delivery.sms import sms_sender
from lambdas.common.otp.settings import hashing_otp_settings, otp_policy
from lambdas.common.otp.store import DynamoOtpStore
from lambdas.voice_login.accounts import AccountStore
from lambdas.voice_login.grants import GrantLedger
from lambdas.voice_login.identity import PhoneBankingDirectory
from lambdas.voice_login.links import GrantSigner, GrantVerifier, fetch_public_key, load_public_key_pem
from lambdas.voice_login.login import VoiceLogin
from lambdas.voice_login.sessions import AuthSessions
from lambdas.voice_login.settings import api_settings, fulfillment_settings, grant_settings


@per_container
def voice_login() -> VoiceLogin:
    """The fulfillment's method object."""
    settings, grants, otp = fulfillment_settings(), grant_settings(), hashing_otp_settings()
    return VoiceLogin(
        store=DynamoOtpStore(otp.table_name, hmac_key_loader(otp.hash_secret_arn), otp_policy()),
        directory=PhoneBankingDirectory(client_id=settings.client_id,
                                        client_secret=json_secret_loader(settings.client_secret_arn)),
        sessions=AuthSessions(settings.sessions_table, settings.session_ttl_seconds),
        accounts=AccountStore(settings.accounts_table),
        signer=GrantSigner(key_id=grants.signing_key_id, audience=grants.audience, ttl_seconds=grants.ttl_seconds),
        sms=sms_sender,
        page_url=settings.page_url,
        ttl_seconds=grants.ttl_seconds,
    )


@per_container
def public_key() -> Any:
    """The grant key's public half: configured, or fetched with one GetPublicKey per container."""
    settings = grant_settings()
    if settings.public_key_pem:
        return load_public_key_pem(settings.public_key_pem)
    return fetch_public_key(settings.signing_key_id)


@per_container
def verifier() -> GrantVerifier:
    """The API's grant verifier."""
    settings = grant_settings()
    return GrantVerifier(public_key=public_key, key_id=settings.signing_key_id, audience=settings.audience)


@per_container
def ledger() -> GrantLedger:
    """The API's grants table."""
    return GrantLedger(grant_settings().grants_table)


@per_container
def accounts() -> AccountStore:
    """The API's accounts table."""
    return AccountStore(api_settings().accounts_table)
