"""Replay: everything a caller (or a thief) once held is worth nothing the second time.

Requirements: NIST SP 800-63B rev 4 §3.1.3.1 / §3.1.4.1 (an out-of-band or one-time secret is accepted once),
§7.1 (session secrets bound to their session, limited in time); OWASP ASVS 5 V6.6.2 (out-of-band code used
once), V7.2 (session tokens validated server-side), V10.4 (tokens single-use where they are one-time grants);
PCI DSS 4.0 req 8.3.1 / 8.6 (authentication factors cannot be reused).
"""

from __future__ import annotations

import pytest

from lambdas.ordering_bot.ordering import PROOF
from sim.cognito.driver import CognitoError
from tests.security.targets import CodePath, OrderingOtpPath, VoiceOtpPath, World, attributes

ONE_TIME_PATHS = [VoiceOtpPath(), OrderingOtpPath()]
LINK_BODY = {"fullName": "Jamie Example", "relationship": "spouse", "dateOfBirth": "1990-04-01"}


@pytest.mark.parametrize("path", ONE_TIME_PATHS, ids=[p.name for p in ONE_TIME_PATHS])
def test_a_used_code_is_refused_on_the_next_challenge(world: World, path: CodePath) -> None:
    """NIST SP 800-63B rev 4 §3.1.3.1, OWASP ASVS 5 V6.6.2: a one-time code authenticates once."""
    who = path.enrol(world)
    used = path.secret(world, who)
    assert path.guess(world, who, used) == "accepted"
    path.restart(world, who)
    fresh = path.secret(world, who)
    assert fresh != used or pytest.skip("the CSPRNG drew the same code twice (1 in a million)")
    assert path.guess(world, who, used) == "refused"
    assert path.guess(world, who, fresh) == "accepted"


def test_a_recorded_cognito_session_cannot_be_answered_again(world: World) -> None:
    """OWASP ASVS 5 V7.2.1, NIST §7.1: a spent sign-in session (and its code) yields no second set of tokens."""
    user = world.voice_otp_user()
    challenge, code, _ = world.voice_otp_start(user)
    assert challenge is not None
    assert challenge.session is not None
    assert code is not None
    recorded = challenge.session
    assert world.rt.cognito().respond_to_auth_challenge(recorded, code).tokens is not None
    with pytest.raises(CognitoError):
        world.rt.cognito().respond_to_auth_challenge(recorded, code)


def test_a_recorded_cognito_session_expires(world: World) -> None:
    """NIST SP 800-63B rev 4 §3.1.3.1: the code (and the session carrying it) lives at most 10 minutes."""
    user = world.voice_otp_user()
    challenge, code, _ = world.voice_otp_start(user)
    assert challenge is not None
    assert challenge.session is not None
    assert code is not None
    world.rt.clock.advance(601)
    with pytest.raises(CognitoError):
        world.rt.cognito().respond_to_auth_challenge(challenge.session, code)


def test_a_used_link_grant_is_refused_on_every_route(world: World) -> None:
    """OWASP ASVS 5 V10.4 / NIST §3.1.3.1: the texted grant is single-use; a replay is 409 and changes nothing."""
    customer = world.banking_customer()
    grant = world.texted_grant(customer)
    assert world.api("POST", "/v1/authorized-users", grant, LINK_BODY)[0] == 201
    assert world.api("POST", "/v1/authorized-users", grant, {**LINK_BODY, "fullName": "Mallory Example"}) == \
        (409, {"error": "link_used"})
    assert world.api("GET", "/v1/link", grant) == (409, {"error": "link_used"})


def test_a_sign_in_marker_replayed_in_another_call_gains_nothing(world: World) -> None:
    """NIST §7.1 (session binding): C1's marker is bound to the Lex session (the contact) that earned it."""
    customer = world.banking_customer()
    marker = world.signed_in_banking(customer, session_id="contact-A")
    replayed = world.ask_for_link(marker, session_id="contact-B")
    assert attributes(replayed)["linkOutcome"] == "not_signed_in"
    world.rt.deliver_sms()
    assert world.rt.phone(customer.phone_number).sms == []


def test_a_sign_in_marker_replayed_after_the_session_expires_gains_nothing(world: World) -> None:
    """NIST SP 800-63B rev 4 §7.1/§7.2: the voice-login session has a lifetime."""
    customer = world.banking_customer()
    marker = world.signed_in_banking(customer, session_id="contact-C")
    world.rt.clock.advance(3_600)
    assert attributes(world.ask_for_link(marker, session_id="contact-C"))["linkOutcome"] == "not_signed_in"


def test_an_ordering_proof_replayed_in_another_session_asks_for_a_code(world: World) -> None:
    """OWASP ASVS 5 V7.2 / NIST §7.1: C4's authProof is bound to its Lex session; elsewhere it is worth nothing."""
    customer = world.ordering_customer()
    chat = world.ordering_chat(customer)
    chat.say("I want pizza", email=customer.email)
    assert "on its way" in chat.say(chat.code())
    proof = chat.attributes[PROOF]
    world.past_cooldown()
    thief = world.ordering_chat(customer)
    said = thief.say("I want salad", email=customer.email, auth="true", authProof=proof)
    assert "on its way" not in said
    assert thief.attributes.get("auth") != "true"
    assert thief.attributes.get(PROOF) in (None, "")
