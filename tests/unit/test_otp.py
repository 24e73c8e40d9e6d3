"""OtpStore and the HMAC key loader on moto: issue, verify, reveal, limits, lockout, storage, AWS budget."""

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

from lambdas.common import aws, clock, otp
from lambdas.common.errors import InternalError
from lambdas.common.keys import hmac_key_loader
from lambdas.common.otp import (
    IssuedOtp,
    LockedOut,
    OtpPolicy,
    OtpStore,
    ResendTooSoon,
    SendLimitExceeded,
    VerifyOutcome,
)
from lambdas.common.phone import InvalidPhoneNumber
from lambdas.common.tables import OTP_TABLE, create_table_kwargs

TABLE = "otp-test"
KEY = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZab"
ALICE_PHONE = "+15550100100"
BOB_PHONE = "+15550100199"
T0 = 1_700_000_000.0


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
def make_store(time_: FakeClock, kms_key: str) -> Callable[..., OtpStore]:
    """Create the table; build stores with a policy, a key and (by default) the KMS code copy."""
    aws.client("dynamodb").create_table(**create_table_kwargs(OTP_TABLE, TABLE))

    def make(policy: OtpPolicy | None = None, *, key: bytes = KEY, encrypt: bool = True) -> OtpStore:
        return OtpStore(TABLE, lambda: key, policy or OtpPolicy(), code_key_id=kms_key if encrypt else None)

    return make


@pytest.fixture
def store(make_store: Callable[..., OtpStore]) -> OtpStore:
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
    store: OtpStore, monkeypatch: pytest.MonkeyPatch, drawn: int, expected: str
) -> None:
    bounds: list[int] = []

    def randbelow(bound: int) -> int:
        bounds.append(bound)
        return drawn

    monkeypatch.setattr(secrets, "randbelow", randbelow)

    issued = store.issue(user="alice", destination=ALICE_PHONE)

    assert bounds == [10**6]  # one draw, uniform over all 10**6 codes
    assert issued.code == expected
    assert store.reveal_code(challenge_id=issued.challenge_id) == expected
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
        code = otp._new_code(length)
    assert len(code) == length
    assert code.isascii()
    assert code.isdigit()
    assert int(code) == drawn[0]


def test_real_codes_come_from_the_csprng_and_vary(store: OtpStore, time_: FakeClock) -> None:
    codes = set()
    for n in range(5):
        codes.add(store.issue(user=f"u{n}", destination=f"+1555011{n:04d}").code)
    assert len(codes) > 1
    assert all(len(code) == 6 and code.isdigit() for code in codes)


def test_configured_length_is_used(make_store: Callable[..., OtpStore]) -> None:
    issued = make_store(OtpPolicy(length=10)).issue(user="alice", destination=ALICE_PHONE)
    assert len(issued.code) == 10


# --- policy ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [
    {"length": 5}, {"length": 11}, {"ttl_seconds": 29}, {"ttl_seconds": 601}, {"max_attempts": 0},
    {"max_attempts": 11}, {"lockout_threshold": 0}, {"lockout_threshold": 101}, {"lockout_seconds": 0},
    {"resend_cooldown_seconds": 0}, {"send_limit": 0}, {"send_window_seconds": -1}, {"length": 6.5},
    {"max_attempts": True},
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
    OtpPolicy(length=10, ttl_seconds=600, max_attempts=10, lockout_threshold=100)
    OtpPolicy(length=6, ttl_seconds=30, max_attempts=1, lockout_threshold=1)


# --- storage ------------------------------------------------------------------------------------------


def test_table_never_holds_code_number_or_key(store: OtpStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "randbelow", lambda _bound: 472_913)
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    store.verify(challenge_id=issued.challenge_id, user="alice", code="000000")

    items = aws.client("dynamodb").scan(TableName=TABLE)["Items"]
    values = [text for stored in items for text in all_values(stored)]

    assert {stored["pk"]["S"].split("#")[0] for stored in items} == {"CHALLENGE", "USER", "DEST"}
    for secret in ("472913", ALICE_PHONE, ALICE_PHONE[1:], KEY.decode()):
        assert not any(secret in text for text in values), secret
    stored = challenge(issued)
    assert stored["code_hash"]["S"] == hmac.new(
        KEY, f"otp-code\x00{issued.challenge_id}\x00472913".encode(), hashlib.sha256).hexdigest()
    assert stored["code_hash"]["S"] != hashlib.sha256(b"472913").hexdigest()


def test_hash_is_keyed(store: OtpStore, make_store: Callable[..., OtpStore]) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    other_key = make_store(key=b"x" * 64)
    assert other_key.verify(challenge_id=issued.challenge_id, user="alice", code=issued.code) \
        is VerifyOutcome.WRONG


def test_hash_is_bound_to_its_challenge(store: OtpStore, time_: FakeClock) -> None:
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


def test_ttl_attribute_is_cleanup_after_expiry(store: OtpStore, time_: FakeClock) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    assert issued.expires_at == T0 + 300
    assert int(challenge(issued)["expires_at"]["N"]) > issued.expires_at
    assert int(item(f"DEST#{challenge(issued)['dest']['S']}")["expires_at"]["N"]) > T0 + 3600


def test_code_never_in_repr_or_refusals(store: OtpStore) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    with pytest.raises(ResendTooSoon) as refused:
        store.issue(user="alice", destination=ALICE_PHONE)
    for text in (repr(issued), str(issued), str(refused.value), repr(refused.value)):
        assert issued.code not in text
        assert ALICE_PHONE[2:] not in text


# --- verify ------------------------------------------------------------------------------------------


def test_correct_code_once_then_used(store: OtpStore) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    first, replay = (store.verify(challenge_id=issued.challenge_id, user="alice", code=issued.code)
                     for _ in range(2))
    assert (first, replay) == (VerifyOutcome.OK, VerifyOutcome.USED)
    assert "code_ct" not in challenge(issued)


MALFORMED: dict[str, Callable[[str], Any]] = {
    "int": int, "none": lambda code: None, "empty": lambda code: "", "bytes": str.encode,
    "longer": lambda code: code + "0", "shorter": lambda code: code[:-1], "space": lambda code: f" {code}",
    "newline": lambda code: f"{code}\n", "letter": lambda code: code[:-1] + "a",
    "huge": lambda code: "9" * 10_000,
    "unicode digits": lambda code: code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
}


def test_malformed_codes_are_wrong_and_count(store: OtpStore) -> None:
    for n, (name, mangle) in enumerate(MALFORMED.items()):
        user = f"user{n}"
        issued = store.issue(user=user, destination=f"+1555013{n:04d}")

        outcome = store.verify(challenge_id=issued.challenge_id, user=user, code=mangle(issued.code))

        assert outcome is VerifyOutcome.WRONG, name
        assert challenge(issued)["attempts"] == {"N": "1"}, name
        assert failures(user) == 1, name


def test_attempt_limit_exhausts_and_drops_code_copy(store: OtpStore) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    outcomes = [store.verify(challenge_id=issued.challenge_id, user="alice", code=wrong_code(issued))
                for _ in range(3)]
    assert outcomes == [VerifyOutcome.WRONG] * 3
    assert "code_ct" not in challenge(issued)
    assert store.reveal_code(challenge_id=issued.challenge_id) is None
    assert store.verify(challenge_id=issued.challenge_id, user="alice", code=issued.code) \
        is VerifyOutcome.EXHAUSTED
    assert failures("alice") == 3  # the refused correct code is not a failure


def test_expiry_is_checked_against_the_clock(store: OtpStore, time_: FakeClock) -> None:
    late = store.issue(user="alice", destination=ALICE_PHONE)
    in_time = store.issue(user="bob", destination=BOB_PHONE)
    time_.advance(299.9)
    assert store.verify(challenge_id=in_time.challenge_id, user="bob", code=in_time.code) is VerifyOutcome.OK
    assert store.reveal_code(challenge_id=late.challenge_id) == late.code
    time_.advance(0.1)
    assert store.reveal_code(challenge_id=late.challenge_id) is None
    assert store.verify(challenge_id=late.challenge_id, user="alice", code=late.code) is VerifyOutcome.EXPIRED


def test_unknown_challenge_is_not_found_and_counts(store: OtpStore) -> None:
    unknown: list[Any] = ["unknown-challenge-id-000", "", "bad id!", None, "x" * 5000]
    for n, challenge_id in enumerate(unknown, start=1):
        outcome = store.verify(challenge_id=challenge_id, user="alice", code="123456")
        assert outcome is VerifyOutcome.NOT_FOUND, challenge_id
        assert failures("alice") == n


def test_another_users_challenge_is_not_found_and_untouched(store: OtpStore) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    assert store.verify(challenge_id=issued.challenge_id, user="mallory", code=issued.code) \
        is VerifyOutcome.NOT_FOUND
    assert failures("mallory") == 1
    assert challenge(issued)["attempts"] == {"N": "0"}
    assert store.verify(challenge_id=issued.challenge_id, user="alice", code=issued.code) is VerifyOutcome.OK


# --- per-user failures and lockout --------------------------------------------------------------------


def test_failure_counter_survives_resend_and_resets_on_success(store: OtpStore, time_: FakeClock) -> None:
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
    make_store: Callable[..., OtpStore], time_: FakeClock
) -> None:
    store = make_store(OtpPolicy(lockout_threshold=3, lockout_seconds=120))
    live = store.issue(user="alice", destination=ALICE_PHONE)
    for _ in range(3):
        store.verify(challenge_id="unknown-challenge-id-000", user="alice", code="123456")

    assert store.is_locked("alice") == 120
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


def test_locked_attempts_do_not_count(make_store: Callable[..., OtpStore], time_: FakeClock) -> None:
    store = make_store(OtpPolicy(lockout_threshold=1, lockout_seconds=60))
    store.verify(challenge_id="unknown-challenge-id-000", user="alice", code="123456")
    for _ in range(5):
        assert store.verify(challenge_id="unknown-challenge-id-000", user="alice", code="1") \
            is VerifyOutcome.LOCKED
    time_.advance(60)
    assert failures("alice") == 0
    assert store.is_locked("alice") is None


# --- send limits --------------------------------------------------------------------------------------


def test_resend_cooldown(store: OtpStore, time_: FakeClock) -> None:
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


def test_send_limit_per_user_slides(store: OtpStore, time_: FakeClock) -> None:
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


def test_send_limit_per_destination_across_users(store: OtpStore, time_: FakeClock) -> None:
    for n in range(5):
        store.issue(user=f"user{n}", destination=ALICE_PHONE)
        time_.advance(1)
    with pytest.raises(SendLimitExceeded) as limited:
        store.issue(user="fresh-user", destination=ALICE_PHONE)
    assert limited.value.retry_after == 3600 - 5
    store.issue(user="fresh-user", destination=BOB_PHONE)


def test_invalid_destination_refused_without_aws_calls(store: OtpStore, calls: list[str]) -> None:
    with pytest.raises(InvalidPhoneNumber) as invalid:
        store.issue(user="alice", destination="5550100")
    assert "5550100" not in str(invalid.value)
    assert calls == []


def test_transaction_conflict_becomes_resend_too_soon(store: OtpStore) -> None:
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


# --- encrypted code copy -------------------------------------------------------------------------------


def test_reveal_code_only_to_the_right_destination(store: OtpStore) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    assert store.reveal_code(challenge_id=issued.challenge_id, destination=ALICE_PHONE) == issued.code
    assert store.reveal_code(challenge_id=issued.challenge_id, destination=BOB_PHONE) is None
    assert store.reveal_code(challenge_id="unknown-challenge-id-000") is None
    store.verify(challenge_id=issued.challenge_id, user="alice", code=issued.code)
    assert store.reveal_code(challenge_id=issued.challenge_id, destination=ALICE_PHONE) is None


def test_code_copy_is_bound_to_its_challenge_by_encryption_context(store: OtpStore, kms_key: str) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    ciphertext = challenge(issued)["code_ct"]["B"]
    kms = aws.client("kms")
    plain = kms.decrypt(CiphertextBlob=ciphertext, KeyId=kms_key,
                        EncryptionContext={"purpose": "voice-otp", "challenge_id": issued.challenge_id})
    assert plain["Plaintext"] == issued.code.encode()
    with pytest.raises(ClientError):
        kms.decrypt(CiphertextBlob=ciphertext, KeyId=kms_key,
                    EncryptionContext={"purpose": "voice-otp", "challenge_id": "another-challenge"})


def test_no_code_copy_without_a_kms_key(make_store: Callable[..., OtpStore], calls: list[str]) -> None:
    store = make_store(encrypt=False)
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    assert "code_ct" not in challenge(issued)
    assert store.reveal_code(challenge_id=issued.challenge_id) is None
    assert not [call for call in calls if call.startswith("kms.")]


# --- AWS call budget ----------------------------------------------------------------------------------


def test_aws_call_budget(store: OtpStore, calls: list[str], time_: FakeClock) -> None:
    issued = store.issue(user="alice", destination=ALICE_PHONE)
    assert calls == ["dynamodb.TransactGetItems", "kms.Encrypt", "dynamodb.TransactWriteItems"]

    calls.clear()
    with pytest.raises(ResendTooSoon):
        store.issue(user="alice", destination=ALICE_PHONE)
    assert calls == ["dynamodb.TransactGetItems"]  # refused before any write or KMS call

    calls.clear()
    store.verify(challenge_id=issued.challenge_id, user="alice", code=wrong_code(issued))
    assert calls == ["dynamodb.TransactGetItems", "dynamodb.UpdateItem", "dynamodb.UpdateItem"]

    calls.clear()
    store.verify(challenge_id=issued.challenge_id, user="alice", code=issued.code)
    assert calls == ["dynamodb.TransactGetItems", "dynamodb.UpdateItem", "dynamodb.UpdateItem"]

    calls.clear()
    store.reveal_code(challenge_id=issued.challenge_id)
    assert calls == ["dynamodb.TransactGetItems"]  # consumed: no KMS call


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
