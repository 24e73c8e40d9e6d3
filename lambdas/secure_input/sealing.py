"""Encrypting the caller's values with one KMS call per contact, and opening one value again.

Design (docs/secure-input.md):

* One KMS ``GenerateDataKey`` per contact returns a fresh 256-bit **contact key**, in clear and wrapped under
  the KMS key with the encryption context ``{deployment, contact-id, purpose}``. That is the only KMS call the
  capture makes, whatever the number of fields.
* Each field is then its own AWS Encryption SDK message (commitment policy ``REQUIRE_ENCRYPT_REQUIRE_DECRYPT``,
  the committing, unsigned suite ``AES_256_GCM_HKDF_SHA512_COMMIT_KEY``), whose data key is wrapped by the
  contact key (a raw AES-GCM master key) under the encryption context ``{deployment, contact-id, field}``: the
  SDK authenticates that context in the message header and uses it as the wrap's AAD.
* The sealed value is ``SI1.<wrapped contact key>.<SDK message>`` (base64url): self-contained, so the
  operator passes one string per field. Opening it needs ``kms:Decrypt`` with the same contact id and
  deployment (KMS refuses another contact's key), then the SDK message must carry exactly the expected
  context (another field's, or a tampered, ciphertext fails).

The Encryption SDK is imported here, lazily: the code hook's cold start does not pay for it until a caller
has given both values.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from lambdas.common.core import aws

FORMAT = "SI1"
MAX_SEALED_CHARS = 4096  # one field's sealed value is ~0.9 KB (docs/secure-input.md); anything larger is not ours
CONTACT_KEY_PURPOSE = "secure-input-contact-key"
PROVIDER_ID = "secure-input"  # the raw master key's provider id inside each SDK message
CONTACT_KEY_ID = b"contact-key"
CONTEXT_DEPLOYMENT, CONTEXT_CONTACT, CONTEXT_FIELD, CONTEXT_PURPOSE = "deployment", "contact-id", "field", "purpose"
_RESERVED_PREFIX = "aws-crypto-"  # the SDK adds its own context keys under this prefix (none for unsigned suites)


class SealError(Exception):
    """A value could not be sealed (KMS or the SDK failed); the message never carries the value."""


class OpenError(Exception):
    """A sealed value does not open for this contact, field and deployment (tampered, swapped or malformed)."""


def key_context(deployment: str, contact_id: str) -> dict[str, str]:
    """The KMS encryption context of a contact key (CloudTrail records it with every KMS call)."""
    return {CONTEXT_DEPLOYMENT: deployment, CONTEXT_CONTACT: contact_id, CONTEXT_PURPOSE: CONTACT_KEY_PURPOSE}


def field_context(deployment: str, contact_id: str, field: str) -> dict[str, str]:
    """The Encryption SDK context of one field's message."""
    return {CONTEXT_DEPLOYMENT: deployment, CONTEXT_CONTACT: contact_id, CONTEXT_FIELD: field}


def _algorithm() -> Any:
    from aws_encryption_sdk.identifiers import Algorithm

    return Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY


def _sdk() -> Any:
    import aws_encryption_sdk
    from aws_encryption_sdk.identifiers import CommitmentPolicy

    # One encrypted data key per message: a message claiming more is not ours (and would cost work to try).
    return aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, max_encrypted_data_keys=1
    )


def _master_key(contact_key: bytes) -> Any:
    from aws_encryption_sdk.identifiers import EncryptionKeyType, WrappingAlgorithm
    from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
    from aws_encryption_sdk.key_providers.raw import RawMasterKey

    return RawMasterKey(
        provider_id=PROVIDER_ID,
        key_id=CONTACT_KEY_ID,
        wrapping_key=WrappingKey(
            wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
            wrapping_key=contact_key,
            wrapping_key_type=EncryptionKeyType.SYMMETRIC,
        ),
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(*, key_id: str, deployment: str, contact_id: str, values: Mapping[str, str]) -> dict[str, str]:
    """Each of ``values`` (field → clear text) sealed for this contact, with exactly one KMS call."""
    if not values:
        return {}
    try:
        answer = aws.client("kms").generate_data_key(
            KeyId=key_id, KeySpec="AES_256", EncryptionContext=key_context(deployment, contact_id)
        )
    except Exception as error:  # botocore errors name the key and the operation, never our plaintext
        raise SealError(f"KMS GenerateDataKey failed: {type(error).__name__}") from None
    wrapped = _b64(answer["CiphertextBlob"])
    master_key = _master_key(answer["Plaintext"])
    sdk, algorithm = _sdk(), _algorithm()
    sealed: dict[str, str] = {}
    try:
        for field, value in values.items():
            message, _header = sdk.encrypt(
                source=value.encode("utf-8"),
                key_provider=master_key,
                encryption_context=field_context(deployment, contact_id, field),
                algorithm=algorithm,
            )
            sealed[field] = f"{FORMAT}.{wrapped}.{_b64(message)}"
    except Exception as error:
        raise SealError(f"the Encryption SDK failed: {type(error).__name__}") from None
    finally:
        del master_key, answer  # the clear contact key lives only for this call
    return sealed


def open_sealed(*, key_id: str, deployment: str, contact_id: str, field: str, sealed: str) -> str:
    """The clear value of one sealed field, if and only if it was sealed for this contact, field and deployment."""
    parts = sealed.split(".") if len(sealed) <= MAX_SEALED_CHARS else []
    if len(parts) != 3 or parts[0] != FORMAT:
        raise OpenError("not a sealed value of this format")
    try:
        wrapped, message = _unb64(parts[1]), _unb64(parts[2])
    except (binascii.Error, ValueError):
        raise OpenError("not a sealed value of this format") from None
    try:
        contact_key = aws.client("kms").decrypt(
            CiphertextBlob=wrapped, KeyId=key_id, EncryptionContext=key_context(deployment, contact_id)
        )["Plaintext"]
    except Exception as error:
        code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
        if code in {"InvalidCiphertextException", "IncorrectKeyException"}:
            raise OpenError("the contact key does not open for this contact and deployment") from None
        raise  # throttling, access denied, an outage: not the ciphertext's fault
    expected = field_context(deployment, contact_id, field)
    try:
        plaintext, header = _sdk().decrypt(source=message, key_provider=_master_key(contact_key))
    except Exception:  # the SDK's errors describe the message, never its plaintext
        raise OpenError("the message does not decrypt under this contact's key") from None
    context = {k: v for k, v in header.encryption_context.items() if not k.startswith(_RESERVED_PREFIX)}
    if context != expected or header.algorithm != _algorithm():
        raise OpenError("the message was sealed for another contact, field or deployment")
    return bytes(plaintext).decode("utf-8")
