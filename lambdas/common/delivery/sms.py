"""SMS delivery behind one interface: Amazon SNS or Twilio, chosen by ``SMS_PROVIDER``.

The body may hold a secret (a one-time code, a signed link): it is never logged here, and provider errors
are reduced to a code and a meaning an operator can act on (their messages can echo the request). Twilio's
credentials (account SID, auth token, messaging service SID) come from one Secrets Manager secret, never
from environment variables, and the Twilio SDK is imported only when that provider sends its first message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.core import aws
from lambdas.common.core.caches import per_container
from lambdas.common.core.config import ConfigError, cached, load, setting
from lambdas.common.core.phone import validate_e164
from lambdas.common.core.secrets import json_secret_loader
from lambdas.common.delivery.errors import DeliveryError

PROVIDERS = ("sns", "twilio")
MAX_SMS_CHARS = 1_600  # Twilio's limit for one message body (SNS splits into parts up to 1,600 as well)

RETRYABLE_SNS_ERRORS = frozenset({"Throttling", "ThrottlingException", "InternalError", "KMSThrottling"})
SNS_ERROR_MEANINGS: Mapping[str, str] = {
    "Throttling": "SNS throttled Publish (account SMS rate or spend limit)",
    "ThrottlingException": "SNS throttled Publish (account SMS rate or spend limit)",
    "InvalidParameter": "SNS rejected the destination or message attributes",
    "OptedOut": "the destination has opted out of SMS from this account",
    "AuthorizationError": "the function's role may not publish SMS",
    "InternalError": "SNS had an internal error",
}
# Twilio error codes an operator meets most: https://www.twilio.com/docs/api/errors
TWILIO_ERROR_MEANINGS: Mapping[int, str] = {
    20003: "Twilio rejected the credentials in the secret",
    20429: "Twilio rate-limited the account",
    21211: "the destination number is not valid for Twilio",
    21408: "the destination region is not enabled on the Twilio account (geo permissions)",
    21610: "the destination has replied STOP (opted out)",
    21614: "the destination is not a mobile number",
}
TWILIO_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class SentMessage:
    """A message the provider accepted."""

    provider: str
    message_id: str


@dataclass(frozen=True)
class SmsSettings:
    """Which provider sends SMS and where its configuration lives."""

    provider: str = setting("SMS_PROVIDER", "sns")
    twilio_secret_arn: str = setting("TWILIO_SECRET_ARN", "")
    sender_id: str = setting("SMS_SENDER_ID", "")

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ValueError(f"SmsSettings.provider must be one of {', '.join(PROVIDERS)}, got {self.provider!r}")
        if self.provider == "twilio" and not self.twilio_secret_arn:
            raise ValueError("SmsSettings.twilio_secret_arn is required when SMS_PROVIDER is twilio")


def _check(destination: str, body: str) -> None:
    validate_e164(destination)
    if not body or len(body) > MAX_SMS_CHARS:
        raise DeliveryError(f"SMS body must be 1..{MAX_SMS_CHARS} characters", reason="InvalidBody")


class SnsSmsSender:
    """Publishes a transactional SMS directly to a phone number with Amazon SNS."""

    provider = "sns"

    def __init__(self, *, sender_id: str = "") -> None:
        self._sender_id = sender_id

    def send_sms(self, destination: str, body: str) -> SentMessage:
        """Send ``body`` to ``destination`` (E.164)."""
        _check(destination, body)
        attributes: dict[str, Any] = {
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
        }
        if self._sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": self._sender_id}
        try:
            response = aws.client("sns").publish(PhoneNumber=destination, Message=body,
                                                 MessageAttributes=attributes)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            meaning = SNS_ERROR_MEANINGS.get(code, "SNS rejected the message")
            raise DeliveryError(f"SMS via SNS failed: {code}: {meaning}", reason=code,
                                retryable=code in RETRYABLE_SNS_ERRORS) from None
        except BotoCoreError as exc:
            raise DeliveryError(f"SMS via SNS failed: {type(exc).__name__}", reason=type(exc).__name__,
                                retryable=True) from None
        return SentMessage(provider=self.provider, message_id=str(response.get("MessageId", "")))


@dataclass(frozen=True)
class TwilioCredentials:
    """What the Twilio secret holds (JSON: ``accountSid``, ``authToken``, ``messagingServiceSid``)."""

    account_sid: str
    auth_token: str
    messaging_service_sid: str

    def __repr__(self) -> str:  # the token must never reach a log through a repr
        return f"TwilioCredentials(account_sid={self.account_sid!r}, auth_token='***', " \
               f"messaging_service_sid={self.messaging_service_sid!r})"

    @classmethod
    def from_secret(cls, value: Any) -> TwilioCredentials:
        """Validate the secret's JSON, naming the key at fault (never its value)."""
        if not isinstance(value, Mapping):
            raise DeliveryError("Twilio secret must be a JSON object", reason="TwilioSecretInvalid")
        fields = {"accountSid": "AC", "authToken": "", "messagingServiceSid": "MG"}
        for key, prefix in fields.items():
            item = value.get(key)
            if not isinstance(item, str) or not item or not item.startswith(prefix):
                raise DeliveryError(f"Twilio secret: {key} is missing or malformed", reason="TwilioSecretInvalid")
        return cls(value["accountSid"], value["authToken"], value["messagingServiceSid"])


_quiet = logging.getLogger("lambdas.delivery.twilio_http")
_quiet.setLevel(logging.WARNING)  # the SDK logs request lines at INFO; we want its warnings only


class TwilioSmsSender:
    """Sends through a Twilio Messaging Service with the official SDK (imported on first send)."""

    provider = "twilio"

    def __init__(self, credentials: Callable[[], Any], *, timeout: float = TWILIO_TIMEOUT_SECONDS) -> None:
        self._credentials = credentials
        self._timeout = timeout
        self._client: Any = None
        self._client_for: TwilioCredentials | None = None

    def _twilio(self) -> tuple[Any, TwilioCredentials]:
        creds = TwilioCredentials.from_secret(self._credentials())
        if self._client is None or self._client_for != creds:  # rotated secret: new client
            from twilio.http.http_client import TwilioHttpClient
            from twilio.rest import Client

            http = TwilioHttpClient(timeout=self._timeout, logger=_quiet)
            self._client = Client(creds.account_sid, creds.auth_token, http_client=http)
            self._client_for = creds
        return self._client, creds

    def send_sms(self, destination: str, body: str) -> SentMessage:
        """Send ``body`` to ``destination`` (E.164)."""
        _check(destination, body)
        client, creds = self._twilio()
        from requests.exceptions import RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            message = client.messages.create(to=destination, messaging_service_sid=creds.messaging_service_sid,
                                             body=body)
        except TwilioRestException as exc:
            meaning = TWILIO_ERROR_MEANINGS.get(exc.code or 0, "Twilio rejected the message")
            retryable = exc.status == 429 or exc.status >= 500
            raise DeliveryError(f"SMS via Twilio failed: HTTP {exc.status}, code {exc.code}: {meaning}",
                                reason=f"Twilio{exc.code or exc.status}", retryable=retryable) from None
        except (RequestException, TwilioException) as exc:
            raise DeliveryError(f"SMS via Twilio failed: {type(exc).__name__}", reason=type(exc).__name__,
                                retryable=True) from None
        return SentMessage(provider=self.provider, message_id=str(message.sid))


sms_settings = cached(lambda: load(SmsSettings))


@per_container
def sms_sender() -> SnsSmsSender | TwilioSmsSender:
    """The configured sender, built once per container."""
    settings = sms_settings()
    if settings.provider == "twilio":
        return TwilioSmsSender(json_secret_loader(settings.twilio_secret_arn))
    if settings.provider == "sns":
        return SnsSmsSender(sender_id=settings.sender_id)
    raise ConfigError(f"unknown SMS provider {settings.provider!r}")  # pragma: no cover (validated in settings)
