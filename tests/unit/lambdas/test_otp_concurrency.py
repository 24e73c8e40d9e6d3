"""DynamoOtpStore under real thread races: single use, attempt limit and send limits hold when calls overlap.

Two things make these races honest rather than lucky:

* moto's DynamoDB backend is NOT atomic under threads: ``update_item`` evaluates the condition, then
  mutates the item in separate Python steps, with no lock (moto's ``backend_lock`` only guards backend
  creation, and ``ThreadedMotoServer`` runs the same backend code in request threads). So two conditional
  writes could both pass. ``sim.aws.atomic.atomic_dynamodb`` serialises every backend item operation with one
  lock, which is exactly the guarantee DynamoDB gives (a conditional write is atomic; a transaction is
  serialisable).
* A ``threading.Barrier`` in a botocore ``before-call`` hook holds every thread at its first write until all
  threads have done their read. Every round therefore has all reads before any write (asserted), the
  interleaving in which a read-check-then-write implementation would let every thread through.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from lambdas.common.core import aws, clock
from lambdas.common.core.tables import create_table_kwargs
from lambdas.common.otp.errors import ResendTooSoon, SendBudgetExhausted
from lambdas.common.otp.model import VerifyOutcome
from lambdas.common.otp.policy import OtpPolicy
from lambdas.common.otp.store import DynamoOtpStore
from lambdas.common.otp.table import OTP_TABLE
from sim.aws.atomic import atomic_dynamodb
from tests.races import RaceGate

TABLE = "otp-race"
KEY = b"k" * 64
T0 = 1_700_000_000.0
ROUNDS = 20


def fixed_time(at: float) -> Callable[[], float]:
    """A clock source stopped at ``at``."""
    return lambda: at


@pytest.fixture
def _atomic_dynamodb(moto_aws: None) -> Iterator[None]:
    """Give moto's DynamoDB backend DynamoDB's atomicity (the same lock the local runtime uses)."""
    with atomic_dynamodb():
        yield


@pytest.fixture
def store(_atomic_dynamodb: None) -> DynamoOtpStore:
    """A store on a fresh table, with every client created before any thread starts."""
    clock.set_source(fixed_time(T0))
    aws.client("dynamodb").create_table(**create_table_kwargs(OTP_TABLE, TABLE))
    return DynamoOtpStore(TABLE, lambda: KEY, OtpPolicy(max_attempts=3))


@pytest.fixture
def gate_on_update() -> RaceGate:
    """Gate the first write of each thread (verify's one transaction over the challenge and the user)."""
    return RaceGate("TransactWriteItems")


def test_two_verifications_of_one_correct_code_one_wins(store: DynamoOtpStore, gate_on_update: RaceGate) -> None:
    for round_ in range(ROUNDS):
        issued = store.issue(user=f"user{round_}", destination=f"+1555010{round_:04d}")

        outcomes = gate_on_update.run(2, lambda: store.verify(
            challenge_id=issued.challenge_id, user=f"user{round_}", code=issued.code))  # noqa: B023

        assert gate_on_update.reads_all_preceded_writes(), f"round {round_}: threads did not overlap"
        assert sorted(outcomes) == sorted([VerifyOutcome.OK, VerifyOutcome.USED]), f"round {round_}"


def test_parallel_wrong_guesses_never_exceed_max_attempts(store: DynamoOtpStore, gate_on_update: RaceGate) -> None:
    parties = 6
    for round_ in range(ROUNDS // 4):
        user = f"guesser{round_}"
        issued = store.issue(user=user, destination=f"+1555020{round_:04d}")
        wrong = "0" * 6 if issued.code != "0" * 6 else "1" * 6

        outcomes = gate_on_update.run(
            parties, lambda: store.verify(challenge_id=issued.challenge_id, user=user, code=wrong))  # noqa: B023

        assert gate_on_update.reads_all_preceded_writes()
        assert outcomes.count(VerifyOutcome.WRONG) == 3
        # the others found it exhausted, or kept losing the write race: either way nothing was checked
        assert set(outcomes) - {VerifyOutcome.WRONG} <= {VerifyOutcome.EXHAUSTED, VerifyOutcome.CONTENDED}
        item = aws.client("dynamodb").get_item(
            TableName=TABLE, Key={"pk": {"S": f"CHALLENGE#{issued.challenge_id}"}})["Item"]
        assert item["attempts"] == {"N": "3"}
        # the correct code cannot succeed on the exhausted challenge either
        assert store.verify(challenge_id=issued.challenge_id, user=user, code=issued.code) \
            is VerifyOutcome.EXHAUSTED


def test_two_concurrent_issues_cannot_both_pass_the_send_limits(store: DynamoOtpStore) -> None:
    gate = RaceGate("TransactWriteItems")
    for round_ in range(ROUNDS // 2):
        results = gate.run(2, lambda: store.issue(user=f"sender{round_}", destination="+15550300000"))  # noqa: B023

        assert gate.reads_all_preceded_writes()
        refused = [r for r in results if isinstance(r, ResendTooSoon)]
        assert len(refused) == 1, results
        assert refused[0].retry_after == store.policy.resend_cooldown_seconds
        clock.set_source(fixed_time(T0 + 3600 * (round_ + 1)))  # next round: a fresh window for the number


@pytest.mark.usefixtures("_atomic_dynamodb")
def test_parallel_wrong_guesses_across_live_challenges_never_pass_the_lockout_threshold(
    gate_on_update: RaceGate,
) -> None:
    """15 wrong guesses at once over 5 live challenges (3 attempts each) against a threshold of 10: a read
    of "not locked" before the write would let all 15 be checked; the write condition lets exactly 10."""
    clock.set_source(fixed_time(T0))
    aws.client("dynamodb").create_table(**create_table_kwargs(OTP_TABLE, TABLE))
    policy = OtpPolicy(max_attempts=3, lockout_threshold=10, resend_cooldown_seconds=0, send_limit=20,
                       daily_send_limit=20)
    store = DynamoOtpStore(TABLE, lambda: KEY, policy)
    live = [store.issue(user="victim", destination="+15550400000") for _ in range(5)]
    guesses = iter([issued for issued in live for _ in range(3)])
    lock = threading.Lock()

    def guess() -> VerifyOutcome:
        with lock:
            issued = next(guesses)
        wrong = "0" * 6 if issued.code != "0" * 6 else "1" * 6
        return store.verify(challenge_id=issued.challenge_id, user="victim", code=wrong)

    outcomes = gate_on_update.run(15, guess)

    assert gate_on_update.reads_all_preceded_writes(), "every guess read 'not locked' before any write"
    checked = outcomes.count(VerifyOutcome.WRONG)
    assert checked <= 10, outcomes  # the old read-then-write let all 15 through
    # a guess that lost the write race too often was not checked (fail closed), and was not counted either
    assert set(outcomes) - {VerifyOutcome.WRONG} <= {VerifyOutcome.LOCKED, VerifyOutcome.CONTENDED}
    assert store.status("victim").failures == checked
    # more guesses, one at a time: the lock falls at exactly the threshold
    for issued in [issued for issued in live for _ in range(3)]:
        wrong = "0" * 6 if issued.code != "0" * 6 else "1" * 6
        if store.verify(challenge_id=issued.challenge_id, user="victim", code=wrong) is VerifyOutcome.WRONG:
            checked += 1
    assert checked == 10
    status = store.status("victim")
    assert status.failures == 10
    assert status.locked_until == T0 + 900


@pytest.mark.usefixtures("_atomic_dynamodb")
def test_parallel_sends_never_overdraw_the_deployment_budget() -> None:
    clock.set_source(fixed_time(T0))
    aws.client("dynamodb").create_table(**create_table_kwargs(OTP_TABLE, TABLE))
    store = DynamoOtpStore(TABLE, lambda: KEY, OtpPolicy(global_sends_per_minute=60, global_send_burst=3))
    gate = RaceGate("TransactWriteItems")
    numbers = iter(range(100))
    lock = threading.Lock()

    def send() -> object:
        with lock:
            n = next(numbers)
        return store.issue(user=f"user{n}", destination=f"+1555050{n:04d}")

    results = gate.run(8, send)

    assert gate.reads_all_preceded_writes()
    sent = [r for r in results if not isinstance(r, Exception)]
    assert len(sent) == 3, results
    assert all(isinstance(r, SendBudgetExhausted) for r in results if isinstance(r, Exception))
