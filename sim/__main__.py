"""``python -m sim``: the local runtime's command line (see README, "Local runtime")."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _signin(args: argparse.Namespace) -> int:
    from sim.local_runtime import LocalRuntime
    from sim.scenarios import signin

    with LocalRuntime(passwordless=args.passwordless) as runtime:
        user = runtime.demo_user
        username = args.username or user.username
        password = args.password if args.password is not None else (
            user.password if username == user.username else None)
        if password is None and not args.passwordless:
            print(f"--password is required for {username!r} (only the demo user's password is known)",
                  file=sys.stderr)
            return 2
        outcome = signin(runtime, username=username, password=password, codes=args.otp or None,
                         advance=args.advance)
    return 0 if outcome.ok else 1


def _flow(args: argparse.Namespace) -> int:
    from sim.aws.resources import PROMPT_FUNCTION_ARN
    from sim.connect import ContactData, FlowError, load_flow
    from sim.local_runtime import LocalRuntime
    from sim.phone import Phone

    attributes = {}
    for item in args.attr or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            print(f"--attr expects KEY=VALUE, got {item!r}", file=sys.stderr)
            return 2
        attributes[key] = value
    with LocalRuntime() as runtime:
        flow = load_flow(Path(args.file), {"VoiceOtpPromptFunctionArn": PROMPT_FUNCTION_ARN})
        phone = Phone(args.caller)
        phone.will_press(args.press or [])
        phone.answer(runtime.resources.source_number, "cli-contact", runtime.clock.now())
        contact = ContactData(
            contact_id="cli-contact", channel="VOICE", initiation_method=args.initiation,
            customer_address=args.caller, system_address=runtime.resources.source_number,
            instance_arn=runtime.resources.instance_arn, attributes=attributes,
        )
        try:
            result = runtime.interpreter().run(flow, participant=phone, contact=contact)
        except FlowError as exc:
            print(f"flow error: {exc}", file=sys.stderr)
            return 1
    print(result.transcript.render())
    return 0 if result.disconnected or result.ended_by else 1


def _demo(args: argparse.Namespace) -> int:
    from sim.local_runtime import LocalRuntime
    from sim.scenarios import lockout_demo, signin

    print("=== Voice-call OTP for Cognito, on the local runtime (no AWS account) ===\n")
    with LocalRuntime() as runtime:
        user = runtime.demo_user
        print("--- 1. the demo user signs in; the phone rings and reads the code; the code is entered ---")
        ok = signin(runtime, username=user.username, password=user.password, replay_once=True)
        runtime.clock.advance(31)
    print()
    with LocalRuntime() as runtime:
        print("--- 2. wrong codes, sign-in after sign-in, until the account locks ---")
        outcomes = lockout_demo(runtime)
    locked = outcomes[-1].error is not None and "Too many failed attempts" in outcomes[-1].error.message
    print("\n=== The OTP-gated ordering chat bot (C4), on the local runtime ===\n")
    from sim.ordering.scenario import ordering_demo

    ordered = ordering_demo(first=3)
    passed = ok.ok and locked and ordered
    print("\n=== demo", "passed" if passed else "FAILED", "===")
    return 0 if passed else 1


def _script(args: argparse.Namespace) -> int:
    from sim.scripts import ScriptError, ScriptFailure, load_script, run_script

    for file in args.files:
        try:
            script = load_script(Path(file))
        except ScriptError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(f"=== {script.title} ===")
        try:
            result = run_script(script)
        except ScriptFailure as exc:
            print(exc)
            print(f"=== FAILED: {exc.problem.splitlines()[0]} ===")
            return 1
        print(result.transcript)
        count = len(script.steps)
        print(f"=== passed: {count} step{'s' if count != 1 else ''} ===\n")
    return 0


def _call(args: argparse.Namespace) -> int:
    from sim.scripts import call_setup, run_call

    try:
        script = call_setup(args.flow, bots=args.bot or [], hooks=args.hook or [], substitutions=args.sub or [],
                            attributes=args.attr or [], caller=args.caller)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    return run_call(script)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("signin", help="sign in with password + voice-call OTP")
    p.add_argument("username", nargs="?", help="default: the seeded demo user")
    p.add_argument("--password", help="default: the demo user's password")
    p.add_argument("--otp", action="append", metavar="CODE", help="answer with CODE (repeat for retries); "
                   "default: the code the phone heard")
    p.add_argument("--advance", type=float, default=0.0, metavar="SECONDS",
                   help="let SECONDS of simulated time pass before answering")
    p.add_argument("--passwordless", action="store_true", help="start directly with the custom challenge")
    p.set_defaults(run=_signin)

    p = commands.add_parser("flow", help="run a Connect flow file in the interpreter")
    p.add_argument("file")
    p.add_argument("--attr", action="append", metavar="K=V", help="initial contact attribute")
    p.add_argument("--press", action="append", metavar="DIGITS", help="answer the next prompt with DIGITS")
    p.add_argument("--caller", default="+15550100100", help="the customer's number (E.164)")
    p.add_argument("--initiation", default="INBOUND", help="InitiationMethod (INBOUND, OUTBOUND, API, ...)")
    p.set_defaults(run=_flow)

    p = commands.add_parser("demo", help="play the scenarios end to end")
    p.set_defaults(run=_demo)

    p = commands.add_parser("script", help="run conversation scripts (docs/conversation-scripts.md)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(run=_script)

    p = commands.add_parser("call", help="be the caller of a flow at this terminal (#1234 presses keys)")
    p.add_argument("flow", metavar="FLOW")
    p.add_argument("--bot", action="append", metavar="REF=BOT_FILE", help="a Lex bot the flow refers to as REF")
    p.add_argument("--hook", action="append", metavar="REF=module:function",
                   help="the code hook or Lambda handler for REF (default: this project's handlers)")
    p.add_argument("--sub", action="append", metavar="NAME=VALUE", help="a value for ${NAME} in the flow")
    p.add_argument("--attr", action="append", metavar="K=V", help="initial contact attribute")
    p.add_argument("--caller", default="+15550100100", help="the caller's number (E.164)")
    p.set_defaults(run=_call)

    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
