"""DynamoDB's atomicity, given to moto.

moto's DynamoDB backend evaluates a condition and then mutates the item in separate Python steps with no
lock, so two concurrent conditional writes can both pass — something real DynamoDB never allows (a
conditional write is atomic; a transaction is serialisable). The OTP rules depend on that guarantee
(single use, attempt limits, send limits), so the local runtime and the race tests serialise moto's item
operations with one lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

ITEM_OPERATIONS = ("get_item", "put_item", "update_item", "delete_item", "transact_write_items",
                   "transact_get_items")


@contextmanager
def atomic_dynamodb() -> Iterator[None]:
    """While active, moto's DynamoDB item operations run one at a time, as DynamoDB's would appear to."""
    lock = threading.RLock()
    originals = {name: getattr(DynamoDBBackend, name) for name in ITEM_OPERATIONS
                 if hasattr(DynamoDBBackend, name)}
    for name, original in originals.items():

        def locked(*args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        setattr(DynamoDBBackend, name, wraps(original)(locked))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(DynamoDBBackend, name, original)
