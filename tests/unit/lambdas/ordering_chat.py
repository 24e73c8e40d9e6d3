"""A chat with the ordering bot for tests: the real bot file in the Lex emulator, the real hook, moto behind it."""

from __future__ import annotations

import base64
import re
import secrets
import string
from dataclasses import dataclass, field
from typing import Any

import boto3

from lambdas.common.core.tables import create_table_kwargs
from lambdas.common.otp.table import OTP_TABLE
from lambdas.ordering_bot.hook import handler
from lambdas.ordering_bot.pin import encryption_context
from sim.aws.sms_outbox import SmsOutbox
from sim.lex import LexRuntime, load_bot
from sim.ordering.resources import BOT_ALIAS_ARN, BOT_FILE, DemoCustomer, create_ordering_resources, seed_customer
from sim.phone import Phone

CUSTOMER = DemoCustomer()
CODE = re.compile(r"\b(\d{6,10})\b")


def create_otp_storage() -> dict[str, str]:
    """The OTP table and HMAC secret in the current moto, as the environment the hook reads."""
    table = "test-otp"
    boto3.client("dynamodb").create_table(**create_table_kwargs(OTP_TABLE, table))
    key = "".join(secrets.choice(string.ascii_letters) for _ in range(64))
    arn = boto3.client("secretsmanager").create_secret(Name="test-otp-hmac", SecretString=key)["ARN"]
    return {"OTP_TABLE_NAME": table, "OTP_HASH_SECRET_ARN": arn}


@dataclass
class Chat:
    """One Lex session with the ordering bot; ``phone`` is the customer's, fed from moto's SNS outbox."""

    lex: LexRuntime
    pin_key: str
    session_id: str = "session-0001"
    locale: str = "en_US"
    phone: Phone = field(default_factory=lambda: Phone(CUSTOMER.phone_number))
    outbox: SmsOutbox = field(default_factory=SmsOutbox)
    last: dict[str, Any] = field(default_factory=dict)

    def say(self, text: str, **attributes: str) -> str:
        """One turn; returns the bot's messages joined."""
        self.last = self.lex.recognize_text(bot_alias_arn=BOT_ALIAS_ARN, session_id=self.session_id, text=text,
                                            session_attributes=attributes or None, locale_id=self.locale)
        self.outbox.deliver({self.phone.number: self.phone}, at=0.0)
        return " ".join(m.get("content", "") for m in self.last.get("messages", []))

    @property
    def attributes(self) -> dict[str, str]:
        """The session attributes after the last turn (what the client sees)."""
        return dict(self.last["sessionState"]["sessionAttributes"])

    @property
    def action(self) -> str:
        """The last dialog action type."""
        return str(self.last["sessionState"]["dialogAction"]["type"])

    def code(self) -> str:
        """The code in the latest SMS."""
        assert self.phone.sms, "no SMS arrived"
        found = CODE.search(self.phone.sms[-1].body)
        assert found, self.phone.sms[-1].body
        return found[1]

    def encrypt(self, code: str, *, session_id: str | None = None) -> str:
        """What the chat page sends as ``encryptedPin``: KMS Encrypt under the session's context, base64."""
        blob = boto3.client("kms").encrypt(KeyId=self.pin_key, Plaintext=code.encode(),
                                           EncryptionContext=encryption_context(session_id or self.session_id))
        return base64.b64encode(blob["CiphertextBlob"]).decode()


def start_chat(monkeypatch: Any, **env: str) -> Chat:
    """Create the resources in the current moto, point the hook at them, seed the demo customer."""
    resources = create_ordering_resources()
    seed_customer(resources, CUSTOMER)
    for key, value in {**create_otp_storage(), **resources.function_env, "POWERTOOLS_LOG_LEVEL": "INFO",
                       **env}.items():
        monkeypatch.setenv(key, value)
    lex = LexRuntime(bots={BOT_ALIAS_ARN: load_bot(BOT_FILE)}, code_hooks={BOT_ALIAS_ARN: handler})
    return Chat(lex=lex, pin_key=resources.pin_key_arn)
