"""Conversation scripts: YAML that plays a caller against a flow or a bot, and checks what comes back.

See docs/conversation-scripts.md for the format.
"""

from __future__ import annotations

from sim.scripts.engine import ScriptFailure, ScriptResult, run_script
from sim.scripts.loader import ScriptError, load_script
from sim.scripts.model import Script, Step
from sim.scripts.terminal import call_setup, run_call
from sim.scripts.world import World

__all__ = [
    "Script",
    "ScriptError",
    "ScriptFailure",
    "ScriptResult",
    "Step",
    "World",
    "call_setup",
    "load_script",
    "run_call",
    "run_script",
]
