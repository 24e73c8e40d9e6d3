#!/usr/bin/env python3
"""CDK entry point: reads the context once, validates it into typed config, composes stacks, adds cdk-nag."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks, PCIDSS321Checks

from stacks.config import (
    CONTACT_CENTRE_CONTEXT_KEYS,
    ORDERING_BOT_CONTEXT_KEYS,
    SECURE_INPUT_CONTEXT_KEYS,
    VOICE_LOGIN_CONTEXT_KEYS,
    VOICE_OTP_CONTEXT_KEYS,
    ContextError,
    parse_contact_centre_config,
    parse_ordering_bot_config,
    parse_secure_input_config,
    parse_voice_login_config,
    parse_voice_otp_config,
)
from stacks.contact_centre_stack import contact_centre
from stacks.ordering_bot_stack import OrderingBotStack
from stacks.secure_input_stack import SecureInputStack
from stacks.voice_login_stack import VoiceLoginStack
from stacks.voice_otp_stack import VoiceOtpStack

ROOT = Path(__file__).resolve().parent
VOICE_OTP_STACK = "VoiceOtp"
SECURE_INPUT_STACK = "SecureInput"
VOICE_LOGIN_STACK = "VoiceLogin"
ORDERING_BOT_STACK = "OrderingBot"


def cdk_json_context() -> dict[str, Any]:
    """The ``context`` block of ``cdk.json`` (the CDK CLI passes it itself; ``python app.py`` needs this)."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


def build_app(context: Mapping[str, Any] | None = None, *, outdir: str | None = None) -> App:
    """The app with ``cdk.json``'s context overlaid by ``context`` (CLI context, if any, wins over both)."""
    app = App(context={**cdk_json_context(), **(context or {})}, outdir=outdir)

    def context_of(keys: Sequence[str]) -> dict[str, Any]:
        return {key: app.node.try_get_context(key) for key in keys}

    connect = contact_centre(app, parse_contact_centre_config(context_of(CONTACT_CENTRE_CONTEXT_KEYS)))
    VoiceOtpStack(
        app,
        VOICE_OTP_STACK,
        config=parse_voice_otp_config(context_of(VOICE_OTP_CONTEXT_KEYS)),
        connect=connect,
        description="Voice-call OTP for Cognito custom auth, delivered by Amazon Connect (C2)",
    )
    SecureInputStack(
        app,
        SECURE_INPUT_STACK,
        config=parse_secure_input_config(context_of(SECURE_INPUT_CONTEXT_KEYS)),
        connect_refs=connect,
        description="Encrypted caller input: card number and ZIP sealed at capture, operator decrypt audited (C3)",
    )
    VoiceLoginStack(app, VOICE_LOGIN_STACK, config=parse_voice_login_config(context_of(VOICE_LOGIN_CONTEXT_KEYS)),
                    connect=connect, description="Voice login with a scoped, single-use SMS link (C1)")
    OrderingBotStack(
        app,
        ORDERING_BOT_STACK,
        config=parse_ordering_bot_config(context_of(ORDERING_BOT_CONTEXT_KEYS)),
        description="OTP-gated food-ordering chat bot on Lex V2 with SMS codes (C4)",
    )
    add_compliance_checks(app)
    return app


def add_compliance_checks(app: App) -> None:
    """cdk-nag's AWS Solutions and PCI DSS 3.2.1 packs: synth fails on any finding not acknowledged."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(verbose=True), PCIDSS321Checks(verbose=True))


def cli_context(argv: Sequence[str]) -> dict[str, str]:
    """``-c key=value`` / ``--context key=value`` pairs, as ``cdk synth`` takes them."""
    pairs: dict[str, str] = {}
    args = iter(argv)
    for arg in args:
        if arg not in ("-c", "--context"):
            raise SystemExit(f"usage: python app.py [-c key=value ...] (unexpected {arg!r})")
        key, sep, value = next(args, "").partition("=")
        if not sep or not key:
            raise SystemExit(f"{arg} needs key=value")
        pairs[key] = value
    return pairs


def main(argv: Sequence[str]) -> None:
    """Synthesize into ``$CDK_OUTDIR`` (set by the CDK CLI) or ``./cdk.out``."""
    outdir = None if os.environ.get("CDK_OUTDIR") else str(ROOT / "cdk.out")
    try:
        app = build_app(cli_context(argv), outdir=outdir)
    except ContextError as error:
        raise SystemExit(f"error: {error}") from None
    app.synth()


if __name__ == "__main__":
    main(sys.argv[1:])
