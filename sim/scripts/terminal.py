"""The interactive caller: a person plays the caller of a flow at a terminal prompt (``python -m sim call``)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from lambdas.common.core.phone import E164
from sim.connect import FlowError, InputRequest
from sim.scripts.events import CallerHungUp, ErrorRaised
from sim.scripts.loader import find_file, import_handler, read_bot, read_flow
from sim.scripts.model import DEFAULT_CALLER, BotRef, HookRef, Script
from sim.scripts.world import World

HANGUP = "/hangup"
HELP = (
    "You are the caller. Type what you say and press Enter; #1234 presses keys 1234; an empty line is "
    f"silence; {HANGUP} or end of input (Ctrl-D) hangs up."
)
T = TypeVar("T")
Read = Callable[[str], str]
Write = Callable[[str], None]


class HungUp(Exception):
    """The person hung up."""


def pairs(option: str, items: Sequence[str]) -> list[tuple[str, str]]:
    """``REF=VALUE`` items of a repeated option."""
    found = []
    for item in items:
        reference, sep, value = item.partition("=")
        if not sep or not reference or not value:
            raise ValueError(f"{option} expects REF=VALUE, got {item!r}")
        found.append((reference, value))
    return found


def call_setup(
    flow: str,
    *,
    bots: Sequence[str] = (),
    hooks: Sequence[str] = (),
    substitutions: Sequence[str] = (),
    attributes: Sequence[str] = (),
    caller: str = DEFAULT_CALLER,
) -> Script:
    """A step-less call Script from command-line options; a ValueError names the option at fault."""
    base = Path.cwd()
    subs = dict(pairs("--sub", substitutions))
    bot_refs = []
    for reference, path in pairs("--bot", bots):
        found = _option("--bot", reference, functools.partial(find_file, path, base))
        bot_refs.append(BotRef(reference, found, _option("--bot", reference, functools.partial(read_bot, found))))
    hook_refs = [
        HookRef(reference, target, _option("--hook", reference, functools.partial(import_handler, target)))
        for reference, target in pairs("--hook", hooks)
    ]
    if not E164.fullmatch(caller):
        raise ValueError(f"--caller {caller!r} is not an E.164 number like +15550100100")
    target = _option("flow file", flow, functools.partial(find_file, flow, base))
    references = [ref.reference for ref in bot_refs] + [ref.reference for ref in hook_refs]
    return Script(
        path=Path("(terminal)"), kind="call", line=0, target=target,
        flow=_option("flow file", flow, functools.partial(read_flow, target, subs, references)),
        bots=tuple(bot_refs), code_hooks=tuple(hook_refs), substitutions=subs, caller=caller,
        attributes=dict(pairs("--attr", attributes)),
    )  # fmt: skip


def _option(option: str, reference: str, load: Callable[[], T]) -> T:
    """``load()``, its ValueError prefixed with the option."""
    try:
        return load()
    except ValueError as exc:
        raise ValueError(f"{option} {reference}: {exc}") from None


class TerminalCaller:
    """The caller's side, typed by a person: prints the transcript as it grows, reads each answer."""

    def __init__(self, world: World, read: Read, write: Write) -> None:
        self._world = world
        self._read = read
        self._write = write
        self._shown = 0

    def hear(self, text: str, *, ssml: bool) -> None:
        """Nothing to do: what the system says is printed from the transcript before each prompt."""

    def respond(self, request: InputRequest) -> str | None:
        """Print what happened, then read the caller's answer (``#`` for keys)."""
        self.show()
        hint = "keys, like #1" if request.kind == "dtmf" else "words, or #keys"
        try:
            line = self._read(f"you ({hint})> ").strip()
        except EOFError:
            raise HungUp from None
        if line == HANGUP:
            raise HungUp
        return (line[1:].strip() if line.startswith("#") else line) or None

    def show(self) -> None:
        """Print the transcript lines not printed yet (new SMS and calls included)."""
        self._world.deliver()
        events = self._world.transcript.events
        for event in events[self._shown :]:
            self._write(self._world.redact(event.line()))
        self._shown = len(events)


def run_call(script: Script, *, read: Read = input, write: Write = print) -> int:
    """Let a person be the caller of ``script``'s flow; 0 when the call ends or they hang up, 1 on a flow error."""
    assert script.flow is not None
    write(HELP)
    with World(script) as world:
        caller = TerminalCaller(world, read, write)
        status = 0
        try:
            world.interpreter().run(
                script.flow, participant=caller, contact=world.contact(), transcript=world.transcript
            )
        except HungUp:
            world.transcript.add(CallerHungUp("caller"))
        except FlowError as exc:
            world.transcript.add(ErrorRaised("flow", str(exc)))
            status = 1
        caller.show()
    write("--- the call is over ---")
    return status
