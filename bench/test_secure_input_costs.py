"""What one secure card capture costs: KMS calls per contact (by design at most one), and the time to seal.

Counts are deterministic; times on a shared machine are noise. ``make bench`` records both in ``extra_info``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest

from lambdas.common.core import aws
from lambdas.secure_input.sealing import open_sealed, seal
from tests.aws_calls import count_aws_calls

ROUNDS = 20
VALUES = {"card": "4111111111111111", "zip": "981011234"}


def test_kms_calls_per_contact(benchmark: Any, moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sealing both fields of a contact: one GenerateDataKey, whatever the container's history."""
    key = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    calls = count_aws_calls(monkeypatch)
    contacts = (f"contact-{n}" for n in itertools.count())
    benchmark.pedantic(lambda: seal(key_id=key, deployment="Bench", contact_id=next(contacts), values=VALUES),
                       rounds=ROUNDS, iterations=1, warmup_rounds=0)
    per_contact = calls["kms:GenerateDataKey"] / ROUNDS
    benchmark.extra_info.update(kms_calls_per_contact=per_contact, calls=dict(calls))
    assert calls == Counter({"kms:GenerateDataKey": calls["kms:GenerateDataKey"]})
    assert per_contact == 1.0


def test_kms_calls_per_decryption(benchmark: Any, moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening one field: one Decrypt (of the contact key), so CloudTrail logs every opening with its contact."""
    key = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    sealed = seal(key_id=key, deployment="Bench", contact_id="c-1", values=VALUES)
    calls = count_aws_calls(monkeypatch)
    benchmark.pedantic(lambda: open_sealed(key_id=key, deployment="Bench", contact_id="c-1", field="card",
                                           sealed=sealed["card"]), rounds=ROUNDS, iterations=1, warmup_rounds=0)
    benchmark.extra_info.update(kms_calls_per_decryption=calls["kms:Decrypt"] / ROUNDS)
    assert calls["kms:Decrypt"] == ROUNDS
