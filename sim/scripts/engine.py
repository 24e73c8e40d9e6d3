"""Runs a conversation script: a call through the flow interpreter, or a chat straight to the Lex emulator.

Deterministic and thread-free. For a call, the participant handed to the interpreter keeps a cursor into the
steps: ``hear`` queues what the system says, ``respond`` runs the steps up to the next ``say``/``press`` and
hands it over. Whatever steps are left when the flow ends run against what is left.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import NoReturn

from sim.connect import (
    CallResult,
    FlowError,
    InputRequest,
    LexTurn,
    ParticipantPressed,
    ParticipantSaid,
    SystemSaid,
)
from sim.lex import LexEmulatorError
from sim.lex.transcript import render_message
from sim.scripts.events import ErrorRaised
from sim.scripts.model import (
    Advance,
    Expect,
    ExpectAbsent,
    ExpectAttribute,
    ExpectCall,
    ExpectError,
    ExpectHangup,
    ExpectSms,
    ExpectTransfer,
    InputStep,
    OpenLink,
    PatternStep,
    Press,
    Script,
    SendCode,
    Step,
)
from sim.scripts.world import World, plain_words

_CHAT_BLOCK = "chat"
_WAITING = {"dtmf": "the system is waiting for keys", "lex": "the bot is waiting for an answer"}


class ScriptFailure(Exception):
    """A step that did not hold: ``FILE:LINE: step: problem``, then the transcript so far."""

    def __init__(self, problem: str, *, line: int, transcript: str) -> None:
        super().__init__(f"{problem}\n--- transcript so far ---\n{transcript or '(nothing happened)'}")
        self.problem = problem
        self.line = line
        self.transcript = transcript


@dataclass(frozen=True)
class ScriptResult:
    """A script that passed: its transcript (obfuscated slot values hidden) and, for a call, the flow's result."""

    script: Script
    transcript: str
    call: CallResult | None


def run_script(script: Script, *, world: World | None = None) -> ScriptResult:
    """Run every step of ``script`` (in ``world``, or a new one); a step that does not hold raises ScriptFailure."""
    with world or World(script) as live:
        conversation = _Conversation(script, live)
        try:
            call = conversation.run()
        except _Failed as failed:
            raise conversation.failure(failed) from None
        return ScriptResult(script=script, transcript=live.rendered(), call=call)


class _Failed(Exception):
    """A step failed (``step`` None: the script as a whole, e.g. an error no step expected)."""

    def __init__(self, step: Step | None, problem: str) -> None:
        super().__init__(problem)
        self.step = step
        self.problem = problem


class _Conversation:
    """The steps, a cursor into them, and what the system said that no step has checked yet."""

    def __init__(self, script: Script, world: World) -> None:
        self.script = script
        self.world = world
        self.steps = script.steps
        self.cursor = 0
        self.pending: deque[str] = deque()
        self.error: str | None = None  # an error a later expect_error step has to account for
        self.transferred: str | None = None  # the queue (or number) the flow handed the contact to
        self.failed: _Failed | None = None
        self.turns = 0
        self.who = "system" if script.kind == "call" else "bot"

    def run(self) -> CallResult | None:
        """Play the whole script; a call's result is returned."""
        if self.script.kind == "call":
            return self._call()
        self._chat()
        return None

    def failure(self, failed: _Failed) -> ScriptFailure:
        """The ScriptFailure for a failed step, naming its line; secrets hidden."""
        line = failed.step.line if failed.step is not None else self.script.line
        what = f"{failed.step.describe()}: " if failed.step is not None else ""
        problem = self.world.redact(f"{self.script.path}:{line}: {what}{failed.problem}")
        return ScriptFailure(problem, line=line, transcript=self.world.rendered())

    def fail(self, step: Step | None, problem: str) -> NoReturn:
        """Stop the script here."""
        raise _Failed(step, problem)

    # -- a call -----------------------------------------------------------------------------------------
    def _call(self) -> CallResult | None:
        """Run the flow with this conversation as the caller, then the steps left."""
        assert self.script.flow is not None
        result = None
        try:
            result = self.world.interpreter().run(
                self.script.flow, participant=_ScriptedCaller(self), contact=self.world.contact(),
                transcript=self.world.transcript,
            )  # fmt: skip
        except FlowError as exc:
            self.error = str(exc)
            self.transferred = exc.partial.transferred_to if exc.partial else None
            self.world.transcript.add(ErrorRaised(exc.partial.ended_by if exc.partial else "", str(exc)))
        if self.failed is not None:  # raised in respond() and swallowed on the way out: still a failure
            raise self.failed
        if result is not None:
            self.transferred = result.transferred_to
        self.world.deliver()
        for step in self.steps[self.cursor :]:
            self.cursor += 1
            if isinstance(step, InputStep):
                why = f": the flow stopped with an error: {self.error}" if self.error else ""
                self.fail(step, f"the call is over before this step{why}")
            if isinstance(step, ExpectHangup) and self.error is not None:
                self.fail(step, f"expected the call to end, but the flow stopped with an error: {self.error}")
            self._check(step, idle="the call is over", no_error="the flow ended without an error")
        if self.error is not None:
            self.fail(None, f"the flow stopped with an error: {self.error} (expect it with expect_error:)")
        return result

    def reply(self, request: InputRequest) -> str | None:
        """The caller's answer to ``request``: run the steps up to the next input step and give it."""
        try:
            self.world.deliver()
            if not any(isinstance(step, InputStep) for step in self.steps[self.cursor :]):
                return None  # nothing left to say: silence, and the steps left run when the flow ends
            while True:
                step = self.steps[self.cursor]
                self.cursor += 1
                if isinstance(step, InputStep):
                    self.pending.clear()  # what no step expected before the caller answers is passed over
                    return step.reply
                waiting = _WAITING.get(request.kind, f"the system is waiting for {request.kind}")
                if isinstance(step, ExpectHangup | ExpectError | ExpectTransfer):
                    self.fail(step, f"the call is still on: {waiting}")
                self._check(step, idle=waiting, no_error="")
        except _Failed as failed:
            self.failed = failed
            raise

    # -- a chat -----------------------------------------------------------------------------------------
    def _chat(self) -> None:
        """Each say/press is one RecognizeText turn; the other steps check what came back."""
        for step in self.steps:
            self.cursor += 1
            if isinstance(step, InputStep):
                self.pending.clear()
                self._turn(step)
            else:
                self._check(step, idle="the bot has said nothing more", no_error="the last turn did not fail")

    def _turn(self, step: InputStep) -> None:
        """One turn to the bot; a failed turn must be followed by expect_error."""
        bot = self.script.chat_bot
        assert bot is not None
        extra: dict[str, str] = {}
        if isinstance(step, SendCode):
            text, extra = self._code_input(step)
        else:
            assert step.reply is not None
            text = step.reply
        mode = "DTMF" if isinstance(step, Press) else "Text"
        said = ParticipantPressed(_CHAT_BLOCK, digits=text) if mode == "DTMF" else ParticipantSaid(_CHAT_BLOCK, text)
        self.world.transcript.add(said)
        self.turns += 1
        try:
            response = self.world.recognize_text(
                bot_alias_arn=bot.name, session_id=self.world.contact_id, text=text, input_mode=mode,
                session_attributes={**(dict(self.script.attributes) if self.turns == 1 else {}), **extra},
                locale_id=self.script.locale,
            )  # fmt: skip
        except LexEmulatorError as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            self.world.transcript.add(ErrorRaised(_CHAT_BLOCK, self.error))
            following = self.steps[self.cursor] if self.cursor < len(self.steps) else None
            if not isinstance(following, ExpectError):
                self.fail(step, f"the bot's turn failed: {self.error}")
            return
        state = response.get("sessionState") or {}
        intent = state.get("intent") or {}
        self.world.transcript.add(
            LexTurn(
                _CHAT_BLOCK, bot_alias_arn=bot.name, input_mode=mode,
                dialog_action=str((state.get("dialogAction") or {}).get("type", "")),
                intent_name=intent.get("name"), intent_state=intent.get("state"),
            )
        )  # fmt: skip
        for message in response.get("messages") or []:
            content, ssml = str(message.get("content", "")), message.get("contentType") == "SSML"
            plain = content if message.get("contentType") in {"PlainText", "SSML"} else render_message(message)
            heard = plain_words(plain, ssml=ssml)
            self.pending.append(heard)
            self.world.transcript.add(SystemSaid(_CHAT_BLOCK, text=content, ssml=ssml, heard=heard, source="lex"))
        self.world.deliver()

    def _code_input(self, step: SendCode) -> tuple[str, dict[str, str]]:
        """The text (and session attributes) that give the code from the latest SMS, as the step asks."""
        code = self.world.latest_sms_code()
        if code is None:
            self.fail(step, f"no SMS with a code has reached {self.world.phone.number}")
        if step.wrong:
            code = code[:-1] + str((int(code[-1]) + 1) % 10)
        if step.encrypted:
            return "******", {"encryptedPin": self.world.encrypt_pin(code)}
        return step.template.replace("{code}", code), {}

    # -- the checks both kinds share ----------------------------------------------------------------------
    def _check(self, step: Step, *, idle: str, no_error: str) -> None:
        """Run one step that is not an input; ``idle`` says why nothing more was said."""
        if isinstance(step, Expect):
            said = self.pending.popleft() if self.pending else None
            self._match(step, said, f"the {self.who} to say", f"but {idle}", "but it said")
        elif isinstance(step, ExpectSms):
            sms = self.world.next_sms()
            absent = f"but no new SMS reached {self.world.phone.number}"
            self._match(step, None if sms is None else sms.body, "an SMS matching", absent, "but it says")
        elif isinstance(step, ExpectCall):
            call = self.world.next_call()
            absent = f"but no new call rang {self.world.phone.number}"
            self._match(step, None if call is None else call.words, "a call saying", absent, "but it said")
        elif isinstance(step, ExpectError | ExpectTransfer):
            self._check_outcome(step, no_error)
        elif isinstance(step, ExpectAbsent):
            self.world.deliver()
            found = [where for where, text in self.world.recorded() if step.pattern.search(text)]
            if found:  # never quote what matched: it is the secret the step guards
                self.fail(step, f"what it must not find is in {', '.join(found)}")
        elif isinstance(step, ExpectAttribute):
            attributes = self.world.attributes()
            for name, pattern in step.patterns.items():
                if name not in attributes:
                    self.fail(step, f"attribute {name!r} is not set (set: {', '.join(sorted(attributes)) or 'none'})")
                if not pattern.search(attributes[name]):
                    self.fail(step, f"attribute {name!r} does not match /{pattern.pattern}/")
        elif isinstance(step, Advance):
            self.world.advance(step.seconds)
        elif isinstance(step, OpenLink):
            self._open_link(step)

    def _check_outcome(self, step: ExpectError | ExpectTransfer, no_error: str) -> None:
        """How the flow (or the last chat turn) ended: the error it stopped with, or the queue it transferred to."""
        if isinstance(step, ExpectError):
            self._match(step, self.error, "an error matching", f"but {no_error}", "but got")
            self.error = None
        else:
            self._match(step, self.transferred, "a transfer to", "but the flow made none", "but it went to")

    def _open_link(self, step: OpenLink) -> None:
        """Open the latest SMS's link as the page does; check what it shows before and after submitting."""
        visit = step.visit
        try:
            shown, submitted = self.world.open_link(visit)
        except LookupError as exc:
            self.fail(step, str(exc))
        if visit.expect is not None and not visit.expect.search(shown):
            self.fail(step, f"expected the page to show /{visit.expect.pattern}/ but it shows {shown!r}")
        if visit.expect_after is not None:
            if submitted is None:
                self.fail(step, "expect_after needs a form to submit (give fill: or submit:)")
            if not visit.expect_after.search(submitted):
                self.fail(step, f"expected the page to show /{visit.expect_after.pattern}/ after submitting, "
                                f"but it shows {submitted!r}")

    def _match(self, step: PatternStep, found: str | None, wanted: str, absent: str, other: str) -> None:
        """Fail unless ``found`` is there and matches: "expected WANTED /re/ ABSENT" or "... OTHER 'found'"."""
        if found is None:
            self.fail(step, f"expected {wanted} {_shown(step)} {absent}")
        if not step.pattern.search(found):
            self.fail(step, f"expected {wanted} {_shown(step)} {other} {found!r}")


class _ScriptedCaller:
    """The caller's side of a scripted call (a ``sim.connect.Participant``)."""

    def __init__(self, conversation: _Conversation) -> None:
        self._conversation = conversation

    def hear(self, text: str, *, ssml: bool) -> None:
        """Queue what the system said, as plain words, for the next expect."""
        self._conversation.pending.append(plain_words(text, ssml=ssml))

    def respond(self, request: InputRequest) -> str | None:
        """The script's next input."""
        return self._conversation.reply(request)


def _shown(step: PatternStep) -> str:
    """``/pattern/``."""
    return f"/{step.pattern.pattern}/"
