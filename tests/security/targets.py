"""Every capability's attack surface on one local runtime, as small adapters the security suite parametrises over.

One module-scoped :class:`~sim.local_runtime.LocalRuntime` hosts all four capabilities; each test asks for fresh
identities (a voice-OTP user, a phone-banking customer, an ordering customer, each with its own phone number), so
the per-user and per-number counters of one test never meet another's. The deployment-wide budgets are shared:
:meth:`World.fresh_minute` moves the simulated clock past them.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lambdas.ordering_bot.hook import handler as ordering_hook
from lambdas.voice_login import api as voice_login_api
from lambdas.voice_login import fulfillment
from sim.aws.resources import DemoUser, seed_user
from sim.aws.voice_login_resources import Customer
from sim.aws.voice_login_resources import seed_customer as seed_banking_customer
from sim.cognito.driver import AuthResult, CognitoError
from sim.fakes import FakeLambdaContext
from sim.lex import LexRuntime, load_bot
from sim.local_runtime import LocalRuntime
from sim.ordering.resources import BOT_ALIAS_ARN, BOT_FILE, DemoCustomer
from sim.ordering.resources import seed_customer as seed_ordering_customer
from tests.unit.lambdas.ordering_chat import Chat
from tests.unit.lambdas.voice_login.conftest import http_event, lex_event

_serial = itertools.count(1)
SECURE_INPUT_BOT = Path(__file__).resolve().parents[2] / "bots" / "secure_input.json"
TEST_CARD, TEST_ZIP = "4111111111111111", "98101"  # a test PAN (Luhn-valid, never issued) and a ZIP
LINK = re.compile(r"(\S+)#grant=(\S+)")
ORDERING_CODE = re.compile(r"\b(\d{6,10})\b")


def context(name: str = "security") -> Any:
    """A Lambda context with Lambda's budget."""
    return FakeLambdaContext(name, timeout_seconds=8)


def other_code(code: str) -> str:
    """A code of the same length that is not ``code``."""
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def spoken(response: dict[str, Any]) -> str:
    """What a Lex response says."""
    return " ".join(m.get("content", "") for m in response.get("messages", []))


def attributes(response: dict[str, Any]) -> dict[str, str]:
    """A Lex response's session attributes."""
    return dict(response["sessionState"].get("sessionAttributes") or {})


@dataclass
class World:
    """The runtime plus factories of fresh, never-shared identities."""

    rt: LocalRuntime

    def number(self) -> str:
        """A fresh E.164 number with a phone answering it."""
        number = f"+1555{next(_serial) + 2000000:07d}"
        self.rt.phone(number)
        return number

    def fresh_minute(self) -> None:
        """Past every short window and the deployment-wide per-minute budgets; well inside a day."""
        self.rt.clock.advance(120)

    def past_cooldown(self) -> None:
        """Past the resend cooldown (the same for every path: the shared OTP policy)."""
        from lambdas.common.otp.policy import OtpPolicy

        self.rt.clock.advance(OtpPolicy().resend_cooldown_seconds + 1)

    def voice_otp_user(self, *, seeded: bool = True, number: str | None = None) -> DemoUser:
        """A voice-OTP user with a verified number (``seeded=False``: nobody by that name)."""
        user = DemoUser(username=f"user{next(_serial)}", password="Sec-Passw0rd!2026",
                        phone_number=number or self.number())
        if seeded:
            seed_user(self.rt.resources, user)
        return user

    def banking_customer(self, *, seeded: bool = True, number: str | None = None) -> Customer:
        """A phone-banking customer (id, PIN, number on record)."""
        serial = next(_serial)
        customer = Customer(customer_id=f"{40000000 + serial}", pin=f"{(serial * 7919) % 10**6:06d}",
                            phone_number=number or self.number(), name="Pat Example")
        if seeded:
            seed_banking_customer(self.rt.voice_login, customer)
        return customer

    def ordering_customer(self, *, seeded: bool = True, number: str | None = None) -> DemoCustomer:
        """An ordering-bot customer (e-mail registered to a phone)."""
        customer = DemoCustomer(email=f"eater{next(_serial)}@example.com", phone_number=number or self.number())
        if seeded:
            seed_ordering_customer(self.rt.ordering, customer)
        return customer

    # -- drivers ------------------------------------------------------------------------------------
    def ordering_chat(self, customer: DemoCustomer, session_id: str | None = None) -> Chat:
        """A chat session with the ordering bot, texts delivered to ``customer``'s phone."""
        lex = LexRuntime(bots={BOT_ALIAS_ARN: load_bot(BOT_FILE)}, code_hooks={BOT_ALIAS_ARN: ordering_hook})
        return Chat(lex=lex, pin_key=self.rt.ordering.pin_key_arn, session_id=session_id or f"chat-{next(_serial)}",
                    phone=self.rt.phone(customer.phone_number))

    def banking_sign_in(self, customer_id: str, pin: str, *, session_id: str = "contact-1",
                        attrs: dict[str, str] | None = None) -> dict[str, Any]:
        """One Authenticate turn of the voice-login bot."""
        event = lex_event("Authenticate", slots={"CustomerId": customer_id, "Pin": pin}, session_id=session_id,
                          attributes=attrs)
        return fulfillment.handler(event, context("voice-login"))  # type: ignore[no-any-return]

    def ask_for_link(self, attrs: dict[str, str], *, session_id: str = "contact-1") -> dict[str, Any]:
        """AddAuthorizedUser (dialog turn, then fulfilment) with the session attributes ``attrs``."""
        dialog = fulfillment.handler(lex_event("AddAuthorizedUser", attributes=attrs, source="DialogCodeHook",
                                               session_id=session_id), context("voice-login"))
        if dialog["sessionState"]["dialogAction"]["type"] != "Delegate":
            return dialog  # type: ignore[no-any-return]
        return fulfillment.handler(  # type: ignore[no-any-return]
            lex_event("AddAuthorizedUser", attributes=attributes(dialog), session_id=session_id),
            context("voice-login"))

    def latest_grant(self, number: str) -> str:
        """The grant in the latest link texted to ``number``."""
        self.rt.deliver_sms()
        sms = self.rt.phone(number).sms
        assert sms, f"no SMS reached {number}"
        found = LINK.search(sms[-1].body)
        assert found, "the latest SMS holds no link"
        return found[2]

    def api(self, method: str, path: str, token: str | None, body: Any = None) -> tuple[int, dict[str, Any]]:
        """One request to the link API: (status, JSON body)."""
        import json

        response = voice_login_api.handler(http_event(method, path, token=token, body=body), context("link-api"))
        return int(response["statusCode"]), json.loads(response.get("body") or "{}")

    def signed_in_banking(self, customer: Customer, *, session_id: str = "contact-1") -> dict[str, str]:
        """The session attributes of a caller who just signed in with the right PIN."""
        signed = attributes(self.banking_sign_in(customer.customer_id, customer.pin, session_id=session_id))
        assert signed["authOutcome"] == "authenticated", signed
        return signed

    def texted_grant(self, customer: Customer) -> str:
        """Sign ``customer`` in by voice, ask for the link, return the grant it carries."""
        session = f"contact-{next(_serial)}"
        sent = attributes(self.ask_for_link(self.signed_in_banking(customer, session_id=session), session_id=session))
        assert sent["linkOutcome"] == "sent", sent
        return self.latest_grant(customer.phone_number)

    def capture_card(self, contact_id: str, card: str = TEST_CARD, zip_code: str = TEST_ZIP) -> dict[str, str]:
        """Card then ZIP spoken to the secure-input bot on contact ``contact_id``: the session attributes."""
        from lambdas.secure_input.capture import handler as capture

        lex = LexRuntime(bots={"bot": load_bot(SECURE_INPUT_BOT)},
                         code_hooks={"bot": lambda event, _: capture(event, context("capture"))})
        last: dict[str, Any] = {}
        for text in ("I want to pay by card", card, zip_code):
            last = lex.recognize_text(bot_alias_arn="bot", session_id=contact_id, text=text)
        return dict(last["sessionState"]["sessionAttributes"])

    def operator_decrypt(self, contact_id: str, field_name: str, ciphertext: str, *,
                         proof_for: tuple[str, str] | None = None) -> dict[str, Any]:
        """The operator's decrypt request, with an identity proof bound to ``proof_for`` (default: the request)."""
        import boto3

        from lambdas.secure_input.decrypt import handler as decrypt
        from tools.decrypt import identity_proof, operator_session

        operator = operator_session(boto3.session.Session(), self.rt.secure_input.operator_role_arn, "auditor")
        proof = identity_proof(operator, *(proof_for or (contact_id, field_name)))
        request = {"contactId": contact_id, "field": field_name, "ciphertext": ciphertext, "reason": "dispute",
                   "identityProof": proof}
        return decrypt(request, context("decrypt"))  # type: ignore[no-any-return]

    def voice_otp_start(self, user: DemoUser) -> tuple[AuthResult | None, str | None, CognitoError | None]:
        """Password step of a voice-OTP sign-in: (challenge, the code the phone heard, or the refusal)."""
        try:
            result = self.rt.cognito().initiate_auth(user.username, user.password)
        except CognitoError as error:
            return None, None, error
        heard: list[str] = []
        for rung in self.rt.ring_pending_calls():
            if rung.call is not None:
                heard.extend(rung.call.digits_heard()[:1])
        return result, (heard[-1] if heard else None), None


class CodePath(Protocol):
    """One code- or PIN-checking path, driven from the outside as an attacker would."""

    name: str

    def enrol(self, world: World) -> Any: ...

    def secret(self, world: World, who: Any) -> str: ...

    def guess(self, world: World, who: Any, answer: str) -> str: ...

    def restart(self, world: World, who: Any) -> None: ...


@dataclass
class VoiceOtpPath:
    """C2: the code read aloud by the outbound call, answered to Cognito (Verify trigger)."""

    name: str = "voice_otp"
    _live: dict[str, tuple[AuthResult, str | None]] = field(default_factory=dict)

    def enrol(self, world: World) -> Any:
        return world.voice_otp_user()

    def _challenge(self, world: World, who: DemoUser) -> tuple[AuthResult | None, str | None]:
        if who.username not in self._live:
            world.past_cooldown()  # as a person would: inside it, the spent challenge is reused, no new call
            result, code, error = world.voice_otp_start(who)
            if result is None:
                assert error is not None
                return None, None
            self._live[who.username] = (result, code)
        return self._live[who.username]

    def secret(self, world: World, who: DemoUser) -> str:
        _, code = self._challenge(world, who)
        return code or "000000"  # a locked user hears nothing: any guess is as good

    def restart(self, world: World, who: DemoUser) -> None:
        self._live.pop(who.username, None)

    def guess(self, world: World, who: DemoUser, answer: str) -> str:
        challenge, _ = self._challenge(world, who)
        if challenge is None or challenge.session is None:
            self._live.pop(who.username, None)
            return "refused"
        try:
            result = world.rt.cognito().respond_to_auth_challenge(challenge.session, answer)
        except CognitoError:
            self._live.pop(who.username, None)
            return "refused"
        if result.tokens is not None:
            self._live.pop(who.username, None)
            return "accepted"
        self._live[who.username] = (result, self._live[who.username][1])
        return "refused"


@dataclass
class BankingPinPath:
    """C1: the phone-banking PIN checked by the voice-login bot against its Cognito pool."""

    name: str = "voice_login_pin"

    def enrol(self, world: World) -> Any:
        return world.banking_customer()

    def secret(self, world: World, who: Customer) -> str:
        return who.pin

    def restart(self, world: World, who: Customer) -> None:
        """Every PIN turn stands alone (a new call would be a new Lex session)."""

    def guess(self, world: World, who: Customer, answer: str) -> str:
        outcome = attributes(world.banking_sign_in(who.customer_id, answer))["authOutcome"]
        return "accepted" if outcome == "authenticated" else "refused"


@dataclass
class OrderingOtpPath:
    """C4: the SMS code the ordering bot asks for before the first order of a session."""

    name: str = "ordering_otp"
    _chats: dict[str, Chat] = field(default_factory=dict)

    def enrol(self, world: World) -> Any:
        return world.ordering_customer()

    def _chat(self, world: World, who: DemoCustomer) -> Chat:
        if who.email not in self._chats:
            world.past_cooldown()
            chat = world.ordering_chat(who)
            chat.say("I want pizza", email=who.email)
            self._chats[who.email] = chat
        return self._chats[who.email]

    def restart(self, world: World, who: DemoCustomer) -> None:
        self._chats.pop(who.email, None)

    def secret(self, world: World, who: DemoCustomer) -> str:
        self._chat(world, who)
        world.rt.deliver_sms()
        sms = world.rt.phone(who.phone_number).sms
        found = ORDERING_CODE.search(sms[-1].body) if sms else None
        return found[1] if found else "000000"

    def guess(self, world: World, who: DemoCustomer, answer: str) -> str:
        chat = self._chat(world, who)
        said = chat.say(answer)
        if "on its way" in said:
            self._chats.pop(who.email, None)
            return "accepted"
        if chat.last["sessionState"]["intent"].get("state") == "Failed" or chat.action != "ElicitSlot":
            self._chats.pop(who.email, None)  # the turn ended the order: a new one starts the next guess
        return "refused"


def code_paths() -> list[CodePath]:
    """Every code-checking path, fresh."""
    return [VoiceOtpPath(), BankingPinPath(), OrderingOtpPath()]


def sms_sent_to(number: str) -> int:
    """Every SMS SNS accepted for ``number`` in this process (moto's outbox)."""
    from moto.sns.models import sns_backends

    from sim.aws import ACCOUNT_ID, REGION

    return sum(1 for destination, _ in sns_backends[ACCOUNT_ID][REGION].sms_messages.values()
               if destination == number)


class SendPath(Protocol):
    """One path that makes something ring or text: asked for a send, and counted at the destination."""

    name: str

    def enrol(self, world: World, number: str | None = None) -> Any: ...

    def request(self, world: World, who: Any) -> None: ...

    def delivered(self, world: World, number: str) -> int: ...


@dataclass
class VoiceCallSend:
    """C2: the outbound Connect call that reads the code."""

    name: str = "voice_otp_call"

    def enrol(self, world: World, number: str | None = None) -> Any:
        return world.voice_otp_user(number=number)

    def request(self, world: World, who: DemoUser) -> None:
        world.voice_otp_start(who)

    def delivered(self, world: World, number: str) -> int:
        world.rt.ring_pending_calls()
        return sum(1 for rung in world.rt.rung if rung.request.destination == number)


@dataclass
class LinkSmsSend:
    """C1: the SMS with the single-use link."""

    name: str = "voice_login_link_sms"

    def enrol(self, world: World, number: str | None = None) -> Any:
        return world.banking_customer(number=number)

    def request(self, world: World, who: Customer) -> None:
        session = f"contact-{next(_serial)}"
        world.ask_for_link(world.signed_in_banking(who, session_id=session), session_id=session)

    def delivered(self, world: World, number: str) -> int:
        return sms_sent_to(number)


@dataclass
class OrderingCodeSend:
    """C4: the SMS code of the ordering bot."""

    name: str = "ordering_code_sms"

    def enrol(self, world: World, number: str | None = None) -> Any:
        return world.ordering_customer(number=number)

    def request(self, world: World, who: DemoCustomer) -> None:
        world.ordering_chat(who).say("I want pizza", email=who.email)

    def delivered(self, world: World, number: str) -> int:
        return sms_sent_to(number)


def send_paths() -> list[SendPath]:
    """Every path that sends, fresh."""
    return [VoiceCallSend(), LinkSmsSend(), OrderingCodeSend()]
