"""PIN attempts counted before the check: parallel guesses cannot get more checks than the lockout allows."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from lambdas.common.core import aws, clock
from lambdas.common.core.tables import create_table_kwargs
from lambdas.common.otp.errors import LockedOut
from lambdas.common.otp.policy import OtpPolicy
from lambdas.common.otp.store import DynamoOtpStore
from lambdas.common.otp.table import OTP_TABLE
from sim.aws.atomic import atomic_dynamodb

T0 = 1_800_000_000.0


@pytest.fixture
def store(moto_aws: None) -> Iterator[DynamoOtpStore]:
    clock.set_source(lambda: T0)
    aws.client("dynamodb").create_table(**create_table_kwargs(OTP_TABLE, "attempts"))
    with atomic_dynamodb():
        yield DynamoOtpStore("attempts", lambda: b"k" * 64, OtpPolicy(lockout_threshold=5, failure_ceiling=10))


def test_the_lockout_step_locks_and_a_success_lifts_it(store: DynamoOtpStore) -> None:
    for _ in range(5):
        store.count_attempt("12345678")
    with pytest.raises(LockedOut) as locked:
        store.count_attempt("12345678")
    assert locked.value.retry_after == 900
    store.reset_failures("12345678")
    store.count_attempt("12345678")
    assert store.status("12345678").failures == 1


def test_unknown_users_expire_known_users_do_not(store: DynamoOtpStore) -> None:
    store.count_attempt("12345678")
    item = aws.client("dynamodb").get_item(TableName="attempts", Key={"pk": {"S": "USER#12345678"}})["Item"]
    assert "expires_at" in item  # nobody knows yet whether this customer exists
    store.reset_failures("12345678")
    item = aws.client("dynamodb").get_item(TableName="attempts", Key={"pk": {"S": "USER#12345678"}})["Item"]
    assert "expires_at" not in item
    assert item["failures"] == {"N": "0"}


def test_a_success_never_lifts_the_administrators_ceiling(store: DynamoOtpStore) -> None:
    aws.client("dynamodb").put_item(TableName="attempts", Item={"pk": {"S": "USER#12345678"},
                                                                 "failures": {"N": "10"}})
    store.reset_failures("12345678")
    with pytest.raises(LockedOut) as locked:
        store.count_attempt("12345678")
    assert locked.value.retry_after is None  # until an administrator clears it


def test_parallel_guesses_get_no_more_checks_than_the_lockout_allows(store: DynamoOtpStore) -> None:
    threads = 12
    barrier = threading.Barrier(threads)
    client = aws.client("dynamodb")

    first_round_done = threading.Event()

    def hold(**_: Any) -> None:
        if first_round_done.is_set():  # a retry: the barrier (cyclic) would wait 5 s for 12 more threads
            return
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)  # all read the count before any writes it (first round only)
        first_round_done.set()

    client.meta.events.register("before-call.dynamodb.UpdateItem", hold)

    def guess(_: int) -> bool:
        try:
            store.count_attempt("12345678")
        except LockedOut:
            return False
        except Exception:  # contention: refused, fail closed
            return False
        return True

    with ThreadPoolExecutor(threads) as pool:
        checked = sum(pool.map(guess, range(threads)))
    assert 1 <= checked <= 5
    assert store.status("12345678").failures == checked
