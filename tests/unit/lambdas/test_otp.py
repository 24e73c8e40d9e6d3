"""DynamoOtpStore and the HMAC key loader on moto: issue, verify, reveal, limits, lockout, storage, AWS budget."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import botocore.loaders
import botocore.session
import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from lambdas.common.core import aws, clock
from lambdas.common.core.errors import InternalError
from lambdas.common.core.phone import InvalidPhoneNumber
from lambdas.common.core.secrets import hmac_key_loader
from lambdas.common.core.tables import create_table_kwargs
from lambdas.common.otp import codes
from lambdas.common.otp.errors import LockedOut, ResendTooSoon, SendBudgetExhausted, SendLimitExceeded
from lambdas.common.otp.model import IssuedOtp, VerifyOutcome
from lambdas.common.otp.policy import OtpPolicy
from lambdas.common.otp.store import DynamoOtpStore
from lambdas.common.otp.table import OTP_TABLE

TABLE = "otp-test"
KEY = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZab"
ALICE_PHONE = "+15550100100"
BOB_PHONE = "+15550100199"
T0 = 1_700_000_000.0
CONTACT = "6b7e3c1a-0d4f-4e8a-9c2b-1f0e5d6c7a8b"


@pytest.fixture(autouse=True, scope="module")
def _parse_service_models_once() -> Iterator[None]:
    """Speed only: ``aws.client`` builds a fresh botocore session per client, which re-parses the service's
    JSON model (~0.1 s each, every test, since clients are reset per test). Share one loader of that static
    data for this module; the clients themselves are still new in every test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", functools.cache(botocore.loaders.create_loader))
        yield


class FakeClock:
    """The simulated clock installed through ``clock.set_source``."""

    def __init__(self) -> None:
        self.now = T0
        clock.set_source(lambda: self.now)

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


@pytest.fixture
def time_(moto_aws: None) -> FakeClock:
    """A fixed clock (restored to the wall clock by the shared autouse fixture)."""
    return FakeClock()


@pytest.fixture
def kms_key(moto_aws: None) -> str:
    """A symmetric KMS key for the encrypted code copy."""
    return str(aws.client("kms").create_key()["KeyMetadata"]["KeyId"])


@pytest.fixture
def make_store(time_: FakeClock, kms_key: str) -> Callable[..., DynamoOtpStore]:
    """Create the table; build stores with a policy, a key and (by default) the KMS code copy."""
    aws.client("dynamodb").create_table(**create_table_kwargs(OTP_TABLE, TABLE))

    def make(policy: OtpPolicy | None = None, *, key: bytes = KEY, encrypt: bool = True) -> DynamoOtpStore:
        return DynamoOtpStore(TABLE, lambda: key, policy or OtpPolicy(), code_key_id=kms_key if encrypt else None)

    return make


@pytest.fixture
def store(make_store: Callable[..., DynamoOtpStore]) -> DynamoOtpStore:
    """A store with the default policy and an encrypted code copy."""
    return make_store()


@pytest.fixture
def calls(moto_aws: None) -> list[str]:
    """Every AWS operation made through the shared cached clients, as ``service.Operation``."""
    made: list[str] = []

    def record(event_name: str, **_: Any) -> None:
        made.append(event_name.removeprefix("before-call."))

    for service in ("dynamodb", "kms", "secretsmanager"):
        aws.client(service).meta.events.register("before-call.*.*", record)
    return made


def item(pk: str) -> dict[str, Any]:
    """The raw stored item (empty when absent)."""
    response = aws.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": pk}})
    found: dict[str, Any] = response.get("Item", {})
    return found


def challenge(issued: IssuedOtp) -> dict[str, Any]:
    """The raw CHALLENGE# item of ``issued``."""
    return item(f"CHALLENGE#{issued.challenge_id}")


def failures(user: str) -> int:
    """The stored consecutive-failure counter of ``user``."""
    return int(item(f"USER#{user}").get("failures", {"N": "0"})["N"])


def reveal(store: DynamoOtpStore, issued: IssuedOtp, contact: str = CONTACT) -> str | None:
    """Seal ``issued`` for ``contact`` (as the Create trigger does after the call) and reveal it once."""
    store.seal_for_contact(issued, contact)
    return store.reveal_for_contact(contact)


def wrong_code(issued: IssuedOtp) -> str:
    """A well-formed code that is not the issued one."""
    return f"{(int(issued.code) + 1) % 10 ** len(issued.code):0{len(issued.code)}d}"


def all_values(value: Any) -> Iterator[str]:
    """Every scalar inside a DynamoDB attribute value, as text (binary decoded leniently)."""
    if isinstance(value, dict):
        for inner in value.values():
            yield from all_values(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from all_values(inner)
    elif isinstance(value, bytes):
        yield value.decode("latin-1")
    else:
        yield str(value)


# --- code generation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("drawn", "expected"), [(0, "000000"), (999_999, "999999")])
def test_issue_covers_every_code_including_edges(
    store: DynamoOtpStore, monkeypatch: pytest.MonkeyPatch, drawn: int, expected: str
) -> None:
    bounds: list[int] = []

    def randbelow(bound: int) -> int:
        bounds.append(bound)
        return drawn

    monkeypatch.setattr(secrets, "randbelow", randbelow)

    issued = store.issue(user="alice", destination=ALICE_PHONE)

    assert bounds == [10**6]  # one draw, uniform over all 10**6 codes
    assert issued.code == expected
    assert reveal(store, issued) == expected
    assert store.verify(challenge_id=issued.challenge_id, user="alice", code=expected) is VerifyOutcome.OK


@given(length=st.integers(6, 10), data=st.data())
def test_every_draw_maps_to_its_own_code(length: int, data: st.DataObject) -> None:
    """randbelow(10**n) -> exactly n ASCII digits that read back as the draw: a bijection, hence uniform."""
    drawn: list[int] = []

    def randbelow(bound: int) -> int:
        assert bound == 10**length
        drawn.append(data.draw(st.integers(0, bound - 1), label="drawn"))
        return drawn[-1]

    with mock.patch.object(secrets, "randbelow", randbelow):
        code = codes.new_code(length)
    assert len(code) == length
    assert code.isascii()
    assert code.isdigit()
    assert int(code) == drawn[0]


def test_real_codes_come_from_the_csprng_and_vary(store: DynamoOtpStore, time_: FakeClock) -> None:
    codes = set()
    for n in range(5):
        codes.add(store.issue(user=f"u{n}", destination=f"+1555011{n:04d}").code)
    assert len(codes) > 1
    assert all(len(code) == 6 and code.isdigit() for code in codes)


def test_configured_length_is_used(make_store: Callable[..., DynamoOtpStore]) -> None:
    issued = make_store(OtpPolicy(length=10)).issue(user="alice", destination=ALICE_PHONE)
    assert len(issued.code) == 10


# --- policy ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [
    {"length": 5}, {"length": 11}, {"ttl_seconds": 29}, {"ttl_seconds": 601}, {"max_attempts": 0},
    {"max_attempts": 11}, {"lockout_threshold": 0}, {"lockout_threshold": 101}, {"lockout_seconds": 0},
    {"lockout_seconds": 86_401}, {"failure_ceiling": 0}, {"failure_ceiling": 101},
    {"resend_cooldown_seconds": -1}, {"resend_cooldown_seconds": 601}, {"send_limit": 0}, {"send_limit": 21},
    {"send_window_seconds": 59}, {"send_window_seconds": 86_401}, {"daily_send_limit": 0},
    {"daily_send_limit": 51}, {"global_sends_per_minute": 0}, {"global_sends_per_minute": 6001},
    {"global_send_burst": 0}, {"global_send_burst": 6001}, {"length": 6.5}, {"max_attempts": True},
])
def test_policy_rejects_out_of_bounds(bad: dict[str, Any]) -> None:
    (name,) = bad
    with pytest.raises(ValueError, match=name):
        OtpPolicy(**bad)


def test_policy_defaults_and_edges() -> None:
    default = OtpPolicy()
    assert (default.length, default.ttl_seconds, default.max_attempts) == (6, 300, 3)
    assert (default.lockout_threshold, default.lockout_seconds) == (10, 900)
    assert (default.resend_cooldown_seconds, default.send_limit, default.send_window_seconds) == (30, 5, 3600)
    assert (default.failure_ceiling, default.daily_send_limit) == (100, 10)
    assert (default.global_sends_per_minute, default.global_send_burst) == (30, 30)
    OtpPolicy(length=10, ttl_seconds=600, max_attempts=10, lockout_threshold=100, lockout_seconds=86_400,
              failure_ceiling=100, resend_cooldown_seconds=600, send_limit=20, send_window_seconds=86_400,
              daily_send_limit=50, global_sends_per_minute=6000, global_send_burst=6000)
    OtpPolicy(length=6, ttl_seconds=30, max_attempts=1, lockout_threshold=1, lockout_seconds=1, failure_ceiling=1,
              resend_cooldown_seconds=0, send_limit=1, send_window_seconds=60, daily_send_limit=1,
              global_sends_per_minute=1, global_send_burst=1)


def test_ceiling_below_the_lockout_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="failure_ceiling"):
        OtpPolicy(lockout_threshold=10, failure_ceiling=9)


def test_lockout_backs_off_per_step_and_the_ceiling_never_ends() -> None:
    policy = OtpPolicy(lockout_threshold=10, lockout_seconds=900, failure_ceiling=100)
    assert [policy.lockout_for(n) for n in (0, 1, 9, 11, 99)] == [None] * 5
    assert [policy.lockout_for(10 * step) for step in range(1, 10)] == [
        900, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400, 86_400]  # doubling, capped at a day
    assert policy.lockout_for(100) == policy.lockout_for(150) == float("inf")


# --- storage ------------------------------------------------------------------------------------------


def test_table_never_holds_code_number_or_key(store: DynamoOtpStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "randbelow", lambda _bound: 472_913)
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    store.verify(challenge_id=issued.challenge_id, user="alice", code="000000")

    items = aws.client("dynamodb").scan(TableName=TABLE)["Items"]
    values = [text for stored in items for text in all_values(stored)]

    assert {stored["pk"]["S"].split("#")[0] for stored in items} == {"CHALLENGE", "USER", "DEST", "BUDGET"}
    for secret in ("472913", ALICE_PHONE, ALICE_PHONE[1:], KEY.decode()):
        assert not any(secret in text for text in values), secret
    stored = challenge(issued)
    assert stored["code_hash"]["S"] == hmac.new(
        KEY, f"otp-code\x00{issued.challenge_id}\x00472913".encode(), hashlib.sha256).hexdigest()
    assert stored["code_hash"]["S"] != hashlib.sha256(b"472913").hexdigest()


def test_hash_is_keyed(store: DynamoOtpStore, make_store: Callable[..., DynamoOtpStore]) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    other_key = make_store(key=b"x" * 64)
    assert other_key.verify(challenge_id=issued.challenge_id, user="alice", code=issued.code) \
        is VerifyOutcome.WRONG


def test_hash_is_bound_to_its_challenge(store: DynamoOtpStore, time_: FakeClock) -> None:
    first = store.issue(user="alice", destination=ALICE_PHONE)
    time_.advance(31)
    second = store.issue(user="alice", destination=ALICE_PHONE)
    aws.client("dynamodb").update_item(  # replay the first hash into the second challenge
        TableName=TABLE, Key={"pk": {"S": f"CHALLENGE#{second.challenge_id}"}},
        UpdateExpression="SET code_hash = :h",
        ExpressionAttributeValues={":h": challenge(first)["code_hash"]},
    )
    outcome = store.verify(challenge_id=second.challenge_id, user="alice", code=first.code)
    assert outcome is VerifyOutcome.WRONG


def test_ttl_attribute_is_cleanup_after_expiry(store: DynamoOtpStore, time_: FakeClock) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    assert issued.expires_at == T0 + 300
    assert int(challenge(issued)["expires_at"]["N"]) > issued.expires_at
    assert int(item(f"DEST#{challenge(issued)['dest']['S']}")["expires_at"]["N"]) > T0 + 86_400  # the daily cap


def test_code_never_in_repr_or_refusals(store: DynamoOtpStore) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    with pytest.raises(ResendTooSoon) as refused:
        store.issue(user="alice", destination=ALICE_PHONE)
    for text in (repr(issued), str(issued), str(refused.value), repr(refused.value)):
        assert issued.code not in text
        assert ALICE_PHONE[2:] not in text


# --- verify ------------------------------------------------------------------------------------------


def test_correct_code_once_then_used(store: DynamoOtpStore) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    first, replay = (store.verify(challenge_id=issued.challenge_id, user="alice", code=issued.code)
                     for _ in range(2))
    assert (first, replay) == (VerifyOutcome.OK, VerifyOutcome.USED)


MALFORMED: dict[str, Callable[[str], Any]] = {
    "int": int, "none": lambda code: None, "empty": lambda code: "", "bytes": str.encode,
    "longer": lambda code: code + "0", "shorter": lambda code: code[:-1], "space": lambda code: f" {code}",
    "newline": lambda code: f"{code}\n", "letter": lambda code: code[:-1] + "a",
    "huge": lambda code: "9" * 10_000,
    "unicode digits": lambda code: code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
}


def test_malformed_codes_are_wrong_and_count(store: DynamoOtpStore) -> None:
    for n, (name, mangle) in enumerate(MALFORMED.items()):
        user = f"user{n}"
        issued = store.issue(user=user, destination=f"+1555013{n:04d}")

        outcome = store.verify(challenge_id=issued.challenge_id, user=user, code=mangle(issued.code))

        assert outcome is VerifyOutcome.WRONG, name
        assert challenge(issued)["attempts"] == {"N": "1"}, name
        assert failures(user) == 1, name


def test_attempt_limit_exhausts_the_challenge(store: DynamoOtpStore) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    outcomes = [store.verify(challenge_id=issued.challenge_id, user="alice", code=wrong_code(issued))
                for _ in range(3)]
    assert outcomes == [VerifyOutcome.WRONG] * 3
    assert "current_id" not in item("USER#alice"), "an exhausted challenge is no longer the one to reuse"
    assert store.verify(challenge_id=issued.challenge_id, user="alice", code=issued.code) \
        is VerifyOutcome.EXHAUSTED
    assert failures("alice") == 3  # the refused correct code is not a failure


def test_expiry_is_checked_against_the_clock(store: DynamoOtpStore, time_: FakeClock) -> None:
    late = store.issue(user="alice", destination=ALICE_PHONE)
    in_time = store.issue(user="bob", destination=BOB_PHONE)
    store.seal_for_contact(late, CONTACT)
    time_.advance(299.9)
    assert store.verify(challenge_id=in_time.challenge_id, user="bob", code=in_time.code) is VerifyOutcome.OK
    assert store.reveal_for_contact(CONTACT) == late.code
    time_.advance(0.1)
    assert store.reveal_for_contact(CONTACT) is None
    assert store.verify(challenge_id=late.challenge_id, user="alice", code=late.code) is VerifyOutcome.EXPIRED


def test_unknown_challenge_is_not_found_and_counts(store: DynamoOtpStore) -> None:
    unknown: list[Any] = ["unknown-challenge-id-000", "", "bad id!", None, "x" * 5000]
    for n, challenge_id in enumerate(unknown, start=1):
        outcome = store.verify(challenge_id=challenge_id, user="alice", code="123456")
        assert outcome is VerifyOutcome.NOT_FOUND, challenge_id
        assert failures("alice") == n


def test_another_users_challenge_is_not_found_and_untouched(store: DynamoOtpStore) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    assert store.verify(challenge_id=issued.challenge_id, user="mallory", code=issued.code) \
        is VerifyOutcome.NOT_FOUND
    assert failures("mallory") == 1
    assert challenge(issued)["attempts"] == {"N": "0"}
    assert store.verify(challenge_id=issued.challenge_id, user="alice", code=issued.code) is VerifyOutcome.OK


# --- per-user failures and lockout --------------------------------------------------------------------


def test_failure_counter_survives_resend_and_resets_on_success(store: DynamoOtpStore, time_: FakeClock) -> None:
    first = store.issue(user="alice", destination=ALICE_PHONE)
    for _ in range(3):
        store.verify(challenge_id=first.challenge_id, user="alice", code=wrong_code(first))
    time_.advance(31)
    second = store.issue(user="alice", destination=ALICE_PHONE)
    assert failures("alice") == 3
    store.verify(challenge_id=second.challenge_id, user="alice", code=wrong_code(second))
    assert failures("alice") == 4
    assert store.verify(challenge_id=second.challenge_id, user="alice", code=second.code) is VerifyOutcome.OK
    assert failures("alice") == 0


def test_lockout_refuses_everything_until_the_cool_off(
    make_store: Callable[..., DynamoOtpStore], time_: FakeClock
) -> None:
    store = make_store(OtpPolicy(lockout_threshold=3, lockout_seconds=120))
    live = store.issue(user="alice", destination=ALICE_PHONE)
    for _ in range(3):
        store.verify(challenge_id="unknown-challenge-id-000", user="alice", code="123456")

    assert store.is_locked("alice") == 120
    assert store.status("alice").failures == 3
    assert store.verify(challenge_id=live.challenge_id, user="alice", code=live.code) is VerifyOutcome.LOCKED
    time_.advance(100)
    with pytest.raises(LockedOut) as locked:
        store.issue(user="alice", destination=ALICE_PHONE)
    assert locked.value.retry_after == 20
    assert store.is_locked("bob") is None

    time_.advance(20)
    assert store.is_locked("alice") is None
    assert store.verify(challenge_id=live.challenge_id, user="alice", code=live.code) is VerifyOutcome.OK
    for _ in range(2):  # the counter starts again after the cool-off
        store.verify(challenge_id="unknown-challenge-id-000", user="alice", code="123456")
    assert store.is_locked("alice") is None
    store.verify(challenge_id="unknown-challenge-id-000", user="alice", code="123456")
    assert store.is_locked("alice") == 120


def test_locked_attempts_do_not_count(make_store: Callable[..., DynamoOtpStore], time_: FakeClock) -> None:
    store = make_store(OtpPolicy(lockout_threshold=1, lockout_seconds=60))
    store.verify(challenge_id="unknown-challenge-id-000", user="alice", code="123456")
    for _ in range(5):
        assert store.verify(challenge_id="unknown-challenge-id-000", user="alice", code="1") \
            is VerifyOutcome.LOCKED
    time_.advance(60)
    assert failures("alice") == 1, "the count survives the lockout; only a success resets it"
    assert store.is_locked("alice") is None


# --- send limits --------------------------------------------------------------------------------------


def test_resend_cooldown(store: DynamoOtpStore, time_: FakeClock) -> None:
    store.issue(user="alice", destination=ALICE_PHONE)
    with pytest.raises(ResendTooSoon) as too_soon:
        store.issue(user="alice", destination=BOB_PHONE)
    assert too_soon.value.retry_after == 30
    time_.advance(29)
    with pytest.raises(ResendTooSoon) as too_soon:
        store.issue(user="alice", destination=ALICE_PHONE)
    assert too_soon.value.retry_after == 1
    time_.advance(1)
    store.issue(user="alice", destination=ALICE_PHONE)


def test_send_limit_per_user_slides(store: DynamoOtpStore, time_: FakeClock) -> None:
    for n in range(5):
        store.issue(user="alice", destination=f"+1555012{n:04d}")
        time_.advance(60)
    with pytest.raises(SendLimitExceeded) as limited:
        store.issue(user="alice", destination="+15550129999")
    assert limited.value.retry_after == 3600 - 300  # until the first send leaves the window
    time_.advance(3600 - 300)
    store.issue(user="alice", destination="+15550129999")
    time_.advance(30)
    with pytest.raises(SendLimitExceeded):  # the second send is still in the window
        store.issue(user="alice", destination="+15550129999")


def test_send_limit_per_destination_across_users(store: DynamoOtpStore, time_: FakeClock) -> None:
    for n in range(5):
        store.issue(user=f"user{n}", destination=ALICE_PHONE)
        time_.advance(1)
    with pytest.raises(SendLimitExceeded) as limited:
        store.issue(user="fresh-user", destination=ALICE_PHONE)
    assert limited.value.retry_after == 3600 - 5
    store.issue(user="fresh-user", destination=BOB_PHONE)


def test_invalid_destination_refused_without_aws_calls(store: DynamoOtpStore, calls: list[str]) -> None:
    with pytest.raises(InvalidPhoneNumber) as invalid:
        store.issue(user="alice", destination="5550100")
    assert "5550100" not in str(invalid.value)
    assert calls == []


def test_transaction_conflict_becomes_resend_too_soon(store: DynamoOtpStore) -> None:
    """A concurrent send between our read and our write cancels the transaction: no challenge, no retry."""
    event = "before-call.dynamodb.TransactWriteItems"

    def concurrent_send(**_: Any) -> None:
        aws.client("dynamodb").meta.events.unregister(event, concurrent_send)
        aws.client("dynamodb").update_item(
            TableName=TABLE, Key={"pk": {"S": "USER#alice"}}, UpdateExpression="SET send_seq = :one",
            ExpressionAttributeValues={":one": {"N": "1"}})

    aws.client("dynamodb").meta.events.register(event, concurrent_send)
    with pytest.raises(ResendTooSoon) as conflict:
        store.issue(user="alice", destination=ALICE_PHONE)
    assert conflict.value.retry_after == 30
    assert not [stored for stored in aws.client("dynamodb").scan(TableName=TABLE)["Items"]
                if stored["pk"]["S"].startswith("CHALLENGE#")]


# --- encrypted code copy, bound to one outbound contact --------------------------------------------------


def test_the_copy_is_revealed_only_to_its_contact_and_only_twice(store: DynamoOtpStore) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    store.seal_for_contact(issued, CONTACT)
    assert store.reveal_for_contact("another-contact-id") is None
    assert store.reveal_for_contact(CONTACT) == issued.code
    assert store.reveal_for_contact(CONTACT) == issued.code  # Connect's one retry of the prompt
    assert store.reveal_for_contact(CONTACT) is None         # a third ask (50 replays before) gets nothing
    for bad in (None, "", 42, "not a contact id!", "x" * 300):
        assert store.reveal_for_contact(bad) is None


def test_a_contact_is_sealed_once(store: DynamoOtpStore, time_: FakeClock) -> None:
    first = store.issue(user="alice", destination=ALICE_PHONE)
    store.seal_for_contact(first, CONTACT)
    time_.advance(31)
    second = store.issue(user="alice", destination=ALICE_PHONE)
    with pytest.raises(ClientError):
        store.seal_for_contact(second, CONTACT)
    assert store.reveal_for_contact(CONTACT) == first.code


def test_code_copy_is_bound_to_challenge_and_contact_by_encryption_context(store: DynamoOtpStore, kms_key: str) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    store.seal_for_contact(issued, CONTACT)
    ciphertext = item(f"CONTACT#{CONTACT}")["code_ct"]["B"]
    assert "code_ct" not in challenge(issued), "the challenge item never holds a decryptable copy"
    kms = aws.client("kms")
    context = {"purpose": "voice-otp", "challenge_id": issued.challenge_id, "contact_id": CONTACT}
    assert kms.decrypt(CiphertextBlob=ciphertext, KeyId=kms_key, EncryptionContext=context)["Plaintext"] \
        == issued.code.encode()
    for swapped in ({"challenge_id": "another-challenge"}, {"contact_id": "another-contact"}):
        with pytest.raises(ClientError):
            kms.decrypt(CiphertextBlob=ciphertext, KeyId=kms_key, EncryptionContext={**context, **swapped})


def test_a_copy_moved_to_another_contact_cannot_be_read(store: DynamoOtpStore) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    store.seal_for_contact(issued, CONTACT)
    moved = {**item(f"CONTACT#{CONTACT}"), "pk": {"S": "CONTACT#attacker-contact"}}
    aws.client("dynamodb").put_item(TableName=TABLE, Item=moved)
    with pytest.raises(ClientError):  # the context names the contact it was sealed for
        store.reveal_for_contact("attacker-contact")


def test_no_code_copy_without_a_kms_key(make_store: Callable[..., DynamoOtpStore], calls: list[str]) -> None:
    store = make_store(encrypt=False)
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    with pytest.raises(RuntimeError):
        store.seal_for_contact(issued, CONTACT)
    assert store.reveal_for_contact(CONTACT) is None
    assert not [call for call in calls if call.startswith("kms.")]


# --- the failure ceiling, administrator reset, unknown users ---------------------------------------------


def test_failures_count_across_lockouts_with_backoff_up_to_the_ceiling(
    make_store: Callable[..., DynamoOtpStore], time_: FakeClock
) -> None:
    store = make_store(OtpPolicy(lockout_threshold=2, lockout_seconds=60, failure_ceiling=6))
    durations = []
    for _ in range(3):
        for _ in range(2):
            assert store.verify(challenge_id="unknown-challenge-id-000", user="alice", code="1") \
                is VerifyOutcome.NOT_FOUND
        durations.append(store.is_locked("alice"))
        time_.advance(durations[-1] or 0)
    assert durations == [60, 120, float("inf")]
    assert failures("alice") == 6
    time_.advance(365 * 86_400)  # a year later: still locked, nothing expires it
    assert store.is_locked("alice") == float("inf")
    with pytest.raises(LockedOut) as locked:
        store.issue(user="alice", destination=ALICE_PHONE)
    assert locked.value.retry_after is None
    assert store.status("alice").needs_administrator


def test_an_administrator_clears_the_ceiling_and_the_user_signs_in(
    make_store: Callable[..., DynamoOtpStore], time_: FakeClock
) -> None:
    store = make_store(OtpPolicy(lockout_threshold=1, lockout_seconds=1, failure_ceiling=1))
    store.verify(challenge_id="unknown-challenge-id-000", user="alice", code="1")
    assert store.status("alice").needs_administrator
    before = store.clear_failures("alice")
    assert (before.failures, before.needs_administrator) == (1, True)
    assert store.status("alice").failures == 0
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    assert store.verify(challenge_id=issued.challenge_id, user="alice", code=issued.code) is VerifyOutcome.OK


def test_clearing_an_unknown_user_writes_nothing(store: DynamoOtpStore) -> None:
    with pytest.raises(ClientError):
        store.clear_failures("nobody")
    assert item("USER#nobody") == {}


def test_unknown_users_state_expires_but_a_known_users_never_does(store: DynamoOtpStore) -> None:
    store.issue(user="ghost", destination=ALICE_PHONE, known_user=False)
    store.verify(challenge_id="unknown-challenge-id-000", user="ghost2", code="1", known_user=False)
    store.issue(user="alice", destination=BOB_PHONE)
    store.verify(challenge_id="unknown-challenge-id-000", user="alice", code="1")
    for ghost in ("ghost", "ghost2"):
        assert int(item(f"USER#{ghost}")["expires_at"]["N"]) == T0 + 90 * 86_400
    assert "expires_at" not in item("USER#alice")


# --- reuse inside the cooldown, refunds, daily cap, deployment budget ------------------------------------


def test_inside_the_cooldown_the_live_challenge_is_offered_for_reuse(store: DynamoOtpStore, time_: FakeClock) -> None:
    first = store.issue(user="alice", destination=ALICE_PHONE)
    time_.advance(10)
    with pytest.raises(ResendTooSoon) as too_soon:
        store.issue(user="alice", destination=ALICE_PHONE)
    assert too_soon.value.live is not None
    assert (too_soon.value.live.challenge_id, too_soon.value.live.expires_at) == (first.challenge_id, T0 + 300)
    store.verify(challenge_id=first.challenge_id, user="alice", code=first.code)
    with pytest.raises(ResendTooSoon) as after_use:
        store.issue(user="alice", destination=ALICE_PHONE)
    assert after_use.value.live is None, "a used challenge is never offered again"


def test_a_refund_gives_back_the_cooldown_the_sends_and_the_budget(
    make_store: Callable[..., DynamoOtpStore], time_: FakeClock
) -> None:
    store = make_store(OtpPolicy(send_limit=1, global_send_burst=1, global_sends_per_minute=1))
    before = item("USER#alice")
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    assert store.refund(issued) is True
    assert challenge(issued)["used"] == {"BOOL": True}, "the undelivered code is retired"
    assert item("USER#alice").get("sends") == before.get("sends", {"L": []})
    again = store.issue(user="alice", destination=ALICE_PHONE)  # no cooldown, no send limit, budget back
    assert again.challenge_id != issued.challenge_id
    assert store.refund(issued) is False, "a stale refund never undoes a later send"


def test_daily_cap_per_user_and_per_number(make_store: Callable[..., DynamoOtpStore], time_: FakeClock) -> None:
    store = make_store(OtpPolicy(send_limit=20, send_window_seconds=3600, daily_send_limit=3))
    for _ in range(3):
        store.issue(user="alice", destination=ALICE_PHONE)
        time_.advance(3601)
    with pytest.raises(SendLimitExceeded) as capped:
        store.issue(user="alice", destination=BOB_PHONE)
    assert capped.value.retry_after == 86_400 - 3 * 3601
    with pytest.raises(SendLimitExceeded):
        store.issue(user="mallory", destination=ALICE_PHONE)  # the victim's number is capped for everyone
    time_.advance(86_400 - 3 * 3601)
    store.issue(user="alice", destination=BOB_PHONE)


def test_deployment_budget_refuses_when_spent_and_refills(
    make_store: Callable[..., DynamoOtpStore], time_: FakeClock
) -> None:
    store = make_store(OtpPolicy(global_sends_per_minute=60, global_send_burst=3))
    for n in range(3):
        store.issue(user=f"user{n}", destination=f"+1555014{n:04d}")
    with pytest.raises(SendBudgetExhausted) as spent:
        store.issue(user="user9", destination="+15550149999")
    assert spent.value.retry_after == pytest.approx(1.0)
    assert not item("USER#user9"), "a refused send writes nothing"
    time_.advance(1)
    store.issue(user="user9", destination="+15550149999")
    with pytest.raises(SendBudgetExhausted):
        store.issue(user="user10", destination="+15550149998")


# --- AWS call budget ----------------------------------------------------------------------------------


def test_aws_call_budget(store: DynamoOtpStore, calls: list[str], time_: FakeClock) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    assert calls == ["dynamodb.TransactGetItems", "dynamodb.TransactWriteItems"]

    calls.clear()
    store.seal_for_contact(issued, CONTACT)
    assert calls == ["kms.Encrypt", "dynamodb.PutItem"]

    calls.clear()
    with pytest.raises(ResendTooSoon):
        store.issue(user="alice", destination=ALICE_PHONE)
    assert calls == ["dynamodb.TransactGetItems"]  # refused before any write or KMS call

    calls.clear()
    store.verify(challenge_id=issued.challenge_id, user="alice", code=wrong_code(issued))
    assert calls == ["dynamodb.TransactGetItems", "dynamodb.TransactWriteItems"]

    calls.clear()
    store.verify(challenge_id=issued.challenge_id, user="alice", code=issued.code)
    assert calls == ["dynamodb.TransactGetItems", "dynamodb.TransactWriteItems"]  # 1 read + 1 conditional write

    calls.clear()
    store.reveal_for_contact(CONTACT)
    assert calls == ["dynamodb.UpdateItem", "kms.Decrypt"]  # one item, one decrypt

    calls.clear()
    store.verify(challenge_id="unknown-challenge-id-000", user="alice", code="1")
    assert calls == ["dynamodb.TransactGetItems", "dynamodb.UpdateItem"]


def _verify_writes(store: DynamoOtpStore, **verify: Any) -> list[dict[str, Any]]:
    """The TransactItems of the one write a verify makes."""
    seen: list[dict[str, Any]] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        seen.extend(params["TransactItems"])

    client = aws.client("dynamodb")
    client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", capture)
    try:
        store.verify(**verify)
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb.TransactWriteItems", capture)
    return seen


def test_a_success_writes_only_what_changes_on_the_user(store: DynamoOtpStore, time_: FakeClock) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    challenge, user = _verify_writes(store, challenge_id=issued.challenge_id, user="alice", code=issued.code)
    assert "SET #used = :true" in challenge["Update"]["UpdateExpression"]
    # failures were already 0: no reset written, only the live-challenge pointer retired
    assert user["Update"]["UpdateExpression"] == "REMOVE #current_id, #current_expiry"
    assert "current_id" not in item("USER#alice")

    time_.advance(31)
    again = store.issue(user="alice", destination=ALICE_PHONE)
    store.verify(challenge_id=again.challenge_id, user="alice", code=wrong_code(again))
    _, user = _verify_writes(store, challenge_id=again.challenge_id, user="alice", code=again.code)
    assert user["Update"]["UpdateExpression"] == "SET #failures = :zero REMOVE #current_id, #current_expiry"
    assert item("USER#alice")["failures"] == {"N": "0"}


def test_a_success_that_changes_nothing_on_the_user_only_checks_it(store: DynamoOtpStore, time_: FakeClock) -> None:
    first = store.issue(user="alice", destination=ALICE_PHONE)
    time_.advance(31)
    store.issue(user="alice", destination=ALICE_PHONE)  # the user's live challenge is now the second one
    _, user = _verify_writes(store, challenge_id=first.challenge_id, user="alice", code=first.code)
    assert set(user) == {"ConditionCheck"}  # still conditioned on the count and no lockout
    assert "#failures = :seen" in user["ConditionCheck"]["ConditionExpression"]


# --- HMAC key loader ----------------------------------------------------------------------------------


def test_hmac_key_loader_fetches_lazily_and_caches(moto_aws: None, calls: list[str]) -> None:
    arn = aws.client("secretsmanager").create_secret(Name="otp-hmac", SecretString=KEY.decode())["ARN"]
    calls.clear()
    load = hmac_key_loader(arn)
    assert calls == []
    assert load() == KEY
    assert load() == KEY
    assert calls == ["secrets-manager.GetSecretValue"]


def test_hmac_key_loader_refuses_a_short_key_without_echoing_it(moto_aws: None) -> None:
    arn = aws.client("secretsmanager").create_secret(Name="otp-hmac", SecretString="short-secret")["ARN"]
    with pytest.raises(InternalError) as short:
        hmac_key_loader(arn)()
    assert "short-secret" not in str(short.value)
