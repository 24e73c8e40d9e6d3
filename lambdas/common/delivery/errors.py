"""Delivery failures, the same for every channel (voice call, SMS)."""

from __future__ import annotations


class DeliveryError(Exception):
    """The message or call could not be delivered; ``reason`` is a provider error code or a local category.

    The message is for operators (logs); callers see a generic, safe answer.
    """

    def __init__(self, message: str, *, reason: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.retryable = retryable
