"""Tamper: edited links, flipped ciphertext bits, and ciphertexts or grants moved between contacts and fields.

Requirements: OWASP ASVS 5 V9.1 (self-contained tokens: signature, algorithm, audience, expiry and scope all
checked), V11.3 (authenticated encryption; no oracle), NIST SP 800-63B rev 4 §7.1 (assertions bound to their
audience), PCI DSS 4.0 req 3.5.1 (stored account data unreadable: strong cryptography) and 3.6 (keys used
only for their purpose: the encryption context binds each value to its contact and field).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.security.targets import World

LINK_BODY = {"fullName": "Jamie Example", "relationship": "spouse", "dateOfBirth": "1990-04-01"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _edit(token: str, **changes: Any) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{_b64url(json.dumps({**_claims(token), **changes}).encode())}.{signature}"


def _flip_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return f"{header}.{payload}.{_b64url(bytes(raw))}"


def _alg_none(token: str) -> str:
    _, payload, _ = token.split(".")
    return f"{_b64url(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{payload}."


LINK_TAMPERS: dict[str, Callable[[str, str], str]] = {
    "signature-bit-flipped": lambda t, _: _flip_signature(t),
    "alg-none": lambda t, _: _alg_none(t),
    "scope-widened": lambda t, _: _edit(t, scope="close_account"),
    "audience-changed": lambda t, _: _edit(t, aud="another-app"),
    "expiry-extended": lambda t, _: _edit(t, exp=_claims(t)["exp"] + 86_400),
    "moved-to-another-customer": lambda t, other: _edit(t, sub=other),
    "id-changed": lambda t, _: _edit(t, jti="0" * 22),
}


@pytest.mark.parametrize("tamper", list(LINK_TAMPERS), ids=list(LINK_TAMPERS))
def test_an_edited_link_is_refused_and_writes_nothing(world: World, tamper: str) -> None:
    """OWASP ASVS 5 V9.1.1/V9.2.2 (signature, audience, scope), NIST §7.1: any edit to the grant is a 401."""
    victim, owner = world.banking_customer(), world.banking_customer()
    grant = world.texted_grant(owner)
    forged = LINK_TAMPERS[tamper](grant, victim.customer_id)
    assert world.api("GET", "/v1/link", forged) == (401, {"error": "invalid_link"})
    assert world.api("POST", "/v1/authorized-users", forged, LINK_BODY) == (401, {"error": "invalid_link"})
    assert world.api("POST", "/v1/authorized-users", grant, LINK_BODY)[0] == 201, "the genuine grant still works"


def test_an_expired_link_is_refused_even_with_a_valid_signature(world: World) -> None:
    """NIST SP 800-63B rev 4 §7.1 / ASVS V9.2.1: expiry is enforced (410: the page says the link has expired)."""
    grant = world.texted_grant(world.banking_customer())
    world.rt.clock.advance(_claims(grant)["exp"] - _claims(grant)["iat"] + 1)
    assert world.api("POST", "/v1/authorized-users", grant, LINK_BODY) == (410, {"error": "link_expired"})


CONTACT_A = "aaaaaaaa-0000-4000-8000-00000000000a"
CONTACT_B = "bbbbbbbb-0000-4000-8000-00000000000b"


@pytest.fixture
def sealed(world: World) -> dict[str, str]:
    """Contact A's captured card and ZIP."""
    captured = world.capture_card(CONTACT_A)
    assert captured["captureStatus"] == "captured"
    return captured


def _flip(sealed: str, part: int, where: float) -> str:
    pieces = sealed.split(".")
    raw = bytearray(base64.urlsafe_b64decode(pieces[part] + "=" * (-len(pieces[part]) % 4)))
    raw[min(int(len(raw) * where), len(raw) - 1)] ^= 0x80
    pieces[part] = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=") if "=" not in pieces[part] \
        else base64.urlsafe_b64encode(bytes(raw)).decode()
    return ".".join(pieces)


@pytest.mark.parametrize("part", [1, 2], ids=["wrapped-contact-key", "message"])
@pytest.mark.parametrize("where", [0.0, 0.3, 0.6, 0.99])
def test_a_flipped_ciphertext_bit_never_opens(world: World, sealed: dict[str, str], part: int, where: float) -> None:
    """OWASP ASVS 5 V11.3.2 (authenticated encryption), PCI DSS 4.0 req 3.5.1: a modified value is refused."""
    flipped = _flip(sealed["cardCiphertext"], part, where)
    assert flipped != sealed["cardCiphertext"]
    answer = world.operator_decrypt(CONTACT_A, "card", flipped)
    assert answer["ok"] is False
    assert "4111" not in json.dumps(answer)


@pytest.mark.parametrize(("contact", "field_name", "source"), [
    (CONTACT_B, "card", "cardCiphertext"),   # A's card presented as B's
    (CONTACT_A, "zip", "cardCiphertext"),    # A's card presented as A's ZIP
    (CONTACT_A, "card", "zipCiphertext"),    # A's ZIP presented as A's card
], ids=["other-contact", "card-as-zip", "zip-as-card"])
def test_a_ciphertext_moved_to_another_contact_or_field_is_refused(world: World, sealed: dict[str, str],
                                                                   contact: str, field_name: str, source: str) -> None:
    """PCI DSS 4.0 req 3.6 / ASVS V11.3.4: the encryption context binds each value to its contact and field."""
    answer = world.operator_decrypt(contact, field_name, sealed[source])
    assert answer == {"ok": False, "error": "the ciphertext does not open for this contact and field"}
    assert world.operator_decrypt(CONTACT_A, "card", sealed["cardCiphertext"])["value"] == "4111111111111111"


def test_an_identity_proof_for_another_contact_is_refused(world: World, sealed: dict[str, str]) -> None:
    """OWASP ASVS 5 V8.2 (authorisation per request): the operator's proof is bound to one contact and field."""
    answer = world.operator_decrypt(CONTACT_A, "card", sealed["cardCiphertext"], proof_for=(CONTACT_B, "card"))
    assert answer["ok"] is False
    assert "value" not in answer


@pytest.mark.parametrize("tamper", ["bit-flipped", "other-session"])
def test_an_edited_or_moved_encrypted_pin_counts_as_a_wrong_code(world: World, tamper: str) -> None:
    """OWASP ASVS 5 V11.3.2 / V6.6.3: C4's KMS-encrypted code is bound to its Lex session; edits are wrong codes."""
    customer = world.ordering_customer()
    chat = world.ordering_chat(customer)
    chat.say("I want pizza", email=customer.email)
    code = chat.code()
    if tamper == "other-session":
        forged = chat.encrypt(code, session_id="someone-elses-session")
    else:
        blob = bytearray(base64.b64decode(chat.encrypt(code)))
        blob[-3] ^= 0x01  # inside the authenticated ciphertext (not the key id in front)
        forged = base64.b64encode(bytes(blob)).decode()
    assert "not right" in chat.say("******", encryptedPin=forged)
    assert chat.attributes.get("auth") != "true"
    assert "on its way" in chat.say(code)
