"""Voice login: check a customer id and PIN (counted, lockable), then text a scoped link to the number on file.

Unknown customers and wrong PINs take the same path: the attempt is counted against the customer id before
Cognito is asked (so parallel guesses cannot pass the lockout), then one ``InitiateAuth``; only a success
differs (the count is reset and a session opened). A malformed PIN is counted but never sent to Cognito.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from lambdas.common.core.logging import get_logger
from lambdas.common.core.phone import hint
from lambdas.common.delivery.errors import DeliveryError
from lambdas.common.delivery.protocol import SmsSender
from lambdas.common.otp.errors import LockedOut, OtpError, ResendTooSoon
from lambdas.common.otp.protocol import AttemptCounter, OtpChallenges
from lambdas.voice_login.identity import PinCheck
from lambdas.voice_login.links import CUSTOMER_ID, Grant

logger = get_logger("voice_login")

PIN = re.compile(r"[0-9]{6,12}")
HINT_DIGITS = 2


class SignIn(StrEnum):
    """The outcome of one sign-in attempt (the values are the ``authOutcome`` session attribute)."""

    AUTHENTICATED = "authenticated"
    FAILED = "failed"
    LOCKED = "locked"
    UNAVAILABLE = "unavailable"


class LinkSent(StrEnum):
    """The outcome of a link request (the values are the ``linkOutcome`` session attribute)."""

    SENT = "sent"
    NOT_SIGNED_IN = "not_signed_in"
    TOO_SOON = "too_soon"
    LIMITED = "limited"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Authentication:
    """A sign-in outcome; ``marker`` (only when authenticated) goes in the Lex session, never in a log."""

    outcome: SignIn
    marker: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class LinkDelivery:
    """A link request's outcome, with the number's hint when a text was sent."""

    outcome: LinkSent
    number_hint: str = ""


class PinChecker(Protocol):
    """``identity.PhoneBankingDirectory``."""

    def check(self, customer_id: str, pin: str) -> PinCheck: ...


class Sessions(Protocol):
    """``sessions.AuthSessions``."""

    def open(self, *, customer_id: str, lex_session_id: str) -> str: ...
    def resolve(self, marker: object, *, lex_session_id: str) -> str | None: ...


class Accounts(Protocol):
    """``accounts.AccountStore`` (the read the fulfillment needs)."""

    def phone_number(self, customer_id: str) -> str | None: ...


class Signer(Protocol):
    """``links.GrantSigner``."""

    def mint(self, customer_id: str, scope: str = ...) -> tuple[Grant, str]: ...


class LinkStore(AttemptCounter, OtpChallenges, Protocol):
    """The OTP store: PIN failures, and the send limits a link obeys."""


class VoiceLogin:
    """Signs callers in and texts them links; every dependency behind a Protocol."""

    def __init__(self, *, store: LinkStore, directory: PinChecker, sessions: Sessions, accounts: Accounts,
                 signer: Signer, sms: Callable[[], SmsSender], page_url: str, ttl_seconds: int) -> None:
        self._store = store
        self._directory = directory
        self._sessions = sessions
        self._accounts = accounts
        self._signer = signer
        self._sms = sms
        self._page_url = page_url
        self._ttl = ttl_seconds

    def authenticate(self, customer_id: str, pin: str, *, lex_session_id: str) -> Authentication:
        """Count the attempt, check the PIN, and open a session on success."""
        if not CUSTOMER_ID.fullmatch(customer_id):
            return Authentication(SignIn.FAILED)  # no account can have this id: nothing to count against
        try:
            self._store.count_attempt(customer_id)
        except LockedOut:
            logger.info("sign-in refused: locked", extra={"customer_id": customer_id})
            return Authentication(SignIn.LOCKED)
        except OtpError:
            return Authentication(SignIn.UNAVAILABLE)
        if not PIN.fullmatch(pin):
            logger.info("sign-in failed", extra={"customer_id": customer_id})
            return Authentication(SignIn.FAILED)
        checked = self._directory.check(customer_id, pin)
        if checked is not PinCheck.ACCEPTED:
            logger.info("sign-in failed", extra={"customer_id": customer_id, "check": checked.value})
            return Authentication(SignIn.UNAVAILABLE if checked is PinCheck.UNAVAILABLE else SignIn.FAILED)
        self._store.reset_failures(customer_id)
        marker = self._sessions.open(customer_id=customer_id, lex_session_id=lex_session_id)
        logger.info("signed in", extra={"customer_id": customer_id})
        return Authentication(SignIn.AUTHENTICATED, marker)

    def signed_in(self, marker: object, *, lex_session_id: str) -> str | None:
        """The customer this session is signed in as, or None."""
        return self._sessions.resolve(marker, lex_session_id=lex_session_id)

    def send_link(self, marker: object, *, lex_session_id: str) -> LinkDelivery:
        """Text a fresh add-authorised-user link to the number on the signed-in customer's record."""
        customer_id = self.signed_in(marker, lex_session_id=lex_session_id)
        if customer_id is None:
            return LinkDelivery(LinkSent.NOT_SIGNED_IN)
        number = self._accounts.phone_number(customer_id)
        if number is None:
            logger.warning("no usable phone number on the account", extra={"customer_id": customer_id})
            return LinkDelivery(LinkSent.UNAVAILABLE)
        try:
            issued = self._store.issue(user=customer_id, destination=number)  # the OTP core's send limits
        except ResendTooSoon:
            return LinkDelivery(LinkSent.TOO_SOON)
        except OtpError as refusal:
            logger.info("link refused by send limits", extra={"customer_id": customer_id,
                                                              "refusal": type(refusal).__name__})
            return LinkDelivery(LinkSent.LIMITED)
        grant, token = self._signer.mint(customer_id)
        try:
            self._sms().send_sms(number, self.message(token))
        except DeliveryError as error:
            self._store.refund(issued)
            logger.error("link text not delivered", extra={"customer_id": customer_id, "reason": error.reason,
                                                           "detail": str(error)})
            return LinkDelivery(LinkSent.UNAVAILABLE)
        logger.info("link sent", extra={"customer_id": customer_id, "jti": grant.jti, "expires_at": grant.expires_at})
        return LinkDelivery(LinkSent.SENT, hint(number, digits=HINT_DIGITS))

    def message(self, token: str) -> str:
        """The SMS: what the link does, how long it lasts, and the link (the grant in the fragment)."""
        minutes = max(1, self._ttl // 60)
        return (f"Your secure link to add an authorised user to your account. It works once, for "
                f"{minutes} minutes. Never share it. {self._page_url}#grant={token}")
