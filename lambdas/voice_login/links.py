"""Grants: short-lived, single-use, scope-restricted links signed by a KMS key (ES256 compact JWS).

A grant names one customer (``sub``), one thing it allows (``scope``), who may accept it (``aud``), when it
was issued and expires (``iat``/``exp``, at most 15 minutes apart) and a unique id (``jti``). The fulfillment
function signs it with one ``kms:Sign`` (ECC_NIST_P256, ECDSA_SHA_256; KMS returns a DER signature, which
JWS wants as raw r||s). The API verifies it offline with joserfc against the key's public half, fetched once
per container with ``kms:GetPublicKey`` (or configured), accepting ES256 only: ``none``, HS256 with the public
key as a secret (algorithm confusion) and every other algorithm are refused, as are a wrong ``kid``, ``aud``
or ``scope``, a tampered header, payload or signature, and unknown or mistyped claims. Only a grant whose
signature holds can be reported as expired (410); everything else is invalid (401).

The grant travels in the link's fragment (``#grant=...``), which browsers never send to a server or a CDN.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lambdas.common.core import aws, clock
from lambdas.common.core.errors import InternalError

ALGORITHM = "ES256"
KMS_SIGNING_ALGORITHM = "ECDSA_SHA_256"
KEY_SPEC = "ECC_NIST_P256"
SCOPE_ADD_AUTHORIZED_USER = "add_authorized_user"
TOKEN_TYPE = "JWT"  # noqa: S105 - the JWS typ header, not a secret
MAX_TOKEN_CHARS = 2_048          # a grant is ~450 characters; anything far longer is not ours
MAX_LIFETIME_SECONDS = 900
CLOCK_SKEW_SECONDS = 60
CUSTOMER_ID = re.compile(r"[0-9]{6,12}")
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_HEADER_KEYS = {"alg", "kid", "typ"}
_CLAIM_KEYS = {"sub", "scope", "aud", "iat", "exp", "jti"}


class LinkError(Exception):
    """A grant the API refuses; ``status`` and ``error`` are the HTTP answer (no detail for the caller)."""

    status = 401
    error = "invalid_link"


class InvalidLink(LinkError):
    """Not a grant we signed for this audience and scope (or tampered with)."""


class ExpiredLink(LinkError):
    """A genuine grant past its expiry."""

    status = 410
    error = "link_expired"


class UsedLink(LinkError):
    """A genuine grant already spent."""

    status = 409
    error = "link_used"


@dataclass(frozen=True)
class Grant:
    """The verified claims of a grant."""

    customer_id: str
    scope: str
    audience: str
    issued_at: int
    expires_at: int
    jti: str

    def claims(self) -> dict[str, Any]:
        """The JWT claims."""
        return {"sub": self.customer_id, "scope": self.scope, "aud": self.audience, "iat": self.issued_at,
                "exp": self.expires_at, "jti": self.jti}


def b64url(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def key_id_of(key_id: str) -> str:
    """The ``kid`` for a KMS key id or ARN: the key's id alone (no account or region in the link)."""
    return key_id.rsplit("/", 1)[-1]


def der_to_raw(der: bytes, size: int = 32) -> bytes:
    """A DER ECDSA signature (what KMS returns) as JWS's fixed-length r||s (RFC 7518 §3.4)."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


class GrantSigner:
    """Mints grants with one ``kms:Sign`` each; the private key never leaves KMS."""

    def __init__(self, *, key_id: str, audience: str, ttl_seconds: int) -> None:
        if not 0 < ttl_seconds <= MAX_LIFETIME_SECONDS:
            raise ValueError(f"grant lifetime must be 1..{MAX_LIFETIME_SECONDS} s, got {ttl_seconds}")
        self._key_id = key_id
        self._audience = audience
        self._ttl = ttl_seconds

    def mint(self, customer_id: str, scope: str = SCOPE_ADD_AUTHORIZED_USER) -> tuple[Grant, str]:
        """A new grant for ``customer_id`` and its compact JWS."""
        if not CUSTOMER_ID.fullmatch(customer_id):
            raise ValueError("customer id is not 6 to 12 digits")
        now = int(clock.now())
        grant = Grant(customer_id=customer_id, scope=scope, audience=self._audience, issued_at=now,
                      expires_at=now + self._ttl, jti=str(uuid.uuid4()))
        header = {"alg": ALGORITHM, "kid": key_id_of(self._key_id), "typ": TOKEN_TYPE}
        signing_input = f"{b64url(_json(header))}.{b64url(_json(grant.claims()))}"
        response = aws.client("kms").sign(KeyId=self._key_id, Message=signing_input.encode("ascii"),
                                          MessageType="RAW", SigningAlgorithm=KMS_SIGNING_ALGORITHM)
        return grant, f"{signing_input}.{b64url(der_to_raw(response['Signature']))}"


def fetch_public_key(key_id: str) -> Any:
    """The signing key's public half from ``kms:GetPublicKey``, refused unless it is a P-256 signing key."""
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    response = aws.client("kms").get_public_key(KeyId=key_id)
    spec = response.get("KeySpec", response.get("CustomerMasterKeySpec"))  # the deprecated name: older emulators
    if spec != KEY_SPEC or KMS_SIGNING_ALGORITHM not in response.get("SigningAlgorithms", []):
        raise InternalError(f"grant key {key_id} is not an {KEY_SPEC} key that signs with {KMS_SIGNING_ALGORITHM}")
    return _ec_key(load_der_public_key(response["PublicKey"]))


def load_public_key_pem(pem: str) -> Any:
    """A configured public key (PEM SubjectPublicKeyInfo), refused unless it is on P-256."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(pem.encode())
    except ValueError:
        raise InternalError("GRANT_PUBLIC_KEY_PEM is not a PEM public key") from None
    return _ec_key(key)


def _ec_key(public_key: Any) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec
    from joserfc.jwk import ECKey

    if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(public_key.curve, ec.SECP256R1):
        raise InternalError("the grant key is not an EC P-256 public key")
    return ECKey.import_key(public_key)


class GrantVerifier:
    """Verifies grants offline against the signing key's public half (loaded on first use)."""

    def __init__(self, *, public_key: Callable[[], Any], key_id: str, audience: str) -> None:
        self._public_key = public_key
        self._kid = key_id_of(key_id)
        self._audience = audience

    def verify(self, token: object, *, scope: str) -> Grant:
        """The grant in ``token``, or InvalidLink / ExpiredLink (never a reason the caller could use)."""
        from joserfc import jws
        from joserfc.errors import JoseError

        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or not _COMPACT.fullmatch(token):
            raise InvalidLink("not a compact JWS")
        header = _decode_part(token.split(".", 1)[0])
        if set(header) != _HEADER_KEYS or header.get("alg") != ALGORITHM or header.get("typ") != TOKEN_TYPE \
                or header.get("kid") != self._kid:
            raise InvalidLink("unexpected JWS header")
        try:
            verified = jws.deserialize_compact(token, self._public_key(), algorithms=[ALGORITHM])
        except (JoseError, ValueError, TypeError):
            raise InvalidLink("signature does not verify") from None
        claims = _object(verified.payload)
        grant = _grant(claims)
        if grant.audience != self._audience or grant.scope != scope:
            raise InvalidLink("wrong audience or scope")
        now = clock.now()
        lifetime = grant.expires_at - grant.issued_at
        if grant.issued_at > now + CLOCK_SKEW_SECONDS or not 0 < lifetime <= MAX_LIFETIME_SECONDS:
            raise InvalidLink("implausible lifetime")
        if grant.expires_at <= now:
            raise ExpiredLink("grant expired")
        return grant


def _decode_part(part: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except ValueError:
        raise InvalidLink("not base64url") from None
    return _object(raw)


def _object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidLink("not JSON") from None
    if not isinstance(value, dict):
        raise InvalidLink("not a JSON object")
    return value


def _grant(claims: Mapping[str, Any]) -> Grant:
    """The claims as a Grant, every one present with its exact type (no extras, no bools for numbers)."""
    if set(claims) != _CLAIM_KEYS:
        raise InvalidLink("unexpected claims")
    strings = ("sub", "scope", "aud", "jti")
    numbers = ("iat", "exp")
    if not all(isinstance(claims[k], str) for k in strings) or \
            not all(type(claims[k]) is int for k in numbers):
        raise InvalidLink("mistyped claims")
    if not CUSTOMER_ID.fullmatch(claims["sub"]) or not _UUID4.fullmatch(claims["jti"]):
        raise InvalidLink("malformed subject or id")
    return Grant(customer_id=claims["sub"], scope=claims["scope"], audience=claims["aud"],
                 issued_at=claims["iat"], expires_at=claims["exp"], jti=claims["jti"])
