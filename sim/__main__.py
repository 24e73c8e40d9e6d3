"""``python -m sim``: the local runtime's command line (see README, "Local runtime").

Every error a user can cause is one line on stderr and exit status 2; a flow that stops with an error
prints the transcript so far, then the error, and exits 1. Handler log lines (JSON) never go to the
transcript: they go to stderr with ``--verbose``, else to the log file (``--log-file``).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import logging
import math
import re
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LOG = Path(tempfile.gettempdir()) / "python-m-sim.log"
_DTMF = re.compile(r"[0-9*#]+")
_INITIATION = re.compile(r"[A-Z][A-Z_]*")
USAGE_ERROR, FAILED = 2, 1

EXAMPLES = {
    "signin": """examples:
  python -m sim signin                         # the demo user: password, then the code read by phone
  python -m sim signin --otp 000000 --otp 111111   # answer with wrong codes
  python -m sim signin --advance 301            # let the code expire before answering
  python -m sim signin --passwordless           # custom challenge only: no password is sent""",
    "flow": """examples:
  python -m sim flow contact_flows/voice_otp_outbound.json --attr otp_code=123456 --press 1
  python -m sim flow my-flow.json --bot '${BotAliasArn}=my-bot.json' --hook 'MyLambda=my_pkg.handler:main'
  python -m sim flow my-flow.json --sub QueueArn=arn:aws:connect:... --press 1 --press ''""",
    "demo": """examples:
  python -m sim demo""",
    "script": """examples:
  python -m sim script tests/e2e/*.yaml
  python -m sim script --verbose tests/e2e/voice_otp_call.yaml   # with handler logs on stderr""",
    "serve": """examples:
  python -m sim serve                # both pages on loopback, a voice-login link ready; Ctrl-C stops
  python -m sim serve --seconds 600  # stop after ten minutes""",
    "call": """examples:
  python -m sim call tests/fixtures/flows/toy_bank.json --bot '${ToyBotAliasArn}=tests/fixtures/bots/toy_bot.json'
  python -m sim call my-flow.json --sub QueueArn=arn:aws:connect:... --caller +447700900123""",
}


class UsageError(Exception):
    """Something the user gave that cannot be used: one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (and exit 2), naming the command."""

    def error(self, message: str) -> Any:
        self.exit(USAGE_ERROR, f"{self.prog}: {message} (--help shows the options and examples)\n")


class _Output:
    """Where the CLI writes what the user reads (the real stdout, whatever handlers do with sys.stdout)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def __call__(self, *parts: object, end: str = "\n") -> None:
        print(*parts, end=end, file=self.stream, flush=True)


out = _Output(sys.stdout)


# -- validation ---------------------------------------------------------------------------------------------
def _e164(value: str) -> str:
    from lambdas.common.core.phone import E164

    if not E164.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an E.164 number like +15550100100")
    return value


def _press(value: str) -> str | None:
    if value == "":
        return None  # silence at that prompt
    if not _DTMF.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not DTMF keys (0-9, * and #; '' is silence)")
    return value


def _initiation(value: str) -> str:
    if not _INITIATION.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an InitiationMethod like INBOUND, OUTBOUND or API")
    return value


def _advance(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"{value!r} must be a number of seconds greater than 0")
    return seconds


def _otp(value: str) -> str:
    from lambdas.common.otp.policy import OtpPolicy

    length = OtpPolicy().length
    if not (value.isascii() and value.isdigit() and len(value) == length):
        raise argparse.ArgumentTypeError(f"a code is {length} digits, got {len(value)} character(s)")
    return value


# -- commands -----------------------------------------------------------------------------------------------
def _signin(args: argparse.Namespace) -> int:
    from sim.local_runtime import LocalRuntime
    from sim.scenarios import signin

    if args.passwordless and args.password is not None:
        raise UsageError("--passwordless sends no password: drop --password")
    with LocalRuntime(passwordless=args.passwordless) as runtime:
        user = runtime.demo_user
        username = args.username or user.username
        password: str | None = None
        if not args.passwordless:
            password = args.password if args.password is not None else (
                user.password if username == user.username else None)
            if password is None:
                raise UsageError(f"--password is required for {username!r} (only the demo user's password is known)")
        outcome = signin(runtime, username=username, password=password, codes=args.otp or None,
                         advance=args.advance or 0.0, say=out)  # fmt: skip
    return 0 if outcome.ok else FAILED


def _setup(args: argparse.Namespace, flow: str) -> Any:
    """A step-less call script from the shared options (a ValueError becomes a usage error)."""
    from sim.scripts import call_setup

    try:
        return call_setup(flow, bots=args.bot or [], hooks=args.hook or [], substitutions=args.sub or [],
                          attributes=args.attr or [], caller=args.caller)  # fmt: skip
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _flow(args: argparse.Namespace) -> int:
    from sim.connect import FlowError
    from sim.scripts import World

    script = _setup(args, args.file)
    with World(script) as world:
        world.phone.will_press(args.press or [])
        try:
            result = world.interpreter().run(
                script.flow, participant=world.phone, contact=world.contact(initiation=args.initiation),
                transcript=world.transcript,
            )  # fmt: skip
        except FlowError as exc:
            world.deliver()
            out(world.rendered())
            out(f"flow error: {exc}")
            return FAILED
        world.deliver()
        out(world.rendered())
    return 0 if result.disconnected or result.ended_by else FAILED


def _demo(args: argparse.Namespace) -> int:
    from sim.local_runtime import LocalRuntime
    from sim.scenarios import lockout_demo, signin

    out("=== Voice-call OTP for Cognito, on the local runtime (no AWS account) ===\n")
    with LocalRuntime() as runtime:
        user = runtime.demo_user
        out("--- 1. the demo user signs in; the phone rings and reads the code; the code is entered ---")
        ok = signin(runtime, username=user.username, password=user.password, replay_once=True, say=out)
        runtime.clock.advance(31)
    out()
    with LocalRuntime() as runtime:
        out("--- 2. wrong codes, sign-in after sign-in, until the account locks ---")
        outcomes = lockout_demo(runtime, say=out)
    locked = outcomes[-1].error is not None and "Too many failed attempts" in outcomes[-1].error.message
    out("\n--- 3. voice login: PIN by phone, a single-use link by text, an authorised user added on the page ---")
    login = _voice_login_demo()
    out("\n--- 4. a caller gives a card number and ZIP; only ciphertext is kept; an operator decrypts ---")
    from sim.secure_input_demo import secure_input_demo

    sealed = secure_input_demo(say=out)
    out()
    from sim.ordering.scenario import ordering_demo

    ordered = ordering_demo(first=5, say=out)
    passed = ok.ok and locked and login and sealed and ordered
    out("\n=== demo", "passed" if passed else "FAILED", "===")
    return 0 if passed else FAILED


def _voice_login_demo() -> bool:
    """Play sim/demos/voice_login.yaml and print its transcript."""
    from sim.scripts import ScriptFailure, load_script, run_script

    try:
        result = run_script(load_script(Path(__file__).parent / "demos" / "voice_login.yaml"))
    except ScriptFailure as exc:
        out(str(exc))
        return False
    out(str(result.transcript))
    return True


def _script_paths(files: list[str]) -> list[Path]:
    """Each script file (or a glob pattern the shell left as is), relative to the current directory, else the repo."""
    found: list[Path] = []
    for file in files:
        for base in (Path.cwd(), REPO):
            given = base / file
            pattern = any(c in file for c in "*?[") and not given.exists()
            matches = sorted(map(Path, glob.glob(str(given)))) if pattern else [given]
            if any(match.exists() for match in matches):
                break
        missing = [match for match in matches if not match.is_file()]
        if not matches or missing:
            what = "not a file" if missing and missing[0].exists() else "no such file"
            raise UsageError(f"{file}: {what} (looked in {Path.cwd()} and {REPO})")
        found.extend(matches)
    return found


def _script(args: argparse.Namespace) -> int:
    from sim.scripts import ScriptError, ScriptFailure, load_script, run_script

    scripts = []
    for path in _script_paths(args.files):
        try:
            scripts.append(load_script(path))
        except ScriptError as exc:
            raise UsageError(str(exc).splitlines()[0]) from None
    for script in scripts:
        out(f"=== {script.title} ===")
        try:
            result = run_script(script)
        except ScriptFailure as exc:
            out(exc)
            out(f"=== FAILED: {exc.problem.splitlines()[0]} ===")
            return FAILED
        out(result.transcript)
        count = len(script.steps)
        out(f"=== passed: {count} step{'s' if count != 1 else ''} ===\n")
    return 0


def _call(args: argparse.Namespace) -> int:
    from sim.scripts import run_call

    script = _setup(args, args.flow)

    def read(prompt: str) -> str:
        out(prompt, end="")
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    return run_call(script, read=read, write=out)


def _serve(args: argparse.Namespace) -> int:
    import time

    from sim.serve import serve

    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    try:
        return serve(say=out, until=lambda: deadline is not None and time.monotonic() >= deadline)
    except KeyboardInterrupt:
        out("stopped")
        return 0


# -- the parser ---------------------------------------------------------------------------------------------
def _flow_options(p: argparse.ArgumentParser) -> None:
    """The options ``flow`` and ``call`` share."""
    p.add_argument("--bot", action="append", metavar="REF=BOT_FILE", help="a Lex bot the flow refers to as REF")
    p.add_argument("--hook", action="append", metavar="REF=module:function",
                   help="the code hook or Lambda handler for REF (default: this project's handlers)")
    p.add_argument("--sub", action="append", metavar="NAME=VALUE", help="a value for ${NAME} in the flow")
    p.add_argument("--attr", action="append", metavar="K=V", help="initial contact attribute")
    p.add_argument("--caller", default="+15550100100", type=_e164, help="the caller's number (E.164)")


def parser() -> argparse.ArgumentParser:
    """The command line."""
    top = _Parser(prog="python -m sim", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter,
                                  epilog="\n\n".join(EXAMPLES.values()))  # fmt: skip
    common = _Parser(add_help=False)
    common.add_argument("--verbose", action="store_true", help="show handler logs (JSON) on stderr")
    common.add_argument("--log-file", type=Path, default=DEFAULT_LOG, metavar="PATH",
                        help=f"where handler logs go without --verbose (default: {DEFAULT_LOG})")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        p = commands.add_parser(name, help=help_text, description=help_text, epilog=EXAMPLES[name], parents=[common],
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
        p.set_defaults(run=run)
        return p

    p = command("signin", "sign in with password + voice-call OTP", _signin)
    p.add_argument("username", nargs="?", help="default: the seeded demo user")
    p.add_argument("--password", help="default: the demo user's password (not with --passwordless)")
    p.add_argument("--otp", action="append", metavar="CODE", type=_otp,
                   help="answer with CODE (repeat for retries); default: the code the phone heard")
    p.add_argument("--advance", type=_advance, metavar="SECONDS",
                   help="let SECONDS (> 0) of simulated time pass before every answer")
    p.add_argument("--passwordless", action="store_true",
                   help="start directly with the custom challenge (no password is sent)")

    p = command("flow", "run a Connect flow file in the interpreter and print its transcript", _flow)
    p.add_argument("file", metavar="FLOW")
    _flow_options(p)
    p.add_argument("--press", action="append", metavar="DIGITS", type=_press,
                   help="answer the next prompt with DIGITS ('' is silence); repeat for later prompts")
    p.add_argument("--initiation", default="INBOUND", type=_initiation,
                   help="InitiationMethod (INBOUND, OUTBOUND, API, TRANSFER, CALLBACK, ...)")

    command("demo", "play the scenarios end to end", _demo)

    p = command("script", "run conversation scripts (docs/conversation-scripts.md)", _script)
    p.add_argument("files", nargs="+", metavar="FILE")

    p = command("serve", "serve the voice-login and ordering chat pages on loopback for a person to use", _serve)
    p.add_argument("--seconds", type=_advance, metavar="SECONDS", help="stop after SECONDS (default: at Ctrl-C)")

    p = command("call", "be the caller of a flow at this terminal (#1234 presses keys)", _call)
    p.add_argument("flow", metavar="FLOW")
    _flow_options(p)
    return top


@contextlib.contextmanager
def handler_logs(verbose: bool, log_file: Path) -> Iterator[None]:
    """Send everything written to ``sys.stdout`` while running (handler JSON logs) to stderr or the log file."""
    real = sys.stdout
    if verbose:
        target: IO[str] = sys.stderr
        close = False
    else:
        try:
            target = log_file.open("a", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--log-file {log_file}: {exc.strerror}") from None
        close = True
    out.stream = real
    _reroute_handlers(real, target)
    sys.stdout = target
    try:
        yield
    finally:
        sys.stdout = real
        _reroute_handlers(target, real)
        if close:
            target.close()


def _reroute_handlers(old: IO[str], new: IO[str]) -> None:
    """Point logging handlers created before the switch (on ``old``) at ``new``."""
    loggers = [logging.getLogger(), *(v for v in logging.Logger.manager.loggerDict.values()
                                      if isinstance(v, logging.Logger))]  # fmt: skip
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is old:
                handler.setStream(new)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command; no traceback reaches the user."""
    # Run as a file (python path/to/sim/__main__.py), Python puts sim/ itself first on the path, where sim/web
    # would shadow the repository's top-level web/ package: the repository comes first, sim/ not at all.
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if not entry or Path(entry).resolve() != here]
    if str(REPO) in sys.path:
        sys.path.remove(str(REPO))
    sys.path.insert(0, str(REPO))  # the project's handlers import as lambdas.*, from any directory
    args = parser().parse_args(argv)
    try:
        with handler_logs(args.verbose, args.log_file):
            return int(args.run(args))
    except UsageError as exc:
        print(f"python -m sim {args.command}: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"python -m sim {args.command}: interrupted", file=sys.stderr)
        return USAGE_ERROR
    except Exception as exc:  # a bug in the runtime: one line, the traceback only when asked for
        if args.verbose:
            traceback.print_exc()
        where = "" if args.verbose else " (--verbose shows the traceback)"
        print(f"python -m sim {args.command}: internal error {type(exc).__name__}: {exc}{where}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
