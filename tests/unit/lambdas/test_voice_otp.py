"""The voice OTP sign-in method: challenge reuse, resend, decoys for unknown users, error mapping."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import ChallengeResult

from lambdas.common.core import clock
from lambdas.common.core.errors import UNAVAILABLE, UserFacingError
from lambdas.common.delivery.voice import DeliveryError, PlacedCall
from lambdas.common.otp.errors import LockedOut, ResendTooSoon, SendBudgetExhausted, SendLimitExceeded
from lambdas.common.otp.model import IssuedOtp, LiveChallenge, VerifyOutcome
from lambdas.voice_otp.method import VoiceOtpMethod

CODE = "123456"
NOW = 1_800_000_000.0
KNOWN = {"phone_number": "+15550100100", "phone_number_verified": "true", "sub": "s-1"}
HINTED = re.compile(r"^\*{6}\d{2}$")
PASSWORD_ROUNDS = [ChallengeResult({"challengeName": "SRP_A", "challengeResult": True}),
                   ChallengeResult({"challengeName": "PASSWORD_VERIFIER", "challengeResult": True})]


@dataclass
class FakeStore:
    issued: list[tuple[str, str, bool]] = field(default_factory=list)
    verified: list[tuple[str, str, object, bool]] = field(default_factory=list)
    sealed: list[tuple[str, str]] = field(default_factory=list)
    refunded: list[str] = field(default_factory=list)
    refuse: Exception | None = None
    outcome: VerifyOutcome = VerifyOutcome.OK

    def issue(self, *, user: str, destination: str, known_user: bool = True) -> IssuedOtp:
        if self.refuse:
            raise self.refuse
        self.issued.append((user, destination, known_user))
        return IssuedOtp(challenge_id=f"chal-{len(self.issued)}", code=CODE, expires_at=NOW + 300)

    def refund(self, issued: IssuedOtp) -> bool:
        self.refunded.append(issued.challenge_id)
        return True

    def verify(self, *, challenge_id: str, user: str, code: object, known_user: bool = True) -> VerifyOutcome:
        self.verified.append((challenge_id, user, code, known_user))
        return self.outcome

    def seal_for_contact(self, issued: IssuedOtp, contact_id: str) -> None:
        self.sealed.append((issued.challenge_id, contact_id))


@dataclass
class FakeSender:
    calls: list[dict[str, Any]] = field(default_factory=list)
    fail: DeliveryError | None = None

    def place_call(self, destination: str, *, client_token: str, attributes: Mapping[str, str] | None = None,
                   time_left: Callable[[], float] | None = None) -> PlacedCall:
        if self.fail:
            raise self.fail
        self.calls.append({"destination": destination, "attributes": dict(attributes or {}), "token": client_token,
                           "time_left": time_left() if time_left else None})
        return PlacedCall(contact_id="contact-1", attempts=1)


@pytest.fixture
def parts() -> tuple[FakeStore, FakeSender, list[float], VoiceOtpMethod]:
    clock.set_source(lambda: NOW)
    store, sender, pauses = FakeStore(), FakeSender(), []
    method = VoiceOtpMethod(store, hmac_key=lambda: b"k" * 32, sender=lambda: sender, pause=pauses.append)
    return store, sender, pauses, method


def create(method: VoiceOtpMethod, *, attributes: dict[str, str] | None = None, not_found: bool = False,
           session: list[ChallengeResult] | None = None, resend: bool = False, username: str = "alice",
           time_left: Callable[[], float] | None = None) -> Any:
    return method.create(username=username, user_attributes=KNOWN if attributes is None else attributes,
                         user_not_found=not_found, session=PASSWORD_ROUNDS if session is None else session,
                         resend=resend, time_left=time_left)


def custom_round(metadata: str) -> ChallengeResult:
    return ChallengeResult({"challengeName": "CUSTOM_CHALLENGE", "challengeResult": False,
                            "challengeMetadata": metadata})


def test_known_user_gets_a_call_carrying_no_attributes_and_the_code_is_sealed_for_it(parts: Any) -> None:
    store, sender, pauses, method = parts
    challenge = create(method, time_left=lambda: 4.2)
    assert store.issued == [("alice", "+15550100100", True)]
    assert sender.calls == [{"destination": "+15550100100", "attributes": {}, "token": "chal-1", "time_left": 4.2}]
    assert store.sealed == [("chal-1", "contact-1")], "only the contact Connect placed can hear the code"
    assert challenge.public_parameters == {"channel": "VOICE", "destination": "******00"}
    assert challenge.private_parameters == {"challengeId": "chal-1"}
    assert pauses == []


def test_passwordless_sign_in_hints_no_digit_of_the_number(parts: Any) -> None:
    challenge = create(parts[3], session=[])
    assert challenge.public_parameters["destination"] == "******"


def test_a_different_country_or_length_looks_the_same(parts: Any) -> None:
    uk = create(parts[3], attributes={"phone_number": "+447700900142", "phone_number_verified": "true"})
    us = create(parts[3], username="bob")
    assert len(uk.public_parameters["destination"]) == len(us.public_parameters["destination"])
    assert HINTED.match(uk.public_parameters["destination"])


def test_the_code_is_in_no_parameter_or_metadata(parts: Any) -> None:
    challenge = create(parts[3])
    everything = [*challenge.public_parameters.values(), *challenge.private_parameters.values(),
                  challenge.metadata, *[str(a) for c in parts[1].calls for a in c.values()]]
    assert all(CODE not in value for value in everything)


def test_a_retry_reuses_the_live_challenge_without_calling_again(parts: Any) -> None:
    store, sender, _, method = parts
    first = create(method)
    again = create(method, session=[*PASSWORD_ROUNDS, custom_round(first.metadata)])
    assert again == first
    assert len(store.issued) == 1
    assert len(sender.calls) == 1


def test_an_expired_challenge_is_not_reused(parts: Any) -> None:
    _store, sender, _, method = parts
    first = create(method)
    clock.set_source(lambda: NOW + 301)
    second = create(method, session=[*PASSWORD_ROUNDS, custom_round(first.metadata)])
    assert second.private_parameters != first.private_parameters
    assert len(sender.calls) == 2


def test_resend_issues_a_new_challenge_and_calls_again(parts: Any) -> None:
    _store, sender, _, method = parts
    first = create(method)
    second = create(method, session=[*PASSWORD_ROUNDS, custom_round(first.metadata)], resend=True)
    assert second.private_parameters == {"challengeId": "chal-2"}
    assert len(sender.calls) == 2


@pytest.mark.parametrize("attributes", [
    {}, {"phone_number": "+15550100100"}, {"phone_number": "+15550100100", "phone_number_verified": "false"},
    {"phone_number": "555-0100", "phone_number_verified": "true"},
])
def test_unknown_or_unreachable_users_get_an_identical_looking_decoy(parts: Any,
                                                                     attributes: dict[str, str]) -> None:
    store, sender, pauses, method = parts
    real = create(method, username="alice")
    decoy = create(method, username="mallory", attributes=attributes, not_found=not attributes)
    assert len(sender.calls) == 1, "no call is placed for the decoy"
    assert len(store.issued) == 2, "the decoy makes the same OTP store call"
    assert pauses, "the decoy waits in place of the call"
    assert decoy.public_parameters.keys() == real.public_parameters.keys()
    assert HINTED.match(decoy.public_parameters["destination"])
    assert decoy.private_parameters.keys() == real.private_parameters.keys()
    assert [sealed[0] for sealed in store.sealed] == ["chal-1", "chal-2"], "the decoy seals a copy too (same calls)"
    assert store.issued[1][2] is not bool(not attributes), "an unknown user's state is marked to expire"


def test_decoy_numbers_are_stable_per_username_and_differ_between_usernames(parts: Any) -> None:
    method = parts[3]
    a1 = create(method, username="ghost-a", attributes={}, not_found=True).public_parameters["destination"]
    a2 = create(method, username="ghost-a", attributes={}, not_found=True).public_parameters["destination"]
    numbers = {create(method, username=f"ghost-{i}", attributes={}, not_found=True).public_parameters["destination"]
               for i in range(20)}
    assert a1 == a2
    assert len(numbers) > 15


@pytest.mark.parametrize(("refusal", "text"), [
    (LockedOut("x", 60), "Too many failed attempts"),
    (LockedOut("x", None), "Too many failed attempts"),
    (ResendTooSoon("x", 10), "wait a few seconds"),
    (SendLimitExceeded("x", 600), "Too many codes"),
    (SendBudgetExhausted("x", 2), UNAVAILABLE),
])
def test_store_refusals_become_user_facing_errors_and_no_call(parts: Any, refusal: Exception, text: str) -> None:
    store, sender, _, method = parts
    store.refuse = refusal
    with pytest.raises(UserFacingError) as info:
        create(method)
    assert text in info.value.message
    assert sender.calls == []


def test_inside_the_cooldown_the_live_challenge_is_reused_without_a_call(parts: Any) -> None:
    store, sender, _, method = parts
    store.refuse = ResendTooSoon("x", 10, live=LiveChallenge(challenge_id="chal-live", expires_at=NOW + 200))
    challenge = create(method, resend=True)
    assert challenge.private_parameters == {"challengeId": "chal-live"}
    assert challenge.metadata == f"VOICE_OTP:chal-live:{int(NOW + 200)}"
    assert sender.calls == []


@pytest.mark.parametrize("reason", ["ResourceNotFoundException", "ThrottlingException", "DeadlineReached"])
def test_a_failed_call_answers_exactly_like_a_placed_one_and_is_refunded(parts: Any, reason: str) -> None:
    store, sender, _, method = parts
    placed = create(method)
    sender.fail = DeliveryError(f"outbound voice call failed: {reason}: ...", reason=reason)
    failed = create(method, username="bob")
    assert failed.public_parameters == placed.public_parameters, "no error an unknown user would not get"
    assert failed.private_parameters.keys() == placed.private_parameters.keys()
    assert store.refunded == ["chal-2"], "the undelivered send costs the user no budget and no cooldown"
    assert store.sealed == [("chal-1", "contact-1")], "no copy of a code nobody will hear"


@pytest.mark.parametrize(("outcome", "expected"), [(VerifyOutcome.OK, True), *[(o, False) for o in VerifyOutcome
                                                                              if o is not VerifyOutcome.OK]])
def test_verify_is_true_only_for_ok(parts: Any, outcome: VerifyOutcome, expected: bool) -> None:
    store, _, _, method = parts
    store.outcome = outcome
    assert method.verify(username="alice", private_parameters={"challengeId": "c"}, answer="1",
                         resend=False) is expected


def test_verify_passes_whether_the_user_is_known(parts: Any) -> None:
    store, _, _, method = parts
    method.verify(username="ghost", private_parameters={"challengeId": "c"}, answer="1", resend=False,
                  user_not_found=True)
    assert store.verified == [("c", "ghost", "1", False)]


def test_verify_resend_or_missing_challenge_never_reaches_the_store(parts: Any) -> None:
    store, _, _, method = parts
    assert method.verify(username="a", private_parameters={"challengeId": "c"}, answer=CODE, resend=True) is False
    assert method.verify(username="a", private_parameters={}, answer=CODE, resend=False) is False
    assert store.verified == []
