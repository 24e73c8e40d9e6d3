"""Grants: KMS ES256 signing (moto), offline verification with joserfc, and every way a grant is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from lambdas.common.core import aws
from lambdas.common.core.errors import InternalError
from lambdas.voice_login import wiring
from lambdas.voice_login.links import (
    SCOPE_ADD_AUTHORIZED_USER,
    ExpiredLink,
    GrantSigner,
    GrantVerifier,
    InvalidLink,
    b64url,
    der_to_raw,
    fetch_public_key,
    key_id_of,
    load_public_key_pem,
)
from sim.aws.voice_login_resources import GRANT_AUDIENCE
from tests.aws_calls import count_aws_calls
from tests.unit.lambdas.voice_login.conftest import Clock

SCOPE = SCOPE_ADD_AUTHORIZED_USER


@dataclass(frozen=True)
class Key:
    """Only what grants need: the signing key (the full resources cost seconds per test)."""

    signing_key_id: str


@pytest.fixture
def resources(moto_aws: None, sim_clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Key:
    """A KMS ECC_NIST_P256 signing key, and the grant settings pointing at it."""
    key = aws.client("kms").create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")["KeyMetadata"]["Arn"]
    monkeypatch.setenv("GRANT_SIGNING_KEY_ID", key)
    monkeypatch.setenv("GRANT_AUDIENCE", GRANT_AUDIENCE)
    monkeypatch.setenv("GRANTS_TABLE_NAME", "unused")
    return Key(key)


def signer(resources: Key, ttl: int = 600) -> GrantSigner:
    return GrantSigner(key_id=resources.signing_key_id, audience=GRANT_AUDIENCE, ttl_seconds=ttl)


def verifier(resources: Key, audience: str = GRANT_AUDIENCE) -> GrantVerifier:
    return GrantVerifier(public_key=lambda: fetch_public_key(resources.signing_key_id),
                         key_id=resources.signing_key_id, audience=audience)


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    decode = lambda p: json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))  # noqa: E731
    return decode(header), decode(payload), signature


def encode(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value).encode())


def resign_locally(header: dict[str, Any], claims: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> str:
    """A well-formed ES256 JWS signed by a key that is not ours."""
    signing_input = f"{encode(header)}.{encode(claims)}"
    der = key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    return f"{signing_input}.{b64url(der_to_raw(der))}"


def test_a_minted_grant_verifies_and_carries_every_claim(resources: Key, sim_clock: Clock,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_aws_calls(monkeypatch)
    grant, token = signer(resources).mint("12345678")
    assert calls == {"kms:Sign": 1}  # one Sign per link, nothing else
    header, claims, _ = parts(token)
    assert header == {"alg": "ES256", "kid": key_id_of(resources.signing_key_id), "typ": "JWT"}
    assert claims == {"sub": "12345678", "scope": SCOPE, "aud": GRANT_AUDIENCE, "iat": int(sim_clock.now),
                      "exp": int(sim_clock.now) + 600, "jti": grant.jti}
    assert verifier(resources).verify(token, scope=SCOPE) == grant
    assert "arn:" not in token
    assert "123456789012" not in base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()


def test_each_grant_has_its_own_id(resources: Key) -> None:
    ids = {signer(resources).mint("12345678")[0].jti for _ in range(5)}
    assert len(ids) == 5


def test_the_signature_is_raw_r_s_that_the_kms_public_key_verifies(resources: Key) -> None:
    _, token = signer(resources).mint("12345678")
    signing_input, signature = token.rsplit(".", 1)
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = serialization.load_der_public_key(
        aws.client("kms").get_public_key(KeyId=resources.signing_key_id)["PublicKey"])
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))  # raises if wrong


def test_der_to_raw_keeps_leading_zero_bytes() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    for n in range(40):
        der = key.sign(b"m%d" % n, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        raw = der_to_raw(der)
        assert len(raw) == 64
        assert int.from_bytes(raw[:32], "big") == r
        assert int.from_bytes(raw[32:], "big") == s


def test_expiry_is_410_only_after_the_signature_holds(resources: Key, sim_clock: Clock) -> None:
    _, token = signer(resources, ttl=600).mint("12345678")
    sim_clock.advance(599)
    verifier(resources).verify(token, scope=SCOPE)
    sim_clock.advance(1)
    with pytest.raises(ExpiredLink):
        verifier(resources).verify(token, scope=SCOPE)
    header, claims, _ = parts(token)
    forged = resign_locally(header, claims, ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(InvalidLink):  # an expired forgery is invalid, not expired
        verifier(resources).verify(forged, scope=SCOPE)


@pytest.mark.parametrize("ttl", [0, -1, 901])
def test_the_signer_refuses_a_lifetime_over_15_minutes(ttl: int) -> None:
    with pytest.raises(ValueError, match="lifetime"):
        GrantSigner(key_id="k", audience="a", ttl_seconds=ttl)


def test_the_signer_refuses_a_malformed_customer_id(resources: Key) -> None:
    with pytest.raises(ValueError, match="customer id"):
        signer(resources).mint("12ab")


def _tamper_payload(token: str, **changes: Any) -> str:
    header, _claims, signature = token.split(".")
    decoded = parts(token)[1]
    decoded.update(changes)
    return f"{header}.{encode(decoded)}.{signature}"


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"), id="signature-edited"),
    pytest.param(lambda t: _tamper_payload(t, scope="close_account"), id="scope-edited"),
    pytest.param(lambda t: _tamper_payload(t, sub="87654321"), id="customer-edited"),
    pytest.param(lambda t: _tamper_payload(t, exp=parts(t)[1]["exp"] + 3600), id="expiry-extended"),
    pytest.param(lambda t: _tamper_payload(t, aud="other-app"), id="audience-edited"),
    pytest.param(lambda t: t.rsplit(".", 1)[0] + ".", id="signature-stripped"),
    pytest.param(lambda t: t + "." + t.split(".")[2], id="four-parts"),
    pytest.param(lambda t: " " + t, id="leading-space"),
    pytest.param(lambda t: t + "A" * 2048, id="oversize"),
    pytest.param(lambda t: "", id="empty"),
    pytest.param(lambda t: None, id="none"),
    pytest.param(lambda t: 12345, id="number"),
    pytest.param(lambda t: t.encode(), id="bytes"),
])
def test_a_tampered_or_malformed_grant_is_invalid(resources: Key, tamper: Any) -> None:
    _, token = signer(resources).mint("12345678")
    with pytest.raises(InvalidLink):
        verifier(resources).verify(tamper(token), scope=SCOPE)


def test_alg_none_is_refused(resources: Key) -> None:
    _, token = signer(resources).mint("12345678")
    header, claims, _ = parts(token)
    unsigned = f"{encode({**header, 'alg': 'none'})}.{encode(claims)}."
    with pytest.raises(InvalidLink):
        verifier(resources).verify(unsigned, scope=SCOPE)
    with pytest.raises(InvalidLink):
        verifier(resources).verify(unsigned + "c2ln", scope=SCOPE)


def test_alg_confusion_hs256_with_the_public_key_as_secret_is_refused(resources: Key) -> None:
    _, token = signer(resources).mint("12345678")
    header, claims, _ = parts(token)
    pem = serialization.load_der_public_key(
        aws.client("kms").get_public_key(KeyId=resources.signing_key_id)["PublicKey"]).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for alg in ("HS256", "ES256"):  # the HMAC forged either way: as HS256, or relabelled ES256
        signing_input = f"{encode({**header, 'alg': alg})}.{encode(claims)}"
        mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
        with pytest.raises(InvalidLink):
            verifier(resources).verify(f"{signing_input}.{b64url(mac)}", scope=SCOPE)


@pytest.mark.parametrize("header_change", [
    {"kid": "another-key"}, {"typ": "JWE"}, {"jku": "https://attacker.example/jwks"}, {"crit": ["exp"]},
    {"alg": "ES384"}, {"alg": "RS256"},
])
def test_an_unexpected_header_is_refused(resources: Key, header_change: dict[str, Any]) -> None:
    _, token = signer(resources).mint("12345678")
    header, claims, _ = parts(token)
    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(InvalidLink):
        verifier(resources).verify(resign_locally({**header, **header_change}, claims, key), scope=SCOPE)


def test_another_key_with_our_kid_is_refused(resources: Key) -> None:
    _, token = signer(resources).mint("12345678")
    header, claims, _ = parts(token)
    with pytest.raises(InvalidLink):
        verifier(resources).verify(resign_locally(header, claims, ec.generate_private_key(ec.SECP256R1())),
                                   scope=SCOPE)


def test_wrong_audience_or_scope_is_refused(resources: Key) -> None:
    _, token = signer(resources).mint("12345678")
    with pytest.raises(InvalidLink):
        verifier(resources, audience="another-app").verify(token, scope=SCOPE)
    with pytest.raises(InvalidLink):
        verifier(resources).verify(token, scope="view_statements")


def _signed_with_kms(resources: Key, claims: dict[str, Any]) -> str:
    header = {"alg": "ES256", "kid": key_id_of(resources.signing_key_id), "typ": "JWT"}
    signing_input = f"{encode(header)}.{encode(claims)}"
    der = aws.client("kms").sign(KeyId=resources.signing_key_id, Message=signing_input.encode(),
                                 MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    return f"{signing_input}.{b64url(der_to_raw(der))}"


@pytest.mark.parametrize("change", [
    {"iat": True}, {"exp": "1800000600"}, {"exp": 1_800_000_600.5}, {"sub": 12345678}, {"sub": "12-34"},
    {"jti": "not-a-uuid"}, {"extra": "claim"}, {"iat": 1_800_000_000 + 120},  # issued in the future
    {"exp": 1_800_000_000 + 3600},  # lifetime over 15 minutes, even though we signed it
])
def test_genuinely_signed_but_malformed_claims_are_refused(resources: Key,
                                                           change: dict[str, Any]) -> None:
    grant, _ = signer(resources).mint("12345678")
    with pytest.raises(InvalidLink):
        verifier(resources).verify(_signed_with_kms(resources, {**grant.claims(), **change}), scope=SCOPE)


def test_a_missing_claim_is_refused(resources: Key) -> None:
    grant, _ = signer(resources).mint("12345678")
    claims = grant.claims()
    del claims["jti"]
    with pytest.raises(InvalidLink):
        verifier(resources).verify(_signed_with_kms(resources, claims), scope=SCOPE)


def test_the_public_key_is_fetched_once_per_container(resources: Key,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _, token = signer(resources).mint("12345678")
    calls = count_aws_calls(monkeypatch)
    for _ in range(3):
        wiring.verifier().verify(token, scope=SCOPE)
    assert calls == {"kms:GetPublicKey": 1}


def test_a_configured_public_key_needs_no_kms_call(resources: Key,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from lambdas.common.core import caches

    pem = serialization.load_der_public_key(
        aws.client("kms").get_public_key(KeyId=resources.signing_key_id)["PublicKey"]).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    monkeypatch.setenv("GRANT_PUBLIC_KEY_PEM", pem)
    caches.reset_all()
    _, token = signer(resources).mint("12345678")
    calls = count_aws_calls(monkeypatch)
    assert wiring.verifier().verify(token, scope=SCOPE).customer_id == "12345678"
    assert calls == {}


def test_a_key_that_is_not_p256_signing_is_refused(moto_aws: None) -> None:
    rsa = aws.client("kms").create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["KeyId"]
    with pytest.raises(InternalError, match="ECC_NIST_P256"):
        fetch_public_key(rsa)
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(InternalError, match="P-256"):
        load_public_key_pem(p384)
    with pytest.raises(InternalError, match="PEM"):
        load_public_key_pem("not a key")
