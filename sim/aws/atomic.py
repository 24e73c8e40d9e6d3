"""DynamoDB's atomicity, given to moto.

moto's DynamoDB backend evaluates a condition and then mutates the item in separate Python steps with no
lock, so two concurrent conditional writes can both pass — something real DynamoDB never allows (a
conditional write is atomic; a transaction is serialisable). The OTP rules depend on that guarantee
(single use, attempt limits, send limits), so the local runtime and the race tests serialise moto's item
operations with one lock.

moto also makes TransactWriteItems all-or-nothing by deep-copying every table the transaction names before
it starts, so each transaction costs as much as the tables hold (70-220 ms at ~500 items: a module-scoped
runtime got slower with every test). While the lock is held nothing else can change those tables, so the
same guarantee is given here by copying only the items the transaction names and putting them back if it
fails; moto's own copy is skipped. A transaction this cannot read (an unknown table, a malformed item) is
left to moto's copy, so its errors are moto's.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

ITEM_OPERATIONS = ("get_item", "put_item", "update_item", "delete_item", "transact_write_items",
                   "transact_get_items")
_item_rollback = threading.local()  # set while a transaction's items are copied here instead of its tables


class _TablesKeptInPlace:
    """``copy`` as moto's DynamoDB models see it: ``deepcopy`` of a table is the table itself while this thread
    runs a transaction whose items are copied by ``_with_item_rollback``; anything else is copied as usual."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, Table) and getattr(_item_rollback, "active", False):
            return value
        return copy.deepcopy(value, *args, **kwargs)


def _targets(backend: Any, transact_items: Any) -> list[tuple[Table, Any, Any]] | None:
    """(table, hash key, range key) of each item the transaction names, or None if any cannot be read."""
    targets = []
    try:
        for entry in transact_items:
            (_, op), = entry.items()
            table = backend.tables[op["TableName"]]
            key = op["Key"] if "Key" in op else {name: op["Item"][name] for name in
                                                 (table.hash_key_attr, table.range_key_attr) if name}
            targets.append((table, *backend.get_keys_value(table, key)))
    except Exception:
        return None
    return targets


def _with_item_rollback(transact: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(transact)
    def transact_write_items(self: Any, transact_items: Any, *args: Any, **kwargs: Any) -> Any:
        targets = _targets(self, transact_items)
        if targets is None:
            return transact(self, transact_items, *args, **kwargs)
        before = [(table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key)))
                  for table, hash_key, range_key in targets]
        _item_rollback.active = True
        try:
            return transact(self, transact_items, *args, **kwargs)
        except BaseException:
            for table, hash_key, range_key, item in reversed(before):  # the first copy of an item wins
                table.delete_item(hash_key, range_key)
                if item is not None:
                    if range_key:
                        table.items[hash_key][range_key] = item
                    else:
                        table.items[hash_key] = item
            raise
        finally:
            _item_rollback.active = False

    return transact_write_items


@contextmanager
def atomic_dynamodb() -> Iterator[None]:
    """While active, moto's DynamoDB item operations run one at a time, as DynamoDB's would appear to."""
    lock = threading.RLock()
    originals = {name: getattr(DynamoDBBackend, name) for name in ITEM_OPERATIONS
                 if hasattr(DynamoDBBackend, name)}
    for name, original in originals.items():
        operation = _with_item_rollback(original) if name == "transact_write_items" else original

        def locked(*args: Any, _operation: Callable[..., Any] = operation, **kwargs: Any) -> Any:
            with lock:
                return _operation(*args, **kwargs)

        setattr(DynamoDBBackend, name, wraps(original)(locked))
    saved_copy = dynamodb_models.copy  # type: ignore[attr-defined]
    dynamodb_models.copy = _TablesKeptInPlace()  # type: ignore[attr-defined,assignment]
    try:
        yield
    finally:
        dynamodb_models.copy = saved_copy  # type: ignore[attr-defined]
        for name, original in originals.items():
            setattr(DynamoDBBackend, name, original)
