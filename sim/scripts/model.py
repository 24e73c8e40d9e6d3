"""What a conversation script is once loaded: its header (what runs, wired how) and its typed steps."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from sim.connect import Flow
from sim.lex import BotDefinition
from sim.scripts.centre import CentreSetup

Handler = Callable[[dict[str, Any], Any], Any]
Kind = Literal["call", "chat"]
DEFAULT_CALLER = "+15550100100"  # the demo user's phone (555-01xx numbers are fictional)


@dataclass(frozen=True)
class Step:
    """One step; ``line`` is where it starts in the script file (1-based)."""

    KEY: ClassVar[str] = ""
    line: int

    def describe(self) -> str:
        """How failure messages name the step (never the caller's own words: they may be a PIN)."""
        return self.KEY


@dataclass(frozen=True)
class InputStep(Step):
    """A step that answers the system: what the caller says, presses, or silence."""

    @property
    def reply(self) -> str | None:
        """The text or digits handed to the system (``None``: silence)."""
        return None


@dataclass(frozen=True)
class Say(InputStep):
    """The caller speaks (a call) or types (a chat) ``text``."""

    KEY: ClassVar[str] = "say"
    text: str

    @property
    def reply(self) -> str | None:
        """The words."""
        return self.text


@dataclass(frozen=True)
class Press(InputStep):
    """The caller presses ``digits`` on the keypad (DTMF)."""

    KEY: ClassVar[str] = "press"
    digits: str

    @property
    def reply(self) -> str | None:
        """The keys."""
        return self.digits


@dataclass(frozen=True)
class Silence(InputStep):
    """The caller says nothing when asked (the prompt's time limit passes)."""

    KEY: ClassVar[str] = "silence"


@dataclass(frozen=True)
class SendCode(InputStep):
    """The user types the code from the latest SMS to their phone (a chat): as text, or KMS-encrypted in the
    ``encryptedPin`` session attribute (as the ordering chat page sends it); ``wrong`` types a different code."""

    KEY: ClassVar[str] = "send_code"
    template: str = "{code}"
    encrypted: bool = False
    wrong: bool = False

    def describe(self) -> str:
        """``send_code`` with its options (never the code)."""
        options = [name for name in ("encrypted", "wrong") if getattr(self, name)]
        return f"{self.KEY}" + (f" ({', '.join(options)})" if options else "")


@dataclass(frozen=True)
class PatternStep(Step):
    """A step that checks text against a regular expression (searched, case-insensitive)."""

    pattern: re.Pattern[str]

    def describe(self) -> str:
        """``expect: 'pattern'``."""
        return f"{self.KEY}: {self.pattern.pattern!r}"


@dataclass(frozen=True)
class Expect(PatternStep):
    """The next thing the system (or bot) says, as plain words, matches."""

    KEY: ClassVar[str] = "expect"


@dataclass(frozen=True)
class ExpectSms(PatternStep):
    """The next SMS to the caller's phone not yet checked matches."""

    KEY: ClassVar[str] = "expect_sms"


@dataclass(frozen=True)
class ExpectCall(PatternStep):
    """The next call to the caller's phone not yet checked said something matching."""

    KEY: ClassVar[str] = "expect_call"


@dataclass(frozen=True)
class ExpectError(PatternStep):
    """The flow stopped (a call), or the last bot turn failed (a chat), with an error matching."""

    KEY: ClassVar[str] = "expect_error"


@dataclass(frozen=True)
class ExpectAbsent(PatternStep):
    """Nothing recorded so far matches: the unredacted transcript, contact or session attributes, Lex logs."""

    KEY: ClassVar[str] = "expect_absent"

    def describe(self) -> str:
        """``expect_absent`` only: the pattern is usually a secret the script is making sure never leaks."""
        return self.KEY


@dataclass(frozen=True)
class ExpectAttribute(Step):
    """Each named attribute (a call: contact attribute; a chat: Lex session attribute) is set and matches."""

    KEY: ClassVar[str] = "expect_attribute"
    patterns: Mapping[str, re.Pattern[str]]

    def describe(self) -> str:
        """``expect_attribute: name, name``."""
        return f"{self.KEY}: {', '.join(self.patterns)}"


@dataclass(frozen=True)
class ExpectHangup(Step):
    """The call is over: the flow disconnected the caller or ended."""

    KEY: ClassVar[str] = "expect_hangup"


@dataclass(frozen=True)
class ExpectTransfer(PatternStep):
    """The flow handed the contact to a queue (or a phone number) whose name matches."""

    KEY: ClassVar[str] = "expect_transfer"


@dataclass(frozen=True)
class Advance(Step):
    """Simulated time passes."""

    KEY: ClassVar[str] = "advance"
    seconds: float

    def describe(self) -> str:
        """``advance: 30``."""
        return f"{self.KEY}: {self.seconds:g}"


@dataclass(frozen=True)
class LinkVisit:
    """What to do on the page the latest SMS link opens (validated now; run once the web page exists)."""

    link: re.Pattern[str] | None = None  # which link of the SMS (default: the first)
    expect: re.Pattern[str] | None = None  # the page shows this
    fill: Mapping[str, str] = field(default_factory=dict)  # form field -> value
    submit: str | None = None  # the button to press
    expect_after: re.Pattern[str] | None = None  # the page shows this after submitting
    tamper: str | None = None  # edit the link first: signature, scope or customer (sim.scripts.link_visit)


@dataclass(frozen=True)
class OpenLink(Step):
    """Follow the link in the latest SMS to the caller's phone."""

    KEY: ClassVar[str] = "open_link"
    visit: LinkVisit


CALL_ONLY: frozenset[str] = frozenset({Silence.KEY, ExpectHangup.KEY, ExpectTransfer.KEY})
CHAT_ONLY: frozenset[str] = frozenset({SendCode.KEY})


@dataclass(frozen=True)
class BotRef:
    """A bot file under the name a flow (or a hook mapping) refers to it by."""

    reference: str
    path: Path
    bot: BotDefinition


@dataclass(frozen=True)
class HookRef:
    """A code hook or Lambda handler (``module.path:function``) under the reference it serves."""

    reference: str
    target: str
    handler: Handler


@dataclass(frozen=True)
class Script:
    """A loaded, validated conversation script (or, with no steps, the set-up of an interactive call)."""

    path: Path
    kind: Kind
    line: int  # where ``call:`` / ``chat:`` is written
    target: Path  # the flow file or the bot file
    flow: Flow | None = None
    chat_bot: BotDefinition | None = None
    bots: tuple[BotRef, ...] = ()
    code_hooks: tuple[HookRef, ...] = ()
    substitutions: Mapping[str, str] = field(default_factory=dict)
    caller: str = DEFAULT_CALLER
    attributes: Mapping[str, str] = field(default_factory=dict)  # contact attributes, or chat session ones
    locale: str = "en-US"
    aws: bool = False
    centre: CentreSetup = field(default_factory=CentreSetup)  # a call's contact centre and the clock's start
    description: str | None = None
    steps: tuple[Step, ...] = ()

    @property
    def title(self) -> str:
        """``tests/e2e/x.yaml (call: contact_flows/y.json)``, paths relative to the working directory if under it."""
        cwd = Path.cwd()
        target = self.target.relative_to(cwd) if self.target.is_relative_to(cwd) else self.target
        return f"{self.path} ({self.kind}: {target})"
