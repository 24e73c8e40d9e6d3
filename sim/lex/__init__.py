"""Local Amazon Lex V2 runtime emulator: deterministic recognition and Lex-style dialog management.

Reads the same AWS::Lex::Bot BotLocales definition CDK deploys; see docs/lex-emulator.md.
"""

from __future__ import annotations

from sim.lex.dialog import CodeHook
from sim.lex.errors import (
    BotDefinitionError,
    BotNotFoundError,
    CodeHookError,
    CodeHookResponseError,
    LexEmulatorError,
)
from sim.lex.loader import load_bot, parse_bot
from sim.lex.model import BotDefinition
from sim.lex.service import CodeHooks, LexRuntime
from sim.lex.transcript import Transcript, TranscriptTurn

__all__ = [
    "BotDefinition",
    "BotDefinitionError",
    "BotNotFoundError",
    "CodeHook",
    "CodeHookError",
    "CodeHookResponseError",
    "CodeHooks",
    "LexEmulatorError",
    "LexRuntime",
    "Transcript",
    "TranscriptTurn",
    "load_bot",
    "parse_bot",
]
