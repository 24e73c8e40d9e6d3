"""bench.turns: a stubbed replay answers from the recording, and a replay that takes another path is caught."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bench.turns import Call, Recorder, Turn, outcome
from lambdas.common.core import aws

TABLE = "bench-turns"


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A handler with one AWS call whose answer decides where it ends."""
    item = aws.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": event["key"]}}).get("Item")
    return {"statusCode": 200 if item else 404}


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    module = types.ModuleType("bench_turns_fake_handler")
    module.handler = _handler  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(aws, "client", aws.client)  # install() wraps it: put the original back afterwards
    with mock_aws():
        boto3.client("dynamodb").create_table(
            TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        boto3.client("dynamodb").put_item(TableName=TABLE, Item={"pk": {"S": "known"}})
        made = Recorder(warmup=1, handlers={"fake": module.__name__})
        made.install()
        yield made


def _invoke(key: str) -> dict[str, Any]:
    return sys.modules["bench_turns_fake_handler"].handler({"key": key}, None)  # type: ignore[no-any-return]


def test_each_warm_turn_is_replayed_once_from_its_recorded_answers(recorder: Recorder) -> None:
    assert [_invoke(key)["statusCode"] for key in ("known", "unknown", "known")] == [200, 404, 200]
    turns = recorder.turns["fake"]
    assert [t.outcome for t in turns] == [outcome({"statusCode": s}, None) for s in (200, 404, 200)]
    assert [[c.operation for c in t.calls] for t in turns] == [["dynamodb:GetItem"]] * 3
    assert len(recorder.stubbed["fake"]) == 1  # the warm-up turn is never replayed; the last has no next turn yet

    boto3.client("dynamodb").delete_table(TableName=TABLE)  # a replay must not reach moto at all
    recorder.replay(turns[2])
    assert recorder.failures == []
    assert len(recorder.stubbed["fake"]) == 2


def _ask_for_another_call(turn: Turn) -> None:
    turn.calls = [Call("dynamodb:PutItem", answer={})]


def _answer_without_the_item(turn: Turn) -> None:
    turn.calls[0].answer = {}  # the handler now answers 404


def _record_one_call_more(turn: Turn) -> None:
    turn.calls.append(Call("kms:Sign", answer={}))


@pytest.mark.parametrize(("edit", "reason"), [
    (_ask_for_another_call, "asked for dynamodb:GetItem where the turn asked for dynamodb:PutItem"),
    (_answer_without_the_item, 'ended {"status": 404}, recorded {"status": 200}'),
    (_record_one_call_more, "1 recorded call(s) never asked for"),
], ids=["another-call", "another-end", "a-call-left-over"])
def test_a_replay_that_takes_another_path_is_a_failure(recorder: Recorder, edit: Callable[[Turn], None],
                                                       reason: str) -> None:
    _invoke("known")
    turn = recorder.turns["fake"][0]
    edit(turn)
    recorder.replay(turn)
    assert len(recorder.failures) == 1
    assert reason in recorder.failures[0]


@pytest.mark.parametrize(("result", "error", "expected"), [
    ({"statusCode": 401, "body": "x"}, None, '{"status": 401}'),
    ({"sessionState": {"dialogAction": {"type": "Close"}, "intent": {"state": "Fulfilled"}}}, None,
     '{"dialog": "Close", "intent": "Fulfilled"}'),
    ({"response": {"answerCorrect": True, "privateChallengeParameters": {"code": "123456"}}}, None,
     '{"answerCorrect": true, "challenge": null}'),
    ({"code": "654321"}, None, '{"keys": ["code"]}'),
    (None, ValueError("boom"), "raised ValueError"),
])
def test_an_outcome_names_the_path_never_a_generated_value(result: Any, error: BaseException | None,
                                                           expected: str) -> None:
    assert outcome(result, error) == expected
