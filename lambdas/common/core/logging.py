"""One Powertools Logger per function, with event logging off (events carry secrets)."""

from __future__ import annotations

from aws_lambda_powertools import Logger


def get_logger(service: str) -> Logger:
    """A structured logger that never logs the incoming event."""
    return Logger(service=service, log_uncaught_exceptions=False)
