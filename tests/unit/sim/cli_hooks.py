"""Handlers the command-line tests map with ``--hook``: one logs JSON as a project handler does."""

from __future__ import annotations

from typing import Any

from lambdas.common.core.logging import get_logger

logger = get_logger("cli_test_lookup")


def logging_lookup(event: dict[str, Any], context: Any) -> dict[str, str]:
    """A Lambda that logs a structured line (to stdout, as Powertools does) and answers."""
    logger.info("lookup ran", extra={"contact": event["Details"]["ContactData"]["ContactId"]})
    return {"tier": "gold"}
