"""``atomic_dynamodb``'s item-level rollback: a cancelled transaction leaves every item it named as it was, and
only those items are copied (moto's copy of whole tables is skipped); what it cannot read is moto's to report."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from sim.aws.atomic import atomic_dynamodb

TABLE = "atomic-test"
OTHER = "atomic-other"


@pytest.fixture
def ddb(moto_aws: None) -> Iterator[Any]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    for name in (TABLE, OTHER):
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                  {"AttributeName": "sk", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                       {"AttributeName": "sk", "KeyType": "RANGE"}])
    client.put_item(TableName=TABLE, Item={"pk": {"S": "kept"}, "sk": {"S": "a"}, "n": {"N": "1"},
                                           "tags": {"SS": ["x"]}, "blob": {"B": b"\x00\xff"}})
    client.put_item(TableName=TABLE, Item={"pk": {"S": "gone"}, "sk": {"S": "a"}, "n": {"N": "5"}})
    client.put_item(TableName=OTHER, Item={"pk": {"S": "elsewhere"}, "sk": {"S": "a"}})
    with atomic_dynamodb():
        yield client


def _everything(client: Any) -> dict[str, list[dict[str, Any]]]:
    return {name: sorted(client.scan(TableName=name)["Items"], key=repr) for name in (TABLE, OTHER)}


def _key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "a"}}


def test_a_cancelled_transaction_leaves_every_item_it_wrote_as_it_was(ddb: Any) -> None:
    before = _everything(ddb)
    with pytest.raises(ClientError) as raised:
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": TABLE, "Key": _key("kept"), "UpdateExpression": "SET n = n + :one, extra = :x",
                        "ExpressionAttributeValues": {":one": {"N": "1"}, ":x": {"S": "new"}}}},
            {"Delete": {"TableName": TABLE, "Key": _key("gone")}},
            {"Put": {"TableName": TABLE, "Item": {**_key("fresh"), "n": {"N": "9"}}}},
            {"ConditionCheck": {"TableName": OTHER, "Key": _key("elsewhere"),
                                "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _everything(ddb) == before


def test_a_transaction_that_succeeds_writes_everything(ddb: Any) -> None:
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": TABLE, "Key": _key("kept"), "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Delete": {"TableName": TABLE, "Key": _key("gone")}},
        {"Put": {"TableName": TABLE, "Item": {**_key("fresh"), "n": {"N": "9"}}}},
    ])
    assert ddb.get_item(TableName=TABLE, Key=_key("kept"))["Item"]["n"] == {"N": "2"}
    assert "Item" not in ddb.get_item(TableName=TABLE, Key=_key("gone"))
    assert ddb.get_item(TableName=TABLE, Key=_key("fresh"))["Item"]["n"] == {"N": "9"}


def test_the_same_item_twice_is_refused_and_changes_nothing(ddb: Any) -> None:
    before = _everything(ddb)
    with pytest.raises(ClientError) as raised:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {**_key("kept"), "n": {"N": "100"}}}},
            {"Delete": {"TableName": TABLE, "Key": _key("kept")}},
        ])
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert _everything(ddb) == before


def test_only_the_named_items_are_copied_not_the_tables(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    copied: list[type] = []
    real = copy.deepcopy

    def spying(value: Any, *args: Any, **kwargs: Any) -> Any:
        copied.append(type(value))
        return real(value, *args, **kwargs)

    monkeypatch.setattr(copy, "deepcopy", spying)
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": TABLE, "Item": {**_key("fresh")}}}])
    assert Table not in copied
    assert copied  # the named item (absent here) and moto's own per-item copies still go through copy


def test_a_transaction_naming_an_unknown_table_gets_motos_answer(ddb: Any) -> None:
    before = _everything(ddb)
    with pytest.raises(ClientError) as raised:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {**_key("fresh")}}},
            {"Put": {"TableName": "no-such-table", "Item": {**_key("fresh")}}},
        ])
    assert raised.value.response["Error"]["Code"] in {"ResourceNotFoundException", "TransactionCanceledException"}
    assert _everything(ddb) == before
