"""Sealing: one KMS call per contact, each field bound to its contact, field and deployment; tamper evidence."""

from __future__ import annotations

import base64
from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdas.common.core import aws
from lambdas.secure_input import sealing
from lambdas.secure_input.sealing import OpenError, open_sealed, seal
from tests.aws_calls import count_aws_calls

CARD, ZIP = "4111111111111111", "981011234"
CONNECT_ATTRIBUTES_MAX_BYTES = 32_768  # all of a contact's attributes together (UpdateContactAttributes)
REAL_KMS_BLOB_BYTES = 184  # a KMS ciphertext blob for a 32-byte data key (moto's is shorter)


@pytest.fixture
def key(moto_aws: None) -> str:
    key_id: str = aws.client("kms").create_key(Description="secure input test")["KeyMetadata"]["Arn"]
    return key_id


def sealed_for(key: str, contact: str = "contact-1", deployment: str = "SecureInput") -> dict[str, str]:
    return seal(key_id=key, deployment=deployment, contact_id=contact, values={"card": CARD, "zip": ZIP})


def opened(key: str, sealed: str, *, contact: str = "contact-1", field: str = "card",
           deployment: str = "SecureInput") -> str:
    return open_sealed(key_id=key, deployment=deployment, contact_id=contact, field=field, sealed=sealed)


def test_both_fields_round_trip(key: str) -> None:
    sealed = sealed_for(key)
    assert opened(key, sealed["card"]) == CARD
    assert opened(key, sealed["zip"], field="zip") == ZIP
    assert CARD not in sealed["card"]
    assert ZIP not in sealed["zip"]


def test_one_kms_call_seals_every_field_of_a_contact(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_aws_calls(monkeypatch)
    sealed_for(key, "contact-1")
    assert calls == Counter({"kms:GenerateDataKey": 1})
    sealed_for(key, "contact-2")
    assert calls == Counter({"kms:GenerateDataKey": 2})  # a new contact, a new contact key: never shared


def test_the_kms_call_carries_the_contact_and_deployment(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    aws.client("kms").meta.events.register("provide-client-params.kms.GenerateDataKey",
                                           lambda params, **_: seen.append(params))
    sealed_for(key, "contact-9", "Prod")
    assert seen[0]["EncryptionContext"] == {"deployment": "Prod", "contact-id": "contact-9",
                                            "purpose": sealing.CONTACT_KEY_PURPOSE}


def test_another_contacts_ciphertext_does_not_open(key: str) -> None:
    sealed = sealed_for(key, "contact-1")
    with pytest.raises(OpenError, match="contact key does not open"):
        opened(key, sealed["card"], contact="contact-2")


def test_another_fields_ciphertext_does_not_open(key: str) -> None:
    sealed = sealed_for(key)
    with pytest.raises(OpenError, match="another contact, field or deployment"):
        opened(key, sealed["zip"], field="card")
    with pytest.raises(OpenError, match="another contact, field or deployment"):
        opened(key, sealed["card"], field="zip")


def test_another_deployments_ciphertext_does_not_open(key: str) -> None:
    with pytest.raises(OpenError):
        opened(key, sealed_for(key, deployment="Staging")["card"], deployment="Prod")


def test_a_swapped_wrapped_key_does_not_open(key: str) -> None:
    """The contact key of contact 2 spliced into contact 1's message: KMS opens it, the SDK refuses."""
    one, two = sealed_for(key, "contact-1")["card"].split("."), sealed_for(key, "contact-2")["card"].split(".")
    with pytest.raises(OpenError):
        opened(key, ".".join([one[0], two[1], one[2]]), contact="contact-2")


def _flip(text: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    raw[index % len(raw)] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize("index", [0, 1, 5, 40, 90, 150, 200, -60, -20, -1])
def test_a_flipped_byte_anywhere_in_the_message_does_not_open(key: str, index: int) -> None:
    prefix, wrapped, message = sealed_for(key)["card"].split(".")
    with pytest.raises(OpenError):
        opened(key, ".".join([prefix, wrapped, _flip(message, index)]))


@pytest.mark.parametrize("index", [0, 20, 60, -1])
def test_a_flipped_byte_in_the_wrapped_key_does_not_open(key: str, index: int) -> None:
    """Never opens. A flip in the key id part makes moto answer AccessDenied (no such key): a ClientError the
    function reports as a failure, not as a bad ciphertext; real KMS answers IncorrectKey/InvalidCiphertext."""
    prefix, wrapped, message = sealed_for(key)["card"].split(".")
    with pytest.raises((OpenError, ClientError)):
        opened(key, ".".join([prefix, _flip(wrapped, index), message]))


@pytest.mark.parametrize("sealed", ["", "SI1", "SI1..", "SI2.a.b", "SI1.a.b.c", "SI1.!!!.???", "x" * 5000,
                                    "SI1." + "A" * 4000 + ".B"])
def test_malformed_values_are_refused_before_kms(key: str, sealed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_aws_calls(monkeypatch)
    with pytest.raises(OpenError):
        opened(key, sealed)
    assert calls["kms:Decrypt"] <= 1  # "SI1.!!!.???" decodes to junk bytes that KMS itself refuses


def test_a_kms_failure_is_reported_without_the_values(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> None:
    with pytest.raises(sealing.SealError) as raised:
        seal(key_id="arn:aws:kms:us-east-1:123456789012:key/missing", deployment="D", contact_id="c",
             values={"card": CARD})
    assert CARD not in str(raised.value)
    assert "NotFoundException" in str(raised.value)


def test_attribute_sizes_fit_connect_with_real_kms_blobs(key: str) -> None:
    """Measured: each sealed field, then the worst case with a real KMS blob (longer than moto's)."""
    sealed = sealed_for(key, "c7f4a0e2-3b1d-4e8a-9f6b-2d5c8e1a7b90", deployment="SecureInput")
    moto_blob = len(base64.urlsafe_b64decode(sealed["card"].split(".")[1] + "=="))
    extra = -(-(REAL_KMS_BLOB_BYTES - moto_blob) * 4 // 3)
    sizes = {name: len(value.encode()) + extra for name, value in sealed.items()}
    assert all(600 < size < 800 for size in sizes.values()), sizes  # docs/secure-input.md quotes ~0.65 KB
    attributes = {"cardCiphertext": sizes["card"], "zipCiphertext": sizes["zip"], "cardLast4": 4}
    total = sum(len(name) + size for name, size in attributes.items())
    assert total < CONNECT_ATTRIBUTES_MAX_BYTES // 20  # under 5% of the contact's 32 KB
