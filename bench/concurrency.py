"""Verification under concurrency, through the real store code (DynamoDB conditional transactions).

- Throughput: ``threads`` threads verify pre-issued correct codes; verifications per second (in-process moto
  with DynamoDB's atomicity, so the figure is our code's and moto's cost, not DynamoDB's latency).
- Races: ``races`` times, two threads answer the same correct code, held so both read before either writes
  (the interleaving a read-then-write check would lose); counts double acceptances (must be 0).

    python -m bench.concurrency [--threads 32] [--races 10000]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

T0 = 1_700_000_000.0
RACE_CHUNK = 100
TABLE = "otp-bench"


def _store() -> Any:
    from lambdas.common.core import aws
    from lambdas.common.core.tables import create_table_kwargs
    from lambdas.common.otp.policy import OtpPolicy
    from lambdas.common.otp.store import DynamoOtpStore
    from lambdas.common.otp.table import OTP_TABLE

    aws.client("dynamodb").create_table(**create_table_kwargs(OTP_TABLE, TABLE))
    # the deployment-wide send budget at its upper bound: this measures verification, not the send limiter
    policy = OtpPolicy(max_attempts=3, global_sends_per_minute=6000, global_send_burst=6000)
    return DynamoOtpStore(TABLE, lambda: b"k" * 64, policy)


def measure(*, threads: int = 32, verifications: int = 1_280, races: int = 10_000) -> dict[str, Any]:
    """Both figures, from one moto backend."""
    from moto import mock_aws

    from lambdas.common.core import caches, clock
    from lambdas.common.otp.model import VerifyOutcome
    from sim.aws.atomic import atomic_dynamodb
    from tests.races import RaceGate

    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "us-east-1"})
    now = [T0]
    clock.set_source(lambda: now[0])
    caches.reset_all()

    def fresh_store() -> Any:
        caches.reset_all()  # new clients for the new backend
        return _store()

    def issue(store: Any, n: int) -> tuple[str, Any]:
        now[0] += 0.01  # 100 sends/s: inside the store's budget, and every code stays live
        return f"user{n}", store.issue(user=f"user{n}", destination=f"+1555{n:07d}")

    double, overlapped, race_outcomes = 0, 0, Counter[str]()
    try:
        with mock_aws(), atomic_dynamodb():
            store = fresh_store()
            issued = [issue(store, n) for n in range(verifications)]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=threads) as pool:
                outcomes = Counter(pool.map(
                    lambda pair: store.verify(challenge_id=pair[1].challenge_id, user=pair[0], code=pair[1].code),
                    issued))
            elapsed = time.perf_counter() - started
        # races in chunks, each on a fresh backend: moto's state grows with every item and slows every call
        for first in range(0, races, RACE_CHUNK):
            with mock_aws(), atomic_dynamodb():
                store = fresh_store()
                gate = RaceGate("TransactWriteItems")
                for n in range(first, min(first + RACE_CHUNK, races)):
                    user, race = issue(store, verifications + n)
                    results = gate.run(2, lambda u=user, r=race, s=store: s.verify(
                        challenge_id=r.challenge_id, user=u, code=r.code))
                    overlapped += gate.reads_all_preceded_writes()
                    double += results.count(VerifyOutcome.OK) > 1
                    race_outcomes.update(str(getattr(r, "value", r)) for r in results)
    finally:
        clock.set_source(None)
        caches.reset_all()
    return {
        "threads": threads,
        "verifications": verifications,
        "verifications_accepted": outcomes[VerifyOutcome.OK],
        "verifications_per_second": round(verifications / elapsed, 1),
        "races": races,
        "races_fully_overlapped": overlapped,
        "double_acceptances": double,
        "race_outcomes": dict(race_outcomes),
    }


def _races_only(races: int) -> dict[str, Any]:
    return measure(threads=2, verifications=2, races=races)


def main() -> None:
    """Measure and write the ``concurrency`` section of bench/results.json.

    The races run in fresh processes of ``--per-process`` races each (the in-process moto grows with every
    race), and their counts are summed.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from bench.results import update_section

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--races", type=int, default=10_000)
    parser.add_argument("--per-process", type=int, default=1_000)
    parser.add_argument("--verifications", type=int, default=320)
    args = parser.parse_args()
    result = measure(threads=args.threads, verifications=args.verifications, races=0)
    batches = [min(args.per_process, args.races - first) for first in range(0, args.races, args.per_process)]
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                             max_tasks_per_child=1) as pool:
        for part in pool.map(_races_only, batches):
            result["races"] += part["races"]
            result["races_fully_overlapped"] += part["races_fully_overlapped"]
            result["double_acceptances"] += part["double_acceptances"]
            for outcome, count in part["race_outcomes"].items():
                result["race_outcomes"][outcome] = result["race_outcomes"].get(outcome, 0) + count
    update_section("concurrency", result)
    print(f"{result['verifications_per_second']} verifications/s on {args.threads} threads; "
          f"{result['double_acceptances']} double acceptances in {result['races']} races")


if __name__ == "__main__":
    main()
