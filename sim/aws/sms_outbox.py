"""The SMS outbox of the embedded AWS: what SNS ``Publish`` sent to phone numbers, delivered to local phones.

The Lambdas send SMS through the real sender interface (``lambdas.common.delivery.sms``, provider ``sns``);
moto's SNS backend keeps each message it accepted, and :meth:`SmsOutbox.deliver` hands the new ones to the
phone with that number, as a carrier would. Messages to numbers with no local phone stay undelivered and
are reported, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sim.aws import ACCOUNT_ID, REGION


class SmsReceiver(Protocol):
    """Anything that can receive an SMS (``sim.phone.Phone``)."""

    def receive_sms(self, sender: str, body: str, at: float) -> None: ...


@dataclass(frozen=True)
class OutboxMessage:
    """One message SNS accepted."""

    message_id: str
    destination: str
    body: str


class SmsOutbox:
    """Reads the messages moto's SNS accepted in this process, each once."""

    def __init__(self, *, sender: str = "AWS-SNS", account_id: str = ACCOUNT_ID, region: str = REGION) -> None:
        self._sender = sender
        self._account_id = account_id
        self._region = region
        self._seen: set[str] = set()
        self.undelivered: list[OutboxMessage] = []

    def _backend_messages(self) -> Mapping[str, tuple[str, str]]:
        from moto.sns.models import sns_backends

        return sns_backends[self._account_id][self._region].sms_messages

    def take_new(self) -> list[OutboxMessage]:
        """Messages accepted since the last call, in order."""
        new = []
        for message_id, (destination, body) in list(self._backend_messages().items()):
            if message_id not in self._seen:
                self._seen.add(message_id)
                new.append(OutboxMessage(message_id, destination, body))
        return new

    def deliver(self, phones: Mapping[str, SmsReceiver], *, at: float) -> list[OutboxMessage]:
        """Hand each new message to the phone with its number; returns what was delivered."""
        delivered = []
        for message in self.take_new():
            phone = phones.get(message.destination)
            if phone is None:
                self.undelivered.append(message)
                continue
            phone.receive_sms(self._sender, message.body, at)
            delivered.append(message)
        return delivered
