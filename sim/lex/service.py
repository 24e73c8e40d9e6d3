"""LexRuntime: a local stand-in for the lexv2-runtime RecognizeText API, driven by the deployed bot file."""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sim.lex.dialog import CodeHook, Session, Turn, TurnInput
from sim.lex.errors import BotNotFoundError, LexEmulatorError
from sim.lex.events import BotIdentity
from sim.lex.model import BotDefinition
from sim.lex.normalize import dtmf_clean
from sim.lex.transcript import Transcript, TranscriptTurn, redact_spans, render_message, scrub

CodeHooks = Mapping[str, CodeHook] | Callable[[str], CodeHook | None]

_ALIAS_ARN = re.compile(r"arn:aws[\w-]*:lex:[\w-]+:\d{12}:bot-alias/(?P<bot>[0-9A-Z]+)/(?P<alias>[0-9A-Z]+)")
_TEST_ALIAS = "TSTALIASID"
_NAMESPACE = uuid.UUID("5f0e9a57-54a4-4c54-8f0b-6c6578656d75")

logger = logging.getLogger("sim.lex")


class LexRuntime:
    """Runs Lex V2 conversations locally: recognize_text mirrors boto3's lexv2-runtime client."""

    def __init__(
        self,
        *,
        bots: Mapping[str, BotDefinition],
        code_hooks: CodeHooks,
        show_obfuscated: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock  # seconds since the epoch: relative dates ("tomorrow") resolve against it
        self._bots = dict(bots)
        self._code_hooks = code_hooks
        self._show_obfuscated = show_obfuscated
        self._sessions: dict[tuple[str, str, str], Session] = {}
        self._caller_views: dict[str, str] = {}
        self.transcript = Transcript()

    def recognize_text(
        self,
        *,
        bot_alias_arn: str,
        session_id: str,
        text: str,
        input_mode: str = "Text",
        session_attributes: dict[str, str] | None = None,
        locale_id: str = "en_US",
        request_attributes: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One user turn; returns the RecognizeText response (raises LexEmulatorError when Lex would fail)."""
        self._caller_views.pop(session_id, None)
        key, bot = self._resolve(bot_alias_arn)
        locale = bot.locale(locale_id)
        session_key = (key, locale.locale_id, session_id)
        session = copy.deepcopy(self._sessions.get(session_key)) or Session(
            session_id=session_id,
            originating_request_id=str(uuid.uuid5(_NAMESPACE, "/".join(session_key))),
        )
        session.attributes.update(session_attributes or {})
        said = dtmf_clean(text) if input_mode == "DTMF" else text
        turn = Turn(
            TurnInput(
                locale=locale,
                identity=_identity(bot_alias_arn, bot, locale.locale_id),
                hook=self._hook(key),
                hook_owner=key,
                text=said,
                input_mode=input_mode,
                request_attributes=dict(request_attributes or {}),
                today=datetime.datetime.fromtimestamp(self._clock(), datetime.UTC).date(),
            ),
            session,
        )
        try:
            turn.run()
        except LexEmulatorError as exc:
            self._record(turn, bot.name, said, failure=type(exc).__name__)
            raise
        self._sessions[session_key] = session
        self._record(turn, bot.name, said)
        request_id = str(uuid.uuid4())
        return {
            **turn.response(),
            "ResponseMetadata": {
                "RequestId": request_id,
                "HTTPStatusCode": 200,
                "HTTPHeaders": {"x-amzn-requestid": request_id, "content-type": "application/json"},
                "RetryAttempts": 0,
            },
        }

    def caller_view(self, *, session_id: str) -> str | None:
        """The session's last caller input as Lex's conversation log shows it (obfuscated slots as {Slot})."""
        return self._caller_views.get(session_id)

    def delete_session(self, *, bot_alias_arn: str, session_id: str, locale_id: str = "en_US") -> None:
        """Forget a session, as lexv2-runtime DeleteSession does."""
        key, bot = self._resolve(bot_alias_arn)
        self._sessions.pop((key, bot.locale(locale_id).locale_id, session_id), None)

    def _resolve(self, requested: str) -> tuple[str, BotDefinition]:
        """The registered (key, bot) for an alias ARN, a bot name, or a ${Placeholder} key."""
        if requested in self._bots:
            return requested, self._bots[requested]
        by_name = [(k, b) for k, b in self._bots.items() if b.name == requested]
        if len(by_name) == 1:
            return by_name[0]
        known = ", ".join(sorted(self._bots)) or "none"
        raise BotNotFoundError(f"no bot registered for {requested!r} (registered: {known})")

    def _hook(self, key: str) -> CodeHook | None:
        """The code hook registered for a bot key, if any."""
        if isinstance(self._code_hooks, Mapping):
            return self._code_hooks.get(key)
        return self._code_hooks(key)

    def _record(self, turn: Turn, bot_name: str, said: str, *, failure: str | None = None) -> None:
        """Add the turn to the transcript and the log, obfuscated slot values hidden."""
        hidden = _obfuscated_turn(turn, bot_name, said, failure)
        self._caller_views[hidden.session_id] = hidden.caller
        logger.info("lex turn\n%s", hidden.render())
        if not self._show_obfuscated:
            self.transcript.add(hidden)
            return
        messages = [render_message(m) for m in turn.messages]
        self.transcript.add(_turn_record(turn, bot_name, said, messages, failure))


def _identity(requested: str, bot: BotDefinition, locale_id: str) -> BotIdentity:
    """Bot and alias ids from an alias ARN, else stable made-up ids (the test alias, version DRAFT)."""
    match = _ALIAS_ARN.fullmatch(requested)
    if match is not None:
        bot_id, alias_id = match["bot"], match["alias"]
    else:
        digest = base64.b32encode(hashlib.sha256(bot.name.encode()).digest()).decode()
        bot_id, alias_id = digest[:10], _TEST_ALIAS
    test_alias = alias_id == _TEST_ALIAS
    return BotIdentity(
        bot_id=bot_id,
        bot_name=bot.name,
        alias_id=alias_id,
        alias_name="TestBotAlias" if test_alias else "live",
        version="DRAFT" if test_alias else "1",
        locale_id=locale_id,
    )


def _turn_record(
    turn: Turn, bot_name: str, caller: str, messages: list[str], failure: str | None = None
) -> TranscriptTurn:
    """A transcript entry for the turn with the given caller text and bot lines (or the failure)."""
    intent = turn.session.intent if failure is None else None
    action = (turn.session.action or {}) if failure is None else {"type": "Failed"}
    return TranscriptTurn(
        session_id=turn.session.session_id,
        bot=bot_name,
        input_mode=turn.inp.input_mode,
        caller=caller,
        bot_messages=(f"(turn failed: {failure})",) if failure else tuple(messages),
        intent=intent["name"] if intent else None,
        intent_state=intent.get("state") if intent else None,
        dialog_action=str(action.get("type", "")),
        slot_to_elicit=action.get("slotToElicit"),
    )


def _obfuscated_turn(turn: Turn, bot_name: str, said: str, failure: str | None) -> TranscriptTurn:
    """The turn as Lex's conversation logs show it: obfuscated slot values replaced by {SlotName}."""
    secrets = _secrets(turn, said)
    if turn.obfuscate_all is not None:
        caller = f"{{{turn.obfuscate_all}}}"
    else:
        caller = scrub(redact_spans(said, turn.redactions), secrets)
    messages = [scrub(render_message(m), secrets) for m in turn.messages]
    return _turn_record(turn, bot_name, caller, messages, failure)


def _secrets(turn: Turn, said: str) -> dict[str, list[str]]:
    """Every value of an obfuscated slot seen in this turn, by slot name."""
    secrets: dict[str, list[str]] = {}
    for start, end, name in turn.redactions:
        secrets.setdefault(name, []).append(said[start:end])
    for intent in (turn.previous[0], turn.session.intent):
        definition = turn.locale.intent(intent["name"]) if intent else None
        if intent is None or definition is None:
            continue
        for slot in definition.slots:
            value = (intent["slots"].get(slot.name) or {}).get("value")
            if slot.obfuscated and value:
                found = [value.get("originalValue", ""), value.get("interpretedValue", "")]
                secrets.setdefault(slot.name, []).extend(found + list(value.get("resolvedValues", [])))
    return secrets
