"""Fail closed at the edge of every handler: what escapes is one fixed, safe error; the cause goes to the log.

Cognito shows a trigger's exception message to the caller and Connect takes a block's error branch on any
Lambda error, so a ``KeyError`` from a malformed event would leak internals at best. Apply
:func:`fails_closed` outermost (above Powertools' ``inject_lambda_context``, which itself reads the event).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from lambdas.common.core.errors import UNAVAILABLE, UserFacingError

Handler = TypeVar("Handler", bound=Callable[..., Any])


def unavailable() -> Exception:
    """The refusal a Cognito trigger raises when it cannot do its work."""
    return UserFacingError(UNAVAILABLE, code="InternalError")


def fails_closed(logger: Any, what: str, *, safe: tuple[type[Exception], ...] = (UserFacingError,),
                 refusal: Callable[[], Exception] = unavailable) -> Callable[[Handler], Handler]:
    """Let ``safe`` exceptions through; log any other with its traceback and raise ``refusal()`` instead."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(event: Any, context: Any) -> Any:
            try:
                return handler(event, context)
            except safe:
                raise
            except Exception:
                logger.exception(f"{what} failed")
                raise refusal() from None

        return run  # type: ignore[return-value]

    return decorate
