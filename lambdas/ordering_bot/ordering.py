"""The ordering bot's decisions: the menu, and orders gated by an SMS code until the session is authenticated.

``OrderFood`` in a session that has not proved possession of the registered phone: look up the phone by the
``email`` session attribute, issue a code with the OTP core, keep only its challenge id (``uuid``), text it,
elicit ``Pin``. The code comes back as the ``Pin`` slot or as the KMS-encrypted ``encryptedPin`` attribute.
A right code adds a signed ``authProof`` (``session.SessionProofs``); the order is placed by the fulfillment
hook and only while that proof holds. ``auth`` is written for the client's benefit and never read.

An e-mail address with no registered phone gets a decoy: the same OTP store calls against a pseudonymous
number, a pause in place of the SMS, and the same words, so answers cannot tell who is a customer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from lambdas.common.core import clock
from lambdas.common.core.logging import get_logger
from lambdas.common.delivery.errors import DeliveryError
from lambdas.common.delivery.protocol import SmsSender
from lambdas.common.otp.decoy import DeliveryLatency, decoy_number
from lambdas.common.otp.errors import LockedOut, OtpError, ResendTooSoon, SendBudgetExhausted, SendLimitExceeded
from lambdas.common.otp.model import VerifyOutcome
from lambdas.common.otp.protocol import OtpChallenges
from lambdas.lexv2 import Intent, LexEvent, close, delegate, elicit_slot
from lambdas.ordering_bot.directory import normalise_email
from lambdas.ordering_bot.messages import MENU, Messages, messages_for
from lambdas.ordering_bot.pin import DecryptedPin
from lambdas.ordering_bot.session import SessionProofs

logger = get_logger("ordering_bot")

MENU_INTENT = "GetFoodMenu"
ORDER_INTENT = "OrderFood"
FOOD_SLOT = "Food"
PIN_SLOT = "Pin"
# The source's session attributes, and the proof that replaces trusting ``auth``.
EMAIL = "email"
AUTH = "auth"
CHALLENGE = "uuid"
CURRENT_ORDER = "currentOrder"
ENCRYPTED_PIN = "encryptedPin"
PROOF = "authProof"
USER_PREFIX = "email:"  # OTP-core user ids of this bot (its failure counts and send limits are per address)

_RESTART = (VerifyOutcome.EXPIRED, VerifyOutcome.EXHAUSTED, VerifyOutcome.USED, VerifyOutcome.NOT_FOUND)


class Directory(Protocol):
    """The registered phone for an e-mail address (``directory.PhoneDirectory``)."""

    def phone_for(self, email: str) -> str | None: ...


class Pins(Protocol):
    """Decrypts ``encryptedPin`` (``pin.PinDecryptor``)."""

    def decrypt(self, attribute: str, *, session_id: str) -> DecryptedPin: ...


@dataclass(frozen=True)
class _Customer:
    """Who is ordering: the OTP user id and the number a code goes to (None: no registered phone)."""

    user: str
    phone: str | None


class _Answer(NamedTuple):
    """A code given for a challenge: typed into ``Pin``, or the ``encryptedPin`` attribute."""

    challenge_id: str
    typed: str | None
    encrypted: str | None


@dataclass(frozen=True)
class _Issued:
    """A challenge to wait on (new or the live one), or the refusal that stops the order."""

    challenge_id: str | None
    refusal: OtpError | None = None


class OrderingBot:
    """Answers the ordering bot's dialog and fulfillment code hooks."""

    def __init__(
        self,
        *,
        store: OtpChallenges,
        directory: Directory,
        proofs: SessionProofs,
        hmac_key: Callable[[], bytes],
        sender: Callable[[], SmsSender],
        pins: Callable[[], Pins],
        code_ttl_seconds: int,
        pause: Callable[[float], None] = clock.sleep,
        latency: DeliveryLatency | None = None,
    ) -> None:
        self._store = store
        self._directory = directory
        self._proofs = proofs
        self._hmac_key = hmac_key
        self._sender = sender
        self._pins = pins
        self._minutes = math.ceil(code_ttl_seconds / 60)
        self._pause = pause
        self._latency = latency or DeliveryLatency()

    def answer(self, event: LexEvent) -> dict[str, Any]:
        """The code hook's response to one Lex V2 event."""
        messages = messages_for(event.locale_id)
        attributes = event.session_attributes
        encrypted = attributes.pop(ENCRYPTED_PIN, None)  # consumed here, never kept or echoed back
        if event.intent.name == MENU_INTENT:
            return self._menu(attributes, messages)
        if event.intent.name == ORDER_INTENT:
            return self._order(event, attributes, encrypted, messages)
        return delegate(event.intent, session_attributes=attributes)

    # -- the intents ---------------------------------------------------------------------------------

    def _menu(self, attributes: dict[str, str], messages: Messages) -> dict[str, Any]:
        """Say the menu and go straight on to OrderFood, asking for the food."""
        order = Intent({"name": ORDER_INTENT, "slots": {}, "state": "InProgress", "confirmationState": "None"})
        return elicit_slot(order, FOOD_SLOT, messages.menu_line(), messages.which_food,
                           session_attributes=attributes)

    def _order(self, event: LexEvent, attributes: dict[str, str], encrypted: str | None,
               messages: Messages) -> dict[str, Any]:
        food = event.intent.slot_value(FOOD_SLOT)
        if food not in MENU:
            return elicit_slot(event.intent, FOOD_SLOT, messages.menu_line(), messages.which_food,
                               session_attributes=attributes, clear=(PIN_SLOT,))
        email = normalise_email(attributes.get(EMAIL))
        if email is None:
            attributes[AUTH] = "false"
            attributes.pop(PROOF, None)
            return close(event.intent, "Failed", messages.need_email, session_attributes=attributes,
                         clear=(PIN_SLOT,))
        user = USER_PREFIX + email
        if self._proofs.valid(attributes.get(PROOF), session_id=event.session_id, user=user):
            return self._authenticated(event, attributes, user, food, messages)
        attributes[AUTH] = "false"  # whatever the client claimed
        attributes.pop(PROOF, None)
        customer = _Customer(user, self._directory.phone_for(email))
        typed = event.intent.slot(PIN_SLOT)
        challenge_id = attributes.get(CHALLENGE, "")
        if challenge_id and (typed is not None or encrypted is not None):
            code = (typed.value or typed.original_value) if typed is not None else None
            return self._check(event, attributes, customer, _Answer(challenge_id, code, encrypted), messages)
        if challenge_id and PIN_SLOT in (event.slot_to_elicit, event.proposed_slot_to_elicit):
            return self._ask_pin(event, attributes, messages.not_a_code)
        return self._challenge(event, attributes, customer, messages, messages.code_sent)

    def _authenticated(self, event: LexEvent, attributes: dict[str, str], user: str, food: str,
                       messages: Messages) -> dict[str, Any]:
        """A proven session: Lex goes on to fulfilment, where the order is placed (and the proof renewed)."""
        attributes[AUTH] = "true"
        attributes[PROOF] = self._proofs.mint(session_id=event.session_id, user=user)
        if not event.is_fulfillment:
            return delegate(event.intent, session_attributes=attributes, clear=(PIN_SLOT,))
        attributes[CURRENT_ORDER] = food
        logger.info("order placed", extra={"food": food})
        return close(event.intent, "Fulfilled", messages.order_placed.format(food=messages.food(food)),
                     session_attributes=attributes, clear=(PIN_SLOT,))

    # -- the code ------------------------------------------------------------------------------------

    def _check(self, event: LexEvent, attributes: dict[str, str], customer: _Customer,
               answer: _Answer, messages: Messages) -> dict[str, Any]:
        """Verify the typed or decrypted code once; a right one proves the session."""
        challenge_id, typed, encrypted = answer
        code: str | None = typed
        if typed is None and encrypted is not None:
            decrypted = self._pins().decrypt(encrypted, session_id=event.session_id)
            logger.info("encrypted code", extra={"result": decrypted.reason})
            if decrypted.service_fault:  # our outage is not the customer's failed attempt
                return self._ask_pin(event, attributes, messages.cannot_check)
            code = decrypted.code
        outcome = self._store.verify(challenge_id=challenge_id, user=customer.user, code=code,
                                     known_user=customer.phone is not None)
        logger.info("code checked", extra={"outcome": outcome.value})
        if outcome is VerifyOutcome.OK:
            attributes.pop(CHALLENGE, None)
            food = event.intent.slot_value(FOOD_SLOT)
            return self._authenticated(event, attributes, customer.user, food, messages)
        if outcome is VerifyOutcome.LOCKED:
            return self._refuse(event, attributes, LockedOut("locked"), messages)
        if outcome is VerifyOutcome.CONTENDED:
            return self._ask_pin(event, attributes, messages.cannot_check)
        if outcome in _RESTART:
            return self._challenge(event, attributes, customer, messages, messages.expired_resent)
        return self._challenge(event, attributes, customer, messages, messages.wrong_code_resent,
                               reused=messages.wrong_code)

    def _challenge(self, event: LexEvent, attributes: dict[str, str], customer: _Customer, messages: Messages,
                   sent: str, *, reused: str | None = None) -> dict[str, Any]:
        """Issue (and text) a code, or keep the live one inside the resend cooldown; then elicit Pin."""
        previous = attributes.get(CHALLENGE)
        issued = self._issue(customer, messages)
        if issued.refusal is not None or issued.challenge_id is None:
            return self._refuse(event, attributes, issued.refusal, messages)
        attributes[CHALLENGE] = issued.challenge_id
        kept = reused is not None and issued.challenge_id == previous
        return self._ask_pin(event, attributes, reused if kept and reused else sent)

    def _issue(self, customer: _Customer, messages: Messages) -> _Issued:
        """One OTP-core issue; the SMS goes out for a real phone, a pause stands in for it otherwise."""
        destination = customer.phone or decoy_number(self._hmac_key(), customer.user)
        try:
            issued = self._store.issue(user=customer.user, destination=destination,
                                       known_user=customer.phone is not None)
        except ResendTooSoon as exc:
            logger.info("code reused inside the resend cooldown", extra={"live": exc.live is not None})
            return _Issued(exc.live.challenge_id) if exc.live else _Issued(None, exc)
        except OtpError as exc:
            logger.info("code refused", extra={"refusal": type(exc).__name__})
            return _Issued(None, exc)
        if customer.phone is None:
            self._pause(self._latency.value)
            return _Issued(issued.challenge_id)
        started = clock.now()  # the clock backoffs sleep on: a simulated wait counts too
        try:
            self._sender().send_sms(customer.phone, messages.sms.format(code=issued.code, minutes=self._minutes))
        except DeliveryError as exc:
            # Answered exactly as if the SMS went out (an error would say the address is registered); the
            # send is refunded so the customer can ask again at once.
            refunded = self._store.refund(issued)
            logger.error("sms failed", extra={"reason": exc.reason, "refunded": refunded})
            return _Issued(issued.challenge_id)
        self._latency.observe(clock.now() - started)
        logger.info("code sent")
        return _Issued(issued.challenge_id)

    def _ask_pin(self, event: LexEvent, attributes: Mapping[str, str], message: str) -> dict[str, Any]:
        return elicit_slot(event.intent, PIN_SLOT, message, session_attributes=attributes)

    def _refuse(self, event: LexEvent, attributes: dict[str, str], refusal: OtpError | None,
                messages: Messages) -> dict[str, Any]:
        """End the order with the refusal's message (the same for registered and unknown addresses)."""
        attributes.pop(CHALLENGE, None)
        texts: dict[type[OtpError] | None, str] = {
            LockedOut: messages.locked,
            SendLimitExceeded: messages.too_many_codes,
            SendBudgetExhausted: messages.unavailable,
            ResendTooSoon: messages.too_soon,
        }
        text = texts.get(type(refusal) if refusal is not None else None, messages.unavailable)
        return close(event.intent, "Failed", text, session_attributes=attributes, clear=(PIN_SLOT,))
