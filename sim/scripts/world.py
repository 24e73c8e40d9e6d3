"""What a conversation runs against: the caller's phone, the clock, Lex, the Lambdas; the local runtime on demand.

The local runtime (embedded AWS, ~1.5 s to start) starts only when something needs it: a Lambda or code hook
the script does not map itself (so this project's handler runs), or ``aws: true`` in the script.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Iterable
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.clock import SimClock
from sim.connect import ContactData, FlowInterpreter, InvalidSsml, Transcript, ssml_to_text
from sim.connect.transcript import AttributeSet
from sim.lex import BotDefinition, CodeHook, LexRuntime, load_bot
from sim.phone import Call, Phone, Sms
from sim.scripts.events import CallReceived, ClockAdvanced, LinkOpened, SmsReceived
from sim.scripts.loader import aliases
from sim.scripts.model import Handler, LinkVisit, Script
from sim.scripts.redact import Redactor

if TYPE_CHECKING:
    from sim.local_runtime import LocalRuntime

_NAMESPACE = uuid.UUID("0c1b2d4e-5f60-4a7b-8c9d-5c7269707473")
_PHONE_BLOCK = "phone"
_SMS_CODE = re.compile(r"(?<!\d)(\d{6,10})(?!\d)")


def plain_words(text: str, *, ssml: bool = False) -> str:
    """What a person hears: SSML read as words, whitespace collapsed."""
    if ssml:
        with suppress(InvalidSsml):
            text = ssml_to_text(text)
    return " ".join(text.split())


class World:
    """Use as ``with World(script) as world:``; the runtime, if it started, stops on exit."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.transcript = Transcript()
        self.redact = Redactor()
        self.clock = SimClock(script.centre.start)
        self.phone = Phone(script.caller)
        self.contact_id = str(uuid.uuid5(_NAMESPACE, str(script.path.resolve())))
        self._runtime: LocalRuntime | None = None
        self._exit = ExitStack()
        self._depth = 0
        self._substitutions = script.substitutions
        self._hooks: dict[str, Handler] = {
            alias: hook.handler for hook in script.code_hooks for alias in self._aliases(hook.reference)
        }
        bots: dict[str, BotDefinition] = {}
        if script.chat_bot is not None:
            bots[script.chat_bot.name] = script.chat_bot
            if script.code_hooks:  # a chat has one bot: its one hook, whatever the key says
                self._hooks[script.chat_bot.name] = script.code_hooks[0].handler
        for ref in script.bots:
            bots.update(dict.fromkeys(self._aliases(ref.reference), ref.bot))
        if script.flow is not None:  # the project's own bots, under the references its flows use
            used = {str((action.parameters.get("LexV2Bot") or {}).get("AliasArn"))
                    for action in script.flow.actions.values() if action.type == "ConnectParticipantWithLexBot"}
            for reference, path in _project_bots().items():
                if reference not in bots and reference in used:
                    bots[reference] = load_bot(path)
        self._bots = bots
        self._bots_by_name = {bot.name: bot for bot in bots.values()}
        self.lex = LexRuntime(bots=bots, code_hooks=self._bot_hook, clock=self.clock.now)
        self.session_attributes: dict[str, dict[str, str]] = {}  # the latest Lex session attributes, per session
        self._recorded_sms = self._recorded_calls = 0
        self._checked_sms = self._checked_calls = 0

    def __enter__(self) -> World:
        self._depth += 1  # re-entrant: a caller may hold the world (and its runtime) open around run_script
        if self.script.aws:
            self.runtime()
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._exit.close()

    # -- the local runtime, on demand -------------------------------------------------------------------
    def runtime(self) -> LocalRuntime:
        """The local runtime, started now if it is not yet (it shares this world's phone and clock)."""
        if self._runtime is None:
            from sim.local_runtime import LocalRuntime

            runtime = LocalRuntime(clock=self.clock)
            runtime.phones[self.phone.number] = self.phone
            self._runtime = self._exit.enter_context(runtime)
        return self._runtime

    @property
    def runtime_started(self) -> bool:
        """Whether the local runtime is running."""
        return self._runtime is not None

    # -- Lambdas and code hooks -------------------------------------------------------------------------
    def lambda_handler(self, reference: str) -> Handler:
        """The handler for a flow's Lambda reference: the script's, else this project's (starting the runtime)."""
        function = reference.rsplit(":function:", maxsplit=1)[-1]
        names = self._aliases(reference) | {function, function.split(":")[0]}
        handler = self._find(self._hooks, names)
        if handler is not None:
            return handler
        handler = self._find(_project_handlers(), names)
        if handler is None:
            raise LookupError(f"no handler for Lambda {reference!r}: map it under code_hooks:")
        self.runtime()  # before the flow starts timing the invocation
        return handler

    def _bot_hook(self, key: str) -> CodeHook | None:
        """The code hook of the bot registered under ``key``: the script's, else this project's."""
        bot = self._bots[key]
        names = self._aliases(key) | {bot.name}
        handler = self._find(self._hooks, names)
        if handler is not None or not _uses_code_hooks(bot):
            return handler
        default = self._find(_project_handlers(), names)
        return None if default is None else self._on_runtime(default)

    def _on_runtime(self, handler: Handler) -> Handler:
        """``handler``, started in the local runtime when first invoked."""

        def invoke(event: dict[str, Any], context: Any) -> Any:
            self.runtime()
            return handler(event, context)

        return invoke

    def _aliases(self, reference: str) -> set[str]:
        return aliases(reference, self._substitutions)

    @staticmethod
    def _find(handlers: dict[str, Handler], names: Iterable[str]) -> Handler | None:
        return next((handlers[name] for name in sorted(names) if name in handlers), None)

    # -- Lex (a LexBridge that also learns which values to hide) -----------------------------------------
    def caller_view(self, *, session_id: str) -> str | None:
        """The emulator's view of the caller's last turn, obfuscated slots hidden (for the flow transcript)."""
        return self.lex.caller_view(session_id=session_id)

    def recognize_text(
        self,
        *,
        bot_alias_arn: str,
        session_id: str,
        text: str,
        input_mode: str,
        session_attributes: dict[str, str],
        locale_id: str,
    ) -> dict[str, Any]:
        """One Lex turn through the emulator; obfuscated slot values are learnt for the redactor."""
        turns = len(self.lex.transcript.turns)
        response: dict[str, Any] | None = None
        try:
            response = self.lex.recognize_text(
                bot_alias_arn=bot_alias_arn, session_id=session_id, text=text, input_mode=input_mode,
                session_attributes=session_attributes, locale_id=locale_id,
            )  # fmt: skip
            state = response.get("sessionState") or {}
            self.session_attributes[session_id] = dict(state.get("sessionAttributes") or {})
            return response
        finally:
            if len(self.lex.transcript.turns) > turns:
                turn = self.lex.transcript.turns[-1]
                self.redact.learn_caller(text, turn.caller)
                self.redact.learn_slots(self._bots_by_name, turn.bot, locale_id, response)

    # -- the call ---------------------------------------------------------------------------------------
    def interpreter(self) -> FlowInterpreter:
        """A flow interpreter wired to this world's Lambdas and Lex."""
        centre = dataclasses.replace(self.script.centre.centre, clock=self.clock.now)
        return FlowInterpreter(lambdas=self.lambda_handler, lex=self, centre=centre)

    def contact(self, *, initiation: str = "INBOUND") -> ContactData:
        """The contact a call script's flow runs for (inbound unless ``initiation`` says otherwise)."""
        from sim.aws import ACCOUNT_ID, REGION
        from sim.aws.resources import SOURCE_NUMBER

        if self._runtime is not None:
            instance_arn, system = self._runtime.resources.instance_arn, self._runtime.resources.source_number
        else:
            instance = uuid.uuid5(_NAMESPACE, "instance")
            instance_arn, system = f"arn:aws:connect:{REGION}:{ACCOUNT_ID}:instance/{instance}", SOURCE_NUMBER
        return ContactData(
            contact_id=self.contact_id, channel="VOICE", initiation_method=initiation,
            customer_address=self.phone.number, system_address=system, instance_arn=instance_arn,
            attributes=dict(self.script.attributes), language_code=self.script.locale.replace("_", "-"),
        )  # fmt: skip

    # -- the phone and the clock ------------------------------------------------------------------------
    def deliver(self) -> None:
        """Ring the calls the runtime has queued, and note every new SMS and call in the transcript."""
        if self._runtime is not None:
            self._runtime.ring_pending_calls()
            self._runtime.deliver_sms()
        for sms in self.phone.sms[self._recorded_sms :]:
            for grant in re.findall(r"#grant=(\S+)", sms.body):  # a link's grant is a bearer secret
                self.redact.add("grant", grant)
            for code in re.findall(r"\b\d{6,10}\b", sms.body):  # a texted code, even one never typed as text
                self.redact.add("code", code)
            self.transcript.add(SmsReceived(_PHONE_BLOCK, sender=sms.sender, body=sms.body))
        for call in self.phone.calls[self._recorded_calls :]:
            self.transcript.add(CallReceived(_PHONE_BLOCK, call.caller_id, call.words, tuple(call.pressed)))
        self._recorded_sms, self._recorded_calls = len(self.phone.sms), len(self.phone.calls)

    def next_sms(self) -> Sms | None:
        """The next SMS on the caller's phone that no step has checked yet."""
        self.deliver()
        if self._checked_sms == len(self.phone.sms):
            return None
        self._checked_sms += 1
        return self.phone.sms[self._checked_sms - 1]

    def next_call(self) -> Call | None:
        """The next call to the caller's phone that no step has checked yet."""
        self.deliver()
        if self._checked_calls == len(self.phone.calls):
            return None
        self._checked_calls += 1
        return self.phone.calls[self._checked_calls - 1]

    def open_link(self, visit: LinkVisit) -> tuple[str, str | None]:
        """Open the link in the latest SMS as the voice-login page does; what it shows, before and after submitting."""
        from lambdas.voice_login.api import handler
        from sim.fakes import FakeLambdaContext
        from sim.scripts.link_visit import LinkProblem, open_page

        self.deliver()
        if not self.phone.sms:
            raise LookupError(f"no SMS reached {self.phone.number}: no link to open")
        page = self.runtime().voice_login_site.page
        links = [link for link in self.phone.sms[-1].links if visit.link is None or visit.link.search(link)]
        if not links:
            wanted = f" matching /{visit.link.pattern}/" if visit.link else ""
            raise LookupError(f"the latest SMS has no link{wanted}")
        if links[0].split("#", 1)[0] != page.url:
            raise LookupError(f"the link does not open this runtime's page ({page.url}): {links[0].split('#', 1)[0]}")
        fill = dict(visit.fill) if visit.fill or visit.submit else None
        try:
            shown, submitted = open_page(links[0], handler=handler, page_origin=page.origin, fill=fill,
                                         context=FakeLambdaContext("voice-login-api", timeout_seconds=10),
                                         tamper_with=visit.tamper)
        except LinkProblem as exc:
            raise LookupError(str(exc)) from None
        after = submitted.text() if submitted is not None else None
        self.transcript.add(LinkOpened(_PHONE_BLOCK, shown=shown.text(), submitted=after))
        return shown.text(), after

    def latest_sms_code(self) -> str | None:
        """The one-time code (6 to 10 digits) in the latest SMS on the caller's phone."""
        self.deliver()
        for sms in reversed(self.phone.sms):
            found = _SMS_CODE.search(sms.body)
            if found:
                return found[1]
        return None

    def encrypt_pin(self, code: str) -> str:
        """``code`` as the ordering chat page sends it: KMS-encrypted for this chat session, base64."""
        import base64

        from lambdas.ordering_bot.pin import encryption_context
        from sim.aws.clients import client

        key = self.runtime().ordering.pin_key_arn
        blob = client("kms").encrypt(
            KeyId=key, Plaintext=code.encode(), EncryptionContext=encryption_context(self.contact_id),
        )["CiphertextBlob"]
        return base64.b64encode(blob).decode()

    def advance(self, seconds: float) -> None:
        """Let simulated time pass (the Lambdas read this clock once the runtime runs)."""
        self.clock.advance(seconds)
        self.transcript.add(ClockAdvanced(_PHONE_BLOCK, seconds=seconds))

    def contact_attributes(self) -> dict[str, str]:
        """The contact's attributes now: the script's initial ones, then every attribute the flow set."""
        attributes = dict(self.script.attributes)
        attributes.update({event.key: event.value for event in self.transcript.of_type(AttributeSet)})
        return attributes

    def attributes(self) -> dict[str, str]:
        """What ``expect_attribute`` checks: a call's contact attributes, or a chat's Lex session attributes."""
        if self.script.kind == "call":
            return self.contact_attributes()
        return dict(self.session_attributes.get(self.contact_id, {}))

    def recorded(self) -> list[tuple[str, str]]:
        """Everything stored or shown so far, unredacted, by where it is: what ``expect_absent`` searches."""
        places = [("the transcript", self.transcript.render()), ("the Lex log", self.lex.transcript.render()),
                  ("the contact attributes", json.dumps(self.contact_attributes()))]
        places += [(f"the Lex session attributes of {session}", json.dumps(values))
                   for session, values in self.session_attributes.items()]
        return places

    def rendered(self) -> str:
        """The transcript so far, obfuscated slot values hidden."""
        return self.redact(self.transcript.render())


def _project_handlers() -> dict[str, Handler]:
    """This project's handlers by reference (importing the runtime module only when asked)."""
    from sim.local_runtime import project_handlers

    return project_handlers()


def _project_bots() -> dict[str, Path]:
    """This project's bot files by reference (importing the runtime module only when asked)."""
    from sim.local_runtime import project_bots

    return project_bots()


def _uses_code_hooks(bot: BotDefinition) -> bool:
    """Whether any intent of the bot enables a dialog or fulfillment code hook."""
    intents = (intent for locale in bot.locales.values() for intent in locale.intents)
    return any(intent.dialog_hook or intent.fulfillment_hook for intent in intents)
