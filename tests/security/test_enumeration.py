"""Enumeration: a known and an unknown customer look the same at every entry point that takes an identifier.

Compared, for each entry point: what the caller hears or reads, the shape of the response (dialog action,
intent state, session-attribute names), and the AWS calls the Lambda code makes per service and operation
(``tests.aws_calls.count_aws_calls``, after a warm-up so one-off secret fetches do not differ). The only
difference allowed is the delivery itself (the Connect call or the SMS to a real phone), which the caller cannot
observe for someone else's number. C3 (card capture) takes no identifier and has no such entry point.

Requirements: OWASP ASVS 5 V6.3.8 (no user enumeration through responses), V6.6 (out-of-band: same answer),
NIST SP 800-63B rev 4 §3.1.3.1 (no disclosure of whether the subscriber exists).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import pytest

from tests.aws_calls import count_aws_calls
from tests.security.targets import World, attributes, spoken

DELIVERY = {"connect:StartOutboundVoiceContact", "sns:Publish"}


def _per_service(calls: Counter[str]) -> dict[str, int]:
    return {op: n for op, n in sorted(calls.items()) if op not in DELIVERY}


def _shape(response: dict[str, Any]) -> tuple[Any, ...]:
    state = response["sessionState"]
    return (state["dialogAction"]["type"], state.get("intent", {}).get("state"), sorted(attributes(response)))


def test_voice_otp_wrong_password_and_unknown_user_get_the_same_refusal(world: World) -> None:
    """ASVS 5 V6.3.8: with a password step, a wrong password and an unknown user are refused alike, no call."""
    known = dataclasses.replace(world.voice_otp_user(), password="Wrong-Passw0rd!2026")
    _, _, known_error = world.voice_otp_start(known)
    _, _, unknown_error = world.voice_otp_start(world.voice_otp_user(seeded=False))
    assert known_error is not None
    assert unknown_error is not None
    assert (known_error.code, known_error.message) == (unknown_error.code, unknown_error.message)
    assert world.rt.connect.pending == type(world.rt.connect.pending)()


def test_voice_otp_passwordless_known_and_unknown_users_look_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """ASVS 5 V6.3.8: passwordless, an unknown user gets a decoy challenge: same parameters, same AWS calls."""
    from sim.local_runtime import LocalRuntime

    with LocalRuntime(passwordless=True) as rt:
        rt.cognito().initiate_auth("warm-up-ghost")  # warm: clients made, secret fetched
        calls = count_aws_calls(monkeypatch)
        known = rt.cognito().initiate_auth(rt.demo_user.username)
        known_calls = Counter(calls)
        calls.clear()
        unknown = rt.cognito().initiate_auth("nobody-here")
    assert known.challenge_name == unknown.challenge_name
    assert known.challenge_parameters == unknown.challenge_parameters  # no hint at all in passwordless mode
    assert _per_service(known_calls) == _per_service(calls)
    assert known_calls["connect:StartOutboundVoiceContact"] == 1


def test_voice_login_known_and_unknown_customers_sound_the_same(world: World,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """ASVS 5 V6.3.8: a wrong PIN for a real customer and any PIN for no customer are indistinguishable."""
    warm, customer, nobody = world.banking_customer(), world.banking_customer(), world.banking_customer(seeded=False)
    world.banking_sign_in(warm.customer_id, "000000")  # warm: clients made, secret fetched
    calls = count_aws_calls(monkeypatch)
    known = world.banking_sign_in(customer.customer_id, "000000")
    known_calls = Counter(calls)
    calls.clear()
    unknown = world.banking_sign_in(nobody.customer_id, "000000")
    assert spoken(known) == spoken(unknown)
    assert _shape(known) == _shape(unknown)
    assert attributes(known) == attributes(unknown)
    assert _per_service(known_calls) == _per_service(calls)


def test_voice_login_lockout_looks_the_same_for_unknown_customers(world: World) -> None:
    """ASVS 5 V6.3.8: the lockout (and its wording) reaches unknown customer ids too."""
    from lambdas.common.otp.policy import OtpPolicy

    answers = []
    for customer in (world.banking_customer(), world.banking_customer(seeded=False)):
        for _ in range(OtpPolicy().lockout_threshold):
            world.banking_sign_in(customer.customer_id, "000000")
        answers.append(world.banking_sign_in(customer.customer_id, customer.pin))
    assert spoken(answers[0]) == spoken(answers[1])
    assert attributes(answers[0])["authOutcome"] == attributes(answers[1])["authOutcome"] == "locked"


def test_ordering_known_and_unknown_addresses_read_the_same(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """ASVS 5 V6.3.8 / V6.6: the same words, the same attributes and the same AWS calls; only the SMS differs."""
    warm, customer, nobody = world.ordering_customer(), world.ordering_customer(), world.ordering_customer(seeded=False)
    world.ordering_chat(warm).say("I want pizza", email=warm.email)
    calls = count_aws_calls(monkeypatch)
    known_chat = world.ordering_chat(customer)
    known = known_chat.say("I want pizza", email=customer.email)
    known_calls, known_shape = Counter(calls), _shape(known_chat.last)
    calls.clear()
    unknown_chat = world.ordering_chat(nobody)
    unknown = unknown_chat.say("I want pizza", email=nobody.email)
    assert known == unknown
    assert known_shape == _shape(unknown_chat.last)
    assert _per_service(known_calls) == _per_service(calls)
    # and a wrong code is answered alike
    assert known_chat.say("123456") == unknown_chat.say("123456")
