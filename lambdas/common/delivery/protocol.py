"""What code that delivers a secret needs of a channel: depend on these, not on Connect, SNS or Twilio."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: a caller of one channel never loads the other's module
    from lambdas.common.delivery.sms import SentMessage
    from lambdas.common.delivery.voice import PlacedCall


class VoiceCaller(Protocol):
    """Places an outbound call that runs a flow (``common.delivery.voice.VoiceCallSender``)."""

    def place_call(self, destination: str, *, client_token: str, attributes: Mapping[str, str] | None = None,
                   time_left: Callable[[], float] | None = None) -> PlacedCall: ...


class SmsSender(Protocol):
    """Sends one text message (``common.delivery.sms.SnsSmsSender`` or ``TwilioSmsSender``)."""

    provider: str

    def send_sms(self, destination: str, body: str) -> SentMessage: ...
