"""The ``encryptedPin`` session attribute: a code the chat page encrypted with KMS, decrypted with one call.

The page encrypts with Cognito identity-pool credentials that may only ``kms:Encrypt`` on this one key, with
the encryption context ``{"purpose": "ordering-bot-pin", "sessionId": <Lex session id>}``; this function's
role may only ``kms:Decrypt``. The context binds the ciphertext to its chat session: replayed into another
session, it does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.core import aws

PURPOSE = "ordering-bot-pin"
MAX_ATTRIBUTE_CHARS = 2_048   # a KMS ciphertext of a 10-digit code is ~200 bytes; anything much larger is not one
MAX_PLAINTEXT_BYTES = 16
# KMS errors that say the ciphertext (not the service) is at fault: the answer counts as a wrong code.
CIPHERTEXT_ERRORS = frozenset({"InvalidCiphertextException", "IncorrectKeyException", "ValidationException"})


def encryption_context(session_id: str) -> dict[str, str]:
    """The context the page encrypts under and the hook decrypts under."""
    return {"purpose": PURPOSE, "sessionId": session_id}


@dataclass(frozen=True)
class DecryptedPin:
    """What came out of the attribute: the code, or why there is none (``reason`` is safe to log)."""

    code: str | None
    reason: str
    service_fault: bool = False  # KMS itself failed (throttled, unavailable): not the caller's mistake


def _ciphertext(attribute: str) -> bytes | None:
    """The attribute's bytes, if it is base64 of a plausible size."""
    if not attribute or len(attribute) > MAX_ATTRIBUTE_CHARS:
        return None
    try:
        return base64.b64decode(attribute, validate=True)
    except (binascii.Error, ValueError):
        return None


class PinDecryptor:
    """Decrypts ``encryptedPin`` with the one key this function may use."""

    def __init__(self, key_id: str) -> None:
        self._key_id = key_id

    def decrypt(self, attribute: str, *, session_id: str) -> DecryptedPin:
        """One KMS Decrypt; anything that is not a ciphertext of a short ASCII string yields no code."""
        blob = _ciphertext(attribute)
        if blob is None:
            return DecryptedPin(None, "malformed")
        try:
            plaintext: bytes = aws.client("kms").decrypt(
                CiphertextBlob=blob, KeyId=self._key_id, EncryptionContext=encryption_context(session_id),
            )["Plaintext"]
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            return DecryptedPin(None, code, service_fault=code not in CIPHERTEXT_ERRORS)
        except BotoCoreError as exc:
            return DecryptedPin(None, type(exc).__name__, service_fault=True)
        if len(plaintext) > MAX_PLAINTEXT_BYTES:
            return DecryptedPin(None, "plaintext_size")
        try:
            return DecryptedPin(plaintext.decode("ascii").strip(), "ok")
        except UnicodeDecodeError:
            return DecryptedPin(None, "plaintext_encoding")
